import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutor, defineTool, type CircuitStateEvent, type Clock } from "../../src/index.js";
import { waitTool } from "./helpers.js";

describe("circuit breakers", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(options: object = {}) {
    let healthy = false;
    let runs = 0;
    const tool = defineTool({
      name: "api",
      description: "a flaky service",
      schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
      circuitBreaker: { failures: 3, cooldownMs: 1_000, ...options },
      run: async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 10));
        if (!healthy) throw new Error("503 from upstream");
        return "fine";
      },
    });
    const executor = createExecutor({ tools: [tool] });
    const events: CircuitStateEvent[] = [];
    executor.on("circuit:state", (e) => events.push(e));
    const call = async (id: string) => {
      const batch = executor.execute([{ id, name: "api", args: {} }]);
      await vi.advanceTimersByTimeAsync(10);
      return (await batch).outcomes[0]!;
    };
    return {
      executor,
      events,
      call,
      heal: () => (healthy = true),
      runs: () => runs,
    };
  }

  it("opens after N consecutive failures and rejects at once, saying why and until when", async () => {
    const { executor, events, call, runs } = setup();
    for (const id of ["1", "2", "3"]) expect((await call(id)).status).toBe("error");
    expect(events.map((e) => e.state)).toEqual(["open"]);
    const openedAt = Date.now();
    const until = new Date(openedAt + 1_000).toISOString();
    const batch = executor.execute([{ id: "4", name: "api", args: {} }]);
    const outcome = (await batch).outcomes[0]!; // no timers advanced: rejected at once
    expect(outcome.status === "error" && outcome.error.kind).toBe("rejected");
    expect(outcome.status === "error" && outcome.error.message).toBe(
      `Circuit open for tool "api" after 3 consecutive failures: calls are rejected until ${until} (1000 ms from now)`,
    );
    expect(runs()).toBe(3);
    expect(executor.stats().tools["api"]!.circuit).toMatchObject({
      state: "open",
      until: openedAt + 1_000,
      reason: "3 consecutive failures",
    });
  });

  it("a half-open probe closes the circuit again when it succeeds", async () => {
    const { executor, events, call, heal } = setup();
    for (const id of ["1", "2", "3"]) await call(id);
    await vi.advanceTimersByTimeAsync(1_000);
    heal();
    // Two calls arrive: one probes, the other waits in the queue for the verdict.
    const batch = executor.execute([
      { id: "p", name: "api", args: {} },
      { id: "q", name: "api", args: {} },
    ]);
    await vi.advanceTimersByTimeAsync(5);
    expect(executor.stats().tools["api"]!.circuit!.state).toBe("half-open");
    expect(executor.stats().tools["api"]!.running).toBe(1);
    await vi.advanceTimersByTimeAsync(20);
    expect((await batch).counts.ok).toBe(2);
    expect(events.map((e) => e.state)).toEqual(["open", "half-open", "closed"]);
    expect(executor.stats().tools["api"]!.circuit).toEqual({
      state: "closed",
      consecutiveFailures: 0,
    });
  });

  it("a failed probe opens it for another cool-down", async () => {
    const { events, call } = setup();
    for (const id of ["1", "2", "3"]) await call(id);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await call("probe")).status).toBe("error");
    expect(events.map((e) => e.state)).toEqual(["open", "half-open", "open"]);
    expect(events[2]!.reason).toBe("the half-open probe failed");
    const next = await call("after");
    expect(next.status === "error" && next.error.kind).toBe("rejected");
  });

  it("opens on a failure rate over the window", async () => {
    let n = 0;
    const tool = defineTool({
      name: "api",
      description: "fails every other call",
      schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
      circuitBreaker: { failures: Infinity, failureRate: 0.5, minCalls: 6, windowMs: 10_000 },
      run: () => {
        if (n++ % 2 === 1) throw new Error("odd one out");
        return n;
      },
    });
    const executor = createExecutor({ tools: [tool] });
    const report = await executor.execute(
      Array.from({ length: 10 }, (_, i) => ({ id: `${i}`, name: "api", args: {} })),
    );
    expect(executor.stats().tools["api"]!.circuit!.state).toBe("open");
    expect(executor.stats().tools["api"]!.circuit!.reason).toBe(
      "3 of 6 attempts failed in the last 10000 ms (failureRate 0.5)",
    );
    expect(report.counts.byKind.rejected).toBe(4);
  });

  it("onError can recover calls rejected by an open circuit", async () => {
    const down = defineTool({
      name: "down",
      description: "",
      schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
      circuitBreaker: { failures: 1 },
      onError: { default: "cached answer" },
      run: () => {
        throw new Error("down");
      },
    });
    const executor = createExecutor({ tools: [down] });
    const report = await executor.execute([
      { id: "1", name: "down", args: {} },
      { id: "2", name: "down", args: {} },
    ]);
    expect(report.outcomes[1]).toMatchObject({
      status: "ok",
      value: "cached answer",
      recoveredBy: "default",
      recoveredFrom: { kind: "rejected" },
    });
  });

  it("validates circuitBreaker with a TypeError naming the field", () => {
    const def = (circuitBreaker: unknown) =>
      defineTool({
        name: "t",
        description: "",
        schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
        circuitBreaker: circuitBreaker as never,
        run: () => 1,
      });
    expect(() => def(true)).toThrow(/tool "t".circuitBreaker/);
    expect(() => def({ failures: 0 })).toThrow(/circuitBreaker.failures/);
    expect(() => def({ failureRate: 1.5 })).toThrow(/circuitBreaker.failureRate/);
    expect(() => def({ cooldownMs: -1 })).toThrow(/circuitBreaker.cooldownMs/);
    expect(() => waitTool("x", { exclusive: "yes" as never })).toThrow(/exclusive/);
    expect(() => waitTool("x", { idempotent: { cacheTtlMs: -5 } })).toThrow(
      /idempotent.cacheTtlMs/,
    );
  });
});

