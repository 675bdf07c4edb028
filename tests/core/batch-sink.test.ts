import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchSink } from "../../src/core/engine/batch-sink.js";
import type { Outcome } from "../../src/index.js";

/** The outcome of call `index`: every third fails, so that the per-kind counts are exercised. */
function outcome(index: number): Outcome {
  const base = { id: `c${index}`, index, name: "t", startedAt: null, durationMs: 0, attempts: 1 };
  return index % 3 === 0
    ? { ...base, status: "error", error: { kind: "tool_error", message: "boom" } }
    : { ...base, status: "ok", value: index };
}

type Op =
  | { readonly kind: "push" }
  | { readonly kind: "iterate" }
  | { readonly kind: "next"; readonly it: number }
  | { readonly kind: "return"; readonly it: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "push" } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: "iterate" } as const) },
  { weight: 4, arbitrary: fc.nat(7).map((it) => ({ kind: "next", it }) as const) },
  { weight: 1, arbitrary: fc.nat(7).map((it) => ({ kind: "return", it }) as const) },
);

interface ModelIterator {
  readonly real: AsyncIterator<Outcome>;
  /** The number of the first outcome it yields. */
  readonly start: number;
  /** `next()` calls made before it was returned. */
  nexts: number;
  /** Outcomes published when it was returned. */
  returnedAt: number | undefined;
  readonly results: Array<Promise<IteratorResult<Outcome>>>;
  readonly expected: Array<(total: number, order: readonly Outcome[]) => string>;
}

const show = (r: IteratorResult<Outcome>): string => (r.done ? "done" : r.value.id);

/**
 * Runs `ops` on a sink and on a model of it: each iterator yields outcome number `start + k` to
 * its k-th `next()`, unless it was returned before that outcome was published, then done; the
 * sink holds (collect: false) as many outcomes as the slowest live iterator has not read.
 */
async function check(collect: boolean, ops: readonly Op[], order: readonly number[]) {
  const size = order.length;
  const sink = new BatchSink<Outcome>(size, collect);
  const published: Outcome[] = [];
  const iterators: ModelIterator[] = [];
  const live = (m: ModelIterator) => m.returnedAt === undefined;
  const unread = (): number => {
    const open = iterators.filter(live);
    if (collect || open.length === 0) return 0;
    const slowest = Math.min(...open.map((m) => Math.min(m.start + m.nexts, published.length)));
    return published.length - slowest;
  };
  const callNext = (m: ModelIterator) => {
    const ticket = m.start + m.nexts;
    const returnedAt = m.returnedAt;
    if (returnedAt === undefined) m.nexts++;
    m.results.push(m.real.next());
    m.expected.push((total, all) => {
      if (returnedAt !== undefined) return "done";
      const cut = m.returnedAt ?? total;
      return ticket < cut ? all[ticket]!.id : "done";
    });
  };
  for (const op of ops) {
    if (op.kind === "push") {
      if (published.length === size) continue;
      const o = outcome(order[published.length]!);
      published.push(o);
      sink.push(o);
    } else if (op.kind === "iterate") {
      iterators.push({
        real: sink.iterate(),
        start: collect ? 0 : published.length,
        nexts: 0,
        returnedAt: undefined,
        results: [],
        expected: [],
      });
    } else {
      const m = iterators[op.it % Math.max(1, iterators.length)];
      if (m === undefined) continue;
      if (op.kind === "next") callNext(m);
      else {
        m.returnedAt ??= published.length;
        await m.real.return!();
      }
    }
    expect(sink.unread).toBe(unread());
  }
  while (published.length < size) {
    const o = outcome(order[published.length]!);
    published.push(o);
    sink.push(o);
  }
  const report = sink.finish(0);
  // Read every iterator to its end, and once more.
  for (const m of iterators) {
    const left = Math.max(0, size - (m.start + m.nexts)) + 1;
    for (let i = 0; i < left; i++) callNext(m);
  }
  for (const m of iterators) {
    const got = (await Promise.all(m.results)).map(show);
    expect(got).toEqual(m.expected.map((e) => e(size, published)));
  }
  expect(sink.unread).toBe(0);
  expect(report.counts.total).toBe(size);
  const failed = published.filter((o) => o.status === "error").length;
  expect(report.counts.byKind).toEqual(failed > 0 ? { tool_error: failed } : {});
  if (collect) expect(report.outcomes.map((o) => o.index)).toEqual([...Array(size).keys()]);
  else expect(report.outcomes).toEqual([]);
}

