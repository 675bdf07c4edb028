import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type Outcome } from "../../src/index.js";
import { PostgresJournal } from "../../src/journal/index.js";
import { postgresMissing, startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

const missing = postgresMissing();
if (missing !== undefined && process.env.CI !== "true") {
  console.warn(`Skipping the Postgres journal tests: ${missing}`);
}

function ok(id: string, value: unknown, index = 0): Outcome {
  return { id, index, name: "echo", status: "ok", value, startedAt: 1, durationMs: 2, attempts: 1 };
}

// With CI=true a missing server is not a reason to skip: startPostgres() throws and the suite fails.
describe.skipIf(missing !== undefined && process.env.CI !== "true")("PostgresJournal", () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.connectionString, max: 4 });
    // Stopping the server at teardown drops idle connections: that is expected here.
    pool.on("error", () => {});
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it("round-trips outcomes, keeps the first of a call, deletes a batch", async () => {
    const journal = new PostgresJournal({ pool, table: "roundtrip" });
    const failed: Outcome = {
      id: "b",
      index: 1,
      name: "echo",
      status: "error",
      error: {
        kind: "tool_error",
        message: "boom \u0000 nul and ünïcode",
        data: { name: "Error" },
      },
      startedAt: 3,
      durationMs: 5,
      attempts: 1,
    };
    await Promise.all([
      journal.record("batch-1", ok("a", { nested: [1, "two", null] })),
      journal.record("batch-1", failed),
      journal.record("batch-2", ok("a", "other")),
    ]);
    await journal.record("batch-1", ok("a", "loses"));
    expect(await journal.load("batch-1")).toEqual([ok("a", { nested: [1, "two", null] }), failed]);
    expect(await journal.load("batch-2")).toEqual([ok("a", "other")]);
    await journal.delete("batch-1");
    expect(await journal.load("batch-1")).toEqual([]);
    await journal.close();
  });

  it("groups 10,000 outcomes into few commits", async () => {
    const journal = new PostgresJournal({ pool, table: "grouped" });
    await journal.setup();
    const t0 = performance.now();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 10_000; i++) writes.push(journal.record("big", ok(`c${i}`, i, i)));
    await Promise.all(writes);
    const ms = performance.now() - t0;
    const { commits, recorded } = journal.stats();
    expect(recorded).toBe(10_000);
    expect(commits).toBeLessThanOrEqual(10);
    expect(await journal.load("big")).toHaveLength(10_000);
    console.log(
      `PostgresJournal: 10,000 outcomes in ${commits} commits, ${((ms * 1000) / 10_000).toFixed(1)} µs/outcome`,
    );
    await journal.close();
  });

  it("lets the executor resume a batch, through a journal that owns its pool", async () => {
    const runs: string[] = [];
    const echo = defineTool({
      name: "echo",
      description: "echo",
      schema: z.object({ text: z.string() }),
      run: ({ text }, { callId }) => {
        runs.push(callId);
        return text;
      },
    });
    const calls = ["a", "b", "c", "d"].map((id) => ({ id, name: "echo", args: { text: id } }));
    const first = new PostgresJournal(server.connectionString);
    const executor = createExecutor({ tools: [echo], journal: first });
    await executor.execute(calls.slice(0, 2), { batchId: "resume" });
    await first.close();
    const second = new PostgresJournal({ connectionString: server.connectionString });
    const again = createExecutor({ tools: [echo], journal: second });
    const report = await again.execute(calls, { batchId: "resume" });
    expect(runs).toEqual(["a", "b", "c", "d"]);
    expect(report.outcomes.map((o) => o.replayed ?? false)).toEqual([true, true, false, false]);
    expect(report.results).toEqual({ a: "a", b: "b", c: "c", d: "d" });
    await Promise.all([executor.close(), again.close()]);
    await second.close();
  });

  it("journals 10,000 executor outcomes in few commits", async () => {
    const journal = new PostgresJournal({ pool, table: "executor" });
    await journal.setup();
    const noop = defineTool({
      name: "noop",
      description: "returns its index",
      schema: z.object({ i: z.number() }),
      run: async ({ i }) => i,
    });
    const executor = createExecutor({ tools: [noop], concurrency: Infinity, journal });
    const calls = Array.from({ length: 10_000 }, (_, i) => ({
      id: `c${i}`,
      name: "noop",
      args: { i },
    }));
    const t0 = performance.now();
    const report = await executor.execute(calls, { batchId: "ten-thousand" });
    const ms = performance.now() - t0;
    expect(report.counts.ok).toBe(10_000);
    const { commits } = journal.stats();
    expect(commits).toBeLessThanOrEqual(100);
    console.log(
      `PostgresJournal via executor: 10,000 outcomes in ${commits} commits, ${((ms * 1000) / 10_000).toFixed(1)} µs/outcome`,
    );
    await executor.close();
    await journal.close();
  });

  it("fails only the call whose id Postgres text cannot hold (a NUL), not the rest of its group", async () => {
    const journal = new PostgresJournal({ pool, table: "nul_ids" });
    const settled = await Promise.allSettled([
      journal.record("b1", ok("a", "fine")),
      journal.record("b1", ok("b\u0000x", "nul in the call id")),
      journal.record("b\u0000", ok("c", "nul in the batch id")),
      journal.record("b2", ok("d", "another batch")),
    ]);
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
    ]);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(
      /TypeError: Cannot journal call "b\\u0000x" of batch "b1": its call id contains a NUL/,
    );
    expect((await journal.load("b1")).map((o) => o.id)).toEqual(["a"]);
    expect((await journal.load("b2")).map((o) => o.id)).toEqual(["d"]);
  });

  it("refuses ids with half a surrogate pair, which Postgres would merge with other ids", async () => {
    const journal = new PostgresJournal({ pool, table: "lone_surrogates" });
    const settled = await Promise.allSettled([
      journal.record("s1", ok("x\ud800", "one")),
      journal.record("s1", ok("x\ud801", "another")),
      journal.record("s1", ok("pair\ud83d\ude00", "a whole pair is fine")),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(
      /TypeError: .*its call id contains half a surrogate pair/,
    );
    await expect(journal.load("batch\ud800")).rejects.toThrow(TypeError);
    expect((await journal.load("s1")).map((o) => o.id)).toEqual(["pair\ud83d\ude00"]);
  });

  it("closes once when close() is called again before the first has finished", async () => {
    const journal = new PostgresJournal({
      connectionString: server.connectionString,
      table: "close_twice",
    });
    const recorded = journal.record("b", ok("a", 1));
    const closes = await Promise.allSettled([journal.close(), journal.close(), recorded]);
    expect(closes.map((c) => c.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    const reader = new PostgresJournal({ pool, table: "close_twice" });
    expect((await reader.load("b")).map((o) => o.id)).toEqual(["a"]);
  });

  it("works for a role that may write the table but not create tables (a DBA made it)", async () => {
    await pool.query(`CREATE SCHEMA locked`);
    await pool.query(`CREATE ROLE app_rw LOGIN`);
    await pool.query(`ALTER ROLE app_rw SET search_path = locked`);
    await pool.query(`GRANT USAGE ON SCHEMA locked TO app_rw`);
    await new PostgresJournal({ pool, table: "locked_journal" }).setup();
    await pool.query(`ALTER TABLE locked_journal SET SCHEMA locked`);
    await pool.query(`GRANT SELECT, INSERT, DELETE ON locked.locked_journal TO app_rw`);
    const app = new pg.Pool({
      connectionString: server.connectionString.replace("postgres@", "app_rw@"),
      max: 2,
    });
    app.on("error", () => {});
    try {
      const journal = new PostgresJournal({ pool: app, table: "locked_journal" });
      await journal.record("b", ok("a", "written by the app role"));
      expect((await journal.load("b")).map((o) => o.id)).toEqual(["a"]);
      await journal.delete("b");
      expect(await journal.load("b")).toEqual([]);
    } finally {
      await app.end();
    }
  });

  it("rejects bad options with a TypeError", () => {
    expect(() => new PostgresJournal({})).toThrow(/Expected pool or connectionString/);
    expect(() => new PostgresJournal({ pool, table: "1bad" })).toThrow(/SQL identifier/);
    expect(() => new PostgresJournal({ pool: {} as pg.Pool })).toThrow(/pg.Pool or pg.Client/);
  });
});
