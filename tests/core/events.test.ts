import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type ExecutorEventName } from "../../src/index.js";
import { waitTool } from "../helpers/tools.js";
import { captureWarnings } from "../helpers/warnings.js";

describe("events", () => {
  it("emits the typed events of a batch's life, with ids, tool, attempt, timings and kind", async () => {
    let first = true;
    const flaky = defineTool({
      name: "flaky",
      description: "",
      schema: z.object({}),
      retry: { initialInterval: 1, jitter: false },
      run: () => {
        if (first) {
          first = false;
          throw new Error("once");
        }
        return "fine";
      },
    });
    const executor = createExecutor({ tools: [flaky, waitTool] });
    const seen: Array<[ExecutorEventName, Record<string, unknown>]> = [];
    const names: ExecutorEventName[] = [
      "batch:started",
      "call:queued",
      "call:started",
      "call:retry",
      "call:finished",
      "batch:finished",
    ];
    for (const name of names)
      executor.on(name, (e) => seen.push([name, e as unknown as Record<string, unknown>]));
    const batch = executor.execute(
      [
        { id: "f", name: "flaky", args: {} },
        { id: "bad", name: "nope", args: {} },
      ],
      { batchId: "b-1" },
    );
    expect(seen.map(([n]) => n)).toEqual(["batch:started"]);
    await batch;
    expect(seen.map(([n, e]) => `${n}${e["callId"] ? ` ${e["callId"]}` : ""}`)).toEqual([
      "batch:started",
      "call:queued f",
      "call:finished bad",
      "call:started f",
      "call:retry f",
      "call:queued f",
      "call:started f",
      "call:finished f",
      "batch:finished",
    ]);
    const byName = (n: ExecutorEventName) => seen.filter(([name]) => name === n).map(([, e]) => e);
    expect(byName("batch:started")[0]).toMatchObject({
      batchId: "b-1",
      size: 2,
      deadline: Infinity,
    });
    expect(byName("call:started")[1]).toMatchObject({
      batchId: "b-1",
      callId: "f",
      index: 0,
      tool: "flaky",
      attempt: 2,
    });
    expect(byName("call:retry")[0]).toMatchObject({
      attempt: 1,
      delayMs: 1,
      error: { kind: "tool_error", message: "once" },
    });
    expect(byName("call:finished")[1]).toMatchObject({
      tool: "flaky",
      outcome: { status: "ok", value: "fine", attempts: 2 },
    });
    expect(byName("batch:finished")[0]).toMatchObject({
      batchId: "b-1",
      counts: { ok: 1, error: 1 },
    });
    expect(byName("batch:finished")[0]!["wallMs"]).toBeGreaterThanOrEqual(0);
  });

  it("a throwing listener never hurts a call, and is reported", async () => {
    const reported: unknown[] = [];
    const executor = createExecutor({
      tools: [waitTool],
      onListenerError: (error, event) => reported.push([event, (error as Error).message]),
    });
    executor.on("call:started", () => {
      throw new Error("listener bug");
    });
    const report = await executor.execute([{ id: "a", name: "wait", args: { ms: 1 } }]);
    expect(report.results["a"]).toBe(1);
    expect(reported).toEqual([["call:started", "listener bug"]]);
  });

  it("a listener that throws a value with no prototype, or a reporter that throws, hurts nothing", async () => {
    using captured = captureWarnings();
    const quiet = createExecutor({ tools: [waitTool] });
    quiet.on("call:started", () => {
      throw Object.create(null);
    });
    const loud = createExecutor({
      tools: [waitTool],
      onListenerError: () => {
        throw new Error("the reporter is broken too");
      },
    });
    loud.on("call:finished", () => {
      throw new Error("listener bug");
    });
    for (const executor of [quiet, loud]) {
      const report = await executor.execute([{ id: "a", name: "wait", args: { ms: 1 } }]);
      expect(report.results["a"]).toBe(1);
    }
    // The default reporter says what was thrown; the broken one is not reported on.
    expect(captured.warnings).toEqual([
      {
        name: "Warning",
        message: 'A "call:started" listener threw: `{}` (null-prototype object) (reported once)',
        code: "VOLLEY_LISTENER",
      },
    ]);
  });

  it("by default warns once per event and message, not once per call", async () => {
    const captured = captureWarnings();
    try {
      const executor = createExecutor({ tools: [waitTool] });
      executor.on("call:started", () => {
        throw new Error("listener bug");
      });
      executor.on("call:finished", (e) => {
        throw new Error(`bad ${e.callId}`);
      });
      const calls = Array.from({ length: 150 }, (_, i) => ({
        id: `c${i}`,
        name: "wait",
        args: { ms: 1 },
      }));
      const report = await executor.execute(calls);
      expect(report.counts.ok).toBe(150);
      const warnings = captured.warnings.map((w) => w.message);
      expect(captured.warnings.every((w) => w.code === "VOLLEY_LISTENER")).toBe(true);
      expect(warnings.filter((m) => m.includes("listener bug"))).toEqual([
        'A "call:started" listener threw: listener bug (reported once)',
      ]);
      expect(warnings.length).toBe(101);
      expect(warnings.at(-1)).toMatch(/100 different errors/);
    } finally {
      captured.restore();
    }
  });

  it("on() returns a function that unsubscribes, even from inside a listener", async () => {
    const executor = createExecutor({ tools: [waitTool] });
    const calls = vi.fn();
    const off = executor.on("call:finished", () => {
      calls();
      off();
    });
    await executor.execute([
      { id: "a", name: "wait", args: { ms: 1 } },
      { id: "b", name: "wait", args: { ms: 2 } },
    ]);
    expect(calls).toHaveBeenCalledTimes(1);
    expect(() => executor.on("call:finished", "x" as never)).toThrow(TypeError);
  });

  it("a call:started listener that cancels the batch: the tool is not run for the call it ended", async () => {
    let ran = 0;
    const t = defineTool({
      name: "t",
      description: "",
      schema: z.object({}),
      run: () => void ran++,
    });
    const executor = createExecutor({ tools: [t] });
    const batch = executor.execute([{ id: "a", name: "t", args: {} }]);
    executor.on("call:started", () => batch.cancel("seen enough"));
    const report = await batch;
    expect(report.outcomes[0]).toMatchObject({ status: "error", attempts: 1 });
    expect(report.outcomes[0]!.status === "error" && report.outcomes[0]!.error.kind).toBe(
      "cancelled",
    );
    expect(ran).toBe(0);
    await executor.onIdle();
    expect(executor.stats()).toMatchObject({ running: 0, detached: 0, abandoned: 0 });
  });

  it("a call:retry listener that cancels the batch: no retry follows, and onIdle resolves", async () => {
    let ran = 0;
    const t = defineTool({
      name: "t",
      description: "",
      schema: z.object({}),
      retry: { maxAttempts: 3, initialInterval: 1, jitter: false },
      run: () => {
        ran++;
        throw new Error("fails");
      },
    });
    const executor = createExecutor({ tools: [t] });
    const batch = executor.execute([{ id: "a", name: "t", args: {} }]);
    executor.on("call:retry", () => batch.cancel("no more"));
    const report = await batch;
    expect(report.outcomes[0]!.status === "error" && report.outcomes[0]!.error.kind).toBe(
      "cancelled",
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toBe(1);
    expect(executor.stats()).toMatchObject({ retrying: 0, queued: 0, running: 0 });
    await executor.onIdle();
  });

  it("emits batch:started synchronously inside execute(), in the caller's async context", async () => {
    const { AsyncLocalStorage } = await import("node:async_hooks");
    const als = new AsyncLocalStorage<string>();
    const executor = createExecutor({ tools: [waitTool] });
    let context: string | undefined;
    executor.on("batch:started", () => (context = als.getStore()));
    await als.run("request-42", () =>
      executor.execute([{ id: "a", name: "wait", args: { ms: 1 } }]),
    );
    expect(context).toBe("request-42");
  });
});
