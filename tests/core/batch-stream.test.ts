import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type Outcome } from "../../src/index.js";

const DONE = { value: undefined, done: true };

/** Lets every pending promise job and I/O callback run. */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** What `p` resolved to by now, or "pending". */
async function peek<T>(p: Promise<T>): Promise<T | "pending"> {
  return Promise.race([p, settle().then(() => "pending" as const)]);
}

/** A tool whose calls finish when the test releases them, by key, in the order it chooses. */
function gatedTool() {
  const open = new Map<string, () => void>();
  const started: string[] = [];
  const tool = defineTool({
    name: "gated",
    description: "finishes when released",
    schema: z.object({ key: z.string() }),
    run: ({ key }) =>
      new Promise<string>((resolve) => {
        started.push(key);
        open.set(key, () => resolve(key));
      }),
  });
  return {
    tool,
    started,
    async release(...keys: string[]): Promise<void> {
      for (const key of keys) {
        for (let i = 0; i < 100 && !open.has(key); i++) await settle(1);
        const finish = open.get(key);
        if (finish === undefined) throw new Error(`call "${key}" never started`);
        finish();
      }
    },
  };
}

function gatedCalls(...keys: string[]) {
  return keys.map((key) => ({ id: key, name: "gated", args: { key } }));
}

/** A synchronous no-op tool that counts its runs. */
function countingTool() {
  const counter = { runs: 0 };
  const tool = defineTool({
    name: "noop",
    description: "",
    schema: z.object({}),
    run: () => ++counter.runs,
  });
  return { tool, counter };
}

function noopCalls(n: number) {
  return Array.from({ length: n }, (_, i) => ({ id: `c${i}`, name: "noop", args: {} }));
}

const ids = (results: Array<IteratorResult<Outcome>>) =>
  results.map((r) => (r.done ? "done" : r.value.id));

