import { describeValue, errorText, quoted } from "./describe-value.js";
import type { RetryPolicy } from "./retry.js";

/** Per-call overrides of the tool's policy. */
export interface CallOverrides {
  /** Queued calls with a higher priority start first. Overrides the tool's. */
  readonly priority?: number;
  /** This call's per-attempt timeout (ms). Overrides the tool's. */
  readonly timeoutMs?: number;
  /** This call's retry policy (`false`: none). Overrides the tool's. */
  readonly retry?: RetryPolicy | false;
  /** This call's expected duration (ms), for ordering. Overrides the tool's. */
  readonly expectedMs?: number;
  /**
   * Calls that share a group run one at a time, in call order, across all batches.
   * @example group: "browser-session-1"
   */
  readonly group?: string;
}

/** A call in LangChain's shape: an entry of `AIMessage.tool_calls`. */
export interface LangChainToolCall extends CallOverrides {
  /** The call's id, unique within the batch; a call without one ends `invalid_call`. */
  readonly id?: string | undefined;
  /** The name of the tool to run. */
  readonly name: string;
  /** The arguments, checked against the tool's schema. */
  readonly args?: unknown;
  /** LangChain's marker of a tool call; not read. */
  readonly type?: "tool_call";
}

/** A call in the tutorial's shape. */
export interface TutorialToolCall extends CallOverrides {
  /** The call's id, unique within the batch; a call without one ends `invalid_call`. */
  readonly id?: string | undefined;
  /** The name of the tool to run. */
  readonly tool_name: string;
  /** The arguments, checked against the tool's schema. */
  readonly args?: unknown;
}

/** A tool call: LangChain's `{ id, name, args }` or the tutorial's `{ id, tool_name, args }`. */
export type ToolCall = LangChainToolCall | TutorialToolCall;

/** A call after reading either shape; `problem` says why it is malformed. */
export interface NormalizedCall {
  readonly id: string;
  readonly name: string;
  readonly args: unknown;
  readonly input: Partial<CallOverrides>;
  readonly problem: string | undefined;
}

/** The id given to a call that has none, so that its outcome can still be keyed. */
export function placeholderId(index: number): string {
  return `#${index}`;
}

/**
 * Reads a call of either shape without throwing, whatever it is (a getter or a Proxy trap that
 * throws, an id that is a BigInt or a cycle); a malformed one gets a `problem`.
 */
export function normalizeCall(input: unknown, index: number): NormalizedCall {
  try {
    return readCall(input, index);
  } catch (error) {
    return {
      id: placeholderId(index),
      name: "",
      args: undefined,
      input: {},
      problem: `Call ${index} cannot be read: ${errorText(error)}`,
    };
  }
}

function readCall(input: unknown, index: number): NormalizedCall {
  if (typeof input !== "object" || input === null) {
    return {
      id: placeholderId(index),
      name: "",
      args: undefined,
      input: {},
      problem: `Call ${index} is not an object (got ${input === null ? "null" : typeof input})`,
    };
  }
  const call = input as Record<string, unknown>;
  const rawName = call["name"] ?? call["tool_name"];
  const name = typeof rawName === "string" ? rawName : "";
  const rawId = call["id"];
  if (typeof rawId !== "string" || rawId.length === 0) {
    return {
      id: placeholderId(index),
      name,
      args: call["args"],
      input: call,
      problem: `Call ${index}${name ? ` to ${quoted(name)}` : ""} has no id (got ${rawId === undefined ? "none" : describeValue(rawId)})`,
    };
  }
  if (typeof rawName !== "string" || rawName.length === 0) {
    return {
      id: rawId,
      name: "",
      args: call["args"],
      input: call,
      problem: `Call ${quoted(rawId)} names no tool (expected "name" or "tool_name")`,
    };
  }
  return { id: rawId, name, args: call["args"], input: call, problem: undefined };
}
