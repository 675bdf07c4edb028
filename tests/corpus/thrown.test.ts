import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type Outcome } from "../../src/index.js";
import { echo, trapProxy, throwingGetter } from "./helpers.js";

/** Runs a tool that fails with `make()` (thrown, or rejected when `async`) beside a valid call. */
async function failWith(make: () => unknown, async: boolean): Promise<Outcome> {
  const bad = defineTool({
    name: "bad",
    description: "Fails with a hostile value",
    schema: z.object({}),
    run: async
      ? async () => Promise.reject(make())
      : () => {
          throw make();
        },
  });
  const executor = createExecutor({ tools: [echo, bad] });
  const report = await executor.execute([
    { id: "bad", name: "bad", args: {} },
    { id: "ok", name: "echo", args: { x: 1 } },
  ]);
  expect(report.outcomes[1]).toMatchObject({ status: "ok", value: 1 });
  const outcome = report.outcomes[0]!;
  expect(outcome.status).toBe("error");
  if (outcome.status === "error") {
    expect(outcome.error.kind).toBe("tool_error");
    expect(outcome.error.message).toMatch(/\S/);
    expect(() => JSON.stringify(outcome.error)).not.toThrow();
    expect(() => structuredClone(outcome.error)).not.toThrow();
  }
  return outcome;
}

const messageThrows = (): Error => throwingGetter(new Error("x"), "message");
const nameThrows = (): Error => throwingGetter(new Error("x"), "name");
const bothThrow = (): object => ({
  toJSON() {
    throw new Error("toJSON");
  },
  toString() {
    throw new Error("toString");
  },
});

describe("corpus: whatever a tool throws ends tool_error with a safe message", () => {
  for (const async of [false, true]) {
    const how = async ? "rejected" : "thrown";
    it.each<[string, () => unknown]>([
      ["an Error whose message getter throws", messageThrows],
      ["an Error whose name getter throws", nameThrows],
      ["a Proxy whose traps throw", () => trapProxy({})],
      ["a Proxy around an Error", () => trapProxy(new Error("x"))],
      [
        "a null-prototype object holding a BigInt",
        () => Object.assign(Object.create(null) as object, { n: 1n }),
      ],
      ["an object whose toJSON and toString throw", bothThrow],
      ["a BigInt", () => 1n],
      ["a Symbol", () => Symbol("s")],
      ["undefined", () => undefined],
      ["null", () => null],
      [
        "a cyclic object",
        () => {
          const o: Record<string, unknown> = {};
          o["o"] = o;
          return o;
        },
      ],
      ["a function", () => () => 1],
      ["a huge string", () => "x".repeat(1_000_000)],
      [
        "an Error with a cyclic cause",
        () => {
          const e = new Error("c");
          (e as { cause?: unknown }).cause = e;
          return e;
        },
      ],
      ["an Error with a non-string message", () => Object.assign(new Error(), { message: 42 })],
      [
        "a fake Volley error with an unknown kind",
        () =>
          Object.assign(new Error("fake"), { [Symbol.for("volley.error")]: true, kind: "bogus" }),
      ],
    ])(`${how}: %s`, async (_label, make) => {
      const outcome = await failWith(make, async);
      if (outcome.status === "error") expect(outcome.error.message.length).toBeLessThan(2_000);
    });
  }
});

