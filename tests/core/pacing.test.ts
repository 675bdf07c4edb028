import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";

const instant = defineTool({
  name: "instant",
  description: "Answers in a microtask",
  schema: z.object({}),
  run: async () => "ok",
});

const hangs = defineTool({
  name: "hangs",
  description: "Waits for its signal",
  schema: z.object({}),
  timeoutMs: 100,
  run: (_args, { signal }) =>
    new Promise((_resolve, reject) =>
      signal.addEventListener("abort", () => reject(signal.reason)),
    ),
});

describe("the engine yields to the event loop under a flood of cheap calls", () => {
  it("a 100 ms timeout fires on time inside a batch of 300,000 calls that answer in microtasks", async () => {
    const executor = createExecutor({ tools: [instant, hangs] });
    const calls = [
      { id: "slow", name: "hangs", args: {} },
      ...Array.from({ length: 300_000 }, (_, i) => ({ id: `c${i}`, name: "instant", args: {} })),
    ];
    const started = performance.now();
    let timedOutAt = 0;
    executor.on("call:finished", (e) => {
      if (e.callId === "slow") timedOutAt = performance.now() - started;
    });
    // A plain timer must get its turn too.
    let timerLateMs = -1;
    const timerSet = performance.now();
    setTimeout(() => (timerLateMs = performance.now() - timerSet - 50), 50);
    const report = await executor.execute(calls, { collect: false });
    expect(report.counts.ok).toBe(300_000);
    expect(report.counts.byKind.timeout).toBe(1);
    // Before the engine yielded, the timeout fired only once the flood was done (951 ms).
    expect(timedOutAt).toBeGreaterThanOrEqual(99);
    expect(timedOutAt).toBeLessThan(250);
    expect(timerLateMs).toBeLessThan(150);
  });

  it("a cancel from a timer ends a flood within a slice", async () => {
    const executor = createExecutor({ tools: [instant] });
    const calls = Array.from({ length: 300_000 }, (_, i) => ({
      id: `c${i}`,
      name: "instant",
      args: {},
    }));
    const batch = executor.execute(calls, { collect: false });
    const started = performance.now();
    setTimeout(() => batch.cancel("stop"), 20);
    const report = await batch;
    const tookMs = performance.now() - started;
    expect(report.counts.byKind.cancelled).toBeGreaterThan(0);
    expect(tookMs).toBeLessThan(400);
  });
});
