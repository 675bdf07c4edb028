/**
 * The checks that `parallelToolNode`, `VolleyToolNode` and `volleyMiddleware` share, made once at
 * construction in one wording (`Expected VolleyToolNode option deadlineMs to be …, got …`, the
 * value shown by the shared `describeValue`). Each throws a `TypeError`.
 */
import {
  ERROR_KINDS,
  createExecutor,
  isLangChainTool,
  isVolleyTool,
  type AnyTool,
  type Executor,
  type ExecutorOptions,
} from "../core/index.js";
import { describeValue } from "../core/describe-value.js";
import { EXECUTOR_OPTION_KEYS } from "../core/engine/check-options.js";
import { assertDuration, assertKnownKeys } from "../core/validate-options.js";
import type { ToolErrorHandler, ToolErrorMessages } from "./tool-messages.js";

/** Options of the executor a node makes when it is given tools rather than an executor. */
export type NodeExecutorOptions = Omit<ExecutorOptions, "tools">;

/** An executor, or the tools to make one from. */
export type ExecutorOrTools = Executor | readonly AnyTool[];

/** Who is checking: named first in each message. */
export type NodeName = "parallelToolNode" | "VolleyToolNode" | "volleyMiddleware";

/** True for an executor (rather than a tools array). */
export function isExecutor(value: unknown): value is Executor {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Executor).execute === "function" &&
    typeof (value as Executor).on === "function"
  );
}

/** The keys of {@link NodeExecutorOptions}: the executor's options but `tools`. */
const NODE_EXECUTOR_KEYS = EXECUTOR_OPTION_KEYS.filter((key) => key !== "tools");

/** The options argument: an object with only the keys `known`. */
export function checkOptionsObject(
  where: NodeName,
  options: unknown,
  known: readonly string[],
): asserts options is object {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected ${where} options to be an object, got ${describeValue(options)}`);
  }
  assertKnownKeys(where, options, known);
}

/**
 * The executor a node runs its calls on: the one given, or one made from the tools (with the
 * node's `executor` options, which apply only then).
 * @throws TypeError when given neither an executor nor an array of tools, or options with an
 *   executor.
 */
export function executorOf(
  where: NodeName,
  source: unknown,
  options: NodeExecutorOptions | undefined,
): Executor {
  if (isExecutor(source)) {
    if (options !== undefined) {
      throw new TypeError(
        `Expected ${where} option executor to be undefined when given an executor (it configures the executor made from tools; set these on the executor you passed), got ${describeValue(options)}`,
      );
    }
    return source;
  }
  if (Array.isArray(source)) {
    if (options !== undefined) {
      if (typeof options !== "object" || options === null) {
        throw new TypeError(
          `Expected ${where} option executor to be createExecutor() options, got ${describeValue(options)}`,
        );
      }
      assertKnownKeys(`${where} option executor`, options, NODE_EXECUTOR_KEYS);
    }
    source.forEach((tool: unknown, i) => {
      if (!isVolleyTool(tool) && !isLangChainTool(tool)) {
        throw new TypeError(
          `Expected ${where} tools[${i}] to be a tool made by defineTool() or a @langchain/core tool, got ${describeValue(tool)}`,
        );
      }
    });
    return createExecutor({ ...options, tools: source as readonly AnyTool[] });
  }
  throw new TypeError(
    `Expected ${where}'s first argument to be an executor from createExecutor() or an array of tools, got ${describeValue(source)}`,
  );
}

/**
 * An executor given as it is, without tools to make one from (the middleware's case).
 * @throws TypeError for anything else.
 */
export function checkExecutor(where: NodeName, value: unknown): asserts value is Executor {
  if (!isExecutor(value)) {
    throw new TypeError(
      `Expected ${where}'s first argument to be an executor from createExecutor() (register the agent's tools with it), got ${describeValue(value)}`,
    );
  }
}

/** `handleToolErrors`: a boolean or a function; `true` when unset (or `null`). */
export function handleToolErrorsOf(
  where: NodeName,
  value: boolean | ToolErrorHandler | undefined,
): boolean | ToolErrorHandler {
  const handle = value ?? true;
  if (typeof handle !== "boolean" && typeof handle !== "function") {
    throw new TypeError(
      `Expected ${where} option handleToolErrors to be a boolean or a function, got ${describeValue(handle)}`,
    );
  }
  return handle;
}

/** `deadlineMs`: unset, or a number of milliseconds ≥ 0 (`Infinity` too). */
export function checkDeadlineMs(
  where: NodeName,
  value: unknown,
): asserts value is number | undefined {
  if (value !== undefined) assertDuration(`${where} option deadlineMs`, value);
}

/** `batchId`: `false` (a random id each time) or a function that derives one. */
export function checkBatchId(
  where: NodeName,
  value: unknown,
): asserts value is false | ((...args: never[]) => string | undefined) {
  if (value !== false && typeof value !== "function") {
    throw new TypeError(
      `Expected ${where} option batchId to be false or a function, got ${describeValue(value)}`,
    );
  }
}

/**
 * `messages`: the texts of error answers by error kind, each a string or a function; `{}` when
 * unset.
 */
export function toolErrorMessagesOf(where: NodeName, value: unknown): ToolErrorMessages {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `Expected ${where} option messages to be an object of texts by error kind, got ${describeValue(value)}`,
    );
  }
  assertKnownKeys(`${where} option messages`, value, ERROR_KINDS);
  for (const [kind, text] of Object.entries(value)) {
    if (typeof text !== "string" && typeof text !== "function" && text !== undefined) {
      throw new TypeError(
        `Expected ${where} option messages.${kind} to be a string or a function (outcome, call, error) => string, got ${describeValue(text)}`,
      );
    }
  }
  return value as ToolErrorMessages;
}
