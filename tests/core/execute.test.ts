import { tool as lcTool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, formatOutcomeError, type Outcome } from "../../src/index.js";
import { fastTool, slowTool, tutorialCalls, waitTool } from "../helpers/tools.js";

const echo = defineTool({
  name: "echo",
  description: "Returns its args",
  schema: z.object({ text: z.string(), count: z.number().int().min(0).optional() }),
  run: async (args) => args,
});

describe("execute: the tutorial's batch", () => {
  it("runs the four calls in parallel: wall time is the slowest call, not the sum", async () => {
    const executor = createExecutor({ tools: [fastTool, slowTool] });
    const batch = executor.execute(tutorialCalls);
    const finishing: string[] = [];
    for await (const outcome of batch) finishing.push(outcome.id);
    const report = await batch;
    expect(report.wallMs).toBeGreaterThanOrEqual(990);
    expect(report.wallMs).toBeLessThan(1_800);
    expect(finishing.slice(0, 2).sort()).toEqual(["fast_1", "fast_2"]);
    expect(report.results).toEqual({
      fast_1: "Fast result for: task 1",
      slow_1: "Slow result for: task 2",
      fast_2: "Fast result for: task 3",
    });
    expect(Object.keys(report.errors)).toEqual(["error_1"]);
    expect(formatOutcomeError(report.errors["error_1"]!)).toBe("Error: Simulated failure");
    expect(report.outcomes.map((o) => o.id)).toEqual(["fast_1", "slow_1", "fast_2", "error_1"]);
    expect(report.counts).toEqual({ total: 4, ok: 3, error: 1, byKind: { tool_error: 1 } });
  });
});

