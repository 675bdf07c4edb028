import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  defineTool,
  isCancelledError,
  isDeadlineExceededError,
  isToolTimeoutError,
  type CallAbandonedEvent,
} from "../../src/index.js";
import { sleep, waitTool } from "../helpers/tools.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A tool that ignores its signal and resolves after args.ms. */
const stubborn = defineTool({
  name: "stubborn",
  description: "Ignores its signal",
  schema: z.object({ ms: z.number() }),
  run: async ({ ms }) => {
    await sleep(ms);
    return "late";
  },
});

/** A tool that waits 10 s on its signal and records the abort reason it sees. */
function watcherTool(timeoutMs?: number) {
  const seen: { reason?: unknown } = {};
  const tool = defineTool({
    name: "watcher",
    description: "",
    schema: z.object({}),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    run: async (_args, { signal }) => {
      signal.addEventListener("abort", () => (seen.reason = signal.reason));
      await sleep(10_000, signal);
    },
  });
  return { tool, seen };
}

describe("per-attempt timeouts", () => {
  it("aborts the attempt's signal with a reason that names the limit, and ends the call `timeout`", async () => {
    const { tool: watcher, seen } = watcherTool(500);
    const executor = createExecutor({ tools: [watcher] });
    const batch = executor.execute([{ id: "w", name: "watcher", args: {} }]);
    await vi.advanceTimersByTimeAsync(499);
    expect(batch.done).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    const report = await batch;
    expect(isToolTimeoutError(seen.reason)).toBe(true);
    expect((seen.reason as Error).message).toMatch(
      /^Tool "watcher" timed out after 500ms \(attempt 1; /,
    );
    expect(report.errors["w"]).toMatchObject({
      kind: "timeout",
      data: { name: "ToolTimeoutError", timeoutMs: 500 },
    });
    expect(report.outcomes[0]!.durationMs).toBeGreaterThanOrEqual(500);
    expect(report.outcomes[0]!.durationMs).toBeLessThan(510);
  });

  it("a call may override the tool's timeout", async () => {
    const executor = createExecutor({ tools: [waitTool], timeoutMs: 1_000 });
    const batch = executor.execute([
      { id: "short", name: "wait", args: { ms: 300 }, timeoutMs: 100 },
      { id: "default", name: "wait", args: { ms: 300 } },
    ]);
    await vi.advanceTimersByTimeAsync(400);
    const report = await batch;
    expect(report.errors["short"]?.kind).toBe("timeout");
    expect(report.results["default"]).toBe(300);
  });

  it("reports a tool that ignores its signal on time, frees its slot at once, and counts it abandoned", async () => {
    const executor = createExecutor({ tools: [stubborn, waitTool], concurrency: 1 });
    const abandoned: CallAbandonedEvent[] = [];
    executor.on("call:abandoned", (e) => abandoned.push(e));
    const batch = executor.execute([
      { id: "s", name: "stubborn", args: { ms: 5_000 }, timeoutMs: 200 },
      { id: "next", name: "wait", args: { ms: 50 } },
    ]);
    await vi.advanceTimersByTimeAsync(201);
    expect(batch.done).toBe(false);
    expect(executor.stats()).toMatchObject({ running: 1, detached: 1 });
    await vi.advanceTimersByTimeAsync(50);
    const report = await batch;
    expect(report.errors["s"]?.kind).toBe("timeout");
    // The slot freed at the timeout: the next call ran while the stubborn one went on.
    expect(report.outcomes[1]!.startedAt! - report.outcomes[0]!.startedAt!).toBeLessThan(210);
    expect(abandoned).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]).toMatchObject({
      callId: "s",
      tool: "stubborn",
      attempt: 1,
      reason: "timeout",
    });
    expect(abandoned[0]!.lateMs).toBeGreaterThanOrEqual(4_790);
    expect(executor.stats()).toMatchObject({ detached: 0, abandoned: 1 });
  });

  it("does not count a tool that honours its abort as abandoned", async () => {
    const executor = createExecutor({ tools: [waitTool], timeoutMs: 100 });
    const abandoned: unknown[] = [];
    executor.on("call:abandoned", (e) => abandoned.push(e));
    const batch = executor.execute([{ id: "a", name: "wait", args: { ms: 1_000 } }]);
    await vi.advanceTimersByTimeAsync(1_500);
    expect((await batch).errors["a"]?.kind).toBe("timeout");
    expect(abandoned).toEqual([]);
    expect(executor.stats().detached).toBe(0);
  });
});

