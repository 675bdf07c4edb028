import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type Outcome } from "../../src/index.js";
import { sleep } from "../helpers/tools.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const TOOL_NAMES = ["a", "b", "c"] as const;

const callArb = fc.record({
  tool: fc.constantFrom(...TOOL_NAMES, "missing"),
  latency: fc.integer({ min: 0, max: 60 }),
  behaviour: fc.constantFrom("ok", "ok", "ok", "fail", "hang", "ignore-signal", "bad-args"),
  priority: fc.integer({ min: 0, max: 3 }),
  timeoutMs: fc.option(fc.integer({ min: 5, max: 80 }), { nil: undefined }),
  retry: fc.boolean(),
});

const scenarioArb = fc.record({
  calls: fc.array(callArb, { minLength: 1, maxLength: 30 }),
  concurrency: fc.integer({ min: 1, max: 8 }),
  toolLimits: fc.tuple(
    fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  ),
  cancelAt: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
  deadlineMs: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
  batches: fc.integer({ min: 1, max: 3 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

async function check(scenario: Scenario): Promise<void> {
  const limits = new Map<string, number>();
  TOOL_NAMES.forEach((name, i) => limits.set(name, scenario.toolLimits[i] ?? Infinity));
  const holding = new Map<string, number>(TOOL_NAMES.map((n) => [n, 0]));
  let holdingTotal = 0;
  const violations: string[] = [];
  const tools = TOOL_NAMES.map((name) =>
    defineTool({
      name,
      description: "",
      schema: z.object({ latency: z.number(), behaviour: z.string() }),
      ...(Number.isFinite(limits.get(name)!) ? { concurrency: limits.get(name)! } : {}),
      run: async ({ latency, behaviour }, { signal }) => {
        // An independent count of slots held: from start until the attempt settles or is aborted.
        let held = true;
        holding.set(name, holding.get(name)! + 1);
        holdingTotal++;
        if (holding.get(name)! > limits.get(name)!) violations.push(`tool ${name} over its limit`);
        if (holdingTotal > scenario.concurrency) violations.push("global limit exceeded");
        const free = (): void => {
          if (!held) return;
          held = false;
          holding.set(name, holding.get(name)! - 1);
          holdingTotal--;
        };
        signal.addEventListener("abort", free, { once: true });
        try {
          if (behaviour === "hang") await sleep(100_000, signal);
          else if (behaviour === "ignore-signal") await sleep(latency * 3);
          else await sleep(latency, signal);
          if (behaviour === "fail") throw new Error("planned failure");
          return latency;
        } finally {
          free();
        }
      },
    }),
  );
  const executor = createExecutor({ tools, concurrency: scenario.concurrency, timeoutMs: 150 });
  const queued = new Map<string, { priority: number; tool: string }>();
  const finishedCount = new Map<string, number>();
  executor.on("call:queued", (e) =>
    queued.set(`${e.batchId}/${e.callId}`, { priority: e.priority, tool: e.tool }),
  );
  executor.on("call:started", (e) => {
    const key = `${e.batchId}/${e.callId}`;
    const me = queued.get(key)!;
    queued.delete(key);
    const stats = executor.stats();
    for (const [other, q] of queued) {
      if (q.priority <= me.priority) continue;
      const laneOpen = q.tool !== e.tool && stats.tools[q.tool]!.running < limits.get(q.tool)!;
      if (laneOpen || q.tool === e.tool)
        violations.push(`${key} (p${me.priority}) started before ${other} (p${q.priority})`);
    }
  });
  executor.on("call:finished", (e) => {
    const key = `${e.batchId}/${e.callId}#${e.index}`;
    queued.delete(`${e.batchId}/${e.callId}`);
    finishedCount.set(key, (finishedCount.get(key) ?? 0) + 1);
  });
  const controller = new AbortController();
  const batches = Array.from({ length: scenario.batches }, (_, b) =>
    executor.execute(
      scenario.calls.map((c, i) => ({
        id: `c${i}`,
        name: c.tool,
        args:
          c.behaviour === "bad-args"
            ? { latency: "x" }
            : { latency: c.latency, behaviour: c.behaviour },
        priority: c.priority,
        ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
        ...(c.retry ? { retry: { maxAttempts: 2, initialInterval: 5, jitter: false } } : {}),
      })),
      {
        batchId: `b${b}`,
        signal: controller.signal,
        ...(scenario.deadlineMs === undefined ? {} : { deadlineMs: scenario.deadlineMs }),
      },
    ),
  );
  let elapsed = 0;
  while (!batches.every((b) => b.done)) {
    if (
      scenario.cancelAt !== undefined &&
      elapsed >= scenario.cancelAt &&
      !controller.signal.aborted
    )
      controller.abort();
    await vi.advanceTimersByTimeAsync(5);
    elapsed += 5;
    if (elapsed > 5_000) throw new Error("batch did not finish");
  }
  const reports = await Promise.all(batches);
  for (const [b, report] of reports.entries()) {
    expect(report.outcomes).toHaveLength(scenario.calls.length);
    report.outcomes.forEach((o: Outcome, i) => {
      expect(o.index).toBe(i);
      expect(o.id).toBe(`c${i}`);
      expect(finishedCount.get(`b${b}/c${i}#${i}`)).toBe(1);
    });
    expect(report.counts.total).toBe(scenario.calls.length);
  }
  expect(violations).toEqual([]);
  await vi.advanceTimersByTimeAsync(100_000);
  expect(executor.stats()).toMatchObject({ queued: 0, running: 0, retrying: 0, detached: 0 });
  expect(holdingTotal).toBe(0);
}

describe("property: random batches", () => {
  it("every call ends in exactly one outcome, no limit is exceeded, priorities are honoured", async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, check), { numRuns: 150 });
  }, 120_000);
});
