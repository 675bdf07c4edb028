import { setTimeout as sleep } from "node:timers/promises";
import {
  dynamicTool,
  generateText,
  jsonSchema,
  stepCountIs,
  tool,
  zodSchema,
  type JSONSchema7,
} from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, isVolleyTool, type Outcome } from "../../src/core/index.js";
import { fromAiSdkTools, volleyTools } from "../../src/ai-sdk/index.js";
import { scriptedModel } from "./scripted-model.js";

/** The error of a failed outcome, or a failure of the test. */
function errorOf(outcome: Outcome | undefined) {
  if (outcome?.status !== "error")
    throw new Error(`expected an error outcome, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

const filters: JSONSchema7 = {
  type: "object",
  properties: {
    city: { type: "string" },
    filters: {
      type: "array",
      items: {
        type: "object",
        properties: { field: { type: "string" } },
        required: ["field"],
      },
    },
  },
  required: ["city"],
  additionalProperties: false,
};

describe("fromAiSdkTools: AI SDK tools as Volley tools", () => {
  it("keeps the name, the description and the zod schema; runs execute with the call's id and signal", async () => {
    let seen: { toolCallId: string; messages: unknown; aborted: boolean } | undefined;
    const tools = {
      weather: tool({
        description: "Weather in a city",
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }, { toolCallId, messages, abortSignal }) => {
          seen = { toolCallId, messages, aborted: abortSignal?.aborted ?? true };
          return { city, celsius: 21 };
        },
      }),
    };
    const [weather, ...rest] = fromAiSdkTools(tools);
    expect(rest).toEqual([]);
    expect(isVolleyTool(weather)).toBe(true);
    expect(weather).toMatchObject({ name: "weather", description: "Weather in a city" });
    // Still zod-shaped (safeParse and Standard Schema), for everything that reads a tool's schema.
    expect(weather!.schema).toHaveProperty("safeParse");
    expect(weather!.schema).toHaveProperty(["~standard", "vendor"], "zod");
    const executor = createExecutor({ tools: [weather!] });
    const report = await executor.execute([
      { id: "c1", name: "weather", args: { city: "Lyon" } },
      { id: "c2", name: "weather", args: { city: 3 } },
    ]);
    expect(report.results["c1"]).toEqual({ city: "Lyon", celsius: 21 });
    expect(seen).toEqual({ toolCallId: "c1", messages: [], aborted: false });
    const error = errorOf(report.outcomes[1]);
    expect(error.kind).toBe("invalid_args");
    expect(error.message).toMatch(/^Invalid arguments for tool "weather" in call "c2": city: /);
    expect(error.data?.["issues"]).toEqual([{ path: "city", message: expect.any(String) }]);
  });

  it("checks a jsonSchema() input with Ajv: bad arguments end invalid_args with each issue's JSON path", async () => {
    let ran = 0;
    const tools = {
      search: tool({
        description: "Search listings",
        inputSchema: jsonSchema<{ city: string; filters?: { field: string }[] }>(filters),
        execute: async ({ city }) => {
          ran++;
          return `listings in ${city}`;
        },
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const report = await executor.execute([
      { id: "ok", name: "search", args: { city: "Oslo", filters: [{ field: "price" }] } },
      {
        id: "nested",
        name: "search",
        args: { city: "Oslo", filters: [{ field: "a" }, { field: 7 }] },
      },
      { id: "missing", name: "search", args: { filters: [{}] } },
      { id: "extra", name: "search", args: { city: "Oslo", colour: "red" } },
    ]);
    expect(report.results["ok"]).toBe("listings in Oslo");
    expect(ran).toBe(1);
    expect(errorOf(report.outcomes[1]).data?.["issues"]).toEqual([
      { path: "filters.1.field", message: "must be string" },
    ]);
    expect(errorOf(report.outcomes[2]).data?.["issues"]).toEqual([
      { path: "city", message: "must have required property 'city'" },
      { path: "filters.0.field", message: "must have required property 'field'" },
    ]);
    const extra = errorOf(report.outcomes[3]);
    expect(extra.kind).toBe("invalid_args");
    expect(extra.message).toContain("colour: must NOT have additional properties");
  });

  it("checks a promised JSON Schema and a 2020-12 one; formats are hints, not checked", async () => {
    const tools = {
      later: tool({
        description: "Schema given as a promise",
        inputSchema: jsonSchema<{ n: number }>(
          Promise.resolve({
            type: "object",
            properties: { n: { type: "integer" } },
            required: ["n"],
          }),
        ),
        execute: async ({ n }) => n * 2,
      }),
      modern: tool({
        description: "A 2020-12 schema, with a format",
        inputSchema: jsonSchema<{ to: string; tags: string[] }>({
          $schema: "https://json-schema.org/draft/2020-12/schema",
          type: "object",
          properties: {
            to: { type: "string", format: "email" },
            tags: { type: "array", prefixItems: [{ type: "string" }] },
          },
          required: ["to"],
        } as JSONSchema7),
        execute: async ({ to }) => `sent to ${to}`,
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const report = await executor.execute([
      { id: "a", name: "later", args: { n: 4 } },
      { id: "b", name: "later", args: { n: 1.5 } },
      { id: "c", name: "modern", args: { to: "not an email", tags: ["x"] } },
      { id: "d", name: "modern", args: { to: "x@y.z", tags: [1] } },
    ]);
    expect(report.results["a"]).toBe(8);
    expect(errorOf(report.outcomes[1]).data?.["issues"]).toEqual([
      { path: "n", message: "must be integer" },
    ]);
    expect(report.results["c"]).toBe("sent to not an email");
    expect(errorOf(report.outcomes[3]).data?.["issues"]).toEqual([
      { path: "tags.0", message: "must be string" },
    ]);
  });

  it("uses a schema's own validate (zodSchema(), jsonSchema(s, { validate })), keeping the zod issues' paths", async () => {
    const tools = {
      wrapped: tool({
        description: "zodSchema()",
        inputSchema: zodSchema(z.object({ user: z.object({ age: z.number().int() }) })),
        execute: async ({ user }) => user.age,
      }),
      custom: tool({
        description: "A validate of its own",
        inputSchema: jsonSchema<{ word: string }>(
          { type: "object", properties: { word: { type: "string" } } },
          {
            validate: (value) =>
              typeof (value as { word?: unknown }).word === "string"
                ? { success: true, value: value as { word: string } }
                : { success: false, error: new Error("word is needed") },
          },
        ),
        execute: async ({ word }) => word.toUpperCase(),
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const report = await executor.execute([
      { id: "a", name: "wrapped", args: { user: { age: 30 } } },
      { id: "b", name: "wrapped", args: { user: { age: "old" } } },
      { id: "c", name: "custom", args: { word: "hi" } },
      { id: "d", name: "custom", args: {} },
    ]);
    expect(report.results["a"]).toBe(30);
    expect(errorOf(report.outcomes[1]).data?.["issues"]).toEqual([
      { path: "user.age", message: expect.any(String) },
    ]);
    expect(report.results["c"]).toBe("HI");
    expect(errorOf(report.outcomes[3]).data?.["issues"]).toEqual([
      { path: "", message: "word is needed" },
    ]);
  });

  it("through generateText, a jsonSchema() tool's bad input reaches the model as invalid_args (the SDK checks none)", async () => {
    let ran = 0;
    const tools = {
      search: tool({
        description: "Search listings",
        inputSchema: jsonSchema<{ city: string }>(filters),
        execute: async ({ city }) => {
          ran++;
          return city;
        },
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const { model, seen } = scriptedModel([
      [{ id: "bad", tool: "search", input: { town: "Oslo" } }],
    ]);
    const result = await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(2),
      prompt: "search",
    });
    expect(ran).toBe(0);
    expect(seen(1)[0]!.output).toEqual({
      type: "error-text",
      value:
        'Invalid arguments for tool "search" in call "bad": city: must have required property \'city\'; town: must NOT have additional properties',
    });
    expect(result.steps[0]!.content.find((p) => p.type === "tool-error")?.error).toMatchObject({
      kind: "invalid_args",
    });
  });

  it("through volleyTools, takes the input the SDK parsed as it is: transforms work, refinements run once", async () => {
    let refined = 0;
    const tools = {
      add: tool({
        description: "Adds one to a number given as text",
        inputSchema: z.object({
          n: z
            .string()
            .refine(async (text) => (refined++, /^\d+$/.test(text)), "must be digits")
            .transform(Number),
        }),
        execute: async ({ n }) => n + 1,
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const { model, seen } = scriptedModel([[{ id: "a", tool: "add", input: { n: "41" } }]]);
    await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(2),
      prompt: "add",
    });
    expect(seen(1)[0]!.output).toEqual({ type: "json", value: 42 });
    expect(refined).toBe(1);
    // Called any other way, the executor checks (and transforms) the input itself.
    const report = await executor.execute([
      { id: "b", name: "add", args: { n: "9" } },
      { id: "c", name: "add", args: { n: "nine" } },
    ]);
    expect(report.results["b"]).toBe(10);
    expect(errorOf(report.outcomes[1]).data?.["issues"]).toEqual([
      { path: "n", message: "must be digits" },
    ]);
  });

  it("bakes per-tool policies into the Volley tools, and leaves out client-side tools", async () => {
    const tools = {
      search: tool({ description: "s", inputSchema: z.object({}), execute: async () => 1 }),
      ask: tool({ description: "Ask the user (runs on the client)", inputSchema: z.object({}) }),
      mcp: dynamicTool({ description: "d", inputSchema: z.object({}), execute: async () => 2 }),
    };
    const made = fromAiSdkTools(tools, {
      policies: { search: { timeoutMs: 2_000, concurrency: 4, retry: { maxAttempts: 2 } } },
    });
    expect(made.map((t) => t.name)).toEqual(["search", "mcp"]);
    expect(made[0]).toMatchObject({ timeoutMs: 2_000, concurrency: 4, retry: { maxAttempts: 2 } });
    expect(made[1]).not.toHaveProperty("timeoutMs");
  });

  it("reads a streaming tool (an AsyncIterable) to its end: its last value is the result", async () => {
    const tools = {
      progress: tool({
        description: "Streams its progress",
        inputSchema: z.object({ steps: z.number() }),
        async *execute({ steps }) {
          for (let i = 1; i <= steps; i++) yield { done: i, of: steps };
        },
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const report = await executor.execute([{ id: "p", name: "progress", args: { steps: 3 } }]);
    expect(report.results["p"]).toEqual({ done: 3, of: 3 });
    // And through generateText, the SDK gets the same final output.
    const { model, seen } = scriptedModel([[{ id: "p", tool: "progress", input: { steps: 2 } }]]);
    await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(2),
      prompt: "go",
    });
    expect(seen(1)[0]!.output).toEqual({ type: "json", value: { done: 2, of: 2 } });
  });

  it("stops reading a streaming tool when its attempt times out, and closes the iterator", async () => {
    let closed = false;
    const tools = {
      endless: tool({
        description: "Never ends",
        inputSchema: z.object({}),
        async *execute(_input, { abortSignal }) {
          try {
            for (let i = 0; ; i++) {
              await new Promise((resolve) => setTimeout(resolve, 10));
              if (abortSignal?.aborted) yield -1;
              else yield i;
            }
          } finally {
            closed = true;
          }
        },
      }),
    };
    const executor = createExecutor({
      tools: fromAiSdkTools(tools, { policies: { endless: { timeoutMs: 50 } } }),
    });
    const report = await executor.execute([{ id: "e", name: "endless", args: {} }]);
    expect(errorOf(report.outcomes[0]).kind).toBe("timeout");
    await expect.poll(() => closed).toBe(true);
  });

  it("each value a streaming tool yields is progress: idleTimeoutMs ends only a silent stream", async () => {
    const tools = {
      ticking: tool({
        description: "Yields every 30 ms, for 300 ms",
        inputSchema: z.object({}),
        async *execute() {
          for (let i = 1; i <= 10; i++) {
            await new Promise((resolve) => setTimeout(resolve, 30));
            yield i;
          }
        },
      }),
      silent: tool({
        description: "Yields once, then nothing for a long while",
        inputSchema: z.object({}),
        async *execute(_input, { abortSignal }) {
          yield 1;
          await sleep(5_000, undefined, { signal: abortSignal }).catch(() => undefined);
          if (!abortSignal?.aborted) yield 2;
        },
      }),
    };
    const policy = { idleTimeoutMs: 150, timeoutMs: 10_000 };
    const executor = createExecutor({
      tools: fromAiSdkTools(tools, { policies: { ticking: policy, silent: policy } }),
    });
    const progress: string[] = [];
    executor.on("call:progress", (e) => progress.push(e.callId));
    const started = performance.now();
    const report = await executor.execute([
      { id: "t", name: "ticking", args: {} },
      { id: "s", name: "silent", args: {} },
    ]);
    expect(report.results["t"]).toBe(10);
    const silent = errorOf(report.outcomes[1]);
    expect(silent.kind).toBe("timeout");
    expect(silent.message).toMatch(/made no progress for 150ms/);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(progress.filter((id) => id === "t").length).toBeGreaterThanOrEqual(9);
  });

  it("turns the SDK's needsApproval into Volley's: without an approver such calls do not run", async () => {
    let ran = 0;
    const tools = {
      remove: tool({
        description: "Deletes a file",
        inputSchema: z.object({ path: z.string() }),
        needsApproval: async ({ path }) => path.startsWith("/etc"),
        execute: async ({ path }) => {
          ran++;
          return `removed ${path}`;
        },
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const report = await executor.execute([
      { id: "safe", name: "remove", args: { path: "/tmp/x" } },
      { id: "risky", name: "remove", args: { path: "/etc/passwd" } },
    ]);
    expect(report.results["safe"]).toBe("removed /tmp/x");
    expect(errorOf(report.outcomes[1]).kind).toBe("rejected");
    expect(ran).toBe(1);
    // The SDK runs execute only once a user approved the call: through volleyTools it runs.
    const wrapped = volleyTools(executor, tools);
    await expect(
      wrapped.remove.execute!({ path: "/etc/hosts" }, { toolCallId: "approved", messages: [] }),
    ).resolves.toBe("removed /etc/hosts");
  });

  it("a Volley-only needsApproval still refuses a call that comes through volleyTools", async () => {
    const tools = {
      pay: tool({ description: "Pays", inputSchema: z.object({}), execute: async () => "paid" }),
    };
    const executor = createExecutor({
      tools: fromAiSdkTools(tools, { policies: { pay: { needsApproval: true } } }),
    });
    const wrapped = volleyTools(executor, tools);
    await expect(
      wrapped.pay.execute!({}, { toolCallId: "p1", messages: [] }),
    ).rejects.toMatchObject({ name: "ToolOutcomeError", kind: "rejected", toolCallId: "p1" });
  });
});