describe("execute: bad input becomes error outcomes, the rest run", () => {
  it("classifies malformed calls, unknown tools and bad args", async () => {
    const executor = createExecutor({ tools: [echo] });
    const report = await executor.execute([
      { id: "ok", name: "echo", args: { text: "hi" } },
      { name: "echo", args: { text: "no id" } },
      { id: "ok", name: "echo", args: { text: "duplicate" } },
      { id: "nameless", args: {} },
      { id: "ghost", name: "nope", args: {} },
      { id: "bad", name: "echo", args: { text: 3, count: -1 } },
      null,
      { id: "tutorial", tool_name: "echo", args: { text: "either shape" } },
    ]);
    const kinds = report.outcomes.map((o) => (o.status === "ok" ? "ok" : o.error.kind));
    expect(kinds).toEqual([
      "ok",
      "invalid_call",
      "invalid_call",
      "invalid_call",
      "unknown_tool",
      "invalid_args",
      "invalid_call",
      "ok",
    ]);
    const bad = report.outcomes[5] as Extract<Outcome, { status: "error" }>;
    expect(bad.error.message).toContain('tool "echo"');
    expect(bad.error.message).toMatch(/text: .*string/i);
    expect(bad.error.message).toMatch(/count: /);
    expect(bad.error.data?.["issues"]).toHaveLength(2);
    const ghost = report.outcomes[4] as Extract<Outcome, { status: "error" }>;
    expect(ghost.error.message).toBe('Unknown tool "nope" in call "ghost" (known tools: echo)');
    const dup = report.outcomes[2] as Extract<Outcome, { status: "error" }>;
    expect(dup.error.message).toContain('repeats the id "ok"');
    // The first call owns its id's key; the duplicate's error stays in `outcomes`.
    expect(report.results["ok"]).toEqual({ text: "hi" });
    expect(report.errors["ok"]).toBeUndefined();
    expect(report.outcomes[1]!.id).toBe("#1");
    expect(report.outcomes.every((o) => o.startedAt === null || o.status === "ok")).toBe(true);
    expect(Object.getPrototypeOf(report.results)).toBeNull();
    expect(Object.getPrototypeOf(report.errors)).toBeNull();
  });

  it("turns anything a tool throws into a readable tool_error", async () => {
    const throwers = [
      defineTool({
        name: "str",
        description: "",
        schema: z.object({}),
        run: () => {
          throw "plain string";
        },
      }),
      defineTool({
        name: "undef",
        description: "",
        schema: z.object({}),
        run: async () => {
          throw undefined;
        },
      }),
      defineTool({
        name: "obj",
        description: "",
        schema: z.object({}),
        run: async () => Promise.reject({ code: 42 }),
      }),
      defineTool({
        name: "type",
        description: "",
        schema: z.object({}),
        run: () => {
          throw new TypeError("bad thing");
        },
      }),
    ];
    const executor = createExecutor({ tools: throwers });
    const report = await executor.execute(
      throwers.map((t) => ({ id: t.name, name: t.name, args: {} })),
    );
    expect(report.counts.byKind).toEqual({ tool_error: 4 });
    expect(report.errors["str"]!.message).toBe(
      'Tool "str" threw a non-Error value: "plain string"',
    );
    expect(report.errors["undef"]!.message).toBe('Tool "undef" threw undefined');
    expect(report.errors["obj"]!.message).toBe('Tool "obj" threw a non-Error value: {"code":42}');
    expect(formatOutcomeError(report.errors["type"]!)).toBe("TypeError: bad thing");
  });

  it("passes parsed args (schema defaults and transforms applied) to the tool", async () => {
    const defaults = defineTool({
      name: "defaults",
      description: "",
      schema: z.object({ n: z.coerce.number(), flag: z.boolean().default(true) }),
      run: (args) => args,
    });
    const report = await createExecutor({ tools: [defaults] }).execute([
      { id: "a", name: "defaults", args: { n: "7" } },
    ]);
    expect(report.results["a"]).toEqual({ n: 7, flag: true });
  });

  it("runs a zod schema with an async refinement asynchronously, not as invalid_args", async () => {
    const known = new Set(["alice"]);
    const lookup = defineTool({
      name: "lookup",
      description: "",
      schema: z.object({
        user: z.string().refine(async (u) => known.has(u), { message: "unknown user" }),
      }),
      run: ({ user }) => `hi ${user}`,
    });
    const executor = createExecutor({ tools: [lookup] });
    for (let round = 0; round < 2; round++) {
      const report = await executor.execute([
        { id: "a", name: "lookup", args: { user: "alice" } },
        { id: "b", name: "lookup", args: { user: "bob" } },
      ]);
      expect(report.results["a"]).toBe("hi alice");
      expect(report.errors["b"]).toMatchObject({ kind: "invalid_args" });
      expect(report.errors["b"]!.message).toMatch(/user: unknown user/);
    }
  });

  it("handles an empty batch and iterables of calls", async () => {
    const executor = createExecutor({ tools: [echo] });
    const empty = await executor.execute([]);
    expect(empty.outcomes).toEqual([]);
    expect(empty.counts.total).toBe(0);
    const fromSet = await executor.execute(
      new Set([{ id: "s", name: "echo", args: { text: "x" } }]),
    );
    expect(fromSet.results["s"]).toEqual({ text: "x" });
  });

  it("takes undefined or null as an empty batch (a message that asks for no tools)", async () => {
    const executor = createExecutor({ tools: [echo] });
    const noCalls: { tool_calls?: { id: string; name: string; args: object }[] } = {};
    for (const calls of [undefined, null, noCalls.tool_calls]) {
      const batch = executor.execute(calls);
      expect(batch.size).toBe(0);
      const report = await batch;
      expect(report.outcomes).toEqual([]);
      expect(report.counts.total).toBe(0);
    }
  });

  it("throws a TypeError for bad options, naming them", () => {
    const executor = createExecutor({ tools: [echo] });
    expect(() => executor.execute("nope" as never)).toThrow(/Expected calls to be an array/);
    expect(() => executor.execute([], { deadlineMs: -1 })).toThrow(/deadlineMs/);
    expect(() => executor.execute([], { signal: {} as AbortSignal })).toThrow(/signal/);
    expect(() => executor.execute([], { batchId: "" })).toThrow(/batchId/);
  });
});

