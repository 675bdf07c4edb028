import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  defineTool,
  type AttemptRequest,
  type Backend,
  type CallProgressEvent,
  type ToolContext,
} from "../../src/index.js";
import type { ProgressReporter } from "../../src/core/backend.js";
import { threadBackend } from "../../src/threads/index.js";
import { sleep } from "../batching/helpers.js";

/** A tool that reports progress every `everyMs` for `forMs`, then returns "done". */
function reporter(policy: { idleTimeoutMs?: number; timeoutMs?: number; retry?: object } = {}) {
  return defineTool({
    name: "report",
    description: "reports progress, for tests",
    schema: z.object({
      everyMs: z.number(),
      forMs: z.number(),
      silentAfterMs: z.number().optional(),
    }),
    ...policy,
    run: async ({ everyMs, forMs, silentAfterMs }, ctx: ToolContext) => {
      for (let t = 0; t < forMs; t += everyMs) {
        if (silentAfterMs === undefined || t < silentAfterMs)
          ctx.progress({ progress: t, total: forMs, message: `at ${t}` });
        await sleep(everyMs, ctx.signal);
      }
      return "done";
    },
  });
}

describe("ctx.progress() and idleTimeoutMs", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("each report restarts the idle timer: a tool that keeps reporting outlives idleTimeoutMs many times over", async () => {
    const executor = createExecutor({ tools: [reporter({ idleTimeoutMs: 200 })] });
    const batch = executor.execute([
      { id: "a", name: "report", args: { everyMs: 50, forMs: 1_000 } },
    ]);
    await vi.advanceTimersByTimeAsync(1_100);
    const { outcomes } = await batch;
    expect(outcomes[0]).toMatchObject({ status: "ok", value: "done" });
  });

  it("a tool that goes silent ends `timeout` idleTimeoutMs after its last report, its signal aborted", async () => {
    let signal: AbortSignal | undefined;
    const tool = defineTool({
      name: "silent",
      description: "reports, then hangs",
      schema: z.object({}),
      idleTimeoutMs: 200,
      run: async (_args, ctx) => {
        signal = ctx.signal;
        ctx.progress({ message: "started" });
        await sleep(100);
        ctx.progress();
        await sleep(10_000, ctx.signal);
        return "never";
      },
    });
    const executor = createExecutor({ tools: [tool] });
    const started = Date.now();
    const batch = executor.execute([{ id: "s", name: "silent", args: {} }]);
    await vi.advanceTimersByTimeAsync(1_000);
    const outcome = (await batch).outcomes[0]!;
    expect(outcome.status).toBe("error");
    if (outcome.status !== "error") return;
    expect(outcome.error.kind).toBe("timeout");
    expect(outcome.error.data).toMatchObject({ idleTimeoutMs: 200 });
    expect(outcome.error.message).toMatch(/made no progress for 200ms/);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(299);
    expect(outcome.durationMs).toBeLessThanOrEqual(302);
    expect(signal?.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_001);
  });

  it("timeoutMs still bounds an attempt that reports all the time", async () => {
    const executor = createExecutor({ tools: [reporter({ idleTimeoutMs: 100, timeoutMs: 500 })] });
    const batch = executor.execute([
      { id: "a", name: "report", args: { everyMs: 20, forMs: 5_000 } },
    ]);
    await vi.advanceTimersByTimeAsync(600);
    const outcome = (await batch).outcomes[0]!;
    expect(outcome).toMatchObject({
      status: "error",
      error: { kind: "timeout", data: { timeoutMs: 500 } },
    });
  });

  it("an idle timeout is retried like any timeout, and the retry's own timer starts afresh", async () => {
    let attempts = 0;
    const tool = defineTool({
      name: "stall-once",
      description: "stalls on its first attempt",
      schema: z.object({}),
      idleTimeoutMs: 100,
      retry: { maxAttempts: 2, initialInterval: 10, jitter: false },
      run: async (_args, ctx) => {
        attempts++;
        if (ctx.attempt === 1) await sleep(10_000, ctx.signal);
        for (let i = 0; i < 5; i++) {
          await sleep(50, ctx.signal);
          ctx.progress({ progress: i });
        }
        return `attempt ${ctx.attempt}`;
      },
    });
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute([{ id: "r", name: "stall-once", args: {} }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await batch).outcomes[0]).toMatchObject({
      status: "ok",
      value: "attempt 2",
      attempts: 2,
    });
    expect(attempts).toBe(2);
  });

  it("the executor's `policies` set idleTimeoutMs too", async () => {
    const executor = createExecutor({
      tools: [reporter()],
      policies: { report: { idleTimeoutMs: 100 } },
    });
    const batch = executor.execute([
      { id: "a", name: "report", args: { everyMs: 50, forMs: 1_000, silentAfterMs: 300 } },
    ]);
    await vi.advanceTimersByTimeAsync(1_100);
    expect((await batch).outcomes[0]).toMatchObject({
      status: "error",
      error: { kind: "timeout", data: { idleTimeoutMs: 100 } },
    });
  });

  it("emits call:progress with what the tool reported, in order, and nothing after the attempt ended", async () => {
    let late: ToolContext | undefined;
    const tool = defineTool({
      name: "steps",
      description: "three steps",
      schema: z.object({}),
      run: async (_args, ctx) => {
        late = ctx;
        ctx.progress({ progress: 1, total: 3 });
        await sleep(10);
        ctx.progress({ progress: 2, total: 3, message: "half way" });
        ctx.progress();
        return "ok";
      },
    });
    const executor = createExecutor({ tools: [tool] });
    const events: CallProgressEvent[] = [];
    executor.on("call:progress", (e) => events.push(e));
    const batch = executor.execute([{ id: "p", name: "steps", args: {} }]);
    await vi.advanceTimersByTimeAsync(20);
    await batch;
    late!.progress({ progress: 3, total: 3 });
    expect(events.map(({ at: _at, batchId: _b, ...rest }) => rest)).toEqual([
      { callId: "p", index: 0, tool: "steps", attempt: 1, progress: 1, total: 3 },
      {
        callId: "p",
        index: 0,
        tool: "steps",
        attempt: 1,
        progress: 2,
        total: 3,
        message: "half way",
      },
      { callId: "p", index: 0, tool: "steps", attempt: 1 },
    ]);
    expect(events[0]!.batchId).toBe(batch.id);
  });

  it("a bad report throws a TypeError to the tool that names the field; the call ends as the tool decides", async () => {
    const tool = defineTool({
      name: "bad",
      description: "reports nonsense",
      schema: z.object({ update: z.unknown() }),
      run: (args, ctx) => {
        ctx.progress(args.update as never);
        return "reported";
      },
    });
    const executor = createExecutor({ tools: [tool] });
    const { outcomes } = await executor.execute([
      { id: "n", name: "bad", args: { update: { progress: Number.NaN } } },
      { id: "m", name: "bad", args: { update: { message: 42 } } },
      { id: "s", name: "bad", args: { update: "50%" } },
      { id: "ok", name: "bad", args: { update: { progress: 5 } } },
    ]);
    expect(outcomes.map((o) => (o.status === "ok" ? o.value : o.error.message))).toEqual([
      expect.stringMatching(/progress to be a finite number, got `NaN`/),
      expect.stringMatching(/message to be a string, got `42`/),
      expect.stringMatching(/to get \{ progress\?, total\?, message\? \}, got `"50%"`/),
      "reported",
    ]);
  });

  it("refuses a bad idleTimeoutMs with a TypeError naming it", () => {
    expect(() => reporter({ idleTimeoutMs: 0 })).toThrow(/idleTimeoutMs/);
    expect(() =>
      createExecutor({ tools: [reporter()], policies: { report: { idleTimeoutMs: -1 } } }),
    ).toThrow(/policies\.report\.idleTimeoutMs/);
  });
});

