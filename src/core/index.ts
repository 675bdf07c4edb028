export { createExecutor } from "./executor.js";
export type { Executor, ExecutorOutcome } from "./executor.js";
export type { ExecutorOptions, ExecuteOptions, CloseOptions } from "./options.js";
export type { ExecutorStats, ToolStats, UpstreamStats } from "./stats.js";
export type { AttemptCall, AttemptInvoker } from "./attempt-invoker.js";
export type { Batch } from "./batch.js";
export { defineTool, isVolleyTool, isLangChainTool } from "./tool.js";
export type {
  Tool,
  ToolDefinition,
  ToolContext,
  ProgressUpdate,
  AnyTool,
  LangChainToolLike,
  ToolName,
  ToolResult,
} from "./tool.js";
export type { ToolCall, LangChainToolCall, TutorialToolCall, CallOverrides } from "./call.js";
export { ERROR_KINDS, isOk, formatOutcomeError } from "./outcome.js";
export type {
  ErrorKind,
  Outcome,
  OutcomeApproval,
  OkOutcome,
  ErrorOutcome,
  OutcomeError,
  Report,
  ReportCounts,
} from "./outcome.js";
export { EXECUTOR_DEFAULTS } from "./policy.js";
export type { Policy } from "./policy.js";
export type { BatchingPolicy } from "./batching-policy.js";
export { RETRY_DEFAULTS } from "./retry.js";
export type { RetryPolicy, RetryContext } from "./retry.js";
export { PriorityQueue } from "./queue.js";
export type { QueueDiscipline, QueueEntry } from "./queue.js";
export { FairQueue } from "./features/fairness/fair-queue.js";
export type {
  FairnessOptions,
  PriorityClass,
  FairEntry,
  TenantStats,
  TenantCounters,
} from "./features/fairness/fair-queue.js";
export type { BatchLimitOptions } from "./features/batch-limits.js";
export type { RateLimit } from "./features/rate-limit.js";
export type { Upstream } from "./features/upstream.js";
export type { IdempotentOption } from "./features/dedupe.js";
export type { Recovery, RecoveredBy } from "./features/recovery.js";
export type {
  ApprovalContext,
  ApprovalDecisionType,
  ApprovalDescription,
  ApprovalOptions,
  ApprovalPolicy,
  ApprovalPredicate,
  NeedsApproval,
} from "./features/approvals/options.js";
export type {
  ApprovalDecision,
  ApprovalRequest,
  Approver,
  ApproverContext,
  ApproveDecision,
  EditDecision,
  RejectDecision,
} from "./features/approvals/decisions.js";
export type { ApprovalExecuteOptions } from "./features/approvals/index.js";
export type {
  CircuitBreakerOptions,
  CircuitState,
  CircuitSnapshot,
} from "./features/circuit-breaker/options.js";
export { MemoryJournal } from "./journal.js";
export type { Journal } from "./journal.js";
export type {
  Backend,
  BackendCapacity,
  BackendTool,
  AttemptRequest,
  ProgressReporter,
} from "./backend.js";
export { systemClock } from "./clock.js";
export type { Clock } from "./clock.js";
export type {
  ArgsSchema,
  InferArgs,
  ArgsIssue,
  StandardSchemaLike,
  StandardResult,
  SafeParseSchema,
} from "./schema.js";
export type {
  ExecutorEvents,
  ExecutorEventName,
  Listener,
  BatchStartedEvent,
  CallQueuedEvent,
  CallStartedEvent,
  CallProgressEvent,
  CallRetryEvent,
  CallFinishedEvent,
  CallAbandonedEvent,
  BatchFinishedEvent,
  CircuitStateEvent,
} from "./events.js";
export * from "./errors/index.js";