describe("execute: streaming", () => {
  it("every iteration yields every outcome in finishing order, from the first", async () => {
    const executor = createExecutor({ tools: [waitTool] });
    const batch = executor.execute([
      { id: "slow", name: "wait", args: { ms: 60 } },
      { id: "fast", name: "wait", args: { ms: 5 } },
      { id: "mid", name: "wait", args: { ms: 30 } },
    ]);
    const first: string[] = [];
    for await (const o of batch) first.push(o.id);
    const second: string[] = [];
    for await (const o of batch) second.push(o.id);
    expect(first).toEqual(["fast", "mid", "slow"]);
    expect(second).toEqual(first);
  });

  it("breaking out of the iteration does not cancel the batch", async () => {
    const executor = createExecutor({ tools: [waitTool] });
    const batch = executor.execute([
      { id: "a", name: "wait", args: { ms: 5 } },
      { id: "b", name: "wait", args: { ms: 40 } },
    ]);
    for await (const o of batch) {
      expect(o.id).toBe("a");
      break;
    }
    const report = await batch;
    expect(report.counts.ok).toBe(2);
  });

  it("with collect: false keeps no outcomes but streams them and counts", async () => {
    const noop = defineTool({
      name: "noop",
      description: "",
      schema: z.object({ i: z.number() }),
      run: ({ i }) => i,
    });
    const executor = createExecutor({ tools: [noop] });
    const calls = Array.from({ length: 2_000 }, (_, i) => ({
      id: `c${i}`,
      name: "noop",
      args: { i },
    }));
    const batch = executor.execute(calls, { collect: false });
    let sum = 0;
    for await (const o of batch) if (o.status === "ok") sum += o.value as number;
    const report = await batch;
    expect(sum).toBe((1_999 * 2_000) / 2);
    expect(report.outcomes).toEqual([]);
    expect(Object.keys(report.results)).toEqual([]);
    expect(report.counts).toMatchObject({ total: 2_000, ok: 2_000, error: 0 });
  });
});

describe("execute: LangChain tools", () => {
  it("accepts a tool() from @langchain/core as it is, validates its schema and passes the signal", async () => {
    let sawSignal = false;
    const weather = lcTool(
      async ({ city }: { city: string }, config) => {
        sawSignal = config?.signal instanceof AbortSignal;
        return `sunny in ${city}`;
      },
      {
        name: "weather",
        description: "Weather for a city",
        schema: z.object({ city: z.string() }),
      },
    );
    const executor = createExecutor({ tools: [weather, echo] });
    const report = await executor.execute([
      { id: "w", name: "weather", args: { city: "Oslo" } },
      { id: "bad", name: "weather", args: { city: 1 } },
    ]);
    expect(report.results["w"]).toBe("sunny in Oslo");
    expect(sawSignal).toBe(true);
    expect(report.errors["bad"]!.kind).toBe("invalid_args");
    expect(report.errors["bad"]!.message).toMatch(/city/);
  });

  it("hands a LangChain tool its arguments as given, so a transforming schema is applied once", async () => {
    // LangChain parses the input again inside invoke(): given the parsed value, `s` would arrive
    // as a number and fail the string check.
    const length = lcTool(async ({ s }: { s: number }) => `length ${s}`, {
      name: "length",
      description: "Length of a string",
      schema: z.object({ s: z.string().transform((text) => text.length) }),
    });
    const executor = createExecutor({ tools: [length] });
    const report = await executor.execute([
      { id: "ok", name: "length", args: { s: "abc" } },
      { id: "bad", name: "length", args: { s: 3 } },
    ]);
    expect(report.results["ok"]).toBe("length 3");
    expect(report.errors["bad"]!.kind).toBe("invalid_args");
  });
});
