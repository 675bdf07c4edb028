import type { InferToolInput, InferToolOutput, ToolSet } from "ai";
import { describeValue, quoted } from "../core/describe-value.js";
import {
  defineTool,
  type NeedsApproval,
  type Policy,
  type Tool,
  type ToolContext,
} from "../core/index.js";
import { POLICY_KEYS } from "../core/tool.js";
import { assertKnownKeys, optionKeys } from "../core/validate-options.js";
import { argsSchemaOf } from "./input-schema.js";
import { ExecutionOptions } from "./execution-options.js";
import {
  JsonSchemaCompiler,
  type JsonSchemaCompilerOptions,
} from "../json-schema/json-schema-compiler.js";
import { sdkCalls, type SdkCall } from "./sdk-calls.js";
import { lastOutput } from "./streamed-output.js";
import { readToolSet, type AiSdkExecute, type AiSdkToolLike } from "./tool-set.js";

/** Options of {@link fromAiSdkTools}. */
export interface FromAiSdkToolsOptions<TOOLS extends ToolSet = ToolSet> {
  /**
   * A Volley policy per tool, by the tool's key: what an AI SDK tool cannot carry itself. It
   * becomes the Volley tool's own policy, so it holds wherever the tool goes (an executor, the
   * CLI, the LangGraph nodes); an executor's own `policies` still override it.
   * @default none: the executor's defaults hold
   * @example policies: { search: { timeoutMs: 5_000, concurrency: 4, retry: { maxAttempts: 3 } } }
   */
  readonly policies?: { readonly [K in keyof TOOLS]?: Policy };
}

/** The keys of {@link FromAiSdkToolsOptions}. */
const OPTION_KEYS = optionKeys<FromAiSdkToolsOptions>()(["policies"]);

/** The Volley tool {@link fromAiSdkTools} makes of the AI SDK tool `TOOLS[K]`: its input and output types kept. */
export type VolleyToolOf<TOOLS extends ToolSet, K extends keyof TOOLS & string> = Tool<
  K,
  InferToolInput<TOOLS[K]>,
  InferToolOutput<TOOLS[K]>
>;

/** What {@link fromAiSdkTools} returns: a Volley tool per AI SDK tool that has an `execute`. */
export type VolleyToolsOf<TOOLS extends ToolSet> = ReadonlyArray<
  { [K in keyof TOOLS & string]: VolleyToolOf<TOOLS, K> }[keyof TOOLS & string]
>;

/** Who needs Ajv, for the "npm install ajv" message. */
const AJV_NEEDER = "fromAiSdkTools() for a jsonSchema() input";

/**
 * How a `jsonSchema()` input is read: as draft-07 without a `$schema` naming another dialect (the
 * AI SDK's `JSONSchema7`), checked against its meta-schema first (a malformed one is a
 * `TypeError` now, not odd checks later), issues in Ajv's words.
 */
const JSON_SCHEMA_OPTIONS = {
  vendor: "volley-ajv",
  dialects: ["draft-07"],
  checkSchemas: true,
  messages: "ajv",
} as const satisfies JsonSchemaCompilerOptions;

/**
 * Turns AI SDK tools (the object of `tool({...})`s given to `generateText`) into Volley tools,
 * for `createExecutor()`, `volley run` or the LangGraph nodes. Each keeps its key as its name,
 * its description and its input schema: a zod schema or Standard Schema as it is, a schema's own
 * `validate` (`zodSchema()`), or Ajv for a `jsonSchema()` without one (`ajv` is then needed), so
 * bad arguments end `invalid_args` with their path (an input the SDK already parsed with the same
 * schema, through {@link volleyTools}, is not parsed twice). A call runs the tool's `execute(args,
 * { toolCallId, messages, abortSignal })`: `toolCallId` is the call's id, `abortSignal` aborts on
 * the call's timeout, deadline and cancel, and `messages` are the SDK's when the call came
 * through {@link volleyTools} (else `[]`). A streaming `execute` (an `AsyncIterable`) is read to
 * its end and its last value is the result. The SDK's `needsApproval` becomes Volley's. Tools
 * without `execute` (client-side tools) are left out.
 * @throws TypeError when `tools` is not a tool set, a schema cannot be used, or `policies` names
 *   a tool the set lacks or a field a policy lacks.
 * @example
 * const tools = { weather: tool({ description: "Weather in a city", inputSchema: z.object({ city: z.string() }), execute }) };
 * const executor = createExecutor({ tools: fromAiSdkTools(tools, { policies: { weather: { timeoutMs: 2_000 } } }) });
 * const { text } = await generateText({ model, tools: volleyTools(executor, tools), stopWhen: stepCountIs(3), prompt });
 */
