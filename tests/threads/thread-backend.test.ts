import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { threadId } from "node:worker_threads";
import { defineTool, type Outcome } from "../../src/core/index.js";
import { threadBackend, type ThreadBackend } from "../../src/threads/index.js";
import * as cpu from "./fixtures/cpu-tools.js";
import { executorWith, inlineSleep, sleepMs, timerLateness } from "./helpers.js";

const TOOLS = [
  cpu.hash,
  cpu.echo,
  cpu.spin,
  cpu.count,
  cpu.sleep,
  cpu.exit,
  cpu.uncaught,
  cpu.hog,
  cpu.fails,
  cpu.unclonable,
  inlineSleep,
];

let backend: ThreadBackend;

beforeAll(async () => {
  backend = threadBackend({
    threads: 2,
    resourceLimits: { hog: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } },
    preload: [new URL("./fixtures/cpu-tools.ts", import.meta.url)],
  });
  // Start both threads and load the tools module in each before anything is timed.
  const report = await executorWith(TOOLS, backend).execute([
    { id: "w1", name: "sleep", args: { ms: 50 } },
    { id: "w2", name: "sleep", args: { ms: 50 } },
  ]);
  expect(report.counts.ok).toBe(2);
});

afterAll(async () => {
  await backend.close();
});

function errorOf(outcome: Outcome | undefined) {
  expect(outcome?.status).toBe("error");
  return outcome?.status === "error" ? outcome.error : undefined;
}

describe("threadBackend: running tools in threads", () => {
  it("runs a worker tool in another thread, with its context, and returns its value", async () => {
    const report = await executorWith(TOOLS, backend).execute([
      { id: "e1", name: "echo", args: { value: { nested: [1, "two", new Date(0)] } } },
    ]);
    const outcome = report.outcomes[0]!;
    expect(outcome.status).toBe("ok");
    const value = (outcome as { value: Record<string, unknown> }).value;
    expect(value["value"]).toEqual({ nested: [1, "two", new Date(0)] });
    expect(value["threadId"]).not.toBe(threadId);
    expect(value["callId"]).toBe("e1");
    expect(value["attempt"]).toBe(1);
    expect(value["aborted"]).toBe(false);
    expect(typeof value["idempotencyKey"]).toBe("string");
  });

  it("shares one pool, sized by `threads`, among batches", async () => {
    const executor = executorWith(TOOLS, backend);
    const calls = (prefix: string) =>
      Array.from({ length: 3 }, (_, i) => ({
        id: `${prefix}${i}`,
        name: "sleep",
        args: { ms: 40 },
      }));
    const reports = await Promise.all([executor.execute(calls("a")), executor.execute(calls("b"))]);
    const threads = new Set(
      reports.flatMap((r) =>
        r.outcomes.map((o) => (o as { value: { threadId: number } }).value.threadId),
      ),
    );
    expect(threads.size).toBeLessThanOrEqual(2);
    const shared = backend.stats().pools.filter((p) => p.pool === "shared");
    expect(shared).toHaveLength(1);
    expect(shared[0]!.maxThreads).toBe(2);
  });
});

describe("threadBackend: its threads are its capacity", () => {
  it("keeps calls beyond the threads in Volley's queue, so waiting for a thread never times out", async () => {
    // 10 calls of 150 ms on 2 threads take 5 waves (750 ms): a 450 ms timeout running while a
    // call waited in the pool's own queue would end 7 of them `timeout`.
    const calls = Array.from({ length: 10 }, (_, i) => ({
      id: `c${i}`,
      name: "sleep",
      args: { ms: 150 },
      timeoutMs: 450,
    }));
    const report = await executorWith(TOOLS, backend).execute(calls);
    expect(report.outcomes.map((o) => o.status)).toEqual(Array(10).fill("ok"));
    expect(backend.capacity("sleep")).toEqual({ pool: "shared", slots: 2 });
    expect(backend.capacity("hog")).toEqual({ pool: "tool:hog", slots: 1 });
  });
});

