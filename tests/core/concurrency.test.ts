import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { sleep } from "../helpers/tools.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Tools that record how many of each run at once, and the order calls start in. */
function tracked(names: string[], perTool: Record<string, number> = {}) {
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  let total = 0;
  let peakTotal = 0;
  const started: string[] = [];
  const tools = names.map((name) =>
    defineTool({
      name,
      description: "",
      schema: z.object({ ms: z.number() }),
      ...(perTool[name] === undefined ? {} : { concurrency: perTool[name] }),
      run: async ({ ms }, { callId, signal }) => {
        started.push(callId);
        running.set(name, (running.get(name) ?? 0) + 1);
        peak.set(name, Math.max(peak.get(name) ?? 0, running.get(name)!));
        peakTotal = Math.max(peakTotal, ++total);
        try {
          await sleep(ms, signal);
        } finally {
          running.set(name, running.get(name)! - 1);
          total--;
        }
      },
    }),
  );
  return { tools, peak, started, peakTotal: () => peakTotal };
}

describe("concurrency limits", () => {
  it("holds the global limit across batches", async () => {
    const t = tracked(["a"]);
    const executor = createExecutor({ tools: t.tools, concurrency: 3 });
    const batches = [0, 1, 2].map((b) =>
      executor.execute(
        Array.from({ length: 5 }, (_, i) => ({ id: `${b}-${i}`, name: "a", args: { ms: 10 } })),
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(executor.stats()).toMatchObject({ running: 3, queued: 12 });
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(batches);
    expect(t.peakTotal()).toBe(3);
  });

  it("holds a per-tool limit, and a tool at its limit never blocks the others", async () => {
    const t = tracked(["search", "fetch"], { search: 1 });
    const executor = createExecutor({ tools: t.tools, concurrency: 4 });
    const batch = executor.execute([
      { id: "s1", name: "search", args: { ms: 50 } },
      { id: "s2", name: "search", args: { ms: 50 } },
      { id: "s3", name: "search", args: { ms: 50 } },
      { id: "f1", name: "fetch", args: { ms: 50 } },
      { id: "f2", name: "fetch", args: { ms: 50 } },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.started).toEqual(["s1", "f1", "f2"]);
    expect(executor.stats().tools["search"]).toMatchObject({
      running: 1,
      queued: 2,
      concurrency: 1,
    });
    await vi.advanceTimersByTimeAsync(200);
    await batch;
    expect(t.peak.get("search")).toBe(1);
    expect(t.started).toEqual(["s1", "f1", "f2", "s2", "s3"]);
  });

  it("starts queued calls by priority, FIFO among equals, across batches", async () => {
    const t = tracked(["a"]);
    const executor = createExecutor({ tools: t.tools, concurrency: 1 });
    const first = executor.execute([{ id: "blocker", name: "a", args: { ms: 10 } }]);
    const low = executor.execute([
      { id: "low1", name: "a", args: { ms: 10 } },
      { id: "low2", name: "a", args: { ms: 10 } },
    ]);
    const mixed = executor.execute([
      { id: "high", name: "a", args: { ms: 10 }, priority: 5 },
      { id: "low3", name: "a", args: { ms: 10 } },
      { id: "mid", name: "a", args: { ms: 10 }, priority: 1 },
    ]);
    const urgent = executor.execute([{ id: "x", name: "a", args: { ms: 10 } }], { priority: 9 });
    await vi.advanceTimersByTimeAsync(200);
    await Promise.all([first, low, mixed, urgent]);
    expect(t.started).toEqual(["blocker", "x", "high", "mid", "low1", "low2", "low3"]);
  });

  it("puts a retried call back in its place: it keeps its arrival order", async () => {
    let failed = false;
    const started: string[] = [];
    const tool = defineTool({
      name: "t",
      description: "",
      schema: z.object({}),
      retry: { initialInterval: 5, jitter: false },
      run: async (_a, { callId }) => {
        started.push(callId);
        await sleep(10);
        if (callId === "a" && !failed) {
          failed = true;
          throw new Error("once");
        }
      },
    });
    const executor = createExecutor({ tools: [tool], concurrency: 1 });
    const batch = executor.execute(["a", "b", "c"].map((id) => ({ id, name: "t", args: {} })));
    await vi.advanceTimersByTimeAsync(200);
    await batch;
    expect(started).toEqual(["a", "b", "a", "c"]);
  });

  it("validates limits at construction with a TypeError naming them", () => {
    const t = tracked(["a"]);
    expect(() => createExecutor({ tools: t.tools, concurrency: 0 })).toThrow(
      "Expected concurrency to be a whole number ≥ 1 or Infinity, got `0` (number)",
    );
    expect(() => createExecutor({ tools: t.tools, timeoutMs: -5 })).toThrow(/timeoutMs/);
    expect(() =>
      defineTool({
        name: "x",
        description: "",
        schema: z.object({}),
        concurrency: 1.5,
        run: () => 1,
      }),
    ).toThrow(
      'Expected tool "x".concurrency to be a whole number ≥ 1 or Infinity, got `1.5` (number)',
    );
    expect(() => createExecutor({ tools: [...t.tools, ...t.tools] })).toThrow(
      /Two tools are named "a"/,
    );
    expect(() => createExecutor({ tools: [{ name: "fake" }] as never })).toThrow(/tools\[0\]/);
    expect(() =>
      createExecutor({ tools: t.tools, concurrency: Infinity, timeoutMs: Infinity }),
    ).not.toThrow();
  });
});

describe("a batch's own concurrency", () => {
  const calls = (n: number, ms = 10) =>
    Array.from({ length: n }, (_, i) => ({ id: `c${i}`, name: "a", args: { ms } }));

  it("caps that batch's calls, in order, while other batches use the rest", async () => {
    const t = tracked(["a"]);
    const executor = createExecutor({ tools: t.tools, concurrency: 8 });
    const capped = executor.execute(calls(6), { concurrency: 2 });
    const other = executor.execute(
      Array.from({ length: 4 }, (_, i) => ({ id: `o${i}`, name: "a", args: { ms: 10 } })),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(executor.stats().running).toBe(6);
    expect(t.started.filter((id) => id.startsWith("c"))).toEqual(["c0", "c1"]);
    await vi.advanceTimersByTimeAsync(10);
    expect(t.started.filter((id) => id.startsWith("c"))).toEqual(["c0", "c1", "c2", "c3"]);
    await vi.advanceTimersByTimeAsync(100);
    const report = await capped;
    await other;
    expect(report.counts.ok).toBe(6);
    expect(report.outcomes.map((o) => o.id)).toEqual(["c0", "c1", "c2", "c3", "c4", "c5"]);
  });

  it("counts a call waiting out a retry's backoff, so no more than n are ever live", async () => {
    let live = 0;
    let peak = 0;
    const failedOnce = new Set<string>();
    const tool = defineTool({
      name: "a",
      description: "",
      schema: z.object({ ms: z.number() }),
      retry: { initialInterval: 50, jitter: false, maxAttempts: 2 },
      run: async ({ ms }, { callId }) => {
        if (!failedOnce.has(callId)) {
          failedOnce.add(callId);
          live++;
          peak = Math.max(peak, live);
          throw new Error("once");
        }
        await sleep(ms);
        live--;
      },
    });
    const executor = createExecutor({ tools: [tool], concurrency: 10 });
    const batch = executor.execute(calls(5), { concurrency: 2 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await batch).counts.ok).toBe(5);
    expect(peak).toBe(2);
  });

  it("goes on admitting when a call fails an asynchronous schema", async () => {
    const started: string[] = [];
    const asyncSchema = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: async (value: unknown) => {
          await Promise.resolve();
          const v = value as { ok?: unknown };
          return v.ok === true ? { value } : { issues: [{ message: "not ok" }] };
        },
      },
    };
    const tool = defineTool({
      name: "a",
      description: "",
      schema: asyncSchema as never,
      run: async (_args, { callId }) => {
        started.push(callId);
        await sleep(5);
      },
    });
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute(
      [
        { id: "bad1", name: "a", args: {} },
        { id: "bad2", name: "a", args: {} },
        { id: "good", name: "a", args: { ok: true } },
      ],
      { concurrency: 1 },
    );
    await vi.advanceTimersByTimeAsync(100);
    const report = await batch;
    expect(report.errors["bad1"]?.kind).toBe("invalid_args");
    expect(report.errors["bad2"]?.kind).toBe("invalid_args");
    expect(started).toEqual(["good"]);
  });

  it("is checked like the executor's: a whole number ≥ 1 or Infinity", () => {
    const t = tracked(["a"]);
    const executor = createExecutor({ tools: t.tools });
    expect(() => executor.execute(calls(1), { concurrency: 0 })).toThrow(
      "Expected concurrency to be a whole number ≥ 1 or Infinity, got `0` (number)",
    );
    expect(() => executor.execute(calls(1), { concurrency: 1.5 })).toThrow(TypeError);
    expect(() => executor.execute(calls(1), { concurrency: Infinity })).not.toThrow();
  });
});

describe("stats and onIdle", () => {
  it("counts queued, running and finished calls, overall and per tool, and resolves onIdle", async () => {
    const t = tracked(["a", "b"]);
    const executor = createExecutor({ tools: t.tools, concurrency: 2 });
    await executor.onIdle();
    const batch = executor.execute([
      { id: "1", name: "a", args: { ms: 10 } },
      { id: "2", name: "a", args: { ms: 10 } },
      { id: "3", name: "b", args: { ms: 10 } },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(executor.stats()).toMatchObject({ queued: 1, running: 2, finished: 0, batches: 1 });
    let idle = false;
    void executor.onIdle().then(() => (idle = true));
    await vi.advanceTimersByTimeAsync(30);
    await batch;
    expect(idle).toBe(true);
    expect(executor.stats()).toMatchObject({
      queued: 0,
      running: 0,
      finished: 3,
      ok: 3,
      failed: 0,
      batches: 0,
    });
    expect(executor.stats().tools).toMatchObject({
      a: { finished: 2, ok: 2 },
      b: { finished: 1, ok: 1 },
    });
  });

  it("close() waits for running calls, then refuses new batches with `rejected`", async () => {
    const t = tracked(["a"]);
    const executor = createExecutor({ tools: t.tools });
    const batch = executor.execute([{ id: "1", name: "a", args: { ms: 50 } }]);
    let closed = false;
    const closing = executor.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    await closing;
    expect((await batch).counts.ok).toBe(1);
    const late = await executor.execute([{ id: "2", name: "a", args: { ms: 1 } }]);
    expect(late.errors["2"]).toMatchObject({
      kind: "rejected",
      message: "The executor is closed: it takes no new batches",
    });
  });

  it("close({ cancel: true }) cancels what is unfinished; await using disposes", async () => {
    const t = tracked(["a"]);
    const executor = createExecutor({ tools: t.tools });
    const batch = executor.execute([{ id: "1", name: "a", args: { ms: 10_000 } }]);
    await vi.advanceTimersByTimeAsync(1);
    await executor.close({ cancel: true });
    expect((await batch).errors["1"]?.kind).toBe("cancelled");
    {
      await using disposable = createExecutor({ tools: t.tools });
      void disposable.execute([{ id: "d", name: "a", args: { ms: 5 } }]);
      await vi.advanceTimersByTimeAsync(10);
    }
  });
});
