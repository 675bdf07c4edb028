import { getEventListeners } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";

describe("no leaks", () => {
  it("10,000 calls in 50 concurrent batches under one long-lived signal: one listener, then none", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const signal = controller.signal;
      const before = getEventListeners(signal, "abort").length;
      let peakListeners = 0;
      const tick = defineTool({
        name: "tick",
        description: "",
        schema: z.object({ i: z.number() }),
        run: async ({ i }, { signal: s }) => {
          // Read the signal, as a tool that honours it would: the controller is made.
          void s.aborted;
          peakListeners = Math.max(peakListeners, getEventListeners(signal, "abort").length);
          await new Promise((r) => setImmediate(r));
          return i;
        },
      });
      const executor = createExecutor({ tools: [tick], concurrency: 32 });
      const batches = Array.from({ length: 50 }, (_, b) =>
        executor.execute(
          Array.from({ length: 200 }, (_, i) => ({ id: `${b}-${i}`, name: "tick", args: { i } })),
          { signal },
        ),
      );
      const reports = await Promise.all(batches);
      expect(reports.reduce((n, r) => n + r.counts.ok, 0)).toBe(10_000);
      expect(peakListeners - before).toBe(1);
      expect(getEventListeners(signal, "abort").length).toBe(before);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("a batch of a million calls with collect: false keeps memory flat", async () => {
    const noop = defineTool({ name: "noop", description: "", schema: z.object({}), run: () => 1 });
    const executor = createExecutor({ tools: [noop] });
    const call = { id: "", name: "noop", args: {} };
    const calls = Array.from({ length: 1_000_000 }, (_, i) => ({ ...call, id: `c${i}` }));
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const batch = executor.execute(calls, { collect: false });
    let n = 0;
    for await (const _ of batch) {
      // What is retained mid-batch, not garbage waiting for the collector.
      if (++n % 250_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    const report = await batch;
    expect(report.counts.ok).toBe(1_000_000);
    // Outcomes and call states are not kept: what remains is the id set for duplicate checks.
    expect((peak - before) / 1_000_000).toBeLessThan(200);
  }, 120_000);
});
