import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BatchRun } from "../../src/core/engine/batch-run.js";
import { CallState } from "../../src/core/engine/call-state.js";
import { Delivery } from "../../src/core/engine/delivery.js";
import { FeatureSet } from "../../src/core/engine/feature-set.js";
import { Settle } from "../../src/core/engine/settle.js";
import { ToolEntry } from "../../src/core/engine/tool-entry.js";
import { EventHub } from "../../src/core/events.js";
import type { FeatureHost } from "../../src/core/features/feature.js";
import { defineTool, systemClock, type Outcome, type OutcomeError } from "../../src/index.js";

const failure: OutcomeError = { kind: "tool_error", message: "boom" };

/** A settle point over one batch of one call, with what it delivered and told. */
function oneCall() {
  const host: FeatureHost<CallState> = {
    clock: systemClock,
    queued: 0,
    running: 0,
    held: 0,
    drain: () => undefined,
    resume: () => undefined,
    answer: () => undefined,
    fail: () => undefined,
    revise: () => undefined,
    admitMore: () => undefined,
    useQueue: () => undefined,
  };
  const tool = new ToolEntry<CallState>(
    defineTool({ name: "t", description: "", schema: z.object({}), run: () => 1 }),
    { timeoutMs: 1_000, retry: undefined, priority: 0 },
    { backend: undefined, slots: null },
    new FeatureSet<CallState>([], host),
  );
  const run = new BatchRun<CallState>("b", [{}], 0, Infinity, true, { cancel: () => undefined });
  const ended: Outcome[] = [];
  let completed = 0;
  const delivery = new Delivery<CallState>(
    undefined,
    1_000,
    systemClock,
    new EventHub(() => undefined),
    () => {
      completed++;
      run.complete(run.sink.finish(0));
    },
  );
  const settle = new Settle(
    systemClock,
    delivery,
    (_call, outcome) => ended.push(outcome),
    () => undefined,
  );
  const call = new CallState(run, 0, "a", tool, {}, 0, 0, undefined);
  run.live = 1;
  run.calls[0] = call;
  return { settle, call, run, tool, ended, completed: () => completed };
}

const ENDINGS = {
  ok: (s: Settle, c: CallState) => s.ok(c, "value", systemClock.now()),
  error: (s: Settle, c: CallState) => s.error(c, failure),
  recovered: (s: Settle, c: CallState) => s.recovered(c, "default", failure),
  deduped: (s: Settle, c: CallState) =>
    s.deduped(c, {
      id: "other",
      index: 3,
      name: "t",
      status: "ok",
      value: "shared",
      startedAt: 1,
      durationMs: 2,
      attempts: 1,
    }),
  refused: (s: Settle, c: CallState) => s.refused(c, { kind: "rejected", message: "full" }),
} as const;

describe("the settle point", () => {
  it("ends a call exactly once, whatever ways of ending it are tried, and counts it once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...(Object.keys(ENDINGS) as (keyof typeof ENDINGS)[])), {
          minLength: 1,
          maxLength: 6,
        }),
        async (ways) => {
          const { settle, call, run, tool, ended, completed } = oneCall();
          for (const way of ways) ENDINGS[way](settle, call);
          const report = await run;
          expect(report.outcomes).toHaveLength(1);
          expect(completed()).toBe(1);
          expect(settle.counters.finished).toBe(1);
          expect(settle.counters.ok + settle.counters.failed).toBe(1);
          expect(run.live).toBe(0);
          // A call refused before it was placed is counted by the executor only.
          const placed = ways[0] !== "refused";
          if (placed) expect(run.calls[0]).toBeUndefined();
          expect(tool.counters.finished).toBe(placed ? 1 : 0);
          expect(tool.counters.ok + tool.counters.failed).toBe(placed ? 1 : 0);
          expect(ended).toHaveLength(placed ? 1 : 0);
          expect(report.outcomes[0]!.id).toBe("a");
          expect(report.outcomes[0]!.index).toBe(0);
        },
      ),
    );
  });

  it("keeps the name the call gave and every attempt for a call its fallback ran", async () => {
    const { settle, call, run, tool } = oneCall();
    call.attempt = 2;
    settle.leave(call);
    const fallback = new ToolEntry<CallState>(
      defineTool({ name: "backup", description: "", schema: z.object({}), run: () => 1 }),
      { timeoutMs: 1_000, retry: undefined, priority: 0 },
      { backend: undefined, slots: null },
      new FeatureSet<CallState>([], {} as FeatureHost<CallState>),
    );
    call.reroute(fallback, failure);
    call.attempt = 1;
    settle.ok(call, "saved", systemClock.now());
    const outcome = (await run).outcomes[0]!;
    expect(outcome).toMatchObject({
      name: "t",
      status: "ok",
      value: "saved",
      attempts: 3,
      recoveredBy: "fallback",
      recoveredFrom: failure,
    });
    expect(tool.counters).toMatchObject({ finished: 1, failed: 1, recovered: 1 });
    expect(fallback.counters).toMatchObject({ finished: 1, ok: 1 });
  });
});
