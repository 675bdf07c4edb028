import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type Policy } from "../../src/index.js";

/** A tool that sleeps `ms` honouring its signal, and fails when `fail` is set. */
function sleeper(policy: Policy = {}) {
  let runs = 0;
  const tool = defineTool({
    name: "sleep",
    description: "",
    schema: z.object({ ms: z.number(), fail: z.boolean().optional() }),
    ...policy,
    run: ({ ms, fail }, { signal }) =>
      new Promise((resolve, reject) => {
        runs++;
        if (fail) return reject(new Error("failed"));
        const timer = setTimeout(() => resolve("slept"), ms);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      }),
  });
  return { tool, runs: () => runs };
}

describe("corpus: a call's own policy may tighten its tool's, not loosen it", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("timeoutMs 1e400 (Infinity once JSON has read it) does not lift the tool's timeout", async () => {
    const { tool } = sleeper({ timeoutMs: 100 });
    const calls = JSON.parse(
      '[{ "id": "c", "name": "sleep", "args": { "ms": 1500 }, "timeoutMs": 1e400 }]',
    );
    const batch = createExecutor({ tools: [tool] }).execute(calls);
    await vi.advanceTimersByTimeAsync(150);
    const outcome = (await batch).outcomes[0]!;
    expect(outcome.status === "error" && outcome.error.kind).toBe("timeout");
    expect(outcome.durationMs).toBeLessThan(150);
  });

  it("a shorter timeoutMs applies", async () => {
    const { tool } = sleeper({ timeoutMs: 1_000 });
    const batch = createExecutor({ tools: [tool] }).execute([
      { id: "c", name: "sleep", args: { ms: 500 }, timeoutMs: 50 },
    ]);
    await vi.advanceTimersByTimeAsync(60);
    const outcome = (await batch).outcomes[0]!;
    expect(outcome.status === "error" && outcome.error.kind).toBe("timeout");
  });

  it("a tool's maxTimeoutMs lets its calls ask for longer, up to it", async () => {
    const { tool } = sleeper({ timeoutMs: 100, maxTimeoutMs: 1_000 });
    const batch = createExecutor({ tools: [tool] }).execute([
      { id: "long", name: "sleep", args: { ms: 500 }, timeoutMs: 600 },
      { id: "capped", name: "sleep", args: { ms: 5_000 }, timeoutMs: 1e9 },
    ]);
    await vi.advanceTimersByTimeAsync(1_100);
    const [long, capped] = (await batch).outcomes;
    expect(long).toMatchObject({ status: "ok" });
    expect(capped!.status === "error" && capped!.error.kind).toBe("timeout");
    expect(capped!.durationMs).toBeLessThanOrEqual(1_001);
  });

  it("a call's retry cannot retry a tool that does not retry", async () => {
    const { tool, runs } = sleeper();
    const batch = createExecutor({ tools: [tool] }).execute([
      {
        id: "c",
        name: "sleep",
        args: { ms: 1, fail: true },
        retry: { maxAttempts: 1_000_000, initialInterval: 0, jitter: false },
      },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    const outcome = (await batch).outcomes[0]!;
    expect(outcome.attempts).toBe(1);
    expect(runs()).toBe(1);
  });

  it("a call's retry is bounded by the tool's attempts and its first wait", async () => {
    const { tool, runs } = sleeper({
      retry: { maxAttempts: 3, initialInterval: 100, jitter: false },
    });
    const executor = createExecutor({ tools: [tool] });
    const delays: number[] = [];
    executor.on("call:retry", (e) => delays.push(e.delayMs));
    const batch = executor.execute([
      {
        id: "c",
        name: "sleep",
        args: { ms: 1, fail: true },
        retry: { maxAttempts: 50, initialInterval: 0, jitter: false },
      },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await batch).outcomes[0]!.attempts).toBe(3);
    expect(runs()).toBe(3);
    expect(delays[0]).toBeGreaterThanOrEqual(100);
  });

  it("a tool's maxAttempts lets its calls ask for more attempts, up to it", async () => {
    const { tool } = sleeper({ maxAttempts: 4 });
    const batch = createExecutor({ tools: [tool] }).execute([
      {
        id: "c",
        name: "sleep",
        args: { ms: 1, fail: true },
        retry: { maxAttempts: 10, initialInterval: 1, jitter: false },
      },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await batch).outcomes[0]!.attempts).toBe(4);
  });

  it("a call may turn its tool's retries off", async () => {
    const { tool } = sleeper({ retry: { maxAttempts: 5, initialInterval: 1 } });
    const batch = createExecutor({ tools: [tool] }).execute([
      { id: "c", name: "sleep", args: { ms: 1, fail: true }, retry: false },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    expect((await batch).outcomes[0]!.attempts).toBe(1);
  });
});