export function fromAiSdkTools<const TOOLS extends ToolSet>(
  tools: TOOLS,
  options: FromAiSdkToolsOptions<TOOLS> = {},
): VolleyToolsOf<TOOLS> {
  const entries = readToolSet("fromAiSdkTools", tools);
  const policies = policiesOf(options, new Set(entries.map((e) => e.name)));
  const compiler = new JsonSchemaCompiler(AJV_NEEDER, JSON_SCHEMA_OPTIONS);
  const made: Tool[] = [];
  for (const { name, tool, execute } of entries) {
    if (execute === undefined) continue;
    const where = `fromAiSdkTools() tool ${quoted(name)}`;
    const approval = needsApprovalOf(where, tool);
    made.push(
      defineTool({
        name,
        description: descriptionOf(where, tool),
        schema: argsSchemaOf(`${where}.inputSchema`, tool.inputSchema, compiler),
        ...(approval === undefined ? {} : { needsApproval: approval }),
        ...policies.get(name),
        run: (args: unknown, ctx: ToolContext) => runExecute(tool, execute, args, ctx),
      }) as unknown as Tool,
    );
  }
  return made as unknown as VolleyToolsOf<TOOLS>;
}

/** One attempt: the tool's `execute`, told the SDK's options when `volleyTools` started the call. */
async function runExecute(
  tool: AiSdkToolLike,
  execute: AiSdkExecute,
  args: unknown,
  ctx: ToolContext,
): Promise<unknown> {
  const call: SdkCall | undefined = sdkCalls.get(ctx.batchId);
  const options = new ExecutionOptions(ctx, call?.options);
  try {
    const result = execute.call(tool, args, options);
    return isAsyncIterable(result) ? await lastOutput(result, ctx) : await result;
  } catch (error) {
    if (call !== undefined) call.thrown = { error };
    throw error;
  }
}

function policiesOf(
  options: FromAiSdkToolsOptions,
  names: ReadonlySet<string>,
): Map<string, Policy> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Expected fromAiSdkTools() options to be an object, got ${describeValue(options)}`,
    );
  }
  assertKnownKeys("fromAiSdkTools()", options, OPTION_KEYS);
  const byName = new Map<string, Policy>();
  const given: unknown = options.policies;
  if (given === undefined) return byName;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new TypeError(
      `Expected fromAiSdkTools() option policies to be an object of policies by tool name, got ${describeValue(given)}`,
    );
  }
  for (const [name, policy] of Object.entries(given)) {
    const where = `fromAiSdkTools() policies.${name}`;
    if (!names.has(name)) {
      throw new TypeError(
        `${where} names no tool of the set (its tools: ${[...names].map(quoted).join(", ") || "none"})`,
      );
    }
    if (policy === undefined) continue;
    if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
      throw new TypeError(`Expected ${where} to be a policy object, got ${describeValue(policy)}`);
    }
    assertKnownKeys(where, policy, POLICY_KEYS);
    byName.set(name, policy as Policy);
  }
  return byName;
}

function descriptionOf(where: string, tool: AiSdkToolLike): string {
  const description = tool.description;
  if (description === undefined) return "";
  if (typeof description !== "string") {
    throw new TypeError(
      `Expected ${where}.description to be a string, got ${describeValue(description)}`,
    );
  }
  return description;
}

/** The SDK's `needsApproval` as Volley's: the same answer for the same input. */
function needsApprovalOf(where: string, tool: AiSdkToolLike): NeedsApproval | undefined {
  const needs = tool.needsApproval;
  if (needs === undefined || needs === false) return undefined;
  if (needs === true) return true;
  if (typeof needs !== "function") {
    throw new TypeError(
      `Expected ${where}.needsApproval to be a boolean or a function, got ${describeValue(needs)}`,
    );
  }
  const ask = needs as (input: unknown, options: unknown) => unknown;
  // The SDK asks with the call's id and messages, and takes any truthy answer as a yes.
  return async (args, ctx) =>
    Boolean(await ask.call(tool, args, { toolCallId: ctx.callId, messages: [] }));
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"
  );
}
