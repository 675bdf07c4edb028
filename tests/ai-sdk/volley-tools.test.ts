import { generateText, jsonSchema, stepCountIs, tool, type JSONSchema7, type ToolSet } from "ai";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type Executor, type OkOutcome } from "../../src/core/index.js";
import {
  ToolOutcomeError,
  fromAiSdkTools,
  isToolOutcomeError,
  volleyTools,
  type VolleyToolsOf,
} from "../../src/ai-sdk/index.js";
import { scriptedModel } from "./scripted-model.js";

const weather = tool({
  description: "Weather in a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, celsius: 21 }),
});
const ask = tool({ description: "Ask the user", inputSchema: z.object({ question: z.string() }) });

describe("volleyTools: the tool set it returns", () => {
  it("has the same keys; client-side tools are the same objects; wrapped ones keep every other field", () => {
    const toModelOutput = () => ({ type: "text" as const, value: "shown" });
    const tools = { weather: { ...weather, toModelOutput }, ask };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const wrapped = volleyTools(executor, tools);
    expect(Object.keys(wrapped)).toEqual(["weather", "ask"]);
    expect(wrapped.ask).toBe(ask);
    expect(wrapped.weather).not.toBe(tools.weather);
    expect(wrapped.weather.execute).not.toBe(tools.weather.execute);
    expect(wrapped.weather.inputSchema).toBe(tools.weather.inputSchema);
    expect(wrapped.weather.description).toBe("Weather in a city");
    expect(wrapped.weather.toModelOutput).toBe(toModelOutput);
  });

  it("runs the executor's own tool of that name: a Volley tool may stand in for the SDK's", async () => {
    const executor = createExecutor({
      tools: [
        defineTool({
          name: "weather",
          description: "Weather from the cache",
          schema: z.object({ city: z.string() }),
          run: ({ city }) => ({ city, celsius: 0 }),
        }),
      ],
    });
    const wrapped = volleyTools(executor, { weather });
    await expect(
      wrapped.weather.execute!({ city: "Oslo" }, { toolCallId: "c1", messages: [] }),
    ).resolves.toEqual({ city: "Oslo", celsius: 0 });
  });

  it("an executor tool with a schema of its own checks the input the SDK parsed", async () => {
    const executor = createExecutor({
      tools: [
        defineTool({
          name: "weather",
          description: "Weather, for long city names only",
          schema: z.object({ city: z.string().min(5) }),
          run: ({ city }) => city,
        }),
      ],
    });
    const wrapped = volleyTools(executor, { weather });
    await expect(
      wrapped.weather.execute!({ city: "Oslo" }, { toolCallId: "c1", messages: [] }),
    ).rejects.toMatchObject({ kind: "invalid_args", toolCallId: "c1" });
  });

  it("throws a ToolOutcomeError whose cause is what the tool threw, or the SDK signal's reason", async () => {
    const boom = new RangeError("out of range");
    const tools = {
      fail: tool({
        description: "Fails",
        inputSchema: z.object({}),
        execute: async (): Promise<string> => {
          throw boom;
        },
      }),
      hang: tool({
        description: "Hangs until stopped",
        inputSchema: z.object({}),
        execute: (_input, { abortSignal }) =>
          new Promise<string>((_resolve, reject) =>
            abortSignal?.addEventListener("abort", () => reject(abortSignal.reason)),
          ),
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const wrapped = volleyTools(executor, tools);
    const failed: unknown = await Promise.resolve(
      wrapped.fail.execute!({}, { toolCallId: "f1", messages: [] }),
    ).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ToolOutcomeError);
    expect(isToolOutcomeError(failed)).toBe(true);
    expect(failed).toMatchObject({
      kind: "tool_error",
      message: "out of range",
      data: { name: "RangeError" },
      toolCallId: "f1",
      toolName: "fail",
      outcome: { status: "error", attempts: 1 },
      cause: boom,
    });
    const controller = new AbortController();
    const hung = Promise.resolve(
      wrapped.hang.execute!({}, { toolCallId: "h1", messages: [], abortSignal: controller.signal }),
    ).catch((e: unknown) => e);
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 20);
    expect(await hung).toMatchObject({ kind: "cancelled", toolCallId: "h1", cause: reason });
    expect(isToolOutcomeError(new Error("x"))).toBe(false);
  });

  it("keeps the types: generateText's typed tool results, and the executor's typed outcomes", async () => {
    const tools = { weather, ask };
    const made = fromAiSdkTools(tools);
    expectTypeOf(made).toEqualTypeOf<VolleyToolsOf<typeof tools>>();
    const executor = createExecutor({ tools: made });
    const wrapped = volleyTools(executor, tools);
    expectTypeOf(wrapped).toEqualTypeOf<typeof tools>();
    const report = await executor.execute([{ id: "w", name: "weather", args: { city: "Rome" } }]);
    const outcome = report.outcomes[0]!;
    if (outcome.status === "ok" && outcome.name === "weather") {
      expectTypeOf(outcome).toMatchTypeOf<
        OkOutcome<"weather", { city: string; celsius: number }>
      >();
    }
    const { model } = scriptedModel([[{ id: "w", tool: "weather", input: { city: "Rome" } }]]);
    const result = await generateText({
      model,
      tools: wrapped,
      stopWhen: stepCountIs(2),
      prompt: "weather?",
    });
    for (const r of result.steps[0]!.toolResults) {
      if (r.toolName === "weather" && !r.dynamic) {
        expectTypeOf(r.output).toEqualTypeOf<{ city: string; celsius: number }>();
        expect(r.output).toEqual({ city: "Rome", celsius: 21 });
      }
    }
    // Any executor fits, whatever its tools' types.
    expectTypeOf(volleyTools).parameter(0).toEqualTypeOf<Executor>();
    expectTypeOf(volleyTools<ToolSet>).returns.toEqualTypeOf<ToolSet>();
  });
});

describe("bad input: a TypeError that names what was wrong", () => {
  const executor = createExecutor({ tools: fromAiSdkTools({ weather }) });

  it("volleyTools refuses what is not an executor", () => {
    for (const bad of [null, undefined, {}, [weather], "executor"]) {
      expect(() => volleyTools(bad as never, { weather })).toThrow(
        /^Expected volleyTools\(executor, tools\) to get an executor made by createExecutor\(\), got /,
      );
    }
  });

  it("volleyTools and fromAiSdkTools refuse what is not a tool set", () => {
    for (const make of [
      (t: unknown) => volleyTools(executor, t as never),
      (t: unknown) => fromAiSdkTools(t as never),
    ]) {
      expect(() => make(null)).toThrow(TypeError);
      expect(() => make(null)).toThrow(/to get an AI SDK tool set .*, got `null`$/);
      expect(() => make([weather])).toThrow(
        /\(array of 1\); Volley's own tools go to createExecutor\(\{ tools \}\)$/,
      );
      expect(() => make(weather)).toThrow(
        /got a single tool .*: wrap it in an object, \{ name: tool \}$/,
      );
      expect(() => make({ weather, bad: 5 })).toThrow(
        /tool "bad" to be an AI SDK tool, got `5` \(number\)$/,
      );
      expect(() => make({ odd: { inputSchema: z.object({}), execute: "run" } })).toThrow(
        /tool "odd"\.execute to be a function or absent \(a client-side tool\), got `"run"` \(string\)$/,
      );
    }
  });

  it("a tool set or a tool whose getters or Proxy traps throw is a TypeError, not a crash", () => {
    const set = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error("no keys today");
        },
      },
    );
    const tricky = {
      inputSchema: z.object({}),
      get execute(): never {
        throw new Error("no execute today");
      },
    };
    for (const make of [
      (t: unknown) => volleyTools(executor, t as never),
      (t: unknown) => fromAiSdkTools(t as never),
    ]) {
      expect(() => make(set)).toThrow(/\(\) cannot read the tool set: no keys today$/);
      expect(() => make({ tricky })).toThrow(/tool "tricky" cannot be read: no execute today$/);
    }
  });

  it("volleyTools names every tool the executor lacks (client-side tools need none)", () => {
    const search = tool({ description: "s", inputSchema: z.object({}), execute: async () => 1 });
    expect(() => volleyTools(executor, { weather, ask, search, "fetch page": search })).toThrow(
      new TypeError(
        'volleyTools(): the executor has no tool named "search", "fetch page" (its tools: "weather"); make it with createExecutor({ tools: fromAiSdkTools(tools) })',
      ),
    );
    expect(() => volleyTools(executor, { weather, ask })).not.toThrow();
  });

  it("fromAiSdkTools refuses a schema it cannot use, naming the tool", () => {
    const run = async () => 1;
    expect(() => fromAiSdkTools({ t: { inputSchema: 42, execute: run } } as never)).toThrow(
      'Expected fromAiSdkTools() tool "t".inputSchema to be a zod schema, a Standard Schema or an AI SDK jsonSchema(), got `42` (number)',
    );
    expect(() =>
      fromAiSdkTools({
        t: tool({
          inputSchema: jsonSchema({ type: "objec" } as unknown as JSONSchema7),
          execute: run,
        }),
      }),
    ).toThrow(
      /^Expected fromAiSdkTools\(\) tool "t".inputSchema.jsonSchema to be a JSON Schema Ajv can compile: schema is invalid/,
    );
    const lazy = () => {
      throw new Error("no schema today");
    };
    expect(() => fromAiSdkTools({ t: { inputSchema: lazy, execute: run } } as never)).toThrow(
      'fromAiSdkTools() tool "t".inputSchema (a lazy schema) threw when made: no schema today',
    );
    expect(() =>
      fromAiSdkTools({ t: { description: 7, inputSchema: z.object({}), execute: run } } as never),
    ).toThrow('Expected fromAiSdkTools() tool "t".description to be a string, got `7` (number)');
    expect(() =>
      fromAiSdkTools({
        t: { inputSchema: z.object({}), needsApproval: "yes", execute: run },
      } as never),
    ).toThrow(/tool "t".needsApproval to be a boolean or a function, got `"yes"` \(string\)$/);
  });

  it("fromAiSdkTools refuses bad options: an unknown tool, an unknown policy field, a bad value", () => {
    expect(() => fromAiSdkTools({ weather }, null as never)).toThrow(
      "Expected fromAiSdkTools() options to be an object, got `null`",
    );
    expect(() => fromAiSdkTools({ weather }, { polices: {} } as never)).toThrow(
      'Unknown option "polices" for fromAiSdkTools(); did you mean "policies"? Known options: policies.',
    );
    expect(() => fromAiSdkTools({ weather }, { policies: { wether: {} } } as never)).toThrow(
      'fromAiSdkTools() policies.wether names no tool of the set (its tools: "weather")',
    );
    expect(() =>
      fromAiSdkTools({ weather }, { policies: { weather: { timout: 5 } } } as never),
    ).toThrow(
      /^Unknown option "timout" for fromAiSdkTools\(\) policies.weather; did you mean "timeoutMs"\?/,
    );
    expect(() =>
      fromAiSdkTools({ weather }, { policies: { weather: { run: () => 1 } } } as never),
    ).toThrow(/^Unknown option "run" for fromAiSdkTools\(\) policies.weather/);
    expect(() => fromAiSdkTools({ weather }, { policies: { weather: { timeoutMs: -1 } } })).toThrow(
      /^Expected tool "weather".timeoutMs to be a number of milliseconds ≥ 1 or Infinity, got `-1` \(number\)$/,
    );
  });
});
