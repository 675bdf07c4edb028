import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutor, type CircuitStateEvent, type Upstream } from "../../src/index.js";
import { waitTool } from "./helpers.js";

/** Counts the calls running at once across the tools that report to it. */
function overlap() {
  let now = 0;
  let max = 0;
  return {
    enter: () => {
      now++;
      max = Math.max(max, now);
    },
    leave: () => now--,
    get max() {
      return max;
    },
  };
}

describe("upstreams: limits shared by the tools of one service", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("the tools of one upstream never run more at once than its concurrency, each tool's own limit still holding", async () => {
    const server: Upstream = { name: "github", concurrency: 3 };
    const seen = overlap();
    const perTool = { issues: overlap(), pulls: overlap() };
    const tool = (name: "issues" | "pulls", concurrency?: number) =>
      waitTool(name, {
        ms: 50,
        upstream: server,
        ...(concurrency === undefined ? {} : { concurrency }),
        onRun: () => {
          seen.enter();
          perTool[name].enter();
          setTimeout(() => {
            seen.leave();
            perTool[name].leave();
          }, 49);
        },
      });
    const executor = createExecutor({ tools: [tool("issues", 2), tool("pulls")], concurrency: 50 });
    const calls = Array.from({ length: 40 }, (_, i) => ({
      id: `c${i}`,
      name: i % 2 === 0 ? "issues" : "pulls",
      args: {},
    }));
    const batch = executor.execute(calls);
    await vi.advanceTimersByTimeAsync(50 * 40);
    const report = await batch;
    expect(report.outcomes.every((o) => o.status === "ok")).toBe(true);
    expect(seen.max).toBe(3);
    expect(perTool.issues.max).toBe(2);
    // 40 calls, 3 at a time, 50 ms each: 14 rounds.
    expect(report.wallMs).toBeGreaterThanOrEqual(14 * 50 - 1);
    expect(report.wallMs).toBeLessThanOrEqual(14 * 50 + 20);
    expect(executor.stats().upstreams).toEqual({ github: { running: 0 } });
  });

  it("a tool of another upstream, or of none, is not held back by a full one", async () => {
    const slow = waitTool("slow", { ms: 1_000, upstream: { name: "a", concurrency: 1 } });
    const other = waitTool("other", { ms: 10, upstream: { name: "b", concurrency: 1 } });
    const free = waitTool("free", { ms: 10 });
    const executor = createExecutor({ tools: [slow, other, free] });
    const batch = executor.execute([
      { id: "s1", name: "slow", args: {} },
      { id: "s2", name: "slow", args: {} },
      { id: "o", name: "other", args: {} },
      { id: "f", name: "free", args: {} },
    ]);
    const finished: string[] = [];
    void (async () => {
      for await (const o of batch) finished.push(o.id);
    })();
    await vi.advanceTimersByTimeAsync(20);
    expect(finished).toEqual(["o", "f"]);
    await vi.advanceTimersByTimeAsync(2_000);
    await batch;
    expect(finished).toEqual(["o", "f", "s1", "s2"]);
  });

  it("shares a rate limit: at most `max` starts of all its tools in any window", async () => {
    const server: Upstream = { name: "api", rateLimit: { max: 2, perMs: 100 } };
    const starts: number[] = [];
    const t0 = Date.now();
    const mk = (name: string) =>
      waitTool(name, { ms: 1, upstream: server, onRun: () => starts.push(Date.now() - t0) });
    const executor = createExecutor({ tools: [mk("a"), mk("b")] });
    const batch = executor.execute(
      Array.from({ length: 6 }, (_, i) => ({ id: `${i}`, name: i < 3 ? "a" : "b", args: {} })),
    );
    await vi.advanceTimersByTimeAsync(400);
    await batch;
    expect(starts).toHaveLength(6);
    for (let i = 2; i < starts.length; i++)
      expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(100);
  });

  it("one breaker for the upstream: failures of any of its tools open it, and then the calls of all its tools end `rejected` at once", async () => {
    const server: Upstream = {
      name: "mcp:flaky",
      circuitBreaker: { failures: 3, cooldownMs: 1_000 },
    };
    const a = waitTool("a", { ms: 10, upstream: server });
    const b = waitTool("b", { ms: 10, upstream: server });
    const c = waitTool("c", { ms: 10 });
    const executor = createExecutor({ tools: [a, b, c] });
    const events: CircuitStateEvent[] = [];
    executor.on("circuit:state", (e) => events.push(e));
    const failing = executor.execute([
      { id: "1", name: "a", args: { fail: true } },
      { id: "2", name: "b", args: { fail: true } },
      { id: "3", name: "a", args: { fail: true } },
    ]);
    await vi.advanceTimersByTimeAsync(20);
    expect((await failing).outcomes.map((o) => o.status)).toEqual(["error", "error", "error"]);
    expect(events).toMatchObject([{ tool: "mcp:flaky", upstream: "mcp:flaky", state: "open" }]);
    const laterBatch = executor.execute([
      { id: "4", name: "a", args: {} },
      { id: "5", name: "b", args: {} },
      { id: "6", name: "c", args: {} },
    ]);
    await vi.advanceTimersByTimeAsync(20);
    const later = await laterBatch;
    expect(later.outcomes.map((o) => (o.status === "ok" ? "ok" : o.error.kind))).toEqual([
      "rejected",
      "rejected",
      "ok",
    ]);
    const rejected = later.outcomes[1]!;
    expect(rejected.status === "error" && rejected.error.message).toMatch(
      /Circuit open for upstream "mcp:flaky" after 3 consecutive failures/,
    );
    expect(rejected.startedAt).toBeNull();
    expect(executor.stats().upstreams?.["mcp:flaky"]?.circuit?.state).toBe("open");
    // After the cool-down, one probe decides; it succeeds, and the upstream closes for all.
    await vi.advanceTimersByTimeAsync(1_000);
    const healed = executor.execute([
      { id: "7", name: "b", args: {} },
      { id: "8", name: "a", args: {} },
    ]);
    await vi.advanceTimersByTimeAsync(30);
    expect((await healed).outcomes.map((o) => o.status)).toEqual(["ok", "ok"]);
    expect(events.map((e) => e.state)).toEqual(["open", "half-open", "closed"]);
  });

  it("a slot freed by a timeout, a cancel or a deadline goes back to the upstream", async () => {
    const server: Upstream = { name: "s", concurrency: 1 };
    const hang = waitTool("hang", { ms: 10_000, timeoutMs: 50, upstream: server });
    const quick = waitTool("quick", { ms: 10, upstream: server });
    const executor = createExecutor({ tools: [hang, quick] });
    const timedOut = executor.execute([
      { id: "h", name: "hang", args: {} },
      { id: "q", name: "quick", args: {} },
    ]);
    await vi.advanceTimersByTimeAsync(70);
    expect((await timedOut).outcomes.map((o) => (o.status === "ok" ? "ok" : o.error.kind))).toEqual(
      ["timeout", "ok"],
    );
    const cancelled = executor.execute([{ id: "h2", name: "hang", args: {} }]);
    await vi.advanceTimersByTimeAsync(5);
    cancelled.cancel();
    await cancelled;
    const deadline = executor.execute([{ id: "h3", name: "hang", args: {} }], { deadlineMs: 20 });
    await vi.advanceTimersByTimeAsync(30);
    await deadline;
    const after = executor.execute([{ id: "q2", name: "quick", args: {} }]);
    await vi.advanceTimersByTimeAsync(20);
    expect((await after).outcomes[0]!.status).toBe("ok");
    expect(executor.stats().upstreams).toEqual({ s: { running: 0 } });
  });

  it("refuses, with a TypeError naming them, two tools that give one upstream different limits, and a bad upstream", () => {
    const a = waitTool("a", { upstream: { name: "x", concurrency: 2 } });
    const b = waitTool("b", { upstream: { name: "x", concurrency: 3 } });
    expect(() => createExecutor({ tools: [a, b] })).toThrow(
      /Tools "a" and "b" give upstream "x" different limits/,
    );
    // Equal settings in two objects are one upstream.
    const c = waitTool("c", { upstream: { name: "x", concurrency: 2 } });
    expect(() => createExecutor({ tools: [a, c] })).not.toThrow();
    expect(() => waitTool("d", { upstream: { name: "", concurrency: 1 } })).toThrow(
      /upstream\.name to be a non-empty string/,
    );
    expect(() => waitTool("d", { upstream: { name: "x", concurency: 1 } as never })).toThrow(
      /Unknown option "concurency".*concurrency/,
    );
    expect(() =>
      createExecutor({
        tools: [waitTool("e")],
        policies: { e: { upstream: { name: "y", concurrency: 0 } } },
      }),
    ).toThrow(/policies\.e\.upstream\.concurrency/);
  });
});
