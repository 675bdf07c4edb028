import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { DashboardState, MAX_INCIDENTS, type DashboardSource } from "../../src/dashboard/state.js";
import {
  createExecutor,
  defineTool,
  type ExecutorEventName,
  type ExecutorEvents,
  type ExecutorStats,
} from "../../src/index.js";
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

  it("records a local executor's calls without a worker", async () => {
    const executor = createExecutor({ tools: [instant] });
    const state = new DashboardState(executor, { maxBatches: 3, maxCallsPerBatch: 10 });
    await executor.execute([{ id: "a", name: "instant", args: {} }]);
    expect(state.snapshot().calls[0]).toMatchObject({ id: "a", worker: null });
    state.dispose();
  });

  it("follows a cluster's batch as its workers run it: the worker of each call, a size that grows, and a batch that runs again when a call comes after its end", () => {
    const cluster = clusterLike(["search"]);
    const state = new DashboardState(cluster, { maxBatches: 3, maxCallsPerBatch: 10 });
    const at = Date.now();
    cluster.emit("batch:started", { batchId: "B", size: 1, startedAt: at, deadline: Infinity });
    const start = (callId: string, worker: string, attempt = 1) =>
      cluster.emit("call:started", {
        ...{ batchId: "B", callId, index: 0, tool: "search", attempt },
        ...{ startedAt: at + 5, queuedMs: 5, args: undefined, worker },
      } as ExecutorEvents["call:started"]);
    const times = { startedAt: at + 5, durationMs: 10 };
    const finish = (callId: string, worker: string, status: "ok" | "error", attempts = 1) =>
      cluster.emit("call:finished", {
        ...{ batchId: "B", callId, index: 0, tool: "search", worker },
        outcome:
          status === "ok"
            ? { ...{ id: callId, index: 0, name: "search", status, attempts }, ...times }
            : {
                ...{ id: callId, index: 0, name: "search", status, attempts, ...times },
                error: { kind: "tool_error", message: "503" },
              },
      } as unknown as ExecutorEvents["call:finished"]);
    start("a", "w1");
    start("b", "w2");
    const running = state.snapshot();
    expect(running.inFlight.calls.map((c) => [c.id, c.worker])).toEqual([
      ["a", "w1"],
      ["b", "w2"],
    ]);
    expect(running.batches[0]).toMatchObject({ size: 2, hidden: 0 });
    finish("a", "w1", "ok");
    finish("b", "w2", "error");
    cluster.emit("batch:finished", {
      batchId: "B",
      wallMs: 20,
      counts: { total: 2, ok: 1, error: 1, byKind: { tool_error: 1 } },
    });
    expect(state.snapshot().batches[0]).toMatchObject({ endedAt: at + 20, ok: 1, failed: 1 });
    // Its caller retried b: it runs again, on another worker.
    start("b", "w1", 2);
    const again = state.snapshot();
    expect(again.batches[0]).toMatchObject({ endedAt: null, size: 2 });
    expect(again.calls.find((c) => c.id === "b")).toMatchObject({
      status: "running",
      attempts: 2,
      worker: "w1",
    });
    finish("b", "w1", "ok", 2);
    cluster.emit("batch:finished", {
      batchId: "B",
      wallMs: 40,
      counts: { total: 2, ok: 2, error: 0, byKind: {} },
    });
    expect(state.snapshot().batches[0]).toMatchObject({ endedAt: at + 40, ok: 2, failed: 0 });
    state.dispose();
  });

  it("counts the calls of a tool a worker brought later as that tool's, not as (unknown)", () => {
    const cluster = clusterLike(["search"]);
    const state = new DashboardState(cluster, { maxBatches: 3, maxCallsPerBatch: 10 });
    cluster.tools.push("fetch_page");
    expect(state.snapshot().tools.map((t) => t.tool)).toEqual(["search", "fetch_page"]);
    cluster.emit("batch:started", { batchId: "B", size: 1, startedAt: 0, deadline: Infinity });
    cluster.emit("call:finished", {
      ...{ batchId: "B", callId: "c", index: 0, tool: "fetch_page" },
      outcome: { id: "c", index: 0, name: "fetch_page", status: "ok", startedAt: 0, durationMs: 1 },
      ...{ worker: "w1" },
    } as unknown as ExecutorEvents["call:finished"]);
    cluster.emit("call:finished", {
      ...{ batchId: "B", callId: "d", index: 1, tool: "invented" },
      outcome: { id: "d", index: 1, name: "invented", status: "ok", startedAt: 0, durationMs: 1 },
    } as unknown as ExecutorEvents["call:finished"]);
    const tools = Object.fromEntries(state.snapshot().tools.map((t) => [t.tool, t.calls]));
    expect(tools).toEqual({ search: 0, fetch_page: 1, "(unknown)": 1 });
    state.dispose();
  });
});

/** A source like a cluster's (volley/bullmq's clusterSource): events fed by hand, tools that change. */
function clusterLike(tools: string[]) {
  const listeners = new Map<string, ((event: unknown) => void)[]>();
  const stats: ExecutorStats = {
    ...{ queued: 0, running: 0, retrying: 0, detached: 0, abandoned: 0, finished: 0 },
    ...{ ok: 0, failed: 0, batches: 0, held: 0, concurrency: 0, tools: {} },
  };
  const source: DashboardSource & {
    tools: string[];
    emit<E extends ExecutorEventName>(name: E, event: ExecutorEvents[E]): void;
  } = {
    tools,
    get toolNames() {
      return [...tools];
    },
    stats: () => stats,
    on(name, listener) {
      listeners.set(name, [...(listeners.get(name) ?? []), listener as (event: unknown) => void]);
      return () => undefined;
    },
    emit(name, event) {
      for (const listener of listeners.get(name) ?? []) listener(event);
    },
  };
  return source;
}
