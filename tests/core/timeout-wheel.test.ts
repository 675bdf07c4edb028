import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { VirtualLoop } from "../fuzz/virtual-loop.js";

describe("the timeout wheel", () => {
  it("attempts that expire together: ending one's batch while the wheel handles the other loses no other attempt's timeout", async () => {
    // "a" and "b" expire at 6; the loop is blocked until 7, past their batch's deadline, so
    // timing out "a" admits "c", which ends the batch and withdraws "b" while the wheel still
    // holds it. "d" (another batch, the same timeout) must still time out, at 9.
    const loop = new VirtualLoop(1);
    const t = defineTool({
      name: "t",
      description: "",
      schema: z.object({ block: z.number().optional() }),
      timeoutMs: 6,
      run: ({ block }) => {
        if (block === undefined) return new Promise(() => {});
        loop.block(block);
        return "blocked";
      },
    });
    const executor = createExecutor({ tools: [t], clock: loop });
    const restore = loop.install();
    try {
      const first = executor.execute(
        ["a", "b", "c"].map((id) => ({ id, name: "t", args: {} })),
        { deadlineMs: 7, concurrency: 2 },
      );
      let second: PromiseLike<unknown> | undefined;
      let done = 0;
      void first.then(() => done++);
      loop.setTimeout(() => {
        second = executor.execute([
          { id: "d", name: "t", args: {} },
          { id: "e", name: "t", args: { block: 4 } },
        ]);
        void second.then(() => done++);
      }, 3);
      const start = loop.now();
      expect(await loop.run(() => done === 2, { maxTime: start + 1_000 })).toBe("done");
      const [d] = (
        await (second as PromiseLike<{
          outcomes: { status: string; durationMs: number; error?: { kind: string } }[];
        }>)
      ).outcomes;
      expect(d).toMatchObject({ status: "error", error: { kind: "timeout" } });
      expect(executor.stats()).toMatchObject({ running: 0, queued: 0, batches: 0 });
    } finally {
      restore();
    }
  });
});
