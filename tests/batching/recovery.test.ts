import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { VirtualLoop } from "../fuzz/virtual-loop.js";
import { waitTool } from "./helpers.js";

describe("recovery strategies", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("onError: { fallback } runs another tool with the same args after retries are spent", async () => {
    let primaryRuns = 0;
    const executor = createExecutor({
      tools: [
        waitTool("primary", {
          retry: { maxAttempts: 2, initialInterval: 10, jitter: false },
          onError: { fallback: "backup" },
          onRun: () => primaryRuns++,
        }),
        waitTool("backup"),
      ],
    });
    const batch = executor.execute([{ id: "c", name: "primary", args: { tag: "t", fail: true } }]);
    await vi.advanceTimersByTimeAsync(100);
    const report = await batch;
    // The fallback got the same args, and so failed too: the call keeps its first error.
    expect(primaryRuns).toBe(2);
    const outcome = report.outcomes[0]!;
    expect(outcome.status).toBe("error");
    if (outcome.status !== "error") return;
    expect(outcome.name).toBe("primary");
    expect(outcome.error.kind).toBe("tool_error");
    expect(outcome.error.message).toMatch(
      /primary failed on purpose \(fallback "backup" failed too/,
    );
    expect(outcome.attempts).toBe(3);
  });

  it("a call cancelled while its fallback runs keeps the name it gave and counts every attempt", async () => {
    const executor = createExecutor({
      tools: [
        waitTool("primary", {
          retry: { maxAttempts: 2, initialInterval: 10, jitter: false },
          onError: { fallback: "backup" },
        }),
        waitTool("backup", { ms: 1_000 }),
      ],
    });
    const batch = executor.execute([{ id: "c", name: "primary", args: { fail: true } }]);
    // primary fails twice (10 ms each, 10 ms apart); then backup runs for a second.
    await vi.advanceTimersByTimeAsync(100);
    expect(executor.stats().tools["backup"]!.running).toBe(1);
    batch.cancel("enough");
    const outcome = (await batch).outcomes[0]!;
    expect(outcome).toMatchObject({ name: "primary", status: "error", attempts: 3 });
    expect(outcome.status === "error" && outcome.error.kind).toBe("cancelled");
    expect(outcome.startedAt).not.toBeNull();
    expect(executor.stats().tools).toMatchObject({
      primary: { finished: 1, failed: 1, recovered: 1 },
      backup: { finished: 1, failed: 1, running: 0 },
    });
  });

  it("a batch cancelled while a fallback's async schema checks ends each call once", async () => {
    const slowSchema = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: async (value: unknown) => {
          await new Promise((done) => setTimeout(done, 20));
          return { value };
        },
      },
    };
    const executor = createExecutor({
      tools: [
        defineTool({
          name: "primary",
          description: "",
          schema: slowSchema,
          onError: { fallback: "backup" },
          retry: false,
          run: () => {
            throw new Error("primary failed");
          },
        }),
        defineTool({ name: "backup", description: "", schema: slowSchema, run: () => "b" }),
      ],
    });
    const finished: string[] = [];
    executor.on("call:finished", (e) => finished.push(e.callId));
    const batch = executor.execute(["c1", "c2"].map((id) => ({ id, name: "primary", args: {} })));
    // Past the primary's check and failure, inside the fallback's check.
    await vi.advanceTimersByTimeAsync(25);
    batch.cancel("stop");
    await vi.advanceTimersByTimeAsync(100);
    const report = await batch;
    expect(report.counts).toMatchObject({ error: 2 });
    expect(finished.sort()).toEqual(["c1", "c2"]);
    expect(executor.stats().finished).toBe(2);
  });

  it("a successful fallback ends ok with recoveredBy and the first error in recoveredFrom", async () => {
    const flaky = defineTool({
      name: "flaky",
      description: "always fails",
      schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
      onError: { fallback: "backup" },
      run: () => {
        throw new Error("flaky is down");
      },
    });
    const executor = createExecutor({ tools: [flaky, waitTool("backup")] });
    const batch = executor.execute([{ id: "c", name: "flaky", args: { tag: "from backup" } }]);
    await vi.advanceTimersByTimeAsync(20);
    const outcome = (await batch).outcomes[0]!;
    expect(outcome).toMatchObject({
      id: "c",
      name: "flaky",
      status: "ok",
      value: "from backup",
      recoveredBy: "fallback",
      recoveredFrom: { kind: "tool_error", message: "flaky is down" },
      attempts: 2,
    });
    expect(executor.stats().tools["flaky"]).toMatchObject({ failed: 1, recovered: 1 });
    expect(executor.stats().tools["backup"]).toMatchObject({ ok: 1 });
  });

  it("onTimeout: { default } ends ok with the value", async () => {
    const executor = createExecutor({
      tools: [waitTool("slow", { timeoutMs: 50, onTimeout: { default: [] } })],
    });
    const batch = executor.execute([{ id: "c", name: "slow", args: { ms: 1_000 } }]);
    await vi.advanceTimersByTimeAsync(60);
    const outcome = (await batch).outcomes[0]!;
    expect(outcome).toMatchObject({
      status: "ok",
      value: [],
      recoveredBy: "default",
      recoveredFrom: { kind: "timeout" },
    });
  });

  it("onError does not recover timeouts, and onTimeout does not recover errors", async () => {
    const executor = createExecutor({
      tools: [
        waitTool("a", { timeoutMs: 50, onError: { default: 1 } }),
        waitTool("b", { onTimeout: { default: 1 } }),
      ],
    });
    const batch = executor.execute([
      { id: "a", name: "a", args: { ms: 1_000 } },
      { id: "b", name: "b", args: { fail: true } },
    ]);
    await vi.advanceTimersByTimeAsync(60);
    const report = await batch;
    expect(report.errors["a"]!.kind).toBe("timeout");
    expect(report.errors["b"]!.kind).toBe("tool_error");
  });

  it("never recovers deadline or cancelled", async () => {
    const executor = createExecutor({
      tools: [waitTool("t", { onError: { default: 1 }, onTimeout: { default: 2 } })],
    });
    const late = executor.execute([{ id: "d", name: "t", args: { ms: 1_000 } }], {
      deadlineMs: 50,
    });
    const gone = executor.execute([{ id: "c", name: "t", args: { ms: 1_000 } }]);
    await vi.advanceTimersByTimeAsync(10);
    gone.cancel();
    await vi.advanceTimersByTimeAsync(50);
    expect((await late).errors["d"]!.kind).toBe("deadline");
    expect((await gone).errors["c"]!.kind).toBe("cancelled");
  });

  it("validates onTimeout/onError, and that a fallback names another tool", () => {
    const schema = { safeParse: (v: unknown) => ({ success: true as const, data: v }) };
    const def = (extra: object, name = "t") =>
      defineTool({ name, description: "", schema, run: () => 1, ...extra });
    expect(() => def({ onError: { fallback: "x", default: 1 } })).toThrow(/exactly one/);
    expect(() => def({ onTimeout: "x" })).toThrow(/tool "t".onTimeout/);
    expect(() => def({ onError: { fallback: "" } })).toThrow(/onError.fallback/);
    expect(() => createExecutor({ tools: [def({ onError: { fallback: "nope" } })] })).toThrow(
      /"nope", which is not a tool/,
    );
    expect(() => createExecutor({ tools: [def({ onError: { fallback: "t" } })] })).toThrow(
      /names the tool itself/,
    );
  });
});