describe("batch deadline", () => {
  it("ends every unfinished call `deadline`, queued, running and waiting to retry alike", async () => {
    const flaky = defineTool({
      name: "flaky",
      description: "",
      schema: z.object({}),
      retry: { maxAttempts: 5, initialInterval: 100, jitter: false },
      run: () => {
        throw new Error("always");
      },
    });
    const { tool: watcher, seen } = watcherTool();
    const executor = createExecutor({ tools: [waitTool, flaky, watcher], concurrency: 2 });
    const batch = executor.execute(
      [
        { id: "done", name: "wait", args: { ms: 10 } },
        { id: "running", name: "watcher", args: {} },
        { id: "retrying", name: "flaky", args: {} },
        { id: "queued", name: "wait", args: { ms: 10_000 } },
      ],
      { deadlineMs: 250 },
    );
    await vi.advanceTimersByTimeAsync(260);
    const report = await batch;
    expect(report.results["done"]).toBe(10);
    expect(report.errors["running"]?.kind).toBe("deadline");
    expect(report.errors["queued"]?.kind).toBe("deadline");
    expect(["deadline", "tool_error"]).toContain(report.errors["retrying"]?.kind);
    expect(isDeadlineExceededError(seen.reason)).toBe(true);
    expect(report.errors["running"]?.message).toBe("Batch deadline of 250ms passed");
    expect(executor.stats()).toMatchObject({ queued: 0, running: 0, retrying: 0 });
  });

  it("gives tools the earlier of their timeout and the batch deadline as ctx.deadline", async () => {
    let seen = 0;
    const peek = defineTool({
      name: "peek",
      description: "",
      schema: z.object({}),
      timeoutMs: 10_000,
      run: (_a, ctx) => {
        seen = ctx.deadline - Date.now();
      },
    });
    const executor = createExecutor({ tools: [peek] });
    const batch = executor.execute([{ id: "p", name: "peek", args: {} }], { deadlineMs: 300 });
    await vi.advanceTimersByTimeAsync(1);
    await batch;
    expect(seen).toBeGreaterThan(290);
    expect(seen).toBeLessThanOrEqual(300);
  });
});

describe("cancellation", () => {
  it("ends every unfinished call `cancelled` when the caller's signal aborts", async () => {
    const { tool: watcher, seen } = watcherTool();
    const executor = createExecutor({ tools: [watcher, waitTool], concurrency: 1 });
    const controller = new AbortController();
    const batch = executor.execute(
      [
        { id: "running", name: "watcher", args: {} },
        { id: "queued", name: "wait", args: { ms: 10 } },
      ],
      { signal: controller.signal },
    );
    await vi.advanceTimersByTimeAsync(50);
    controller.abort(new Error("user pressed stop"));
    const report = await batch;
    expect(report.errors["running"]).toMatchObject({
      kind: "cancelled",
      message: "Cancelled by the caller: user pressed stop",
    });
    expect(report.errors["queued"]?.kind).toBe("cancelled");
    expect(isCancelledError(seen.reason)).toBe(true);
  });

  it("batch.cancel() cancels one batch and leaves the others running", async () => {
    const executor = createExecutor({ tools: [waitTool] });
    const a = executor.execute([{ id: "a", name: "wait", args: { ms: 100 } }]);
    const b = executor.execute([{ id: "b", name: "wait", args: { ms: 100 } }]);
    await vi.advanceTimersByTimeAsync(10);
    a.cancel("changed my mind");
    await vi.advanceTimersByTimeAsync(100);
    expect((await a).errors["a"]).toMatchObject({
      kind: "cancelled",
      message: "Cancelled by the caller: changed my mind",
    });
    expect((await b).results["b"]).toBe(100);
  });

  it("an already aborted signal cancels every call without running any", async () => {
    let ran = false;
    const t = defineTool({
      name: "t",
      description: "",
      schema: z.object({}),
      run: () => void (ran = true),
    });
    const executor = createExecutor({ tools: [t] });
    const report = await executor.execute([{ id: "x", name: "t", args: {} }], {
      signal: AbortSignal.abort(),
    });
    expect(report.errors["x"]?.kind).toBe("cancelled");
    expect(report.outcomes[0]!.startedAt).toBeNull();
    expect(ran).toBe(false);
  });

  it("starts none of a cancelled batch's queued calls, though ending its running ones frees slots", async () => {
    // Global limit 1 and a window of 2: ending "a" frees the slot and admits the next call,
    // which drains the queue while the batch is still being ended. "b" must not start then.
    const ran: string[] = [];
    const t = defineTool({
      name: "t",
      description: "",
      schema: z.object({}),
      run: async (_args, { callId, signal }) => {
        ran.push(callId);
        await sleep(1_000, signal);
      },
    });
    const executor = createExecutor({ tools: [t], concurrency: 1 });
    const started: string[] = [];
    executor.on("call:started", (e) => started.push(e.callId));
    const calls = ["a", "b", "c"].map((id) => ({ id, name: "t", args: {} }));
    const batch = executor.execute(calls, { concurrency: 2 });
    await vi.advanceTimersByTimeAsync(10);
    batch.cancel();
    const report = await batch;
    expect(report.outcomes.map((o) => o.status === "error" && o.error.kind)).toEqual([
      "cancelled",
      "cancelled",
      "cancelled",
    ]);
    expect(report.outcomes.map((o) => o.attempts)).toEqual([1, 0, 0]);
    expect(started).toEqual(["a"]);
    expect(ran).toEqual(["a"]);
    // The report does not wait for "a"'s aborted attempt to settle; it has once its sleep rejects.
    await vi.advanceTimersByTimeAsync(0);
    expect(executor.stats()).toMatchObject({ running: 0, queued: 0, detached: 0 });
  });

  it("starts no call of any batch whose signal aborted, while the batches sharing it are ended one by one", async () => {
    // Ending "a0" (the first batch) admits "a1", which drains the queue: "b" of the second
    // batch, on the same signal, must not start before the second batch is ended too.
    const t = defineTool({
      name: "t",
      description: "",
      schema: z.object({}),
      run: async (_args, { signal }) => sleep(1_000, signal),
    });
    const executor = createExecutor({ tools: [t], concurrency: 1 });
    const started: string[] = [];
    executor.on("call:started", (e) => started.push(e.callId));
    const controller = new AbortController();
    const signal = controller.signal;
    const first = executor.execute(
      [
        { id: "a0", name: "t", args: {} },
        { id: "a1", name: "t", args: {} },
      ],
      { signal, concurrency: 1 },
    );
    const second = executor.execute([{ id: "b", name: "t", args: {} }], { signal });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const reports = await Promise.all([first, second]);
    expect(
      reports.flatMap((r) => r.outcomes.map((o) => o.status === "error" && o.error.kind)),
    ).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(reports[1]!.outcomes[0]).toMatchObject({ attempts: 0, startedAt: null });
    expect(started).toEqual(["a0"]);
    expect(executor.stats()).toMatchObject({ running: 0, queued: 0, detached: 0 });
  });
});