describe("batch stream: next() called again before the last one settles", () => {
  it.each([true, false])(
    "each pending next() gets the next outcome, in order, then done (collect: %s)",
    async (collect) => {
      const gated = gatedTool();
      const executor = createExecutor({ tools: [gated.tool] });
      const batch = executor.execute(gatedCalls("a", "b"), { collect });
      const it = batch[Symbol.asyncIterator]();
      const pending = [it.next(), it.next(), it.next()];
      await gated.release("b", "a");
      expect(ids(await Promise.all(pending))).toEqual(["b", "a", "done"]);
      expect(await it.next()).toEqual(DONE);
      const report = await batch;
      expect(report.counts.ok).toBe(2);
    },
  );

  it.each([true, false])(
    "a pending next() and one called after an outcome arrived keep their order (collect: %s)",
    async (collect) => {
      const gated = gatedTool();
      const executor = createExecutor({ tools: [gated.tool] });
      const batch = executor.execute(gatedCalls("a", "b", "c"), { collect });
      const it = batch[Symbol.asyncIterator]();
      const first = it.next();
      await gated.release("c");
      const second = it.next();
      const third = it.next();
      await gated.release("a");
      expect(await peek(third)).toBe("pending");
      await gated.release("b");
      expect(ids(await Promise.all([first, second, third]))).toEqual(["c", "a", "b"]);
      expect(await it.next()).toEqual(DONE);
    },
  );

  it.each([true, false])(
    "return() ends the iterator: its pending next()s and later ones resolve done (collect: %s)",
    async (collect) => {
      const gated = gatedTool();
      const executor = createExecutor({ tools: [gated.tool] });
      const batch = executor.execute(gatedCalls("a", "b"), { collect });
      const it = batch[Symbol.asyncIterator]();
      const other = batch[Symbol.asyncIterator]();
      const pending = [it.next(), it.next()];
      expect(await it.return!()).toEqual(DONE);
      expect(await Promise.all(pending)).toEqual([DONE, DONE]);
      await gated.release("a", "b");
      expect(await it.next()).toEqual(DONE);
      // The batch and its other iterators go on.
      expect(ids([await other.next(), await other.next(), await other.next()])).toEqual([
        "a",
        "b",
        "done",
      ]);
      expect((await batch).counts.ok).toBe(2);
    },
  );

  it("several iterators with collect: true each see every outcome from the first", async () => {
    const gated = gatedTool();
    const executor = createExecutor({ tools: [gated.tool] });
    const batch = executor.execute(gatedCalls("a", "b", "c"));
    const early = batch[Symbol.asyncIterator]();
    const pending = [early.next(), early.next()];
    await gated.release("b");
    const late = batch[Symbol.asyncIterator]();
    const latePending = [late.next(), late.next(), late.next()];
    await gated.release("c", "a");
    expect(ids(await Promise.all(pending))).toEqual(["b", "c"]);
    expect(ids(await Promise.all(latePending))).toEqual(["b", "c", "a"]);
    await batch;
    const after: string[] = [];
    for await (const o of batch) after.push(o.id);
    expect(after).toEqual(["b", "c", "a"]);
    expect(ids([await early.next(), await early.next()])).toEqual(["a", "done"]);
  });

  it("several iterators with collect: false each see the outcomes published after they were made", async () => {
    const gated = gatedTool();
    const executor = createExecutor({ tools: [gated.tool] });
    const batch = executor.execute(gatedCalls("a", "b", "c"), { collect: false });
    const early = batch[Symbol.asyncIterator]();
    const pending = [early.next(), early.next(), early.next(), early.next()];
    await gated.release("b");
    await settle();
    const late = batch[Symbol.asyncIterator]();
    const latePending = [late.next(), late.next(), late.next()];
    await gated.release("c", "a");
    expect(ids(await Promise.all(pending))).toEqual(["b", "c", "a", "done"]);
    expect(ids(await Promise.all(latePending))).toEqual(["c", "a", "done"]);
    const report = await batch;
    expect(report.outcomes).toEqual([]);
    expect(report.counts.ok).toBe(3);
  });

  it("a batch with no outcome yet still ends every pending next() when it ends", async () => {
    const gated = gatedTool();
    const executor = createExecutor({ tools: [gated.tool] });
    const batch = executor.execute(gatedCalls("a"), { collect: false });
    const it = batch[Symbol.asyncIterator]();
    const pending = [it.next(), it.next(), it.next()];
    batch.cancel("stop");
    const results = await Promise.all(pending);
    expect(results.map((r) => (r.done ? "done" : r.value.status))).toEqual([
      "error",
      "done",
      "done",
    ]);
    expect((await batch).counts.byKind).toEqual({ cancelled: 1 });
  });
});

