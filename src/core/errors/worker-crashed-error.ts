import { VolleyError, hasVolleyName, type VolleyErrorOptions } from "./volley-error.js";

/** The worker (a thread, or a remote queue worker) running an attempt died. */
export class WorkerCrashedError extends VolleyError {
  /** Always `"WorkerCrashedError"`, which `isWorkerCrashedError()` checks. */
  override name = "WorkerCrashedError";

  /**
   * Makes the error of an attempt whose worker died.
   * @param message How the worker died (its exit code, the limit it ran past).
   * @param options The underlying `cause`, if any.
   */
  constructor(message: string, options?: VolleyErrorOptions) {
    super("crashed", message, options);
  }
}

/** True for a {@link WorkerCrashedError}. */
export function isWorkerCrashedError(error: unknown): error is WorkerCrashedError {
  return hasVolleyName(error, "WorkerCrashedError");
}
