export { createExecutor } from "./executor.js";
export type { Executor, ExecutorOutcome } from "./executor.js";
export type { ExecutorOptions, ExecuteOptions, CloseOptions } from "./options.js";
export type { ExecutorStats, ToolStats } from "./stats.js";
export type { AttemptCall, AttemptInvoker } from "./attempt-invoker.js";
export type { Batch } from "./batch.js";
export { defineTool, isVolleyTool, isLangChainTool, TOOL_BRAND } from "./tool.js";
export type {
  Tool,
  ToolDefinition,
  ToolContext,
  AnyTool,
  LangChainToolLike,
  ToolName,
  ToolResult,
} from "./tool.js";
export { normalizeCall, placeholderId } from "./call.js";
export type {
  ToolCall,
  LangChainToolCall,
  TutorialToolCall,
  CallOverrides,
  NormalizedCall,
} from "./call.js";
export { ERROR_KINDS, isOk, formatOutcomeError } from "./outcome.js";
export type {
  ErrorKind,
  Outcome,
  OkOutcome,
  ErrorOutcome,
  OutcomeError,
  Report,
  ReportCounts,
} from "./outcome.js";
export { EXECUTOR_DEFAULTS } from "./policy.js";
export type { Policy } from "./policy.js";
export { RETRY_DEFAULTS, backoffDelay, resolveRetryPolicy } from "./retry.js";
export type { RetryPolicy, RetryContext, ResolvedRetryPolicy } from "./retry.js";
export { PriorityQueue, startsBefore } from "./queue.js";
export type { QueueDiscipline, QueueEntry } from "./queue.js";
export { FairQueue, PRIORITY_CLASSES } from "./fair-queue.js";
export type { PriorityClass, FairEntry, TenantStats, TenantCounters } from "./fair-queue.js";
export type { BatchLimitOptions, FairnessOptions } from "./batching-options.js";
export type { BatchingPolicy } from "./batching-policy.js";
export { TokenBucket } from "./rate-limiter.js";
export type { RateLimit } from "./rate-limiter.js";
export { canonicalKey } from "./dedupe.js";
export type { IdempotentOption } from "./dedupe.js";
export { LATENCY_EWMA_ALPHA } from "./latency-estimator.js";
export type { Recovery, RecoveredBy } from "./recovery.js";
export { CircuitBreaker } from "./circuit-breaker.js";
export type { CircuitBreakerOptions, CircuitState, CircuitSnapshot } from "./circuit-breaker.js";
export { MemoryJournal } from "./journal.js";
export type { Journal } from "./journal.js";
export type { Backend, AttemptRequest } from "./backend.js";
export { systemClock } from "./clock.js";
export type { Clock } from "./clock.js";
export { makeValidator, isArgsSchema, formatIssues } from "./schema.js";
export type {
  ArgsSchema,
  InferArgs,
  ArgsIssue,
  ArgsCheck,
  StandardSchemaLike,
  SafeParseSchema,
} from "./schema.js";
export type {
  ExecutorEvents,
  ExecutorEventName,
  Listener,
  BatchStartedEvent,
  CallQueuedEvent,
  CallStartedEvent,
  CallRetryEvent,
  CallFinishedEvent,
  CallAbandonedEvent,
  BatchFinishedEvent,
  CircuitStateEvent,
} from "./events.js";
export * from "./errors/index.js";
