import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutor } from "../../src/index.js";
import { waitTool } from "./helpers.js";

describe("fair sharing across tenants", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs B's five calls, alone or while tenant A floods 10,000, and returns B's time (ms). */
  async function timeOfB(withFlood: boolean): Promise<{ bMs: number; aDone: number }> {
    const work = waitTool("work");
    const executor = createExecutor({ tools: [work], concurrency: 16 });
    let aDone = 0;
    if (withFlood) {
      // Durations 5–20 ms, so slots free up all the time, as under real load.
      const flood = Array.from({ length: 10_000 }, (_, i) => ({
        id: `a${i}`,
        name: "work",
        args: { ms: 5 + ((i * 7) % 16) },
      }));
      void executor.execute(flood, { tenant: "A" }).then(() => (aDone = 1));
      await vi.advanceTimersByTimeAsync(200);
    }
    const start = Date.now();
    let end = 0;
    const b = executor.execute(
      Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, name: "work", args: { ms: 10 } })),
      { tenant: "B" },
    );
    void b.then(() => (end = Date.now()));
    while (end === 0) await vi.advanceTimersByTimeAsync(1);
    const report = await b;
    expect(report.counts.ok).toBe(5);
    const floodWasDone = aDone;
    await executor.close({ cancel: true });
    return { bMs: end - start, aDone: floodWasDone };
  }

  it("a tenant sending 5 calls while another floods 10,000 finishes within 2× its time alone", async () => {
    const alone = await timeOfB(false);
    const flooded = await timeOfB(true);
    expect(alone.bMs).toBe(10);
    expect(flooded.aDone).toBe(0); // A was still busy: B really competed with it
    expect(flooded.bMs).toBeLessThanOrEqual(2 * alone.bMs);
  });

  it("without tenants the same batch waits behind the flood (FIFO)", async () => {
    const work = waitTool("work");
    const executor = createExecutor({ tools: [work], concurrency: 16 });
    // Learn the tool's latency first, so that ordering by expected duration plays no part.
    const warm = executor.execute([{ id: "w", name: "work", args: { ms: 10 } }]);
    await vi.advanceTimersByTimeAsync(10);
    await warm;
    const flood = Array.from({ length: 2_000 }, (_, i) => ({
      id: `a${i}`,
      name: "work",
      args: { ms: 10 },
    }));
    void executor.execute(flood);
    await vi.advanceTimersByTimeAsync(100);
    const start = Date.now();
    let end = 0;
    void executor
      .execute([{ id: "b", name: "work", args: { ms: 10 } }])
      .then(() => (end = Date.now()));
    while (end === 0) await vi.advanceTimersByTimeAsync(10);
    expect(end - start).toBeGreaterThan(1_000);
    await executor.close({ cancel: true });
  });

  it("busy tenants share the limit by weight", async () => {
    const work = waitTool("work");
    const executor = createExecutor({ tools: [work], concurrency: 6 });
    const calls = (t: string) =>
      Array.from({ length: 300 }, (_, i) => ({ id: `${t}${i}`, name: "work", args: { ms: 10 } }));
    const started: Record<string, number> = { heavy: 0, light: 0 };
    executor.on("call:started", (e) => started[e.callId.startsWith("h") ? "heavy" : "light"]!++);
    void executor.execute(calls("h"), { tenant: "heavy", weight: 2, collect: false });
    void executor.execute(calls("l"), { tenant: "light", weight: 1, collect: false });
    await vi.advanceTimersByTimeAsync(500);
    expect(executor.stats().tenants?.interactive).toMatchObject({
      heavy: { running: 4, weight: 2 },
      light: { running: 2, weight: 1 },
    });
    const ratio = started["heavy"]! / started["light"]!;
    expect(ratio).toBeGreaterThan(1.8);
    expect(ratio).toBeLessThan(2.2);
    await executor.close({ cancel: true });
  });

  it("interactive calls start before background ones", async () => {
    const work = waitTool("work");
    const executor = createExecutor({ tools: [work], concurrency: 1 });
    const order: string[] = [];
    executor.on("call:started", (e) => order.push(e.callId));
    const bg = executor.execute(
      ["bg1", "bg2", "bg3"].map((id) => ({ id, name: "work", args: {} })),
      { class: "background", tenant: "x" },
    );
    const ia = executor.execute(
      ["ia1", "ia2"].map((id) => ({ id, name: "work", args: {} })),
      { class: "interactive", tenant: "y" },
    );
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([bg, ia]);
    // bg1 had started before the interactive batch arrived.
    expect(order).toEqual(["bg1", "ia1", "ia2", "bg2", "bg3"]);
  });

  it("validates tenant, weight and class with a TypeError naming them", () => {
    const executor = createExecutor({ tools: [waitTool("work")] });
    expect(() => executor.execute([], { tenant: "" })).toThrow(/tenant/);
    expect(() => executor.execute([], { weight: 0 })).toThrow(/weight/);
    expect(() => executor.execute([], { weight: Number.NaN })).toThrow(TypeError);
    expect(() => executor.execute([], { class: "urgent" as never })).toThrow(/class/);
  });

  it("property: no limit is exceeded, and priority order holds within a tenant and class", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(
          fc.record({
            tenant: fc.constantFrom("a", "b", "c"),
            cls: fc.constantFrom("interactive", "background" as const),
            weight: fc.integer({ min: 1, max: 3 }),
            calls: fc.array(
              fc.record({
                tool: fc.constantFrom("p", "q"),
                priority: fc.integer({ min: 0, max: 3 }),
                ms: fc.integer({ min: 1, max: 20 }),
              }),
              { minLength: 1, maxLength: 12 },
            ),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        async (concurrency, toolLimit, batches) => {
          let running = 0;
          let maxRunning = 0;
          const perTool: Record<string, number> = { p: 0, q: 0 };
          const exceeded: string[] = [];
          const mk = (name: "p" | "q") =>
            waitTool(name, {
              concurrency: toolLimit,
              expectedMs: 5,
              onRun: () => {
                running++;
                perTool[name]!++;
                maxRunning = Math.max(maxRunning, running);
                if (perTool[name]! > toolLimit) exceeded.push(name);
              },
            });
          const executor = createExecutor({
            tools: [mk("p"), mk("q"), waitTool("blk")],
            concurrency,
          });
          executor.on("call:finished", (e) => {
            if (e.tool !== "blk" && e.outcome.startedAt !== null) {
              running--;
              perTool[e.tool]!--;
            }
          });
          // Start order per (tenant, class, tool): entries queued together must start by priority.
          const starts: Array<{ key: string; priority: number; at: number }> = [];
          executor.on("call:started", (e) => {
            const meta = JSON.parse(e.callId) as { k: string; p: number };
            starts.push({ key: meta.k, priority: meta.p, at: starts.length });
          });
          // Hold every batch behind a blocker so all calls queue before any starts.
          const block = executor.execute(
            Array.from({ length: concurrency }, (_, i) => ({
              id: JSON.stringify({ k: "block", p: 0, i }),
              name: "blk",
              args: { ms: 1 },
            })),
          );
          const runs = batches.map((b, bi) =>
            executor.execute(
              b.calls.map((c, ci) => ({
                id: JSON.stringify({ k: `${b.tenant}/${b.cls}/${c.tool}`, p: c.priority, bi, ci }),
                name: c.tool,
                args: { ms: c.ms },
                priority: c.priority,
              })),
              { tenant: b.tenant, class: b.cls, weight: b.weight },
            ),
          );
          await vi.advanceTimersByTimeAsync(10_000);
          await block;
          const reports = await Promise.all(runs);
          for (const r of reports) expect(r.counts.ok).toBe(r.outcomes.length);
          expect(maxRunning).toBeLessThanOrEqual(concurrency);
          expect(exceeded).toEqual([]);
          const byKey = new Map<string, number[]>();
          for (const s of starts) {
            if (s.key === "block") continue;
            byKey.set(s.key, [...(byKey.get(s.key) ?? []), s.priority]);
          }
          for (const priorities of byKey.values()) {
            const sorted = [...priorities].sort((x, y) => y - x);
            expect(priorities).toEqual(sorted);
          }
          await executor.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
