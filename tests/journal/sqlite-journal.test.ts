import Database from "better-sqlite3";
import { readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type Outcome } from "../../src/index.js";
import { SqliteJournal } from "../../src/journal/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";

function ok(id: string, value: unknown, index = 0): Outcome {
  return { id, index, name: "echo", status: "ok", value, startedAt: 1, durationMs: 2, attempts: 1 };
}

describe("SqliteJournal", () => {
  let dir: ReturnType<typeof makeTempDir>;
  let file: string;
  beforeEach(() => {
    dir = makeTempDir("sqlite-journal");
    file = join(dir.path, "journal.db");
  });
  afterEach(() => dir.remove());

  it("closes the file it opened when the file is not a SQLite database", () => {
    writeFileSync(file, "not a database, but long enough to have a header to read ".repeat(20));
    const openOnFile = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === file;
        } catch {
          return false;
        }
      }).length;
    for (let i = 0; i < 3; i++) expect(() => new SqliteJournal(file)).toThrow(/not a database/);
    expect(openOnFile()).toBe(0);
  });

  it("round-trips ok and error outcomes and keeps the first outcome of a call", async () => {
    const journal = new SqliteJournal(file);
    const failed: Outcome = {
      id: "b",
      index: 1,
      name: "echo",
      status: "error",
      error: { kind: "timeout", message: "too slow", data: { timeoutMs: 5 } },
      startedAt: 3,
      durationMs: 5,
      attempts: 2,
    };
    await Promise.all([
      journal.record("batch-1", ok("a", { n: 1, list: ["x"] })),
      journal.record("batch-1", failed),
      journal.record("batch-2", ok("a", "other batch")),
    ]);
    await journal.record("batch-1", ok("a", "second write loses"));
    expect(journal.load("batch-1")).toEqual([ok("a", { n: 1, list: ["x"] }), failed]);
    expect(journal.load("batch-2")).toEqual([ok("a", "other batch")]);
    expect(journal.load("nothing")).toEqual([]);
    await journal.close();

    const reopened = new SqliteJournal({ path: file });
    expect(reopened.load("batch-1").map((o) => o.id)).toEqual(["a", "b"]);
    await reopened.delete("batch-1");
    expect(reopened.load("batch-1")).toEqual([]);
    expect(reopened.load("batch-2")).toHaveLength(1);
    await reopened.close();
  });

  it("uses WAL mode and does not store the replayed flag", async () => {
    const journal = new SqliteJournal(file);
    expect(journal.database.pragma("journal_mode", { simple: true })).toBe("wal");
    await journal.record("b", { ...ok("a", 1), replayed: true });
    expect(journal.load("b")[0]).not.toHaveProperty("replayed");
    await journal.close();
  });

  it("resolves record() only after the row is committed and visible to another connection", async () => {
    const journal = new SqliteJournal(file);
    const reader = new Database(file, { readonly: true });
    const count = () =>
      (reader.prepare("SELECT count(*) AS n FROM volley_journal").get() as { n: number }).n;
    const pending = journal.record("b", ok("a", 1));
    expect(count()).toBe(0);
    expect(journal.load("b")).toHaveLength(1); // load also sees outcomes waiting for a commit
    await pending;
    expect(count()).toBe(1);
    reader.close();
    await journal.close();
  });

  it("groups the outcomes of one tick into few commits", async () => {
    const journal = new SqliteJournal({ path: file, maxBatchSize: 1000 });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 10_000; i++) writes.push(journal.record("big", ok(`c${i}`, i, i)));
    await Promise.all(writes);
    expect(journal.stats()).toEqual({ recorded: 10_000, commits: 10, pending: 0 });
    expect(journal.load("big")).toHaveLength(10_000);
    await journal.close();
  });

  it("fails only the call whose value cannot be encoded", async () => {
    const journal = new SqliteJournal(file);
    const bad = journal.record("b", ok("big", 10n));
    const good = journal.record("b", ok("fine", 1));
    await expect(bad).rejects.toThrow(/Cannot journal call "big" of batch "b"/);
    await expect(good).resolves.toBeUndefined();
    expect(journal.load("b").map((o) => o.id)).toEqual(["fine"]);
    await journal.close();
  });

  it("skips a damaged row with a warning instead of failing the load", async () => {
    const journal = new SqliteJournal(file);
    await journal.record("b", ok("a", 1));
    journal.database
      .prepare("INSERT INTO volley_journal VALUES (?, ?, ?, ?)")
      .run("b", "z", "{not json", Date.now());
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    expect(journal.load("b").map((o) => o.id)).toEqual(["a"]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/skipped 1 damaged row/), {
      code: "VOLLEY_JOURNAL",
    });
    warn.mockRestore();
    await journal.close();
  });

  it("shares a database it was given and leaves it open", async () => {
    const db = new Database(file);
    const journal = new SqliteJournal({ database: db, table: "my_outcomes" });
    await journal.record("b", ok("a", 1));
    await journal.close();
    expect(db.open).toBe(true);
    expect(db.prepare("SELECT count(*) AS n FROM my_outcomes").get()).toEqual({ n: 1 });
    db.close();
  });

  it("does not record transient kinds (cancelled, deadline, rejected) unless told to", async () => {
    const cancelled: Outcome = {
      id: "c",
      index: 0,
      name: "echo",
      status: "error",
      error: { kind: "cancelled", message: "The caller aborted" },
      startedAt: 1,
      durationMs: 1,
      attempts: 1,
    };
    const timedOut: Outcome = {
      ...cancelled,
      id: "t",
      error: { kind: "timeout", message: "slow" },
    };
    const journal = new SqliteJournal(file);
    await Promise.all([journal.record("b", cancelled), journal.record("b", timedOut)]);
    expect(journal.load("b").map((o) => o.id)).toEqual(["t"]);
    await journal.close();
    const everything = new SqliteJournal({ path: file, transientKinds: [] });
    await everything.record("b", cancelled);
    expect(everything.load("b").map((o) => o.id)).toEqual(["t", "c"]);
    await everything.close();
    expect(() => new SqliteJournal({ path: file, transientKinds: ["nope" as "timeout"] })).toThrow(
      /Expected transientKinds to be an array of error kinds/,
    );
  });

  it("resumes a cancelled batch by running the cancelled calls again", async () => {
    const runs: string[] = [];
    const wait = defineTool({
      name: "wait",
      description: "waits",
      schema: z.object({ ms: z.number() }),
      run: async ({ ms }, { callId, signal }) => {
        runs.push(callId);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        });
        return callId;
      },
    });
    const journal = new SqliteJournal(file);
    const executor = createExecutor({ tools: [wait], journal });
    const controller = new AbortController();
    const first = executor.execute(
      [
        { id: "quick", name: "wait", args: { ms: 1 } },
        { id: "slow", name: "wait", args: { ms: 10_000 } },
      ],
      { batchId: "stop-and-go", signal: controller.signal },
    );
    for await (const outcome of first) if (outcome.id === "quick") controller.abort();
    expect((await first).errors["slow"]?.kind).toBe("cancelled");
    const second = await executor.execute(
      [
        { id: "quick", name: "wait", args: { ms: 1 } },
        { id: "slow", name: "wait", args: { ms: 1 } },
      ],
      { batchId: "stop-and-go" },
    );
    expect(second.results).toEqual({ quick: "quick", slow: "slow" });
    expect(runs).toEqual(["quick", "slow", "slow"]);
    await executor.close();
    await journal.close();
  });

  it("rejects bad options with a TypeError naming the option", () => {
    expect(() => new SqliteJournal("")).toThrow(TypeError);
    expect(() => new SqliteJournal({ path: file, table: "x; drop" })).toThrow(
      /Expected table to be a SQL identifier/,
    );
    expect(() => new SqliteJournal({ path: file, maxBatchSize: 0 })).toThrow(
      /Expected maxBatchSize to be a positive integer, got `0` \(number\)/,
    );
    expect(
      () => new SqliteJournal({ path: file, synchronous: "off" as unknown as "full" }),
    ).toThrow(/Expected synchronous/);
    expect(() => new SqliteJournal({ database: {} as Database.Database })).toThrow(
      /better-sqlite3 Database/,
    );
  });

  it("lets the executor resume a batch: finished calls are replayed, not run", async () => {
    const runs: string[] = [];
    const echo = defineTool({
      name: "echo",
      description: "echo",
      schema: z.object({ text: z.string(), fail: z.boolean().optional() }),
      run: ({ text, fail }, { callId }) => {
        runs.push(callId);
        if (fail) throw new Error(`failed ${text}`);
        return text.toUpperCase();
      },
    });
    const calls = [
      { id: "a", name: "echo", args: { text: "a" } },
      { id: "b", name: "echo", args: { text: "b", fail: true } },
      { id: "c", name: "echo", args: { text: "c" } },
    ];
    const first = new SqliteJournal(file);
    const executor = createExecutor({ tools: [echo], journal: first });
    await executor.execute(calls.slice(0, 2), { batchId: "resume-me" });
    await executor.close();
    await first.close();
    expect(runs).toEqual(["a", "b"]);

    const second = new SqliteJournal(file);
    const again = createExecutor({ tools: [echo], journal: second });
    const report = await again.execute(calls, { batchId: "resume-me" });
    expect(runs).toEqual(["a", "b", "c"]);
    expect(report.outcomes.map((o) => [o.id, o.status, o.replayed ?? false])).toEqual([
      ["a", "ok", true],
      ["b", "error", true],
      ["c", "ok", false],
    ]);
    expect(report.results).toEqual({ a: "A", c: "C" });
    expect(report.errors["b"]?.kind).toBe("tool_error");
    await again.close();
    await second.close();
  });

  it("journals 10,000 executor outcomes in few commits", async () => {
    const journal = new SqliteJournal(file);
    const noop = defineTool({
      name: "noop",
      description: "returns its index",
      schema: z.object({ i: z.number() }),
      run: async ({ i }) => i,
    });
    const executor = createExecutor({ tools: [noop], concurrency: Infinity });
    const journaled = createExecutor({ tools: [noop], concurrency: Infinity, journal });
    const calls = Array.from({ length: 10_000 }, (_, i) => ({
      id: `c${i}`,
      name: "noop",
      args: { i },
    }));
    await executor.execute(calls); // warm up
    const t0 = performance.now();
    await executor.execute(calls);
    const plainMs = performance.now() - t0;
    const t1 = performance.now();
    const report = await journaled.execute(calls, { batchId: "ten-thousand" });
    const journaledMs = performance.now() - t1;
    expect(report.counts.ok).toBe(10_000);
    const { commits, recorded } = journal.stats();
    expect(recorded).toBe(10_000);
    expect(commits).toBeLessThanOrEqual(100);
    console.log(
      `SqliteJournal: 10,000 outcomes in ${commits} commits; ` +
        `${((journaledMs * 1000) / 10_000).toFixed(1)} µs/outcome with the journal, ` +
        `${((plainMs * 1000) / 10_000).toFixed(1)} µs/outcome without`,
    );
    await Promise.all([executor.close(), journaled.close()]);
    await journal.close();
  });
});