describe("timers are released on every path", () => {
  it("leaves no timer behind after success, error, timeout, retry, deadline and cancel", async () => {
    const fails = defineTool({
      name: "fails",
      description: "",
      schema: z.object({}),
      retry: { maxAttempts: 2, initialInterval: 10, jitter: false },
      run: () => {
        throw new Error("x");
      },
    });
    const executor = createExecutor({ tools: [waitTool, fails] });
    const controller = new AbortController();
    const batches = [
      executor.execute([{ id: "ok", name: "wait", args: { ms: 5 } }]),
      executor.execute([{ id: "err", name: "fails", args: {} }]),
      executor.execute([{ id: "to", name: "wait", args: { ms: 500 }, timeoutMs: 50 }]),
      executor.execute([{ id: "dl", name: "wait", args: { ms: 500 } }], { deadlineMs: 60 }),
      executor.execute([{ id: "cx", name: "wait", args: { ms: 500 } }], {
        signal: controller.signal,
      }),
    ];
    await vi.advanceTimersByTimeAsync(70);
    controller.abort();
    await Promise.all(batches);
    await executor.onIdle();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("timeouts longer than a Node.js timer takes (2^31-1 ms, about 24.8 days)", () => {
  const days = (n: number) => n * 24 * 60 * 60 * 1_000;
  /** Never settles, whatever its signal does (a long sleep would hit the same timer limit). */
  const endless = defineTool({
    name: "endless",
    description: "",
    schema: z.object({}),
    run: () => new Promise<never>(() => {}),
  });

  it("a 30-day timeout and deadline do not fire at once, and still fire when due", async () => {
    const executor = createExecutor({
      tools: [stubborn, endless],
      timeoutMs: days(30),
      retry: false,
    });
    const quick = executor.execute([{ id: "q", name: "stubborn", args: { ms: 50 } }], {
      deadlineMs: days(40),
    });
    await vi.advanceTimersByTimeAsync(100);
    expect((await quick).results).toEqual({ q: "late" });

    const slow = executor.execute([{ id: "s", name: "endless", args: {} }]);
    await vi.advanceTimersByTimeAsync(days(29));
    expect(executor.stats().running).toBe(1);
    await vi.advanceTimersByTimeAsync(days(2));
    expect((await slow).errors["s"]?.kind).toBe("timeout");
  });

  it("a 30-day deadline ends the batch when due, not before", async () => {
    const executor = createExecutor({ tools: [endless], timeoutMs: Infinity, retry: false });
    const batch = executor.execute([{ id: "s", name: "endless", args: {} }], {
      deadlineMs: days(30),
    });
    await vi.advanceTimersByTimeAsync(days(29));
    expect(executor.stats().running).toBe(1);
    await vi.advanceTimersByTimeAsync(days(2));
    expect((await batch).errors["s"]?.kind).toBe("deadline");
  });
});
