import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { canonicalKey } from "../../src/core/features/dedupe.js";
import { createExecutor, defineTool, type Backend } from "../../src/index.js";
import { waitTool } from "./helpers.js";

describe("dedupe of idempotent tools", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs identical calls in flight once; duplicates get the same outcome with deduped: true", async () => {
    let runs = 0;
    const executor = createExecutor({
      tools: [waitTool("fetch", { idempotent: true, onRun: () => runs++ })],
    });
    const a = executor.execute([
      { id: "a1", name: "fetch", args: { tag: "x", ms: 10 } },
      { id: "a2", name: "fetch", args: { ms: 10, tag: "x" } }, // same args, other key order
      { id: "a3", name: "fetch", args: { tag: "y", ms: 10 } },
    ]);
    const b = executor.execute([{ id: "b1", name: "fetch", args: { tag: "x", ms: 10 } }]);
    await vi.advanceTimersByTimeAsync(20);
    const [ra, rb] = await Promise.all([a, b]);
    expect(runs).toBe(2);
    expect(ra.results).toEqual({ a1: "x", a2: "x", a3: "y" });
    expect(ra.outcomes[0]!.deduped).toBeUndefined();
    expect(ra.outcomes[1]).toMatchObject({ id: "a2", index: 1, status: "ok", deduped: true });
    expect(rb.outcomes[0]).toMatchObject({ id: "b1", index: 0, value: "x", deduped: true });
    expect(executor.stats().tools["fetch"]).toMatchObject({ finished: 4, ok: 4 });
  });

  it("finds identical calls by their parsed arguments, also when a backend gets them as given", async () => {
    for (const parsesArgs of [false, true]) {
      let runs = 0;
      const backend: Backend = {
        name: "test",
        parsesArgs,
        run: async (request) => {
          runs++;
          await new Promise((done) => setTimeout(done, 10));
          return request.args;
        },
      };
      const executor = createExecutor({
        tools: [
          defineTool({
            name: "search",
            description: "",
            schema: z.object({ q: z.string(), limit: z.number().default(10) }),
            isolation: "elsewhere",
            idempotent: true,
            run: () => "never inline",
          }),
        ],
        backends: { elsewhere: backend },
      });
      const batch = executor.execute([
        { id: "a", name: "search", args: { q: "x" } },
        { id: "b", name: "search", args: { q: "x", limit: 10 } },
      ]);
      await vi.advanceTimersByTimeAsync(20);
      const report = await batch;
      expect(runs, `parsesArgs ${parsesArgs}`).toBe(1);
      expect(report.outcomes[1]).toMatchObject({ status: "ok", deduped: true });
    }
  });

  it("shares failures too, but a later identical call runs again", async () => {
    let runs = 0;
    const executor = createExecutor({
      tools: [waitTool("fetch", { idempotent: true, onRun: () => runs++ })],
    });
    const first = executor.execute([
      { id: "a", name: "fetch", args: { fail: true } },
      { id: "b", name: "fetch", args: { fail: true } },
    ]);
    await vi.advanceTimersByTimeAsync(20);
    const r = await first;
    expect(r.counts.byKind).toEqual({ tool_error: 2 });
    expect(r.outcomes[1]!.deduped).toBe(true);
    const again = executor.execute([{ id: "c", name: "fetch", args: { fail: true } }]);
    await vi.advanceTimersByTimeAsync(20);
    await again;
    expect(runs).toBe(2);
  });

  it("answers from the result cache within its TTL", async () => {
    let runs = 0;
    const executor = createExecutor({
      tools: [waitTool("fetch", { idempotent: { cacheTtlMs: 1_000 }, onRun: () => runs++ })],
    });
    const run = async (id: string) => {
      const batch = executor.execute([{ id, name: "fetch", args: { tag: "k" } }]);
      await vi.advanceTimersByTimeAsync(20);
      return (await batch).outcomes[0]!;
    };
    expect((await run("one")).deduped).toBeUndefined();
    const cached = await run("two");
    expect(cached).toMatchObject({ id: "two", status: "ok", value: "k", deduped: true });
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await run("three")).deduped).toBeUndefined();
    expect(runs).toBe(2);
  });

  it("a duplicate whose leader's batch is cancelled runs by itself", async () => {
    let runs = 0;
    const executor = createExecutor({
      tools: [waitTool("fetch", { idempotent: true, onRun: () => runs++ })],
    });
    const leader = executor.execute([{ id: "L", name: "fetch", args: { tag: "q", ms: 50 } }]);
    const follower = executor.execute([{ id: "F", name: "fetch", args: { tag: "q", ms: 50 } }]);
    await vi.advanceTimersByTimeAsync(10);
    leader.cancel("user went away");
    await vi.advanceTimersByTimeAsync(100);
    const [rl, rf] = await Promise.all([leader, follower]);
    expect(rl.errors["L"]!.kind).toBe("cancelled");
    expect(rf.outcomes[0]).toMatchObject({ status: "ok", value: "q" });
    expect(rf.outcomes[0]!.deduped).toBeUndefined();
    expect(runs).toBe(2);
  });

  it("a duplicate whose own batch is cancelled leaves; the leader carries on", async () => {
    const executor = createExecutor({ tools: [waitTool("fetch", { idempotent: true })] });
    const leader = executor.execute([{ id: "L", name: "fetch", args: { ms: 50 } }]);
    const follower = executor.execute([{ id: "F", name: "fetch", args: { ms: 50 } }]);
    await vi.advanceTimersByTimeAsync(10);
    expect(executor.stats().held).toBe(1);
    follower.cancel();
    expect((await follower).errors["F"]!.kind).toBe("cancelled");
    expect(executor.stats().held).toBe(0);
    await vi.advanceTimersByTimeAsync(50);
    expect((await leader).counts.ok).toBe(1);
  });

  it("a duplicate whose own batch is being cancelled is not answered by a leader that ends meanwhile", async () => {
    // Cancelling "mine" ends "x"; "x2", its duplicate, runs again by itself, which drains the
    // queue: "lead" (another batch) starts and answers at once. "f", its duplicate in "mine",
    // must end cancelled, not with lead's answer.
    const checked = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: (value: unknown) =>
          new Promise<{ value: unknown }>((resolve) => setTimeout(() => resolve({ value }), 1)),
      },
    };
    const idem = defineTool({
      name: "idem",
      description: "",
      schema: checked,
      idempotent: true,
      run: () => "answer",
    });
    const executor = createExecutor({
      tools: [waitTool("busy", { idempotent: true }), idem],
      concurrency: 1,
    });
    const other = executor.execute([{ id: "lead", name: "idem", args: { k: "b" } }]);
    const mine = executor.execute([
      { id: "x", name: "busy", args: { ms: 100, tag: "a" } },
      { id: "x2", name: "busy", args: { ms: 100, tag: "a" } },
      { id: "f", name: "idem", args: { k: "b" } },
    ]);
    await vi.advanceTimersByTimeAsync(5);
    mine.cancel();
    const report = await mine;
    expect(report.outcomes.map((o) => o.status === "error" && o.error.kind)).toEqual([
      "cancelled",
      "cancelled",
      "cancelled",
    ]);
    expect((await other).outcomes[0]).toMatchObject({ status: "ok", value: "answer" });
  });

  it("canonicalKey sorts keys and refuses what it cannot key", () => {
    expect(canonicalKey({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(
      canonicalKey({ a: [1, { c: 3, d: 2 }], b: 1 }),
    );
    expect(canonicalKey({ a: undefined, b: 1 })).toBe(canonicalKey({ b: 1 }));
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expect(canonicalKey(cyclic)).toBeUndefined();
    expect(canonicalKey({ n: 10n })).toBeUndefined();
    expect(canonicalKey(new Map())).toBeUndefined();
  });

  it('keeps calls apart whose args only JSON would confuse: NaN and "NaN", a Date and its ISO string', async () => {
    const seen: unknown[] = [];
    const executor = createExecutor({
      tools: [
        defineTool({
          name: "echo",
          description: "",
          schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
          idempotent: true,
          run: async (args: unknown) => {
            seen.push(args);
            await new Promise((done) => setTimeout(done, 10));
            return args;
          },
        }),
      ],
    });
    const epoch = new Date(0);
    const batch = executor.execute([
      { id: "nan", name: "echo", args: { q: Number.NaN } },
      { id: "nan-text", name: "echo", args: { q: "NaN" } },
      { id: "date", name: "echo", args: { at: epoch } },
      { id: "date-text", name: "echo", args: { at: epoch.toISOString() } },
      { id: "inf", name: "echo", args: { q: Number.POSITIVE_INFINITY } },
      { id: "inf-text", name: "echo", args: { q: "Infinity" } },
      { id: "nan-again", name: "echo", args: { q: Number.NaN } },
    ]);
    await vi.advanceTimersByTimeAsync(20);
    const report = await batch;
    expect(seen).toHaveLength(6);
    expect(report.results["nan-text"]).toEqual({ q: "NaN" });
    expect(report.results["date"]).toEqual({ at: epoch });
    expect(report.results["date-text"]).toEqual({ at: "1970-01-01T00:00:00.000Z" });
    expect(report.outcomes[6]).toMatchObject({ status: "ok", deduped: true });
    expect(Number.isNaN((report.results["nan-again"] as { q: number }).q)).toBe(true);
  });

  it("canonicalKey tags what JSON cannot hold, apart from every string", () => {
    const tricky = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      0,
      null,
      undefined,
      new Date(0),
      new Date(Number.NaN),
    ];
    const keys = tricky.map((v) => canonicalKey(v));
    expect(new Set(keys).size).toBe(tricky.length);
    for (const key of keys) {
      expect(key).toBeDefined();
      // No string, whatever it holds, gets the key of a value that is not that string.
      expect(canonicalKey(key)).not.toBe(key);
    }
    expect(canonicalKey(new Date(0))).not.toBe(canonicalKey("1970-01-01T00:00:00.000Z"));
    expect(canonicalKey([undefined])).not.toBe(canonicalKey([null]));
    // eslint-disable-next-line no-sparse-arrays
    expect(canonicalKey([, 1])).toBe(canonicalKey([undefined, 1]));
    expect(canonicalKey(new Date(5))).toBe(canonicalKey(new Date(5)));
    expect(canonicalKey({ s: Symbol("s") })).toBeUndefined();
    expect(canonicalKey({ f: () => 1 })).toBeUndefined();
  });

  it("property: two args share a key only when they are equal as data, and key order never matters", () => {
    // Atoms JSON confuses, and the strings they would be confused with.
    const atom = fc.constantFrom<unknown>(
      Number.NaN,
      "NaN",
      Number.POSITIVE_INFINITY,
      "Infinity",
      Number.NEGATIVE_INFINITY,
      "-Infinity",
      0,
      -0,
      "0",
      "-0",
      1,
      "1",
      null,
      "null",
      undefined,
      "undefined",
      true,
      "true",
      new Date(0),
      new Date(0).toISOString(),
      new Date(0).getTime(),
      "Date(0)",
      new Date(Number.NaN),
      "Date(NaN)",
      "",
      "[]",
      "{}",
      '"',
      ",",
    );
    const value = fc.anything({
      key: fc.constantFrom("a", "b", "c", '"', ":", "__proto__"),
      values: [atom],
      maxDepth: 3,
      maxKeys: 3,
      withDate: true,
      withNullPrototype: true,
      withSparseArray: true,
    });
    fc.assert(
      fc.property(fc.array(value, { minLength: 2, maxLength: 12 }), (values) => {
        const keys = values.map((v) => canonicalKey(v));
        for (let i = 0; i < values.length; i++) {
          expect(keys[i]).toBeDefined();
          expect(canonicalKey(reordered(values[i]))).toBe(keys[i]);
          for (let j = i + 1; j < values.length; j++) {
            expect(keys[i] === keys[j], `${keys[i]} / ${keys[j]}`).toBe(
              sameData(values[i], values[j]),
            );
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** Equal as dedupe needs: see {@link canonicalKey}. */
function sameData(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  }
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) {
    return Object.is(a, b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  const defined = (o: object) =>
    Object.keys(o)
      .filter((k) => (o as Record<string, unknown>)[k] !== undefined)
      .sort();
  const ka = defined(a);
  const kb = defined(b);
  if (ka.join("\u0000") !== kb.join("\u0000") || ka.length !== kb.length) return false;
  return ka.every((k) =>
    sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** A deep copy of `value` whose objects list their keys in reverse order. */
function reordered(value: unknown): unknown {
  if (value instanceof Date || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(reordered);
  const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(value) as object | null);
  for (const key of Object.keys(value).reverse()) {
    Object.defineProperty(out, key, {
      value: reordered((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
