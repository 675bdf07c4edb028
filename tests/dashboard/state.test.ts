import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { DashboardState, MAX_INCIDENTS } from "../../src/dashboard/state.js";
import { createExecutor, defineTool } from "../../src/index.js";
import { demoCalls, demoTools, nextStepsCalls } from "./demo.js";

const instant = defineTool({
  name: "instant",
  description: "Returns at once",
  schema: z.object({}),
  run: () => "done",
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("DashboardState", () => {
  it("shows a running attempt's last progress report in flight", async () => {
    const steps = defineTool({
      name: "steps",
      description: "reports progress",
      schema: z.object({}),
      run: async (_args, ctx) => {
        ctx.progress({ progress: 1, total: 4, message: "x".repeat(1_000) });
        await new Promise((r) => setTimeout(r, 100));
        ctx.progress({ progress: 2, total: 4 });
        await new Promise((r) => setTimeout(r, 100));
        return "done";
      },
    });
    const executor = createExecutor({ tools: [steps] });
    const state = new DashboardState(executor, { maxBatches: 5, maxCallsPerBatch: 50 });
    const batch = executor.execute([{ id: "p", name: "steps", args: {} }]);
    await vi.advanceTimersByTimeAsync(0);
    const first = state.snapshot().inFlight.calls[0]!;
    expect(first.progress).toMatchObject({ progress: 1, total: 4 });
    expect(first.progress!.message!.length).toBeLessThan(1_000);
    state.takeUpdate();
    await vi.advanceTimersByTimeAsync(100);
    const update = state.takeUpdate();
    expect(update?.inFlight.calls[0]).toMatchObject({
      id: "p",
      attempt: 1,
      progress: { progress: 2, total: 4, at: Date.now() },
    });
    await vi.advanceTimersByTimeAsync(100);
    await batch;
    expect(state.snapshot().inFlight).toEqual({ count: 0, calls: [] });
  });

  it("follows the reference demo's batch: four calls, their outcomes and the tools' latency", async () => {
    const executor = createExecutor({ tools: demoTools });
    const onChange = vi.fn();
    const state = new DashboardState(executor, { maxBatches: 5, maxCallsPerBatch: 50, onChange });
    const batch = executor.execute(demoCalls);
    // Calls are admitted on the next microtask.
    await vi.advanceTimersByTimeAsync(0);

    const running = state.snapshot();
    expect(running.reset).toBe(true);
    expect(running.totals.running).toBe(4);
    expect(running.inFlight.count).toBe(4);
    expect(running.calls.map((c) => c.status)).toEqual([
      "running",
      "running",
      "running",
      "running",
    ]);

    await vi.advanceTimersByTimeAsync(1_000);
    await batch;
    const done = state.snapshot();
    const calls = Object.fromEntries(done.calls.map((c) => [c.id, c]));
    expect(calls["fast_1"]).toMatchObject({ status: "ok", tool: "fast_tool", attempts: 1 });
    expect(calls["slow_1"]).toMatchObject({ status: "ok", tool: "slow_tool" });
    expect(calls["fast_2"]).toMatchObject({ status: "ok" });
    expect(calls["error_1"]).toMatchObject({
      status: "error",
      kind: "tool_error",
      message: "Simulated failure",
    });
    expect(calls["fast_1"]!.endedAt! - calls["fast_1"]!.startedAt!).toBe(100);
    expect(done.batches).toEqual([
      expect.objectContaining({ size: 4, ok: 3, failed: 1, hidden: 0, deadline: null }),
    ]);
    expect(done.batches[0]!.endedAt! - done.batches[0]!.startedAt).toBe(1_000);
    expect(done.inFlight).toEqual({ count: 0, calls: [] });

    const tools = Object.fromEntries(done.tools.map((t) => [t.tool, t]));
    expect(tools["fast_tool"]).toMatchObject({ calls: 2, ok: 2, errorRate: 0, p50: 100, max: 100 });
    expect(tools["slow_tool"]).toMatchObject({ calls: 2, failed: 1, errorRate: 0.5, p95: 1_000 });
    expect(tools["flaky_api"]).toMatchObject({ calls: 0, p50: null });
    expect(onChange).toHaveBeenCalled();
    state.dispose();
  });

  it("counts retries, timeouts and unknown tools, and lists them as incidents", async () => {
    const executor = createExecutor({ tools: demoTools });
    const state = new DashboardState(executor, { maxBatches: 5, maxCallsPerBatch: 50 });
    const batch = executor.execute(nextStepsCalls);
    await vi.advanceTimersByTimeAsync(5_000);
    await batch;

    const { totals, tools, incidents, calls } = state.snapshot();
    expect(totals).toMatchObject({ retries: 2, timeouts: 1, finished: 8 });
    const byTool = Object.fromEntries(tools.map((t) => [t.tool, t]));
    expect(byTool["flaky_api"]).toMatchObject({ retries: 2, ok: 2 });
    expect(byTool["web_search"]).toMatchObject({ timeouts: 1, failed: 1, calls: 4 });
    expect(byTool["(unknown)"]).toMatchObject({ calls: 1, failed: 1 });
    expect(incidents.map((i) => [i.type, i.callId])).toEqual(
      expect.arrayContaining([
        ["retry", "api_1"],
        ["retry", "api_2"],
        ["timeout", "search_2"],
      ]),
    );
    const api1 = calls.find((c) => c.id === "api_1")!;
    expect(api1.attempts).toBe(2);
    expect(api1.retried).toEqual([
      { startedAt: api1.startedAt, endedAt: api1.startedAt! + 250, kind: "tool_error" },
    ]);
    // The retry waited out its 150 ms backoff before the second attempt.
    expect(api1.attemptStartedAt! - api1.retried[0]!.endedAt).toBe(150);
    const search3 = calls.find((c) => c.id === "search_3")!;
    expect(search3.startedAt! - search3.queuedAt!).toBeGreaterThan(0); // concurrency 2
    expect(calls.find((c) => c.id === "ghost_1")).toMatchObject({
      status: "error",
      kind: "unknown_tool",
      startedAt: null,
    });
    state.dispose();
  });

  it("counts an attempt that ignored its timeout as abandoned", async () => {
    const stubborn = defineTool({
      name: "stubborn",
      description: "Ignores its abort signal",
      schema: z.object({}),
      timeoutMs: 50,
      run: () => new Promise((resolve) => setTimeout(() => resolve("late"), 200)),
    });
    const executor = createExecutor({ tools: [stubborn] });
    const state = new DashboardState(executor, { maxBatches: 5, maxCallsPerBatch: 50 });
    const batch = executor.execute([{ id: "s1", name: "stubborn", args: {} }]);
    await vi.advanceTimersByTimeAsync(100);
    await batch;
    expect(state.snapshot().totals).toMatchObject({ timeouts: 1, detached: 1, running: 0 });
    await vi.advanceTimersByTimeAsync(200);
    const { totals, tools, incidents } = state.snapshot();
    expect(totals).toMatchObject({ timeouts: 1, abandoned: 1, detached: 0 });
    expect(tools[0]).toMatchObject({ tool: "stubborn", timeouts: 1, abandoned: 1, failed: 1 });
    expect(incidents.map((i) => [i.type, i.kind])).toEqual([
      ["timeout", "timeout"],
      ["abandoned", "timeout"],
    ]);
    expect(incidents[1]!.message).toBe("attempt 1 settled 150 ms after its timeout");
    state.dispose();
  });

  it("keeps bounded memory: recent batches only, and a cap on calls drawn per batch", async () => {
    const executor = createExecutor({ tools: [instant] });
    const state = new DashboardState(executor, { maxBatches: 3, maxCallsPerBatch: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const calls = Array.from({ length: 4 }, (_, j) => ({
        id: `c${j}`,
        name: "instant",
        args: {},
      }));
      const batch = executor.execute(calls);
      ids.push(batch.id);
      await batch;
    }
    const snapshot = state.snapshot();
    expect(snapshot.batches.map((b) => b.id)).toEqual(ids.slice(2));
    expect(snapshot.batches.every((b) => b.hidden === 2 && b.ok === 4)).toBe(true);
    expect(snapshot.calls).toHaveLength(6);
    expect(snapshot.tools[0]).toMatchObject({ tool: "instant", calls: 20, ok: 20 });
    state.dispose();
  });

  it("keeps the last 50 incidents, in a snapshot and in an update alike", async () => {
    const down = defineTool({
      name: "down",
      description: "Always fails",
      schema: z.object({}),
      retry: { maxAttempts: 2, initialInterval: 1, jitter: false },
      run: () => {
        throw new Error("503");
      },
    });
    const executor = createExecutor({ tools: [down] });
    const state = new DashboardState(executor, { maxBatches: 3, maxCallsPerBatch: 100 });
    const calls = Array.from({ length: 60 }, (_, i) => ({
      id: `d${i + 1}`,
      name: "down",
      args: {},
    }));
    const batch = executor.execute(calls);
    await vi.advanceTimersByTimeAsync(10);
    await batch;

    expect(MAX_INCIDENTS).toBe(50);
    const latest = calls.slice(10).map((c) => c.id);
    const update = state.takeUpdate()!;
    expect(update.limits.incidents).toBe(50);
    expect(update.incidents.map((i) => i.callId)).toEqual(latest);
    const snapshot = state.snapshot();
    expect(snapshot.incidents.map((i) => i.callId)).toEqual(latest);
    expect(snapshot.incidents.map((i) => i.seq)).toEqual(latest.map((_, i) => i + 11));
    expect(snapshot.totals.retries).toBe(60);
    state.dispose();
  });

  it("sends only what changed since the last update", async () => {
    const executor = createExecutor({ tools: [instant] });
    const state = new DashboardState(executor, { maxBatches: 3, maxCallsPerBatch: 10 });
    expect(state.takeUpdate()).toBeNull();
    await executor.execute([{ id: "a", name: "instant", args: {} }]);
    const first = state.takeUpdate()!;
    expect(first.reset).toBe(false);
    expect(first.calls.map((c) => [c.id, c.status])).toEqual([["a", "ok"]]);
    expect(state.takeUpdate()).toBeNull();

    const second = executor.execute([{ id: "b", name: "instant", args: {} }]);
    await second;
    const update = state.takeUpdate()!;
    expect(update.batches.map((b) => b.id)).toEqual([second.id]);
    expect(update.calls.map((c) => c.id)).toEqual(["b"]);

    state.dispose();
    await executor.execute([{ id: "c", name: "instant", args: {} }]);
    expect(state.takeUpdate()).toBeNull();
  });
});
