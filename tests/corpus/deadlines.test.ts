import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { echo } from "./helpers.js";

/** A Standard Schema whose check takes `ms` (or never settles, with `Infinity`). */
function slowSchema(ms: number) {
  return {
    "~standard": {
      version: 1 as const,
      vendor: "test",
      validate: (value: unknown) =>
        new Promise<{ value: unknown }>((resolve) => {
          if (ms !== Number.POSITIVE_INFINITY) setTimeout(() => resolve({ value }), ms);
        }),
    },
  };
}

const checked = (ms: number) =>
  defineTool({ name: "checked", description: "", schema: slowSchema(ms), run: () => "ran" });

describe("corpus: a pending async schema check honours the deadline and cancel", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("deadlineMs 200 with a schema that takes 1.5 s ends `deadline` at 200 ms", async () => {
    const executor = createExecutor({ tools: [checked(1_500), echo] });
    let endedAt = -1;
    const batch = executor.execute(
      [
        { id: "c", name: "checked", args: {} },
        { id: "e", name: "echo", args: { x: 1 } },
      ],
      { deadlineMs: 200 },
    );
    void batch.then(() => (endedAt = Date.now()));
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(250);
    expect(endedAt - start).toBeGreaterThanOrEqual(200);
    expect(endedAt - start).toBeLessThan(250);
    const report = await batch;
    expect(report.outcomes[0]).toMatchObject({ status: "error", attempts: 0, startedAt: null });
    expect(report.outcomes[0]!.status === "error" && report.outcomes[0]!.error.kind).toBe(
      "deadline",
    );
    expect(report.outcomes[1]).toMatchObject({ status: "ok" });
    // The check settles later: nothing is ended twice, nothing runs.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(executor.stats()).toMatchObject({ finished: 2, ok: 1, failed: 1, running: 0 });
  });

  it("a schema that never settles: the deadline ends the call, and so does cancel()", async () => {
    const executor = createExecutor({ tools: [checked(Number.POSITIVE_INFINITY)] });
    const byDeadline = executor.execute([{ id: "d", name: "checked", args: {} }], {
      deadlineMs: 100,
    });
    const byCancel = executor.execute([{ id: "c", name: "checked", args: {} }]);
    await vi.advanceTimersByTimeAsync(10);
    byCancel.cancel("enough");
    await vi.advanceTimersByTimeAsync(100);
    const [d, c] = await Promise.all([byDeadline, byCancel]);
    expect(d.outcomes[0]!.status === "error" && d.outcomes[0]!.error.kind).toBe("deadline");
    expect(c.outcomes[0]!.status === "error" && c.outcomes[0]!.error.kind).toBe("cancelled");
    await expect(executor.onIdle()).resolves.toBeUndefined();
  });
});

describe("corpus: a call never starts after its batch deadline", () => {
  it("a queued call whose deadline passed while the event loop was blocked ends `deadline` unstarted", async () => {
    let started = 0;
    const blocker = defineTool({
      name: "block",
      description: "Blocks the event loop",
      schema: z.object({ ms: z.number() }),
      run: ({ ms }) => {
        const until = performance.now() + ms;
        while (performance.now() < until);
        return "blocked";
      },
    });
    const late = defineTool({
      name: "late",
      description: "",
      schema: z.object({}),
      run: (_args, ctx) => {
        started++;
        return ctx.deadline;
      },
    });
    const executor = createExecutor({ tools: [blocker, late], concurrency: 1 });
    // The blocker runs first (it is first), holding the only slot past the 50 ms deadline, and
    // synchronously, so the deadline's timer cannot fire before the queued call is popped.
    const report = await executor.execute(
      [
        { id: "b", name: "block", args: { ms: 120 } },
        { id: "l", name: "late", args: {} },
      ],
      { deadlineMs: 50 },
    );
    expect(started).toBe(0);
    expect(report.outcomes[1]).toMatchObject({ status: "error", attempts: 0, startedAt: null });
    expect(report.outcomes[1]!.status === "error" && report.outcomes[1]!.error.kind).toBe(
      "deadline",
    );
  });
});

describe("corpus: event names", () => {
  const executor = createExecutor({ tools: [echo] });
  it.each(["call:done", "__proto__", "constructor", "", "toString"])(
    "on(%j) throws a TypeError naming the known events",
    (name) => {
      expect(() => executor.on(name as never, () => undefined)).toThrow(TypeError);
      expect(() => executor.on(name as never, () => undefined)).toThrow(/call:finished/);
    },
  );
  it("on() with a listener that is not a function throws a TypeError", () => {
    expect(() => executor.on("call:finished", 5 as never)).toThrow(TypeError);
  });
});
