import type { BaseMessage } from "@langchain/core/messages";
import type { Messages } from "@langchain/langgraph";
import type { ErrorKind, ToolCall } from "../core/index.js";
import { langgraph } from "./peers.js";

const { Annotation, messagesStateReducer } = langgraph;

/** A failed call as the state keeps it: the kind survives, so a later node can branch on it. */
export interface ToolErrorEntry {
  /** What went wrong, as one of Volley's fixed kinds. */
  readonly kind: ErrorKind;
  /** A readable message naming the tool, the field or the limit involved. */
  readonly message: string;
}

/** Merges a step's entries into the earlier ones, by call id: a later step never wipes earlier ones. */
function mergeById<V>(
  current: Readonly<Record<string, V>>,
  update: Readonly<Record<string, V>> | undefined | null,
): Record<string, V> {
  if (update === undefined || update === null) return { ...current };
  return { ...current, ...update };
}

/**
 * The tutorial's state as a LangGraph annotation:
 * - `messages`, with LangGraph's messages reducer;
 * - `pending_tools`, the calls to run (`{ id, name, args }` or the tutorial's `{ id, tool_name, args }`);
 *   {@link parallelToolNode} clears it;
 * - `results`, successful values by call id, merged across steps;
 * - `errors`, `{ kind, message }` by call id, merged across steps.
 * @example
 * const graph = new StateGraph(ParallelToolState)
 *   .addNode("tools", parallelToolNode([fastTool, slowTool]))
 *   .addEdge(START, "tools")
 *   .compile();
 */
export const ParallelToolState = Annotation.Root({
  /** The conversation, with LangGraph's messages reducer. */
  messages: Annotation<BaseMessage[], Messages>({
    reducer: messagesStateReducer,
    default: () => [],
  }),
  /** The calls to run next; {@link parallelToolNode} clears it (the last write wins). */
  pending_tools: Annotation<ToolCall[], ToolCall[] | undefined | null>({
    // The last write wins; the node writes [] once it has run them. A non-array is kept, so that
    // the node can report it as an error entry rather than lose it.
    reducer: (_current, next) => next ?? [],
    default: () => [],
  }),
  /** Successful values by call id, merged across steps. */
  results: Annotation<Record<string, unknown>, Record<string, unknown> | undefined | null>({
    reducer: mergeById,
    default: () => ({}),
  }),
  /** Failures (`{ kind, message }`) by call id, merged across steps. */
  errors: Annotation<
    Record<string, ToolErrorEntry>,
    Record<string, ToolErrorEntry> | undefined | null
  >({
    reducer: mergeById,
    default: () => ({}),
  }),
});

/** The value of {@link ParallelToolState}. */
export type ParallelToolStateValue = typeof ParallelToolState.State;

/** An update of {@link ParallelToolState}, as nodes return it. */
export type ParallelToolStateUpdate = typeof ParallelToolState.Update;