describe("corpus: thenables a tool returns", () => {
  const tool = (run: () => unknown) =>
    defineTool({ name: "t", description: "", schema: z.object({}), run: run as () => never });

  async function run(result: () => unknown): Promise<Outcome> {
    const executor = createExecutor({ tools: [echo, tool(result)] });
    const report = await executor.execute([
      { id: "t", name: "t", args: {} },
      { id: "ok", name: "echo", args: { x: 1 } },
    ]);
    expect(report.outcomes[1]).toMatchObject({ status: "ok" });
    await executor.onIdle();
    const stats = executor.stats();
    expect(stats).toMatchObject({ running: 0, queued: 0, detached: 0 });
    expect(stats.tools["t"]!.running).toBe(0);
    return report.outcomes[0]!;
  }

  it("a throwing `then` getter ends tool_error and frees the slot", async () => {
    const outcome = await run(() => throwingGetter({}, "then"));
    expect(outcome.status === "error" && outcome.error.kind).toBe("tool_error");
  });

  it("a `then()` that throws ends tool_error and frees the slot", async () => {
    const outcome = await run(() => ({
      then() {
        throw new Error("then threw");
      },
    }));
    expect(outcome.status === "error" && outcome.error.message).toBe("then threw");
  });

  it("a thenable that settles twice is heard once, and no counter goes negative", async () => {
    const outcome = await run(() => ({
      then(ok: (v: unknown) => void, fail: (e: unknown) => void) {
        ok("first");
        ok("second");
        fail(new Error("third"));
      },
    }));
    expect(outcome).toMatchObject({ status: "ok", value: "first" });
  });

  it("a thenable that settles later, twice, after a timeout took the slot", async () => {
    const executor = createExecutor({
      tools: [
        defineTool({
          name: "late",
          description: "",
          schema: z.object({}),
          timeoutMs: 20,
          run: () => ({
            then(ok: (v: unknown) => void) {
              setTimeout(() => {
                ok(1);
                ok(2);
              }, 60);
            },
          }),
        }),
      ],
    });
    const report = await executor.execute([{ id: "l", name: "late", args: {} }]);
    expect(report.outcomes[0]!.status === "error" && report.outcomes[0]!.error.kind).toBe(
      "timeout",
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(executor.stats()).toMatchObject({ detached: 0, abandoned: 1 });
  });
});

describe("corpus: a thenable that settles from inside its abort signal's listener", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Rejects with the abort reason synchronously, from the signal's `abort` listener. */
  const rejectsOnAbort = (signal: AbortSignal) => ({
    then(_ok: (v: unknown) => void, fail: (e: unknown) => void) {
      signal.addEventListener("abort", () => fail(signal.reason), { once: true });
    },
  });

  it("a timeout fails the attempt once: one retry, and no counter goes negative", async () => {
    const retries: number[] = [];
    const tool = defineTool({
      name: "t",
      description: "",
      schema: z.object({}),
      timeoutMs: 10,
      retry: { maxAttempts: 2, initialInterval: 0, jitter: false },
      run: (_args, { attempt, signal }) => (attempt === 1 ? rejectsOnAbort(signal) : "second"),
    });
    const executor = createExecutor({ tools: [tool] });
    executor.on("call:retry", (e) => retries.push(e.attempt));
    const batch = executor.execute([{ id: "t", name: "t", args: {} }]);
    await vi.advanceTimersByTimeAsync(50);
    const report = await batch;
    expect(report.outcomes[0]).toMatchObject({ status: "ok", value: "second", attempts: 2 });
    expect(retries).toEqual([1]);
    expect(executor.stats()).toMatchObject({ running: 0, detached: 0, abandoned: 0 });
    expect(executor.stats().tools["t"]!.running).toBe(0);
  });

  it("a cancel withdraws the attempt once: the slot is freed once", async () => {
    const tool = defineTool({
      name: "t",
      description: "",
      schema: z.object({}),
      run: (_args, { signal }) => rejectsOnAbort(signal),
    });
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute([{ id: "t", name: "t", args: {} }]);
    await vi.advanceTimersByTimeAsync(5);
    batch.cancel("enough");
    const report = await batch;
    expect(report.outcomes[0]!.status === "error" && report.outcomes[0]!.error.kind).toBe(
      "cancelled",
    );
    expect(executor.stats()).toMatchObject({ running: 0, detached: 0, abandoned: 0 });
    expect(executor.stats().tools["t"]!.running).toBe(0);
  });
});