describe("progress from a backend", () => {
  /** A backend that runs `tool` here, handing its reports back when it is given a reporter. */
  function localBackend(forwardsProgress: boolean, given: boolean[]): Backend {
    return {
      name: "local",
      forwardsProgress,
      run: async (request: AttemptRequest, signal: AbortSignal, progress?: ProgressReporter) => {
        given.push(progress !== undefined);
        const { steps, everyMs } = request.args as { steps: number; everyMs: number };
        for (let i = 1; i <= steps; i++) {
          progress?.progress({ progress: i, total: steps });
          await sleep(everyMs, signal);
        }
        return "done";
      },
    };
  }

  const remote = (policy: { idleTimeoutMs?: number } = {}) =>
    defineTool({
      name: "remote",
      description: "runs on a backend",
      schema: z.object({ steps: z.number(), everyMs: z.number() }),
      ...policy,
      run: () => "never inline",
    });

  it("a backend that forwards progress gets the attempt's reporter only when a listener or an idle timer hears it", async () => {
    const given: boolean[] = [];
    const backend = localBackend(true, given);
    const quiet = createExecutor({ tools: [remote()], backend });
    const args = { steps: 2, everyMs: 1 };
    await quiet.execute([{ id: "q", name: "remote", args }]);
    const events: CallProgressEvent[] = [];
    const off = quiet.on("call:progress", (e) => events.push(e));
    await quiet.execute([{ id: "l", name: "remote", args }]);
    off();
    const idle = createExecutor({ tools: [remote({ idleTimeoutMs: 1_000 })], backend });
    await idle.execute([{ id: "i", name: "remote", args }]);
    expect(given).toEqual([false, true, true]);
    expect(events.map((e) => [e.callId, e.tool, e.progress, e.total])).toEqual([
      ["l", "remote", 1, 2],
      ["l", "remote", 2, 2],
    ]);
  });

  it("its reports restart the tool's idle timer here: reporting keeps the call alive, silence ends it `timeout`", async () => {
    const backend = localBackend(true, []);
    const executor = createExecutor({ tools: [remote({ idleTimeoutMs: 300 })], backend });
    const { outcomes } = await executor.execute([
      { id: "busy", name: "remote", args: { steps: 10, everyMs: 30 } },
      { id: "quiet", name: "remote", args: { steps: 1, everyMs: 2_000 } },
    ]);
    expect(outcomes[0]).toMatchObject({ status: "ok", value: "done" });
    expect(outcomes[1]).toMatchObject({
      status: "error",
      error: { kind: "timeout", data: { idleTimeoutMs: 300 } },
    });
  });

  it("a backend that does not forward progress gets no reporter, and no idle timer runs here for its tools", async () => {
    const given: boolean[] = [];
    const executor = createExecutor({
      tools: [remote({ idleTimeoutMs: 50 })],
      backend: localBackend(false, given),
    });
    executor.on("call:progress", () => undefined);
    const { outcomes } = await executor.execute([
      { id: "a", name: "remote", args: { steps: 1, everyMs: 200 } },
    ]);
    expect(outcomes[0]).toMatchObject({ status: "ok", value: "done" });
    expect(given).toEqual([false]);
  });

  it("worker threads accept a tool with idleTimeoutMs: its reports cross back", async () => {
    const threads = threadBackend({ threads: 1 });
    try {
      const tool = defineTool({
        name: "cpu",
        description: "in a thread",
        schema: z.object({}),
        isolation: "worker",
        module: import.meta.url,
        idleTimeoutMs: 1_000,
        run: () => "x",
      });
      expect(() => createExecutor({ tools: [tool], backends: { worker: threads } })).not.toThrow();
    } finally {
      await threads.close();
    }
  });
});
