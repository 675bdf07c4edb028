import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  defineTool,
  MemoryJournal,
  type Journal,
  type Outcome,
} from "../../src/index.js";
import { captureWarnings } from "../helpers/warnings.js";

function counted() {
  const runs = new Map<string, number>();
  const tool = defineTool({
    name: "work",
    description: "",
    schema: z.object({ fail: z.boolean().optional() }),
    run: async ({ fail }, { callId }) => {
      runs.set(callId, (runs.get(callId) ?? 0) + 1);
      if (fail) throw new Error("no");
      return `done ${callId}`;
    },
  });
  return { tool, runs };
}

const calls = ["a", "b", "c"].map((id) => ({ id, name: "work", args: {} }));

describe("journal", () => {
  it("never journals a malformed or repeated call's error under an id that is not its own", async () => {
    const journal = new MemoryJournal();
    const { tool, runs } = counted();
    const executor = createExecutor({ tools: [tool], journal });
    const batch = [
      { id: "a", name: "work", args: {} },
      { id: "a", name: "work", args: {} },
      { name: "work", args: {} },
    ];
    const first = await executor.execute(batch, { batchId: "rep" });
    expect(first.results["a"]).toBe("done a");
    expect(first.outcomes[1]!.status === "error" && first.outcomes[1]!.error.kind).toBe(
      "invalid_call",
    );
    expect(journal.load("rep").map((o) => o.id)).toEqual(["a"]);
    const resumed = await executor.execute(batch, { batchId: "rep" });
    expect(resumed.outcomes[0]).toMatchObject({ status: "ok", value: "done a", replayed: true });
    expect(runs.get("a")).toBe(1);
  });

  it("a resumed batch replays journaled outcomes and runs only the rest", async () => {
    const journal = new MemoryJournal();
    journal.record("batch-1", {
      id: "b",
      index: 1,
      name: "work",
      status: "ok",
      value: "from before",
      startedAt: 1,
      durationMs: 5,
      attempts: 1,
    });
    const { tool, runs } = counted();
    const executor = createExecutor({ tools: [tool], journal });
    const report = await executor.execute(calls, { batchId: "batch-1" });
    expect([...runs.keys()].sort()).toEqual(["a", "c"]);
    expect(report.results).toEqual({ a: "done a", b: "from before", c: "done c" });
    expect(report.outcomes[1]).toMatchObject({ replayed: true, index: 1 });
    // Everything is journaled now: a third run executes nothing.
    const again = await executor.execute(calls, { batchId: "batch-1" });
    expect(again.outcomes.every((o) => o.replayed)).toBe(true);
    expect([...runs.values()]).toEqual([1, 1]);
  });

  it("journals an outcome before the caller or any listener hears of it", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const journal: Journal = {
      load: () => [],
      record: async (_batch, outcome: Outcome) => {
        await gate;
        order.push(`recorded ${outcome.id}`);
      },
    };
    const { tool } = counted();
    const executor = createExecutor({ tools: [tool], journal });
    executor.on("call:finished", (e) => order.push(`event ${e.callId}`));
    const batch = executor.execute([{ id: "a", name: "work", args: {} }], { batchId: "x" });
    const streamed = (async () => {
      for await (const o of batch) order.push(`streamed ${o.id}`);
    })();
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    release();
    await batch;
    await streamed;
    expect(order).toEqual(["recorded a", "event a", "streamed a"]);
  });

  it("a journal that fails to write never loses the outcome", async () => {
    const journal: Journal = {
      load: () => [],
      record: () => Promise.reject(new Error("disk full")),
    };
    using captured = captureWarnings();
    const { tool } = counted();
    const report = await createExecutor({ tools: [tool], journal }).execute(calls, {
      batchId: "y",
    });
    expect(report.counts.ok).toBe(3);
    // One warning per outcome it could not record, each saying why.
    expect(captured.warnings).toHaveLength(3);
    for (const warning of captured.warnings) {
      expect(warning.code).toBe("VOLLEY_JOURNAL");
      expect(warning.message).toMatch(/could not record call "[abc]" of batch "y".*: disk full$/);
    }
  });
});
