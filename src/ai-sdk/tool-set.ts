/**
 * Reading an AI SDK tool set (the object of `tool({...})`s given to `generateText`), the one way
 * `volleyTools` and `fromAiSdkTools` both do: each bad shape a `TypeError` that says what was
 * expected and what was given.
 */
import { describeValue, errorText, quoted } from "../core/describe-value.js";
import { isLangChainTool, isVolleyTool } from "../core/index.js";

/** The part of an AI SDK `Tool` Volley reads; the rest of the tool is kept as it is. */
export interface AiSdkToolLike {
  /** What the tool does, for the model. */
  readonly description?: unknown;
  /** A zod schema, a Standard Schema, a `jsonSchema()` or `zodSchema()` schema, or a lazy one. */
  readonly inputSchema?: unknown;
  /** Runs the tool; absent on a client-side tool, which the SDK hands back to the caller. */
  readonly execute?: unknown;
  /** The SDK's own approval setting: `true`, or a function of the input. */
  readonly needsApproval?: unknown;
}

/** The function an AI SDK tool runs, as Volley calls it. */
export type AiSdkExecute = (input: unknown, options: unknown) => unknown;

/** One entry of a tool set: its key (the tool's name) and the tool. */
export interface ToolSetEntry {
  /** The key, which the model calls the tool by. */
  readonly name: string;
  /** The tool as given. */
  readonly tool: AiSdkToolLike;
  /** Its `execute`, or `undefined` for a client-side tool. */
  readonly execute: AiSdkExecute | undefined;
}

/**
 * The entries of an AI SDK tool set, in key order.
 * @param where who reads it, first in each message: `volleyTools`, `fromAiSdkTools`
 * @throws TypeError when `tools` is not an object of tools keyed by name, naming what is wrong.
 */
export function readToolSet(where: string, tools: unknown): ToolSetEntry[] {
  const expected = `Expected ${where}() to get an AI SDK tool set (an object of tool()s keyed by name, as generateText takes)`;
  if (typeof tools !== "object" || tools === null || Array.isArray(tools)) {
    const hint = Array.isArray(tools) ? "; Volley's own tools go to createExecutor({ tools })" : "";
    throw new TypeError(`${expected}, got ${describeValue(tools)}${hint}`);
  }
  if (isVolleyTool(tools) || isLangChainTool(tools) || looksLikeOneTool(tools)) {
    throw new TypeError(
      `${expected}, got a single tool ${describeValue(tools)}: wrap it in an object, { name: tool }`,
    );
  }
  let entries: [string, unknown][];
  try {
    entries = Object.entries(tools);
  } catch (error) {
    throw new TypeError(`${where}() cannot read the tool set: ${errorText(error)}`, {
      cause: error,
    });
  }
  return entries.map(([name, tool]) => readTool(where, name, tool));
}

function readTool(where: string, name: string, tool: unknown): ToolSetEntry {
  const field = `${where}() tool ${quoted(name)}`;
  if (typeof tool !== "object" || tool === null || Array.isArray(tool)) {
    throw new TypeError(`Expected ${field} to be an AI SDK tool, got ${describeValue(tool)}`);
  }
  let execute: unknown;
  try {
    execute = (tool as AiSdkToolLike).execute;
  } catch (error) {
    throw new TypeError(`${field} cannot be read: ${errorText(error)}`, { cause: error });
  }
  if (execute !== undefined && typeof execute !== "function") {
    throw new TypeError(
      `Expected ${field}.execute to be a function or absent (a client-side tool), got ${describeValue(execute)}`,
    );
  }
  return { name, tool: tool as AiSdkToolLike, execute: execute as AiSdkExecute | undefined };
}

/** A lone `tool({...})` passed where the set of them belongs. */
function looksLikeOneTool(value: object): boolean {
  try {
    return "inputSchema" in value && !isToolValue((value as AiSdkToolLike).inputSchema);
  } catch {
    return false;
  }
}

/** True when `value` could itself be a tool (so an object with a tool named "inputSchema" passes). */
function isToolValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && "inputSchema" in value;
}
