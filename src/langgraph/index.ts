/**
 * `volley/langgraph`: Volley inside LangGraph.js graphs and LangChain agents.
 * - {@link ParallelToolState} and {@link parallelToolNode}: the tutorial's state and node.
 * - {@link VolleyToolNode}: a drop-in for LangGraph's `ToolNode`.
 * - {@link volleyMiddleware}: for `createAgent` from `langchain`.
 * - {@link graphBatchId}: the deterministic batch id that lets a journal resume a thread.
 * - {@link HITLRequest}, {@link HITLResponse}: the shapes of an approval `interrupt()` and its
 *   resume value, as langchain's `humanInTheLoopMiddleware` has them.
 * - {@link InterruptedCallError}, {@link ToolInputError}: how a call that interrupted the graph,
 *   or whose arguments only LangChain could check, ends; each with its `isXError()` guard.
 *
 * Loading this module also teaches the core's executor LangChain's errors: an input-parsing
 * failure (`ToolInputParsingException`) ends `invalid_args`, never retried, under any executor.
 * @module volley/langgraph
 */
export { ParallelToolState } from "./state.js";
export type { ToolErrorEntry, ParallelToolStateValue, ParallelToolStateUpdate } from "./state.js";
export { parallelToolNode } from "./parallel-tool-node.js";
export type {
  ParallelToolNode,
  ParallelToolNodeOptions,
  ParallelToolUpdate,
  PendingToolsState,
  ToolOutcomeChunk,
} from "./parallel-tool-node.js";
export { VolleyToolNode } from "./tool-node.js";
export type { VolleyToolNodeOptions } from "./tool-node.js";
export { toolMessageError } from "./tool-messages.js";
export type {
  ToolErrorHandler,
  ToolErrorMessages,
  ToolErrorText,
  ToolCallFailure,
  ToolAnswer,
} from "./tool-messages.js";
export { volleyMiddleware } from "./middleware.js";
export type { VolleyMiddlewareOptions } from "./middleware.js";
export type { ActionRequest, HITLRequest, HITLResponse, ReviewConfig } from "./approvals-hitl.js";
export { graphBatchId } from "./batch-id.js";
export type { GraphLocation, GraphBatchKey } from "./batch-id.js";
export { InterruptedCallError, isInterruptedCallError } from "./interrupted-call.js";
export { ToolInputError, isToolInputError } from "./tool-input-error.js";
export type { ExecutorOrTools, NodeExecutorOptions } from "./node-options.js";
export { StoreJournal } from "./store-journal.js";
export type { StoreJournalOptions } from "./store-journal.js";
