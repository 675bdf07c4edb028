import type { ErrorOutcome, Outcome } from "../core/index.js";

/**
 * What each call's attempts threw, so that a failure handler gets the error that ended the call.
 * Only the last attempt counts, and only when the call ended on what it threw (`tool_error`, or
 * LangChain's own `invalid_args`): after a retry, the first attempt's error is stale, and a call
 * that timed out or was cancelled ended on Volley's limit, whatever its tool threw afterwards.
 */
export class AttemptErrors {
  readonly #byCall = new Map<string, { readonly attempt: number; readonly error: unknown }>();

  /** Notes what an attempt threw; a late rejection of an earlier attempt never wins. */
  note(callId: string, attempt: number, error: unknown): void {
    const known = this.#byCall.get(callId);
    if (known === undefined || known.attempt <= attempt)
      this.#byCall.set(callId, { attempt, error });
  }

  /** The thrown error behind a failed outcome, or `undefined` when a limit ended the call. */
  of(outcome: Outcome): unknown {
    if (outcome.status !== "error" || !endedByThrow(outcome)) return undefined;
    return this.last(outcome);
  }

  /** What the outcome's last attempt threw, if it threw, whatever ended the call. */
  last(outcome: Outcome): unknown {
    const known = this.#byCall.get(outcome.id);
    return known !== undefined && known.attempt === outcome.attempts ? known.error : undefined;
  }
}

function endedByThrow(outcome: ErrorOutcome): boolean {
  return outcome.error.kind === "tool_error" || outcome.error.kind === "invalid_args";
}
