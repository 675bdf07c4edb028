import { tool } from "@langchain/core/tools";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor } from "../../src/index.js";
import { waitTool } from "./helpers.js";

describe("the executor's policies option", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives a @langchain/core tool a rate limit and a recovery", async () => {
    let runs = 0;
    const lookup = tool(
      async ({ q }: { q: string }) => {
        runs++;
        if (q === "bad") throw new Error("upstream 500");
        return `result for ${q}`;
      },
      { name: "lookup", description: "looks up", schema: z.object({ q: z.string() }) },
    );
    const executor = createExecutor({
      tools: [lookup],
      policies: {
        lookup: { rateLimit: { max: 1, perMs: 100 }, onError: { default: "nothing found" } },
      },
    });
    const t0 = Date.now();
    const starts: number[] = [];
    executor.on("call:started", (e) => starts.push(e.startedAt - t0));
    const batch = executor.execute([
      { id: "a", name: "lookup", args: { q: "x" } },
      { id: "b", name: "lookup", args: { q: "bad" } },
    ]);
    await vi.advanceTimersByTimeAsync(200);
    const report = await batch;
    expect(starts).toEqual([0, 100]);
    expect(runs).toBe(2);
    expect(report.outcomes[1]).toMatchObject({
      status: "ok",
      value: "nothing found",
      recoveredBy: "default",
    });
  });

  it("goes over a Volley tool's own policy", async () => {
    const executor = createExecutor({
      tools: [waitTool("t", { timeoutMs: 1_000 })],
      policies: { t: { timeoutMs: 20 } },
    });
    const batch = executor.execute([{ id: "c", name: "t", args: { ms: 100 } }]);
    await vi.advanceTimersByTimeAsync(30);
    expect((await batch).errors["c"]!.kind).toBe("timeout");
  });

  it("validates with a TypeError naming the tool and field", () => {
    const tools = [waitTool("t")];
    expect(() => createExecutor({ tools, policies: { nope: {} } })).toThrow(
      /policies names "nope", which is not a tool/,
    );
    expect(() =>
      createExecutor({ tools, policies: { t: { rateLimit: { max: 0, perMs: 1 } } } }),
    ).toThrow(/policies.t.rateLimit.max/);
    expect(() => createExecutor({ tools, policies: [] as never })).toThrow(/policies/);
  });
});