/** Operations, and the call order in which the pushed outcomes are numbered (any order). */
const caseArb = fc.array(opArb, { maxLength: 80 }).chain((ops) => {
  const pushes = ops.filter((o) => o.kind === "push").length;
  const indices = [...Array(pushes).keys()];
  return fc.tuple(fc.constant(ops), fc.shuffledSubarray(indices, { minLength: pushes }));
});

describe("batch sink: a model of its iterators", () => {
  it.each([true, false])(
    "any interleaving of outcomes, iterators, next() and return() matches the model (collect: %s)",
    async (collect) => {
      await fc.assert(
        fc.asyncProperty(caseArb, ([ops, order]) => check(collect, ops, order)),
        { numRuns: 300 },
      );
    },
  );

  it("outcomes in call order need no finishing-order array; one out of order starts one", async () => {
    await check(true, [{ kind: "iterate" }, { kind: "push" }, { kind: "next", it: 0 }], [0]);
    await check(true, [{ kind: "push" }, { kind: "push" }, { kind: "iterate" }], [0, 1, 2, 3]);
    await check(true, [{ kind: "push" }, { kind: "push" }, { kind: "iterate" }], [0, 2, 1, 3]);
  });
});

describe("batch sink: a slow reader", () => {
  it("a reader lagging by thousands reads every outcome in order while the sink holds only its lag", async () => {
    const n = 20_000;
    const lag = 3_000;
    const sink = new BatchSink<Outcome>(n, false);
    const fast = sink.iterate();
    const slow = sink.iterate();
    const fastSeen: number[] = [];
    const slowSeen: number[] = [];
    for (let i = 0; i < n; i++) {
      sink.push(outcome(i));
      const f = await fast.next();
      if (!f.done) fastSeen.push(f.value.index);
      if (i >= lag) {
        const s = await slow.next();
        if (!s.done) slowSeen.push(s.value.index);
        expect(sink.unread).toBe(lag);
      }
    }
    sink.finish(0);
    for (;;) {
      const s = await slow.next();
      if (s.done) break;
      slowSeen.push(s.value.index);
    }
    expect(fastSeen).toEqual([...Array(n).keys()]);
    expect(slowSeen).toEqual([...Array(n).keys()]);
    expect(sink.unread).toBe(0);
  });

  it("the sink tells admission once per look that found outcomes unread, when the slowest reads on", async () => {
    const sink = new BatchSink<Outcome>(10, false);
    let woken = 0;
    sink.onRoom = () => woken++;
    const a = sink.iterate();
    const b = sink.iterate();
    for (let i = 0; i < 4; i++) sink.push(outcome(i));
    await a.next();
    expect(woken).toBe(0); // nobody looked
    expect(sink.backlog()).toBe(4);
    await a.next(); // not the slowest: the backlog stays 4
    expect(woken).toBe(0);
    await b.next();
    expect(woken).toBe(1);
    expect(sink.backlog()).toBe(3);
    await a.next(); // a is 3 along, b 1
    await b.next();
    expect(woken).toBe(2);
    await b.next();
    expect(woken).toBe(2); // told once per look
    expect(sink.backlog()).toBe(1); // b is 3 along, a too: 1 unread
    await b.next(); // b is ahead now: a is the slowest
    expect(woken).toBe(2);
    expect(sink.backlog()).toBe(1);
    await b.return!(); // b was not the slowest: nothing changes
    expect(woken).toBe(2);
    expect(sink.unread).toBe(1);
    const c = sink.iterate(); // from the next outcome on
    expect(sink.backlog()).toBe(1);
    await a.return!(); // the slowest left: c has read all there is
    expect(woken).toBe(3);
    expect(sink.unread).toBe(0);
    sink.push(outcome(4));
    expect(sink.backlog()).toBe(1);
    await c.return!(); // no reader left: nothing is held, nothing more is kept
    expect(woken).toBe(4);
    expect(sink.unread).toBe(0);
    sink.push(outcome(5));
    expect(sink.backlog()).toBe(0);
  });
});