describe("batch stream: collect: false holds at most a window of calls and unread outcomes", () => {
  it("admission pauses while the window is full of unread outcomes, and resumes as they are read", async () => {
    const gated = gatedTool();
    const executor = createExecutor({ tools: [gated.tool] });
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    const batch = executor.execute(gatedCalls(...keys), { collect: false, concurrency: 4 });
    const it = batch[Symbol.asyncIterator]();
    await settle();
    expect(gated.started).toEqual(["k0", "k1", "k2", "k3"]);
    // Calls already running finish; with their outcomes unread, no further call is read.
    await gated.release("k0", "k1", "k2", "k3");
    await settle();
    expect(gated.started).toHaveLength(4);
    expect(batch.done).toBe(false);
    expect((await it.next()).value?.id).toBe("k0");
    await settle();
    expect(gated.started).toEqual(["k0", "k1", "k2", "k3", "k4"]);
    const rest: string[] = [];
    const reading = (async () => {
      for await (const o of { [Symbol.asyncIterator]: () => it }) rest.push(o.id);
    })();
    // Each call starts once the reader has made room for it.
    await gated.release(...keys.slice(4));
    await reading;
    expect(rest).toEqual(keys.slice(1));
    expect((await batch).counts.ok).toBe(10);
  });

  it("a reader slower than the tools keeps the calls run but not read within the window", async () => {
    const { tool, counter } = countingTool();
    const executor = createExecutor({ tools: [tool] });
    const n = 20_000;
    const batch = executor.execute(noopCalls(n), { collect: false });
    const window = 1_024; // max(1024, 2 × the default concurrency of 64)
    let read = 0;
    let most = 0;
    for await (const _ of batch) {
      read++;
      most = Math.max(most, counter.runs - read);
      if (read % 500 === 0) await settle(2);
    }
    expect(read).toBe(n);
    expect(most).toBeLessThanOrEqual(window);
    expect(most).toBeGreaterThan(window / 2);
    expect((await batch).counts.ok).toBe(n);
  });

  it("a reader that reads nothing holds the batch at its window until it reads or returns", async () => {
    const { tool, counter } = countingTool();
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute(noopCalls(5_000), { collect: false });
    const it = batch[Symbol.asyncIterator]();
    await settle(20);
    expect(counter.runs).toBeLessThanOrEqual(1_024);
    expect(counter.runs).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) await it.next();
    await settle(20);
    expect(counter.runs).toBeLessThanOrEqual(1_124);
    expect(batch.done).toBe(false);
    await it.return!();
    const report = await batch;
    expect(report.counts.ok).toBe(5_000);
  });

  it("the slowest of several readers sets the pace; when it returns, the others run on", async () => {
    const { tool, counter } = countingTool();
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute(noopCalls(50), { collect: false, concurrency: 4 });
    const slow = batch[Symbol.asyncIterator]();
    const fast: string[] = [];
    const reading = (async () => {
      for await (const o of batch) fast.push(o.id);
    })();
    await settle(10);
    expect(counter.runs).toBeLessThanOrEqual(4);
    expect((await slow.next()).value?.id).toBe("c0");
    await settle(10);
    expect(counter.runs).toBeLessThanOrEqual(5);
    await slow.return!();
    await reading;
    expect(fast).toEqual(noopCalls(50).map((c) => c.id));
    expect((await batch).counts.ok).toBe(50);
  });

  it("with no reader the outcomes are only counted and the batch completes", async () => {
    const { tool, counter } = countingTool();
    const executor = createExecutor({ tools: [tool] });
    const report = await executor.execute(noopCalls(5_000), { collect: false });
    expect(counter.runs).toBe(5_000);
    expect(report.counts).toEqual({ total: 5_000, ok: 5_000, error: 0, byKind: {} });
    expect(report.outcomes).toEqual([]);
  });

  it("a reader that breaks out lets the rest of the batch run unread", async () => {
    const { tool } = countingTool();
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute(noopCalls(5_000), { collect: false });
    let read = 0;
    for await (const _ of batch) if (++read === 10) break;
    expect((await batch).counts.ok).toBe(5_000);
  });

  it("a batch cancelled while its reader lags ends the calls not yet read as the reader reads on", async () => {
    const { tool, counter } = countingTool();
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute(noopCalls(5_000), { collect: false, concurrency: 8 });
    const it = batch[Symbol.asyncIterator]();
    await settle();
    expect(counter.runs).toBeLessThanOrEqual(8);
    batch.cancel("enough");
    await settle();
    const kinds: Record<string, number> = {};
    let read = 0;
    for await (const o of { [Symbol.asyncIterator]: () => it }) {
      read++;
      const key = o.status === "ok" ? "ok" : o.error.kind;
      kinds[key] = (kinds[key] ?? 0) + 1;
    }
    expect(read).toBe(5_000);
    expect(counter.runs).toBeLessThanOrEqual(8);
    const report = await batch;
    expect(report.counts.byKind["cancelled"]).toBe(5_000 - counter.runs);
    expect(kinds).toEqual({ ok: counter.runs, cancelled: 5_000 - counter.runs });
  });

  it("collect: true keeps no window: an iterator left unread holds nothing back", async () => {
    const { tool, counter } = countingTool();
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute(noopCalls(3_000));
    batch[Symbol.asyncIterator]();
    const report = await batch;
    expect(counter.runs).toBe(3_000);
    expect(report.outcomes).toHaveLength(3_000);
  });
});
