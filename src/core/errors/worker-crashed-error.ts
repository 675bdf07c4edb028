import { VolleyError, hasVolleyName, type VolleyErrorOptions } from "./volley-error.js";

/** The worker (a thread, or a remote queue worker) running an attempt died. */
export class WorkerCrashedError extends VolleyError {
  override name = "WorkerCrashedError";

  constructor(message: string, options?: VolleyErrorOptions) {
    super("crashed", message, options);
  }
}

/** True for a {@link WorkerCrashedError}. */
export function isWorkerCrashedError(error: unknown): error is WorkerCrashedError {
  return hasVolleyName(error, "WorkerCrashedError");
}
