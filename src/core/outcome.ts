/**
 * The kinds of error an outcome can carry. Fixed from the start, so an exhaustive `switch` over
 * them never breaks when a later version produces a kind for the first time.
 */
export type ErrorKind =
  /** A malformed call: no id, or a later duplicate of an id already in the batch. */
  | "invalid_call"
  /** No tool of that name is registered with the executor. */
  | "unknown_tool"
  /** The arguments failed the tool's schema. */
  | "invalid_args"
  /** The tool threw or rejected. */
  | "tool_error"
  /** One attempt ran longer than its `timeoutMs`. */
  | "timeout"
  /** The batch's `deadlineMs` passed before the call finished. */
  | "deadline"
  /** The caller aborted (its signal, or `batch.cancel()`). */
  | "cancelled"
  /** Refused by back-pressure, a limit or an open circuit. */
  | "rejected"
  /** The isolated or remote worker running the attempt died. */
  | "crashed";

/** Every {@link ErrorKind}, in a fixed order. */
export const ERROR_KINDS: readonly ErrorKind[] = Object.freeze([
  "invalid_call",
  "unknown_tool",
  "invalid_args",
  "tool_error",
  "timeout",
  "deadline",
  "cancelled",
  "rejected",
  "crashed",
]);

/** The error of a failed call: plain, serialisable data. */
export interface OutcomeError {
  /** What went wrong, as a fixed kind. */
  readonly kind: ErrorKind;
  /** A readable message that names the tool, the field or the limit involved. */
  readonly message: string;
  /** Structured detail: the error's class name, the schema issues, the limit that fired. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * A reviewer's decision about a call that needed approval (its tool's `needsApproval`):
 * `"approved"` and `"edited"` ran (with the edited arguments), `"rejected"` did not.
 */
export type OutcomeApproval = "approved" | "edited" | "rejected";

interface OutcomeBase<Name extends string = string> {
  /** The call's id (for a call without one, `#<index>`, such as `#3`). */
  readonly id: string;
  /** The call's position in the batch, from 0. */
  readonly index: number;
  /** The tool's name as the call gave it. */
  readonly name: Name;
  /** When the first attempt started (epoch ms), or `null` if the call never started. */
  readonly startedAt: number | null;
  /** From the first attempt's start to the outcome (ms); 0 if it never started. */
  readonly durationMs: number;
  /** Attempts made (0 if it never started). */
  readonly attempts: number;
  /** True when the outcome was read back from a journal rather than produced by this run. */
  readonly replayed?: boolean;
  /**
   * True when an identical call of an `idempotent` tool ran (or was cached) instead of this one:
   * the outcome is that call's.
   */
  readonly deduped?: boolean;
  /**
   * Set on the calls that needed approval and got a decision; journaled with the outcome, so a
   * resumed batch knows which calls a reviewer already decided.
   */
  readonly approval?: OutcomeApproval;
}

/** A call that succeeded. */
export interface OkOutcome<
  Name extends string = string,
  Value = unknown,
> extends OutcomeBase<Name> {
  /** `"ok"`: the call succeeded. */
  readonly status: "ok";
  /** What the tool returned. */
  readonly value: Value;
  /** Set when the call failed and its tool's `onTimeout`/`onError` recovered it. */
  readonly recoveredBy?: "fallback" | "default";
  /** The error the call was recovered from (with `recoveredBy`). */
  readonly recoveredFrom?: OutcomeError;
}

/** A call that failed. */
export interface ErrorOutcome<Name extends string = string> extends OutcomeBase<Name> {
  /** `"error"`: the call failed. */
  readonly status: "error";
  /** What went wrong. */
  readonly error: OutcomeError;
}

/** Exactly one per call: `status: "ok"` with a value, or `status: "error"` with an error. */
export type Outcome<Name extends string = string, Value = unknown> =
  OkOutcome<Name, Value> | ErrorOutcome<Name>;

/** Counts of a batch's outcomes, kept even when outcomes are not collected. */
export interface ReportCounts {
  /** Calls in the batch. */
  readonly total: number;
  /** Calls that ended `ok`. */
  readonly ok: number;
  /** Calls that ended with an error. */
  readonly error: number;
  /** Failed calls per error kind (only kinds that occurred). */
  readonly byKind: Readonly<Partial<Record<ErrorKind, number>>>;
}

/** What a batch resolves to. */
export interface Report<O extends Outcome = Outcome> {
  /** Every outcome, in call order (empty with `collect: false`). The authority when ids clash. */
  readonly outcomes: readonly O[];
  /** Values of successful calls, keyed by call id (a null-prototype object). */
  readonly results: Readonly<Record<string, O extends OkOutcome<string, infer V> ? V : unknown>>;
  /** Errors of failed calls, keyed by call id (a null-prototype object). */
  readonly errors: Readonly<Record<string, OutcomeError>>;
  /** From `execute()` to the last outcome (ms). */
  readonly wallMs: number;
  /** Outcome counts. */
  readonly counts: ReportCounts;
}

/** True for a successful outcome. */
export function isOk<O extends Outcome>(
  outcome: O,
): outcome is Extract<
  O,
  {
    /** The status of a successful outcome. */
    status: "ok";
  }
> {
  return outcome.status === "ok";
}

/** Formats an outcome's error the way the tutorial printed it: `Error: Simulated failure`. */
export function formatOutcomeError(error: OutcomeError): string {
  const name = typeof error.data?.["name"] === "string" ? error.data["name"] : undefined;
  return name ? `${name}: ${error.message}` : `${error.kind}: ${error.message}`;
}
