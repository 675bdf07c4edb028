import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutor, defineTool } from "../../src/index.js";
import { waitTool } from "./helpers.js";

const calls = (n: number, prefix = "c") =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, name: "api", args: { ms: 10 } }));

describe("rate limits per tool", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts at most max per perMs, refilling one token every perMs / max", async () => {
    const executor = createExecutor({
      tools: [waitTool("api", { rateLimit: { max: 2, perMs: 100 } })],
    });
    const t0 = Date.now();
    const starts: number[] = [];
    executor.on("call:started", (e) => starts.push(e.startedAt - t0));
    const batch = executor.execute(calls(6));
    await vi.advanceTimersByTimeAsync(300);
    expect((await batch).counts.ok).toBe(6);
    expect(starts).toEqual([0, 0, 50, 100, 150, 200]);
  });

  it("shares one bucket across batches", async () => {
    const executor = createExecutor({
      tools: [waitTool("api", { rateLimit: { max: 2, perMs: 100 } })],
    });
    const t0 = Date.now();
    const starts: number[] = [];
    executor.on("call:started", (e) => starts.push(e.startedAt - t0));
    const a = executor.execute(calls(3, "a"));
    const b = executor.execute(calls(3, "b"));
    await vi.advanceTimersByTimeAsync(300);
    await Promise.all([a, b]);
    expect(starts).toEqual([0, 0, 50, 100, 150, 200]);
    expect(executor.stats().tools["api"]!.tokens).toBeCloseTo(2);
  });

  it("ends a call `deadline` at once when its token would come after the batch deadline", async () => {
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
});
