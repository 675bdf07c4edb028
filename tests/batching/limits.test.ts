import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutor } from "../../src/index.js";
import { waitTool } from "./helpers.js";

const calls = (n: number, prefix = "c") =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, name: "work", args: { ms: 10 } }));

describe("batch limits and back-pressure", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("rejects the calls beyond maxBatchSize, and runs the rest", async () => {
    const executor = createExecutor({ tools: [waitTool("work")], maxBatchSize: 3 });
    const batch = executor.execute(calls(5));
    await vi.advanceTimersByTimeAsync(20);
    const report = await batch;
    expect(report.outcomes.map((o) => o.status)).toEqual(["ok", "ok", "ok", "error", "error"]);
    const error = report.errors["c4"]!;
    expect(error.kind).toBe("rejected");
    expect(error.message).toMatch(/5 calls, maxBatchSize 3; call 4 is beyond it/);
  });

  it('runs a big batch in chunks with overflow: "split"', async () => {
    const executor = createExecutor({
      tools: [waitTool("work")],
      maxBatchSize: 4,
      overflow: "split",
    });
    const startedAt: number[] = [];
    executor.on("call:started", (e) => startedAt.push(e.startedAt));
    const batch = executor.execute(calls(10));
    await vi.advanceTimersByTimeAsync(100);
    const report = await batch;
    expect(report.counts.ok).toBe(10);
    // Three chunks (4, 4, 2), each after the previous one ended: 0, 10 and 20 ms in.
    const t0 = startedAt[0]!;
    expect(startedAt.map((t) => t - t0)).toEqual([0, 0, 0, 0, 10, 10, 10, 10, 20, 20]);
    expect(report.wallMs).toBe(30);
  });

  it("split chunks still catch duplicate ids across chunks", async () => {
    const executor = createExecutor({
      tools: [waitTool("work")],
      maxBatchSize: 2,
      overflow: "split",
    });
    const list = [...calls(3), { id: "c0", name: "work", args: {} }];
    const batch = executor.execute(list);
    await vi.advanceTimersByTimeAsync(100);
    const report = await batch;
    expect(report.outcomes[3]!.status).toBe("error");
    expect(report.outcomes[3]!.status === "error" && report.outcomes[3]!.error.kind).toBe(
      "invalid_call",
    );
  });

  it("rejects new calls at once past maxQueued, saying how full the queue is", async () => {
    const executor = createExecutor({ tools: [waitTool("work")], concurrency: 2, maxQueued: 3 });
    const first = executor.execute(calls(5, "a")); // 2 run, 3 queue
    const second = executor.execute(calls(2, "b"));
    const early = await second;
    expect(early.counts.byKind).toEqual({ rejected: 2 });
    expect(early.errors["b0"]!.message).toMatch(/^queue full: 3 queued, 2 running \(maxQueued 3\)/);
    await vi.advanceTimersByTimeAsync(100);
    expect((await first).counts.ok).toBe(5);
    // Room again: accepted.
    const third = executor.execute(calls(1, "c"));
    await vi.advanceTimersByTimeAsync(20);
    expect((await third).counts.ok).toBe(1);
  });

  it("never drops a call silently: every call has exactly one outcome", async () => {
    const executor = createExecutor({
      tools: [waitTool("work")],
      concurrency: 3,
      maxQueued: 5,
      maxBatchSize: 6,
    });
    const batches = [executor.execute(calls(9, "a")), executor.execute(calls(4, "b"))];
    await vi.advanceTimersByTimeAsync(200);
    const reports = await Promise.all(batches);
    expect(reports[0]!.outcomes).toHaveLength(9);
    expect(reports[1]!.outcomes).toHaveLength(4);
    for (const r of reports) for (const o of r.outcomes) expect(o).toBeDefined();
    expect(executor.stats()).toMatchObject({ queued: 0, running: 0, held: 0, batches: 0 });
  });

  it("a full queue's drain that ends the batch (its deadline passed) ends the call being accepted too", async () => {
    // Accepting "b" finds the queue full and drains it: "a" finds the deadline passed and ends
    // the batch. "b" must end with it, not join the queue of a batch already ended.
    const executor = createExecutor({ tools: [waitTool("work")], maxQueued: 1 });
    const batch = executor.execute(calls(2), { deadlineMs: 0 });
    await vi.advanceTimersByTimeAsync(10);
    expect(batch.done).toBe(true);
    const report = await batch;
    expect(report.outcomes.map((o) => o.status === "error" && o.error.kind)).toEqual([
      "deadline",
      "deadline",
    ]);
    expect(executor.stats()).toMatchObject({ queued: 0, running: 0, held: 0, batches: 0 });
  });

  it("validates the options with a TypeError naming them", () => {
    const tools = [waitTool("work")];
    expect(() => createExecutor({ tools, maxBatchSize: 0 })).toThrow(/maxBatchSize/);
    expect(() => createExecutor({ tools, maxQueued: 1.5 })).toThrow(/maxQueued/);
    expect(() => createExecutor({ tools, overflow: "drop" as never })).toThrow(/overflow/);
  });
});
