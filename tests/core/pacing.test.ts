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
    let okBefore = 0;
    let ok = 0;
    executor.on("call:finished", (e) => {
      if (e.outcome.status === "ok") ok++;
      if (e.callId === "slow") {
        timedOutAt = performance.now() - started;
        okBefore = ok;
      }
    });
    // A plain timer must get its turn too.
    let okAtTimer = -1;
    setTimeout(() => (okAtTimer = ok), 50);
    const report = await executor.execute(calls, { collect: false });
    expect(report.counts.ok).toBe(300_000);
    expect(report.counts.byKind.timeout).toBe(1);
    // Before the engine yielded, the timeout and the timer fired only once the flood was done
    // (951 ms): now both fire in the middle of it. How far into it depends on the machine's load,
    // so the bound on time is loose; the counts say "in the middle" whatever the load.
    expect(okBefore).toBeLessThan(300_000);
    expect(okAtTimer).toBeGreaterThanOrEqual(0);
    expect(okAtTimer).toBeLessThan(300_000);
    expect(timedOutAt).toBeGreaterThanOrEqual(99);
    expect(timedOutAt).toBeLessThan(2_000);
  });

  it("a cancel from a timer ends a flood in its middle, and nothing starts after it", async () => {
    let runs = 0;
    const counted = defineTool({ ...instant, name: "counted", run: async () => void runs++ });
    const executor = createExecutor({ tools: [counted] });
    const calls = Array.from({ length: 300_000 }, (_, i) => ({
      id: `c${i}`,
      name: "counted",
      args: {},
    }));
    const batch = executor.execute(calls, { collect: false });
    let runsAtCancel = -1;
    setTimeout(() => {
      batch.cancel("stop");
      runsAtCancel = runs;
    }, 20);
    const report = await batch;
    // Before, the timer could only fire once every call was done: none would be cancelled.
    expect(report.counts.byKind.cancelled).toBeGreaterThan(0);
    expect(report.counts.total).toBe(300_000);
    expect(runs).toBe(runsAtCancel);
  });
});