describe("recovery while the batch ends", () => {
  it("a call leaving an exclusive tool for its fallback, whose batch ends meanwhile (the next call in line finds the deadline passed), ends once", async () => {
    // "a1" blocks the loop past the deadline, then fails: leaving the exclusive tool for its
    // fallback lets "a2" go, which finds the deadline passed and ends the batch, withdrawing
    // "a1" while its fallback is being arranged.
    const loop = new VirtualLoop(1);
    const a = defineTool({
      name: "a",
      description: "",
      schema: z.object({ block: z.boolean().optional() }),
      exclusive: true,
      onError: { fallback: "b" },
      run: ({ block }) => {
        if (block) loop.block(20);
        return Promise.reject(new Error("a failed"));
      },
    });
    const b = defineTool({
      name: "b",
      description: "",
      schema: z.object({}).passthrough(),
      run: () => "b",
    });
    const executor = createExecutor({ tools: [a, b], clock: loop });
    const restore = loop.install();
    try {
      const batch = executor.execute(
        [
          { id: "a1", name: "a", args: { block: true } },
          { id: "a2", name: "a", args: {} },
        ],
        { deadlineMs: 10 },
      );
      const start = loop.now();
      expect(await loop.run(() => batch.done, { maxTime: start + 1_000 })).toBe("done");
      const report = await batch;
      expect(report.outcomes.map((o) => o.status === "error" && o.error.kind)).toEqual([
        "deadline",
        "deadline",
      ]);
      expect(report.outcomes.map((o) => o.name)).toEqual(["a", "a"]);
      expect(executor.stats()).toMatchObject({ running: 0, queued: 0, held: 0, finished: 2 });
    } finally {
      restore();
    }
  });
});
