/**
 * Span attribute names: the OpenTelemetry GenAI semantic conventions for tool execution, and
 * Volley's own under `volley.*`.
 */
export const ATTR = Object.freeze({
  /** `execute_tool` on every call span (GenAI conventions). */
  operationName: "gen_ai.operation.name",
  /** The tool's name, on call spans. */
  toolName: "gen_ai.tool.name",
  /** The call's id, on call spans. */
  toolCallId: "gen_ai.tool.call.id",
  /** `"function"` on call spans (GenAI conventions). */
  toolType: "gen_ai.tool.type",
  /** The error kind of a failed call (`timeout`, `tool_error`, …), on its span and retry events. */
  errorType: "error.type",
  /** The batch's id, on batch and call spans. */
  batchId: "volley.batch.id",
  /** Calls in the batch, on the batch span. */
  batchSize: "volley.batch.size",
  /** Calls that ended ok, on the batch span when it ends. */
  batchOk: "volley.batch.ok",
  /** Calls that failed, on the batch span when it ends. */
  batchErrors: "volley.batch.errors",
  /** The call's position in its batch, from 0. */
  callIndex: "volley.call.index",
  /** Attempts the call made, set when it ends. */
  attempts: "volley.call.attempts",
  /** How long the call waited in the queue before its first attempt (ms). */
  queuedMs: "volley.call.queued_ms",
  /** `true` when the outcome came from a journal rather than a run. */
  replayed: "volley.call.replayed",
});

/** The `gen_ai.operation.name` of a tool call span. */
export const EXECUTE_TOOL = "execute_tool";

/** The name of the span that parents a batch's call spans. */
export const BATCH_SPAN_NAME = "volley.batch";
