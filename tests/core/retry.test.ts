import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  defineTool,
  NonRetryableError,
  ToolError,
  type CallRetryEvent,
  type Clock,
  type RetryPolicy,
} from "../../src/index.js";
import { backoffDelay, resolveRetryPolicy } from "../../src/core/retry.js";
import { sleep } from "../helpers/tools.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A tool that fails its first `failures` attempts with `error()`, then returns the attempt number. */
function flaky(failures: number, error: () => unknown, retry?: RetryPolicy | false) {
  const attempts: number[] = [];
  const tool = defineTool({
    name: "flaky",
    description: "",
    schema: z.object({}),
    ...(retry === undefined ? {} : { retry }),
    run: async (_a, { attempt }) => {
      attempts.push(Date.now());
      if (attempt <= failures) throw error();
      return attempt;
    },
  });
  return { tool, attempts };
}

const noJitter = { jitter: false } as const;

describe("retry policy", () => {
  it("uses LangGraph's field names and defaults", () => {
    expect(resolveRetryPolicy({})).toMatchObject({
      maxAttempts: 3,
      initialInterval: 500,
      backoffFactor: 2,
      maxInterval: 128_000,
      jitter: true,
    });
    expect(resolveRetryPolicy(undefined)).toBeNull();
    expect(resolveRetryPolicy(false)).toBeNull();
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(
      /retry.maxAttempts to be a whole number ≥ 1/,
    );
    expect(() => resolveRetryPolicy({ backoffFactor: 0.5 })).toThrow(/backoffFactor/);
    expect(() => resolveRetryPolicy({ retryOn: "timeout" as never })).toThrow(/retryOn/);
  });

  it("computes exponential backoff capped at maxInterval, and jitter within bounds", () => {
    const policy = resolveRetryPolicy({
      initialInterval: 100,
      backoffFactor: 3,
      maxInterval: 1_000,
      jitter: false,
    })!;
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0))).toEqual([
      100, 300, 900, 1_000,
    ]);
    const jittered = resolveRetryPolicy({ initialInterval: 100 })!;
    expect(backoffDelay(jittered, 1, () => 0)).toBe(100);
    expect(backoffDelay(jittered, 1, () => 0.5)).toBe(150);
    expect(backoffDelay(jittered, 1, () => 0, 2_500)).toBe(2_500);
  });

  it("keeps initialInterval 0 at 0 however many attempts failed (0 × factor^1024 is not NaN)", () => {
    for (const jitter of [false, true]) {
      const policy = resolveRetryPolicy({ initialInterval: 0, maxAttempts: Infinity, jitter })!;
      for (const n of [1, 1_024, 1_025, 1_026, 5_000, 1e6]) {
        expect(
          backoffDelay(policy, n, () => 0.99),
          `attempt ${n}`,
        ).toBe(0);
      }
    }
  });

  it("stays finite when the backoff overflows with no maxInterval", () => {
    const policy = resolveRetryPolicy({
      initialInterval: 1,
      backoffFactor: 1e300,
      maxInterval: Infinity,
      jitter: false,
    })!;
    expect(backoffDelay(policy, 1, () => 0)).toBe(1);
    expect(backoffDelay(policy, 2, () => 0)).toBe(1e300);
    expect(backoffDelay(policy, 3, () => 0)).toBe(Number.MAX_VALUE);
    expect(backoffDelay(policy, 2_000, () => 0)).toBe(Number.MAX_VALUE);
  });

  it("property: for attempts 1..2000, backoff is finite, ≥ 0, within maxInterval and the jitter bound, and never shrinks before jitter", () => {
    const policyArb = fc.record({
      initialInterval: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
      ),
      backoffFactor: fc.oneof(
        fc.constant(1),
        fc.double({ min: 1, max: 1.001, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 1, max: 1e300, noNaN: true }),
      ),
      maxInterval: fc.oneof(
        fc.constant(Number.POSITIVE_INFINITY),
        fc.constant(0),
        fc.integer({ min: 0, max: 1e9 }),
      ),
    });
    fc.assert(
      fc.property(
        policyArb,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (fields, r) => {
          const plain = resolveRetryPolicy({ ...fields, jitter: false, maxAttempts: Infinity })!;
          const jittered = resolveRetryPolicy({ ...fields, jitter: true, maxAttempts: Infinity })!;
          // Checked in plain code, with one assertion per policy: 2,000 attempts each.
          const bad: string[] = [];
          let previous = 0;
          for (let n = 1; n <= 2_000 && bad.length === 0; n++) {
            const base = backoffDelay(plain, n, () => r);
            const delay = backoffDelay(jittered, n, () => r);
            const floor = backoffDelay(jittered, n, () => r, 7_000);
            if (!Number.isFinite(base) || !Number.isFinite(delay)) bad.push(`not finite`);
            if (!(base >= previous)) bad.push(`shrank from ${previous}`);
            if (!(base >= 0 && base <= fields.maxInterval)) bad.push(`outside [0, maxInterval]`);
            if (!(delay >= base && delay <= base + Math.min(base, 1_000))) bad.push(`jitter`);
            if (!(floor >= 7_000 && Number.isFinite(floor))) bad.push(`retryAfterMs`);
            if (bad.length > 0) bad.push(`at attempt ${n}: base ${base}, jittered ${delay}`);
            previous = base;
          }
          expect(bad).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("with initialInterval 0, retries past attempt 1,025 in a batch with no deadline", async () => {
    const { tool, attempts } = flaky(1_100, () => new Error("transient"), {
      maxAttempts: 1_200,
      initialInterval: 0,
      ...noJitter,
    });
    const batch = createExecutor({ tools: [tool] }).execute([{ id: "a", name: "flaky", args: {} }]);
    // A timer of 0 ms fires after 1 ms, as Node's do: one attempt per ms.
    await vi.advanceTimersByTimeAsync(1_200);
    expect(attempts).toHaveLength(1_101);
    const report = await batch;
    expect(report.errors["a"]).toBeUndefined();
    expect(report.results["a"]).toBe(1_101);
    expect(report.outcomes[0]!.attempts).toBe(1_101);
  });

  it("without a policy, nothing is retried", async () => {
    const { tool, attempts } = flaky(1, () => new Error("boom"));
    const report = await createExecutor({ tools: [tool] }).execute([
      { id: "a", name: "flaky", args: {} },
    ]);
    expect(report.errors["a"]?.kind).toBe("tool_error");
    expect(attempts).toHaveLength(1);
  });

  it("retries tool errors after exactly the backoff delays, and recovers", async () => {
    const { tool, attempts } = flaky(2, () => new Error("transient"), {
      initialInterval: 200,
      ...noJitter,
    });
    const executor = createExecutor({ tools: [tool] });
    const retries: CallRetryEvent[] = [];
    executor.on("call:retry", (e) => retries.push(e));
    const batch = executor.execute([{ id: "a", name: "flaky", args: {} }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(199);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(399);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    const report = await batch;
    expect(report.results["a"]).toBe(3);
    expect(report.outcomes[0]!.attempts).toBe(3);
    expect(attempts.map((t) => t - attempts[0]!)).toEqual([0, 200, 600]);
    expect(retries.map((r) => [r.attempt, r.delayMs, r.error.kind])).toEqual([
      [1, 200, "tool_error"],
      [2, 400, "tool_error"],
    ]);
  });

  it("gives up after maxAttempts with the last error", async () => {
    let n = 0;
    const { tool, attempts } = flaky(9, () => new Error(`failure ${++n}`), {
      maxAttempts: 3,
      initialInterval: 10,
      ...noJitter,
    });
    const batch = createExecutor({ tools: [tool] }).execute([{ id: "a", name: "flaky", args: {} }]);
    await vi.advanceTimersByTimeAsync(100);
    const report = await batch;
    expect(attempts).toHaveLength(3);
    expect(report.errors["a"]).toMatchObject({ kind: "tool_error", message: "failure 3" });
    expect(report.outcomes[0]!.attempts).toBe(3);
  });

  it("retries timeouts by default, each attempt with a fresh signal", async () => {
    const signals: AbortSignal[] = [];
    const slowThenFast = defineTool({
      name: "slow",
      description: "",
      schema: z.object({}),
      timeoutMs: 100,
      retry: { initialInterval: 50, ...noJitter },
      run: async (_a, { attempt, signal }) => {
        signals.push(signal);
        if (attempt === 1) await sleep(1_000, signal);
        return attempt;
      },
    });
    const batch = createExecutor({ tools: [slowThenFast] }).execute([
      { id: "s", name: "slow", args: {} },
    ]);
    await vi.advanceTimersByTimeAsync(200);
    const report = await batch;
    expect(report.results["s"]).toBe(2);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
  });

  it("never retries a NonRetryableError", async () => {
    const { tool, attempts } = flaky(5, () => new NonRetryableError("bad key"), {
      initialInterval: 10,
      ...noJitter,
    });
    const batch = createExecutor({ tools: [tool] }).execute([{ id: "a", name: "flaky", args: {} }]);
    await vi.advanceTimersByTimeAsync(100);
    const report = await batch;
    expect(attempts).toHaveLength(1);
    expect(report.errors["a"]).toMatchObject({
      kind: "tool_error",
      message: "bad key",
      data: { name: "NonRetryableError" },
    });
  });

  it("retryOn takes a list of kinds or a predicate", async () => {
    const onlyTimeouts = flaky(1, () => new Error("x"), {
      retryOn: ["timeout"],
      initialInterval: 10,
      ...noJitter,
    });
    const byPredicate = flaky(1, () => Object.assign(new Error("503"), { status: 503 }), {
      retryOn: (error, ctx) =>
        (error as { status?: number }).status === 503 && ctx.kind === "tool_error",
      initialInterval: 10,
      ...noJitter,
    });
    const a = createExecutor({ tools: [onlyTimeouts.tool] }).execute([
      { id: "a", name: "flaky", args: {} },
    ]);
    const b = createExecutor({ tools: [byPredicate.tool] }).execute([
      { id: "b", name: "flaky", args: {} },
    ]);
    await vi.advanceTimersByTimeAsync(50);
    expect((await a).errors["a"]?.kind).toBe("tool_error");
    expect(onlyTimeouts.attempts).toHaveLength(1);
    expect((await b).results["b"]).toBe(2);
  });

  it("honours an error's retryAfterMs when longer than the backoff", async () => {
    const { tool, attempts } = flaky(
      1,
      () => new ToolError("rate limited", { retryAfterMs: 2_000 }),
      {
        initialInterval: 100,
        ...noJitter,
      },
    );
    const batch = createExecutor({ tools: [tool] }).execute([{ id: "a", name: "flaky", args: {} }]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await batch).results["a"]).toBe(2);
  });

  it("does not wait past the batch deadline: the call ends with its error at once", async () => {
    const { tool, attempts } = flaky(1, () => new Error("down"), {
      initialInterval: 1_000,
      ...noJitter,
    });
    const batch = createExecutor({ tools: [tool] }).execute(
      [{ id: "a", name: "flaky", args: {} }],
      { deadlineMs: 500 },
    );
    await vi.advanceTimersByTimeAsync(1);
    const report = await batch;
    expect(attempts).toHaveLength(1);
    expect(report.errors["a"]?.kind).toBe("tool_error");
    expect(report.errors["a"]?.message).toContain(
      "not retried: the batch deadline falls before the next attempt",
    );
  });

  it("a backoff wait ends at once when the caller cancels", async () => {
    const { tool, attempts } = flaky(1, () => new Error("down"), {
      initialInterval: 10_000,
      ...noJitter,
    });
    const controller = new AbortController();
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute([{ id: "a", name: "flaky", args: {} }], {
      signal: controller.signal,
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(executor.stats().retrying).toBe(1);
    controller.abort();
    const report = await batch;
    expect(report.errors["a"]?.kind).toBe("cancelled");
    expect(attempts).toHaveLength(1);
    expect(executor.stats().retrying).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a call's retry overrides the tool's, and jitter uses the injected clock's randomness", async () => {
    const { tool, attempts } = flaky(1, () => new Error("x"), false);
    const clock: Clock = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      random: () => 0.25,
    };
    // The tool lets its calls ask for up to 3 attempts (a call may only tighten by default).
    const policies = { flaky: { maxAttempts: 3 } };
    const batch = createExecutor({ tools: [tool], clock, policies }).execute([
      { id: "a", name: "flaky", args: {}, retry: { initialInterval: 400 } },
    ]);
    await vi.advanceTimersByTimeAsync(499);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await batch).results["a"]).toBe(2);
  });

  it("a malformed per-call retry is an invalid_call", async () => {
    const { tool } = flaky(0, () => new Error("x"));
    const report = await createExecutor({ tools: [tool] }).execute([
      { id: "a", name: "flaky", args: {}, retry: { maxAttempts: -2 } },
    ]);
    expect(report.errors["a"]).toMatchObject({ kind: "invalid_call" });
    expect(report.errors["a"]!.message).toMatch(/call "a" retry.maxAttempts/);
  });
});