describe("threadBackend: killing on timeout, deadline and cancel", () => {
  it("ends an infinite loop `timeout` within 400 ms while 10 inline calls finish on time", async () => {
    const killedBefore = backend.stats().killed;
    const executor = executorWith(TOOLS, backend);
    let abandoned = 0;
    executor.on("call:abandoned", () => abandoned++);
    const started = performance.now();
    // How late a plain 200 ms timer fires meanwhile: what the machine adds to any timer.
    const lateness = timerLateness(200);
    const arrivals = new Map<string, number>();
    const batch = executor.execute([
      { id: "loop", name: "spin", args: {}, timeoutMs: 200 },
      ...Array.from({ length: 10 }, (_, i) => ({
        id: `inline${i}`,
        name: "inline_sleep",
        args: { ms: 50 },
      })),
    ]);
    for await (const outcome of batch) arrivals.set(outcome.id, performance.now() - started);
    const report = await batch;

    const late = await lateness;

    expect(errorOf(report.outcomes[0])?.kind).toBe("timeout");
    const loop = arrivals.get("loop")!;
    expect(loop).toBeGreaterThanOrEqual(195);
    // Within 400 ms (205–240 ms on this machine at a load average of 10–20), beyond the lateness
    // that the machine imposed on every timer at the time.
    expect(loop - late).toBeLessThan(400);
    expect(loop).toBeLessThan(2_000);
    for (let i = 0; i < 10; i++) {
      expect(report.outcomes[i + 1]!.status).toBe("ok");
      // A 50 ms timer (55–80 ms on a quiet machine), done before the runaway tool's outcome.
      expect(arrivals.get(`inline${i}`)! - late).toBeLessThan(250);
      // Unless the whole process stalled past the loop's timeout: both timers then fire in one
      // turn of the event loop, in either order.
      if (late < 100) expect(arrivals.get(`inline${i}`)).toBeLessThan(loop);
    }
    expect(backend.stats().killed).toBe(killedBefore + 1);
    // The backend rejected with the abort reason itself: nothing was left running.
    expect(abandoned).toBe(0);
  });

  it("really stops the tool: its thread no longer runs after the timeout", async () => {
    const cells = new Int32Array(new SharedArrayBuffer(4));
    // Long enough for the tool to be counting even if its thread has to start first.
    const report = await executorWith(TOOLS, backend).execute([
      { id: "c", name: "count", args: { cells }, timeoutMs: 1_000 },
    ]);
    expect(errorOf(report.outcomes[0])?.kind).toBe("timeout");
    const atEnd = Atomics.load(cells, 0);
    expect(atEnd).toBeGreaterThan(0);
    await sleepMs(150);
    // Termination takes a moment to reach the thread: allow a little counting after the outcome.
    const later = Atomics.load(cells, 0);
    await sleepMs(150);
    expect(Atomics.load(cells, 0)).toBe(later);
  });

  it("replaces a killed thread: the pool keeps its size and the next calls run", async () => {
    const executor = executorWith(TOOLS, backend);
    await executor.execute([
      { id: "s1", name: "spin", args: {}, timeoutMs: 100 },
      { id: "s2", name: "spin", args: {}, timeoutMs: 100 },
    ]);
    const report = await executor.execute(
      Array.from({ length: 4 }, (_, i) => ({ id: `h${i}`, name: "hash", args: { rounds: 1000 } })),
    );
    expect(report.counts.ok).toBe(4);
    const shared = backend.stats().pools.find((p) => p.pool === "shared")!;
    expect(shared.threads).toBe(2);
  });

  it("kills each attempt of a retried timeout", async () => {
    const killedBefore = backend.stats().killed;
    const policies = { spin: { maxAttempts: 2 } };
    const report = await executorWith(TOOLS, backend, { policies }).execute([
      {
        id: "r",
        name: "spin",
        args: {},
        timeoutMs: 100,
        retry: { maxAttempts: 2, initialInterval: 10, jitter: false },
      },
    ]);
    expect(errorOf(report.outcomes[0])?.kind).toBe("timeout");
    expect(report.outcomes[0]!.attempts).toBe(2);
    expect(backend.stats().killed).toBe(killedBefore + 2);
  });

  it("ends `deadline` when the batch deadline passes, killing the thread", async () => {
    const killedBefore = backend.stats().killed;
    const started = performance.now();
    const report = await executorWith(TOOLS, backend).execute(
      [
        { id: "d", name: "spin", args: {} },
        { id: "ok", name: "inline_sleep", args: { ms: 20 } },
      ],
      { deadlineMs: 150 },
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(errorOf(report.outcomes[0])?.kind).toBe("deadline");
    expect(report.outcomes[1]!.status).toBe("ok");
    expect(backend.stats().killed).toBe(killedBefore + 1);
  });

  it("ends `cancelled` at once on batch.cancel() and on the caller's signal", async () => {
    const executor = executorWith(TOOLS, backend);
    const killedBefore = backend.stats().killed;

    const batch = executor.execute([{ id: "x", name: "spin", args: {} }]);
    await sleepMs(80);
    const cancelledAt = performance.now();
    batch.cancel("user pressed stop");
    const report = await batch;
    expect(performance.now() - cancelledAt).toBeLessThan(100);
    expect(errorOf(report.outcomes[0])?.kind).toBe("cancelled");

    const controller = new AbortController();
    const second = executor.execute([{ id: "y", name: "spin", args: {} }], {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 80);
    expect(errorOf((await second).outcomes[0])?.kind).toBe("cancelled");
    expect(backend.stats().killed).toBe(killedBefore + 2);
  });
});

describe("threadBackend: crashes", () => {
  it("reports process.exit as `crashed`, while the batch and the pool go on", async () => {
    const executor = executorWith(TOOLS, backend);
    const report = await executor.execute([
      { id: "boom", name: "exit", args: { code: 7 } },
      { id: "fine", name: "hash", args: { rounds: 100 } },
      { id: "inline", name: "inline_sleep", args: { ms: 10 } },
    ]);
    const error = errorOf(report.outcomes[0]);
    expect(error?.kind).toBe("crashed");
    expect(error?.message).toContain('tool "exit"');
    expect(error?.message).toContain("code 7");
    expect(report.outcomes[1]!.status).toBe("ok");
    expect(report.outcomes[2]!.status).toBe("ok");
    const after = await executor.execute([{ id: "next", name: "hash", args: { rounds: 100 } }]);
    expect(after.counts.ok).toBe(1);
  });

  it("reports an uncaught error in the thread as `crashed`, naming the error", async () => {
    const report = await executorWith(TOOLS, backend).execute([
      { id: "u", name: "uncaught", args: {} },
    ]);
    const error = errorOf(report.outcomes[0]);
    expect(error?.kind).toBe("crashed");
    expect(error?.message).toContain("uncaught RangeError: thrown from a timer");
  });

  it("runs a tool with resourceLimits in its own pool, where running out of memory is `crashed`", async () => {
    const crashedBefore = backend.stats().crashed;
    const executor = executorWith(TOOLS, backend);
    const report = await executor.execute([
      { id: "m1", name: "hog", args: {} },
      { id: "fine", name: "echo", args: { value: 1 } },
    ]);
    const error = errorOf(report.outcomes[0]);
    expect(error?.kind).toBe("crashed");
    expect(error?.message).toContain("ran out of memory");
    expect(error?.message).toContain("maxOldGenerationSizeMb: 32");
    expect(report.outcomes[1]!.status).toBe("ok");
    // The tool's pool replaced its thread: the next call gets a fresh one (and dies again).
    const again = await executor.execute([{ id: "m2", name: "hog", args: {} }]);
    expect(errorOf(again.outcomes[0])?.kind).toBe("crashed");
    const pools = backend.stats().pools;
    expect(pools.find((p) => p.pool === "hog")?.maxThreads).toBe(1);
    expect(backend.stats().crashed).toBe(crashedBefore + 2);
  }, 60_000);
});

describe("threadBackend: errors and values crossing threads", () => {
  it("keeps a ToolError's kind, data and retry hint", async () => {
    const executor = executorWith(TOOLS, backend, { policies: { fails: { maxAttempts: 2 } } });
    const delays: number[] = [];
    executor.on("call:retry", (e) => delays.push(e.delayMs));
    const report = await executor.execute([
      {
        id: "t",
        name: "fails",
        args: { how: "tool" },
        retry: { maxAttempts: 2, initialInterval: 1, jitter: false },
      },
    ]);
    const error = errorOf(report.outcomes[0]);
    expect(error).toEqual({
      kind: "tool_error",
      message: "rate limited",
      data: { status: 429, name: "ToolError" },
    });
    expect(report.outcomes[0]!.attempts).toBe(2);
    expect(delays[0]).toBeGreaterThanOrEqual(5);
  });

  it("never retries a NonRetryableError", async () => {
    const report = await executorWith(TOOLS, backend).execute([
      { id: "f", name: "fails", args: { how: "final" }, retry: { maxAttempts: 3 } },
    ]);
    expect(errorOf(report.outcomes[0])).toMatchObject({
      kind: "tool_error",
      message: "bad input",
      data: { field: "q", name: "NonRetryableError" },
    });
    expect(report.outcomes[0]!.attempts).toBe(1);
  });

  it("keeps a plain error's name and code, and a thrown string", async () => {
    const report = await executorWith(TOOLS, backend).execute([
      { id: "p", name: "fails", args: { how: "plain" } },
      { id: "c", name: "fails", args: { how: "code" } },
      { id: "s", name: "fails", args: { how: "string" } },
    ]);
    expect(errorOf(report.outcomes[0])).toEqual({
      kind: "tool_error",
      message: "plain failure",
      data: { name: "TypeError" },
    });
    expect(errorOf(report.outcomes[1])).toEqual({
      kind: "tool_error",
      message: "no such file",
      data: { name: "Error", code: "ENOENT" },
    });
    expect(errorOf(report.outcomes[2])?.message).toBe(
      'Tool "fails" threw a non-Error value: "a bare string"',
    );
  });

  it("reports a thrown value that String() cannot convert (a null-prototype object)", async () => {
    const report = await executorWith(TOOLS, backend).execute([
      { id: "o", name: "fails", args: { how: "bare-object" } },
    ]);
    expect(errorOf(report.outcomes[0])).toMatchObject({
      kind: "tool_error",
      message: 'Tool "fails" threw a non-Error value: {"reason":"bare"}',
    });
  });

  it("fails a result that cannot be cloned with a tool_error naming the tool, without retrying", async () => {
    const report = await executorWith(TOOLS, backend).execute([
      { id: "u", name: "unclonable", args: {}, retry: { maxAttempts: 3 } },
    ]);
    const error = errorOf(report.outcomes[0]);
    expect(error?.kind).toBe("tool_error");
    expect(error?.message).toMatch(
      /^Tool "unclonable" returned a value that cannot cross from its worker thread by structured clone, got `{ ok: true, callback: \[function callback\] }` \(object\): /,
    );
    expect(report.outcomes[0]!.attempts).toBe(1);
  });

  it("fails arguments that cannot be cloned with a tool_error naming the tool", async () => {
    const report = await executorWith(TOOLS, backend).execute([
      { id: "a", name: "echo", args: { value: () => 1 } },
      { id: "b", name: "echo", args: { value: "fine" } },
    ]);
    const error = errorOf(report.outcomes[0]);
    expect(error?.kind).toBe("tool_error");
    expect(error?.message).toMatch(/^The arguments of tool "echo" \(call "a"\) cannot cross/);
    expect(report.outcomes[1]!.status).toBe("ok");
  });

  it("says when a tool is not exported by its module, or has no module", async () => {
    const [hidden] = cpu.hiddenTools;
    const orphan = defineTool({
      name: "orphan",
      description: "A worker tool without a module",
      schema: cpu.echo.schema,
      isolation: "worker",
      run: () => "never",
    });
    const report = await executorWith([hidden!, orphan], backend).execute([
      { id: "h", name: "hidden", args: {} },
      { id: "o", name: "orphan", args: { value: 1 } },
    ]);
    expect(errorOf(report.outcomes[0])?.message).toMatch(
      /cpu-tools\.ts exports no tool named "hidden" \(it exports: .*echo/,
    );
    expect(errorOf(report.outcomes[1])?.message).toContain(
      'Tool "orphan" has isolation "worker" but no tools module',
    );
  });
});