describe("circuit breakers and a late deadline", () => {
  it("a call made the probe that cannot start (its deadline passed while the loop was busy) does not keep the circuit half-open forever", async () => {
    // A clock whose timers fire only when the test says: the batch deadline's timer is late.
    let now = 0;
    const clock: Clock = {
      now: () => now,
      setTimeout: () => undefined,
      clearTimeout: () => {},
      random: () => 0,
    };
    let release: (() => void) | undefined;
    const slow = defineTool({
      name: "slow",
      description: "",
      schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
      timeoutMs: Number.POSITIVE_INFINITY,
      run: () => new Promise<string>((resolve) => (release = () => resolve("done"))),
    });
    const api = defineTool({
      name: "api",
      description: "",
      schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
      timeoutMs: Number.POSITIVE_INFINITY,
      circuitBreaker: { failures: 1, cooldownMs: 10 },
      run: (args) => {
        if ((args as { fail?: boolean }).fail) throw new Error("down");
        return "up";
      },
    });
    const executor = createExecutor({ tools: [slow, api], concurrency: 1, clock });
    const settle = () => new Promise((r) => setImmediate(r));
    // The circuit opens, until t = 10.
    await executor.execute([{ id: "f", name: "api", args: { fail: true } }]);
    // At t = 20, "p" waits behind "s" for the one slot; its batch's deadline is t = 25.
    now = 20;
    const late = executor.execute(
      [
        { id: "s", name: "slow", args: {} },
        { id: "p", name: "api", args: {} },
      ],
      { deadlineMs: 5 },
    );
    await settle();
    // The loop was busy past the deadline; then "s" ends and "p" comes up, the circuit's probe.
    now = 30;
    release!();
    const report = await late;
    expect(report.outcomes[1]).toMatchObject({ status: "error", attempts: 0 });
    // The next call is the probe, and closes the circuit.
    const next = executor.execute([{ id: "n", name: "api", args: {} }]);
    await settle();
    expect(next.done).toBe(true);
    expect((await next).outcomes[0]).toMatchObject({ status: "ok", value: "up" });
    expect(executor.stats().tools["api"]!.circuit?.state).toBe("closed");
  });
});

describe("circuit breakers and listeners", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a retry refused by the circuit its own failure opened is out of the queue: a listener's cancel while it leaves its exclusive tool counts it out once", async () => {
    const api = defineTool({
      name: "api",
      description: "",
      schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
      circuitBreaker: { failures: 1, cooldownMs: 1_000 },
      retry: { maxAttempts: 2, initialInterval: 0, jitter: false },
      exclusive: true,
      onError: { fallback: "backup" },
      run: () => {
        throw new Error("down");
      },
    });
    const backup = defineTool({
      name: "backup",
      description: "",
      schema: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
      run: () => "backup",
    });
    const executor = createExecutor({ tools: [api, backup] });
    // "first" fails and opens the circuit; its retry is refused by the circuit as it starts,
    // and it leaves api's line for its fallback. That lets "second" go, which the open circuit
    // sends to its fallback at once; as that one is queued, a listener cancels the batch, while
    // "first" is still leaving.
    const batch = executor.execute([
      { id: "first", name: "api", args: {} },
      { id: "second", name: "api", args: {} },
    ]);
    executor.on("call:queued", (e) => {
      if (e.tool === "backup" && e.callId === "second") batch.cancel("enough");
    });
    await vi.advanceTimersByTimeAsync(10);
    const report = await batch;
    expect(report.outcomes.map((o) => o.status === "error" && o.error.kind)).toEqual([
      "cancelled",
      "cancelled",
    ]);
    const stats = executor.stats();
    expect(stats.queued).toBe(0);
    expect(stats.tools["api"]!.queued).toBe(0);
    expect(stats.tools["backup"]!.queued).toBe(0);
  });
});
