import { createHash } from "node:crypto";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { describe, expect, it } from "vitest";
import { graphBatchId } from "../../src/langgraph/index.js";

const calls = [{ id: "a", name: "search", args: { q: "x", n: 1 } }];

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32);

describe("graphBatchId", () => {
  it("is undefined without a thread: nothing could resume it", () => {
    expect(graphBatchId(undefined, calls)).toBeUndefined();
    expect(graphBatchId({ configurable: {} }, calls)).toBeUndefined();
    expect(graphBatchId({ configurable: { thread_id: "" } }, calls)).toBeUndefined();
  });

  it("keys by thread, node path (without task ids) and AIMessage id", () => {
    const id = graphBatchId(
      { configurable: { thread_id: "t1", checkpoint_ns: "agent:1f2e|tools:9a8b" } },
      calls,
      { messageId: "run-42" },
    );
    expect(id).toBe("lg:t1:agent|tools:m:run-42");
    // Another step of the same node (another task id) keeps the batch id.
    expect(
      graphBatchId(
        { configurable: { thread_id: "t1", checkpoint_ns: "agent:77|tools:66" } },
        calls,
        {
          messageId: "run-42",
        },
      ),
    ).toBe(id);
  });

  it("falls back to a stable hash of the calls, whatever the order of their keys", () => {
    const config = { configurable: { thread_id: 7, checkpoint_ns: "tools:abc" } };
    const a = graphBatchId(config, calls)!;
    const b = graphBatchId(config, [{ args: { n: 1, q: "x" }, name: "search", id: "a" }])!;
    expect(a).toMatch(/^lg:7:tools:h:[0-9a-f]{32}$/);
    expect(b).toBe(a);
    expect(graphBatchId(config, [{ ...calls[0]!, args: { q: "y", n: 1 } }])).not.toBe(a);
    expect(
      graphBatchId({ configurable: { thread_id: 8, checkpoint_ns: "tools:abc" } }, calls),
    ).not.toBe(a);
  });

  it("hashes args JSON cannot carry instead of throwing, and tells Dates, Maps and Sets apart", () => {
    const config = { configurable: { thread_id: "t", checkpoint_ns: "tools:1" } };
    const of = (args: Record<string, unknown>) =>
      graphBatchId(config, [{ id: "a", name: "report", args }]);
    expect(of({ n: 1n })).toMatch(/^lg:t:tools:h:/);
    expect(of({ n: 1n })).toBe(of({ n: 1n }));
    expect(of({ n: 1n })).not.toBe(of({ n: 2n }));
    expect(of({ n: 1n })).not.toBe(of({ n: "1" }));
    const loop: Record<string, unknown> = { q: "x" };
    loop["self"] = loop;
    expect(of(loop)).toMatch(/^lg:t:tools:h:/);
    expect(of({ day: new Date(0) })).not.toBe(of({ day: new Date(86_400_000) }));
    expect(of({ day: new Date(0) })).toBe(of({ day: new Date(0) }));
    expect(of({ m: new Map([["a", 1]]) })).not.toBe(of({ m: new Map([["a", 2]]) }));
    expect(of({ s: new Set([1]) })).not.toBe(of({ s: new Set([2]) }));
  });

  it("keeps the id of calls read back from a checkpoint, cycles and Dates included", async () => {
    const serde = new JsonPlusSerializer();
    const config = { configurable: { thread_id: "t" } };
    const loop: Record<string, unknown> = { q: "x" };
    loop["self"] = loop;
    for (const args of [
      loop,
      { d: new Date(0) },
      { m: new Map([["k", 1]]) },
      { s: new Set([1]) },
    ]) {
      const pending = [{ id: "a", name: "t", args }];
      const [type, bytes] = await serde.dumpsTyped({ pending_tools: pending });
      const back = (await serde.loadsTyped(type, bytes)) as { pending_tools: unknown[] };
      expect(graphBatchId(config, back.pending_tools)).toBe(graphBatchId(config, pending));
    }
  });

  it("gives the same calls in another order the same id: a journal replays by call id anyway", () => {
    const config = { configurable: { thread_id: "t", checkpoint_ns: "tools:1" } };
    const a = { id: "a", name: "search", args: { q: "x" } };
    const b = { id: "b", name: "search", args: { q: "y" } };
    expect(graphBatchId(config, [b, a])).toBe(graphBatchId(config, [a, b]));
    expect(graphBatchId(config, [a, { ...b, args: { q: "z" } }])).not.toBe(
      graphBatchId(config, [a, b]),
    );
    // One call hashes as it always did, so the middleware's batch ids are unchanged.
    expect(graphBatchId(config, [a])).toBe(
      "lg:t:tools:h:" + sha('[{"args":{"q":"x"},"id":"a","name":"search"}]'),
    );
  });
});
