import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StartLog } from "../../src/core/features/rate-limit.js";
import { createExecutor, defineTool, type Clock } from "../../src/index.js";
import { waitTool } from "./helpers.js";

const calls = (n: number, prefix = "c") =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, name: "api", args: { ms: 10 } }));

/** The most starts that fall in one window [s, s + perMs), over every start s. */
function busiestWindow(starts: readonly number[], perMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  let end = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (end < sorted.length && sorted[end]! < sorted[i]! + perMs) end++;
    most = Math.max(most, end - i);
  }
  return most;
}

/**
 * The earliest start times any limiter could give attempts that join the queue at `arrivals`
 * while keeping at most `max` starts in every window of `perMs`: the j-th start is at its
 * arrival, or when the start `max` before it leaves the window, whichever is later.
 */
function earliestStarts(arrivals: readonly number[], max: number, perMs: number): number[] {
  const sorted = [...arrivals].sort((a, b) => a - b);
  const starts: number[] = [];
  for (let j = 0; j < sorted.length; j++) {
    const slot = j >= max ? starts[j - max]! + perMs : Number.NEGATIVE_INFINITY;
    starts.push(Math.max(sorted[j]!, slot));
  }
  return starts;
}

describe("rate limits per tool", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts at most max in any window of perMs, a slot opening as the oldest start leaves it", async () => {
    const executor = createExecutor({
      tools: [waitTool("api", { rateLimit: { max: 2, perMs: 100 } })],
    });
    const t0 = Date.now();
    const starts: number[] = [];
    executor.on("call:started", (e) => starts.push(e.startedAt - t0));
    const batch = executor.execute(calls(6));
    await vi.advanceTimersByTimeAsync(300);
    expect((await batch).counts.ok).toBe(6);
    expect(starts).toEqual([0, 0, 100, 100, 200, 200]);
  });

  it("never lets 2 × max − 1 starts into one window (5 per 500 ms, 10 calls at once)", async () => {
    const executor = createExecutor({
      tools: [waitTool("api", { rateLimit: { max: 5, perMs: 500 } })],
    });
    const t0 = Date.now();
    const starts: number[] = [];
    executor.on("call:started", (e) => starts.push(e.startedAt - t0));
    const batch = executor.execute(calls(10));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await batch).counts.ok).toBe(10);
    expect(starts).toEqual([0, 0, 0, 0, 0, 500, 500, 500, 500, 500]);
    expect(busiestWindow(starts, 500)).toBe(5);
  });

  it("gives a steady stream max starts per perMs, each as soon as a slot opens", async () => {
    const executor = createExecutor({
      tools: [waitTool("api", { rateLimit: { max: 5, perMs: 500 } })],
    });
    const t0 = Date.now();
    const starts: number[] = [];
    const arrivals: number[] = [];
    executor.on("call:started", (e) => starts.push(e.startedAt - t0));
    const batches = [];
    // One call every 50 ms: twice what the limit lets through.
    for (let i = 0; i < 40; i++) {
      arrivals.push(Date.now() - t0);
      batches.push(executor.execute(calls(1, `s${i}-`)));
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(batches);
    expect(starts).toEqual(earliestStarts(arrivals, 5, 500));
    expect(starts.slice(0, 10)).toEqual([0, 50, 100, 150, 200, 500, 550, 600, 650, 700]);
    // 40 calls at 5 per 500 ms: the last starts in the eighth window.
    expect(starts.at(-1)).toBe(3_700);
  });

  it("property: any arrivals, limits and durations keep every window of perMs to max starts, and start each attempt as early as that allows", async () => {
    const batchArb = fc.record({
      delay: fc.integer({ min: 0, max: 300 }),
      deadlineMs: fc.integer({ min: 1, max: 800 }),
      calls: fc.array(fc.record({ ms: fc.integer({ min: 0, max: 200 }), fail: fc.boolean() }), {
        minLength: 1,
        maxLength: 6,
      }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 400 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        fc.array(batchArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (max, perMs, concurrency, batches, deadlines) => {
          const t0 = Date.now();
          const starts: number[] = [];
          const joins: number[] = [];
          const executor = createExecutor({
            tools: [
              waitTool("api", {
                rateLimit: { max, perMs },
                expectedMs: 10,
                retry: { maxAttempts: 2, initialInterval: 7, jitter: false },
                ...(concurrency === undefined ? {} : { concurrency }),
              }),
            ],
          });
          executor.on("call:queued", (e) => joins.push(e.queuedAt - t0));
          executor.on("call:started", (e) => starts.push(e.startedAt - t0));
          const pending = [];
          for (const [b, spec] of batches.entries()) {
            await vi.advanceTimersByTimeAsync(spec.delay);
            pending.push(
              executor.execute(
                spec.calls.map((c, i) => ({ id: `b${b}c${i}`, name: "api", args: c })),
                deadlines ? { deadlineMs: spec.deadlineMs } : {},
              ),
            );
          }
          await vi.advanceTimersByTimeAsync(60_000);
          const reports = await Promise.all(pending);
          const total = batches.reduce((n, b) => n + b.calls.length, 0);
          expect(reports.reduce((n, r) => n + r.outcomes.length, 0)).toBe(total);
          expect(busiestWindow(starts, perMs)).toBeLessThanOrEqual(max);
          // Without a concurrency limit or a deadline, only the rate limit holds a call back.
          if (deadlines) return;
          expect(starts).toHaveLength(joins.length);
          if (concurrency === undefined) expect(starts).toEqual(earliestStarts(joins, max, perMs));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("shares one limit across batches", async () => {
    const executor = createExecutor({
      tools: [waitTool("api", { rateLimit: { max: 2, perMs: 100 } })],
    });
    const t0 = Date.now();
    const starts: number[] = [];
    executor.on("call:started", (e) => starts.push(e.startedAt - t0));
    const a = executor.execute(calls(3, "a"));
    const b = executor.execute(calls(3, "b"));
    await vi.advanceTimersByTimeAsync(0);
    expect(executor.stats().tools["api"]!.tokens).toBe(0);
    await vi.advanceTimersByTimeAsync(250);
    expect(executor.stats().tools["api"]!.tokens).toBe(0);
    await vi.advanceTimersByTimeAsync(50);
    await Promise.all([a, b]);
    expect(starts).toEqual([0, 0, 100, 100, 200, 200]);
    expect(executor.stats().tools["api"]!.tokens).toBe(2);
  });

  it("ends a call `deadline` at once when its slot would open after the batch deadline", async () => {
    const executor = createExecutor({
      tools: [waitTool("api", { rateLimit: { max: 2, perMs: 100 } })],
    });
    const t0 = Date.now();
    const finishedAt: Record<string, number> = {};
    executor.on("call:finished", (e) => (finishedAt[e.callId] = Date.now() - t0));
    const batch = executor.execute(calls(6), { deadlineMs: 120 });
    await vi.advanceTimersByTimeAsync(200);
    const report = await batch;
    expect(report.outcomes.map((o) => (o.status === "ok" ? "ok" : o.error.kind))).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      "deadline",
      "deadline",
    ]);
    expect(finishedAt["c4"]).toBe(0);
    expect(finishedAt["c5"]).toBe(0);
    expect(report.errors["c4"]!.message).toMatch(/rate limited \(2 per 100 ms/);
    expect(report.errors["c4"]!.data).toMatchObject({ rateLimited: true });
  });

  it("does not hold back other tools while one waits for tokens", async () => {
    const executor = createExecutor({
      tools: [waitTool("api", { rateLimit: { max: 1, perMs: 1_000 } }), waitTool("free")],
      concurrency: 2,
    });
    const batch = executor.execute([
      ...calls(3),
      { id: "f1", name: "free", args: { ms: 10 } },
      { id: "f2", name: "free", args: { ms: 10 } },
    ]);
    const t0 = Date.now();
    const finishedAt: Record<string, number> = {};
    executor.on("call:finished", (e) => (finishedAt[e.callId] = Date.now() - t0));
    await vi.advanceTimersByTimeAsync(2_100);
    await batch;
    expect(finishedAt["f2"]).toBeLessThanOrEqual(20);
    expect(finishedAt["c2"]).toBe(2_010);
  });

  it("validates rateLimit with a TypeError naming the field", () => {
    const def = (rateLimit: unknown) =>
      defineTool({
        name: "t",
        description: "",
        schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
        rateLimit: rateLimit as never,
        run: () => 1,
      });
    expect(() => def(5)).toThrow(/tool "t".rateLimit/);
    expect(() => def({ max: 0, perMs: 100 })).toThrow(/rateLimit.max/);
    expect(() => def({ max: 1, perMs: 0 })).toThrow(/rateLimit.perMs/);
  });

  it("property: the start log's delayFor(ahead) is when the (ahead + 1)-th next slot opens, and free() counts the slots open now", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 20 }),
        (max, perMs, gaps, ahead) => {
          let now = 1_000;
          const timers: { fn: () => void; ms: number }[] = [];
          const clock: Clock = {
            now: () => now,
            setTimeout: (fn, ms) => timers.push({ fn, ms }),
            clearTimeout: () => {},
            random: () => 0,
          };
          const log = new StartLog({ max, perMs }, clock, () => {});
          const starts: number[] = [];
          for (const gap of gaps) {
            now += gap;
            // Start as soon as a slot opens, the way the scheduler does on the timer's wake.
            if (!log.ready()) {
              expect(log.ready()).toBe(false);
              expect(timers).toHaveLength(1); // one timer, however often it is asked
              const timer = timers.pop()!;
              now += timer.ms;
              timer.fn();
            }
            expect(log.ready()).toBe(true);
            log.take();
            starts.push(now);
          }
          now += gaps[0] ?? 0;
          expect(busiestWindow(starts, perMs)).toBeLessThanOrEqual(max);
          expect(log.free()).toBe(max - starts.filter((t) => t > now - perMs).length);
          const next = earliestStarts(
            [...starts, ...Array<number>(ahead + 1).fill(now)],
            max,
            perMs,
          );
          expect(log.delayFor(ahead)).toBe(next.at(-1)! - now);
          expect(log.ready()).toBe(log.delayFor(0) === 0);
        },
      ),
    );
  });
});
