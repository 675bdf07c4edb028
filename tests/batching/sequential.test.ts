import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { waitTool } from "./helpers.js";

describe("sequential groups and exclusive tools", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function tracked(name: string, extra: object = {}) {
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const tool = waitTool(name, {
      ...extra,
      onRun: (args) => {
        log.push(args.tag ?? "");
        most = Math.max(most, ++running);
        setTimeout(() => running--, args.ms ?? 10);
      },
    });
    return { tool, log, most: () => most };
  }

  it("calls sharing a group run one at a time, in call order, across batches", async () => {
    const { tool, log, most } = tracked("browse");
    const executor = createExecutor({ tools: [tool] });
    const call = (tag: string, group?: string, priority = 0) => ({
      id: tag,
      name: "browse",
      args: { tag, ms: 10 },
      priority,
      ...(group && { group }),
    });
    const a = executor.execute([call("g1", "tab"), call("free", undefined), call("g2", "tab")]);
    // A higher priority does not jump a group's line.
    const b = executor.execute([call("g3", "tab", 9)]);
    await vi.advanceTimersByTimeAsync(5);
    expect(executor.stats().held).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([a, b]);
    expect(log).toEqual(["g1", "free", "g2", "g3"]);
    expect(most()).toBe(2); // g1 and free together, never two of the group
  });

  it("an exclusive tool runs one call at a time, in call order", async () => {
    const { tool, log, most } = tracked("shell", { exclusive: true });
    const executor = createExecutor({ tools: [tool] });
    const t0 = Date.now();
    const batch = executor.execute(
      ["x", "y", "z"].map((tag, i) => ({
        id: tag,
        name: "shell",
        args: { tag, ms: 10 },
        expectedMs: i,
      })),
    );
    await vi.advanceTimersByTimeAsync(30);
    const report = await batch;
    expect(log).toEqual(["x", "y", "z"]);
    expect(most()).toBe(1);
    expect(report.wallMs).toBe(30);
    expect(Date.now() - t0).toBe(30);
  });

  it("retries keep the group's place: the next call waits for the outcome", async () => {
    const { tool, log } = tracked("job", {
      retry: { maxAttempts: 2, initialInterval: 50, jitter: false },
    });
    const executor = createExecutor({ tools: [tool] });
    const batch = executor.execute([
      { id: "1", name: "job", args: { tag: "1", fail: true }, group: "g" },
      { id: "2", name: "job", args: { tag: "2" }, group: "g" },
    ]);
    await vi.advanceTimersByTimeAsync(200);
    await batch;
    expect(log).toEqual(["1", "1", "2"]);
  });

  it("a cancelled batch gives up its place in line", async () => {
    const { tool, log } = tracked("job");
    const executor = createExecutor({ tools: [tool] });
    const first = executor.execute([{ id: "1", name: "job", args: { tag: "1" }, group: "g" }]);
    const second = executor.execute([{ id: "2", name: "job", args: { tag: "2" }, group: "g" }]);
    const third = executor.execute([{ id: "3", name: "job", args: { tag: "3" }, group: "g" }]);
    second.cancel();
    await vi.advanceTimersByTimeAsync(50);
    await Promise.all([first, second, third]);
    expect(log).toEqual(["1", "3"]);
    expect((await second).errors["2"]!.kind).toBe("cancelled");
    expect(executor.stats().held).toBe(0);
  });

  it("a group and an exclusive tool together never deadlock", async () => {
    const ex = tracked("ex", { exclusive: true });
    const other = tracked("other");
    const executor = createExecutor({ tools: [ex.tool, other.tool] });
    const batch = executor.execute([
      { id: "1", name: "ex", args: { tag: "1" }, group: "g" },
      { id: "2", name: "other", args: { tag: "2" }, group: "g" },
      { id: "3", name: "ex", args: { tag: "3" }, group: "h" },
      { id: "4", name: "ex", args: { tag: "4" }, group: "g" },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    const report = await batch;
    expect(report.counts.ok).toBe(4);
    expect(ex.log).toEqual(["1", "3", "4"]);
    expect(ex.most()).toBe(1);
  });

  it("a fallback joins its exclusive tool's line ahead of the calls that came after it, so a duplicate waiting on it cannot deadlock", async () => {
    // "lead" fails over to the exclusive "ex", whose line "later" is already in, waiting for
    // group g; g is held by "dup", which waits for lead's outcome. At the back of ex's line,
    // lead's fallback would wait for "later" forever.
    const executor = createExecutor({
      tools: [
        waitTool("idem", { idempotent: true, onError: { fallback: "ex" } }),
        waitTool("ex", { exclusive: true }),
      ],
    });
    const batch = executor.execute([
      { id: "lead", name: "idem", args: { tag: "x", fail: true } },
      { id: "dup", name: "idem", args: { tag: "x", fail: true }, group: "g" },
      { id: "later", name: "ex", args: { tag: "later" }, group: "g" },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    expect(batch.done).toBe(true);
    const [lead, dup, later] = (await batch).outcomes;
    expect(lead).toMatchObject({ status: "error", attempts: 2 });
    expect(lead!.status === "error" && lead!.error.data?.["fallback"]).toBe("ex");
    expect(dup).toMatchObject({ status: "error", deduped: true });
    expect(later).toMatchObject({ status: "ok", value: "later" });
  });

  it("fallbacks of calls in one group join their exclusive tool's line in the group's order, so they cannot deadlock", async () => {
    // The circuit of "api" is open: "a" and "b" (group g) fail as they are placed and go to the
    // exclusive "ex", whose line "x"'s own fallback holds. Joined at the front one by one,
    // b would wait ahead of a in ex's line and behind it in g's: neither would ever run.
    const api = waitTool("api", {
      circuitBreaker: { failures: 1, cooldownMs: 10_000 },
      onError: { fallback: "ex" },
    });
    const ex = defineTool({
      name: "ex",
      description: "",
      schema: z.object({}).passthrough(),
      exclusive: true,
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return "ex";
      },
    });
    const executor = createExecutor({ tools: [api, ex] });
    const first = executor.execute([{ id: "x", name: "api", args: { ms: 1, fail: true } }]);
    await vi.advanceTimersByTimeAsync(5);
    const batch = executor.execute([
      { id: "a", name: "api", args: {}, group: "g" },
      { id: "b", name: "api", args: {}, group: "g" },
    ]);
    await vi.advanceTimersByTimeAsync(200);
    expect(batch.done).toBe(true);
    const report = await batch;
    expect(report.outcomes).toMatchObject([
      { status: "ok", value: "ex", recoveredBy: "fallback" },
      { status: "ok", value: "ex", recoveredBy: "fallback" },
    ]);
    expect((await first).outcomes[0]).toMatchObject({ status: "ok", recoveredBy: "fallback" });
  });

  it("refuses a bad group as an invalid call", async () => {
    const executor = createExecutor({ tools: [waitTool("job")] });
    const report = await executor.execute([{ id: "1", name: "job", args: {}, group: 5 as never }]);
    expect(report.errors["1"]).toMatchObject({ kind: "invalid_call" });
    expect(report.errors["1"]!.message).toMatch(/group/);
  });
});
