import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutor } from "../../src/index.js";
import { waitTool } from "./helpers.js";

describe("latency-aware ordering", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("learns a moving average of each tool's durations", async () => {
    const executor = createExecutor({ tools: [waitTool("t")] });
    for (const ms of [100, 200]) {
      const batch = executor.execute([{ id: "c", name: "t", args: { ms } }]);
      await vi.advanceTimersByTimeAsync(ms);
      await batch;
    }
    const stats = executor.stats().tools["t"]!;
    expect(stats.latencyMs).toBeCloseTo(120); // 100 + 0.2 × (200 − 100)
    expect(stats.expectedMs).toBe(128); // ordered by its power of two
  });

  it("starts the longest expected calls first once estimates are learned (LPT)", async () => {
    const executor = createExecutor({
      tools: [waitTool("short", { ms: 20 }), waitTool("long", { ms: 500 })],
      concurrency: 2,
    });
    const warm = executor.execute([
      { id: "s", name: "short", args: {} },
      { id: "l", name: "long", args: {} },
    ]);
    await vi.advanceTimersByTimeAsync(500);
    await warm;
    const order: string[] = [];
    executor.on("call:started", (e) => order.push(e.callId));
    const batch = executor.execute([
      { id: "s1", name: "short", args: {} },
      { id: "s2", name: "short", args: {} },
      { id: "l1", name: "long", args: {} },
      { id: "s3", name: "short", args: {} },
      { id: "l2", name: "long", args: {} },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    await batch;
    expect(order.slice(0, 2)).toEqual(["l1", "l2"]);
    expect(order.slice(2)).toEqual(["s1", "s2", "s3"]);
  });

  it("a tool's declared expectedMs is kept, and a call's own expectedMs wins", async () => {
    const executor = createExecutor({
      tools: [waitTool("a", { expectedMs: 10 }), waitTool("b", { expectedMs: 50 })],
      concurrency: 1,
    });
    const order: string[] = [];
    executor.on("call:started", (e) => order.push(e.callId));
    const blocker = executor.execute([{ id: "blocker", name: "a", args: { ms: 1 } }]);
    const batch = executor.execute([
      { id: "a1", name: "a", args: {} },
      { id: "b1", name: "b", args: {} },
      { id: "a2", name: "a", args: {}, expectedMs: 1_000 },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([blocker, batch]);
    expect(order).toEqual(["blocker", "a2", "b1", "a1"]);
    expect(executor.stats().tools["a"]!.expectedMs).toBe(10);
  });
});
