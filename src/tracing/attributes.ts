/**
 * Span attribute names: the OpenTelemetry GenAI semantic conventions for tool execution, and
 * Volley's own under `volley.*`.
 */
export const ATTR = Object.freeze({
  operationName: "gen_ai.operation.name",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  toolType: "gen_ai.tool.type",
  errorType: "error.type",
  batchId: "volley.batch.id",
  batchSize: "volley.batch.size",
  batchOk: "volley.batch.ok",
  batchErrors: "volley.batch.errors",
  callIndex: "volley.call.index",
  attempts: "volley.call.attempts",
  queuedMs: "volley.call.queued_ms",
  replayed: "volley.call.replayed",
});

/** The `gen_ai.operation.name` of a tool call span. */
export const EXECUTE_TOOL = "execute_tool";

/** The name of the span that parents a batch's call spans. */
export const BATCH_SPAN_NAME = "volley.batch";
