export { VolleyError, isVolleyError, type VolleyErrorOptions } from "./volley-error.js";
export { ToolError, isToolError, type ToolErrorOptions } from "./tool-error.js";
export { NonRetryableError, isNonRetryableError } from "./non-retryable-error.js";
export { ToolTimeoutError, isToolTimeoutError } from "./tool-timeout-error.js";
export { DeadlineExceededError, isDeadlineExceededError } from "./deadline-exceeded-error.js";
export { CancelledError, isCancelledError } from "./cancelled-error.js";
export { RejectedError, isRejectedError } from "./rejected-error.js";
export { WorkerCrashedError, isWorkerCrashedError } from "./worker-crashed-error.js";
export {
  ApprovalDecisionError,
  isApprovalDecisionError,
  type ApprovalDecisionErrorOptions,
} from "./approval-decision-error.js";
