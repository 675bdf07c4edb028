/**
 * `volley/tracing`: OpenTelemetry spans of an executor's batches and calls, with
 * `@opentelemetry/api` (an optional peer dependency), following the GenAI semantic conventions.
 * @example
 * import { attachTracing } from "volley/tracing";
 * attachTracing(executor);
 * @module volley/tracing
 */
export { attachTracing } from "./attach-tracing.js";
export type { TracingTarget, TracingHandle } from "./attach-tracing.js";
export { ATTR, EXECUTE_TOOL, BATCH_SPAN_NAME } from "./attributes.js";
