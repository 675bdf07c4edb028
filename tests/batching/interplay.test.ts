import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutor } from "../../src/index.js";
import { waitTool } from "./helpers.js";

describe("features together", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a tenant's calls to a tool at its limit do not block another tenant's other tools", async () => {
    const executor = createExecutor({
      tools: [waitTool("narrow", { concurrency: 1 }), waitTool("wide")],
      concurrency: 4,
    });
    const t0 = Date.now();
    const done: Record<string, number> = {};
    executor.on("call:finished", (e) => (done[e.callId] = Date.now() - t0));
    const a = executor.execute(
      Array.from({ length: 5 }, (_, i) => ({ id: `n${i}`, name: "narrow", args: { ms: 10 } })),
      { tenant: "A" },
    );
    const b = executor.execute([{ id: "w", name: "wide", args: { ms: 10 } }], { tenant: "B" });
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([a, b]);
    expect(done["w"]).toBe(10);
    expect(done["n4"]).toBe(50);
  });

  it("cancelling a batch whose calls wait in a group ends them all and frees the line", async () => {
    const executor = createExecutor({ tools: [waitTool("job", { exclusive: true })] });
    const doomed = executor.execute(
      Array.from({ length: 4 }, (_, i) => ({ id: `d${i}`, name: "job", args: { ms: 10 } })),
    );
    const after = executor.execute([{ id: "x", name: "job", args: { ms: 10 } }]);
    const started: string[] = [];
    executor.on("call:started", (e) => started.push(e.callId));
    await vi.advanceTimersByTimeAsync(5);
    doomed.cancel();
    await vi.advanceTimersByTimeAsync(20);
    const [rd, ra] = await Promise.all([doomed, after]);
    expect(rd.counts.byKind).toEqual({ cancelled: 4 });
    expect(ra.counts.ok).toBe(1);
    expect(started).toEqual(["d0", "x"]); // none of the waiting ones started on the way out
    expect(executor.stats()).toMatchObject({ held: 0, queued: 0, running: 0 });
  });

  it("a split batch with a deadline ends its later chunks `deadline`", async () => {
    const executor = createExecutor({
      tools: [waitTool("work")],
      maxBatchSize: 2,
      overflow: "split",
    });
    const batch = executor.execute(
      Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, name: "work", args: { ms: 10 } })),
      { deadlineMs: 15 },
    );
    await vi.advanceTimersByTimeAsync(50);
    const report = await batch;
    expect(report.outcomes.map((o) => (o.status === "ok" ? "ok" : o.error.kind))).toEqual([
      "ok",
      "ok",
      "deadline",
      "deadline",
      "deadline",
      "deadline",
    ]);
  });

  it("duplicates of a recovered call share the recovered outcome", async () => {
    let runs = 0;
    const executor = createExecutor({
      tools: [
        waitTool("flaky", {
          idempotent: true,
          onError: { fallback: "backup" },
          onRun: () => runs++,
        }),
        waitTool("backup"),
      ],
    });
    const batch = executor.execute([
      { id: "a", name: "flaky", args: { tag: "t", fail: true } },
      { id: "b", name: "flaky", args: { fail: true, tag: "t" } },
    ]);
    await vi.advanceTimersByTimeAsync(50);
    const report = await batch;
    expect(runs).toBe(1);
    // The fallback got the same args, so it failed too: both end with the first error.
    expect(report.counts.byKind).toEqual({ tool_error: 2 });
    expect(report.outcomes[1]!.deduped).toBe(true);
  });

  it("close({ cancel: true }) ends held and queued calls", async () => {
    const executor = createExecutor({
      tools: [waitTool("job", { exclusive: true }), waitTool("dup", { idempotent: true })],
      concurrency: 1,
    });
    const batch = executor.execute([
      { id: "1", name: "job", args: {} },
      { id: "2", name: "job", args: {} },
      { id: "3", name: "dup", args: {} },
      { id: "4", name: "dup", args: {} },
    ]);
    await vi.advanceTimersByTimeAsync(1);
    const closing = executor.close({ cancel: true });
    await vi.advanceTimersByTimeAsync(20);
    await closing;
    const report = await batch;
    expect(report.counts.byKind).toEqual({ cancelled: 4 });
    expect(executor.stats()).toMatchObject({ held: 0, queued: 0, running: 0, batches: 0 });
  });
});
