import { ERROR_KINDS, type ErrorKind, type Outcome } from "../core/index.js";
import { describeValue, errorText } from "../core/describe-value.js";

/**
 * Encodes an outcome as JSON text. A value that JSON cannot carry (a `BigInt`, a cycle) fails
 * only its own call, with a `TypeError` that names the call.
 */
export function encodeOutcome(batchId: string, outcome: Outcome): string {
  const { replayed: _replayed, ...stored } = outcome;
  try {
    return JSON.stringify(stored);
  } catch (error) {
    throw new TypeError(
      `Cannot journal call "${outcome.id}" of batch "${batchId}": its outcome is not JSON-serialisable (${errorText(error)})`,
      { cause: error },
    );
  }
}

/**
 * Reads back an outcome that {@link encodeOutcome} wrote (as text, or as an object a driver
 * already parsed). Returns `undefined` for a row that is not an outcome, so one damaged row
 * re-runs one call instead of failing the batch's resume.
 */
export function decodeOutcome(stored: unknown): Outcome | undefined {
  let value: unknown = stored;
  if (typeof stored === "string") {
    try {
      value = JSON.parse(stored);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== "object" || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o["id"] !== "string" || typeof o["name"] !== "string") return undefined;
  if (o["status"] === "ok") return o as unknown as Outcome;
  if (o["status"] === "error" && typeof o["error"] === "object" && o["error"] !== null) {
    return o as unknown as Outcome;
  }
  return undefined;
}

/** Warns (once per load) that damaged rows were skipped. */
export function warnSkipped(journal: string, batchId: string, skipped: number): void {
  if (skipped === 0) return;
  process.emitWarning(
    `${journal}: skipped ${skipped} damaged row(s) of batch "${batchId}"; those calls will run again`,
    { code: "VOLLEY_JOURNAL" },
  );
}

/** Checks a SQL identifier given as an option (a table name), since it is spliced into SQL. */
export function checkIdentifier(option: string, value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(value)) {
    throw new TypeError(
      `Expected ${option} to be a SQL identifier (letters, digits, _; not starting with a digit), got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Checks a positive integer option. */
export function checkPositiveInteger(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`Expected ${option} to be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks a batch id handed to load/record/delete. */
export function checkBatchId(value: unknown): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`Expected batchId to be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Error kinds that describe the run rather than the call: the caller aborted, the batch's time
 * ran out, a limit refused the call. A journal does not record them, so that resuming the batch
 * runs those calls again instead of replaying "cancelled".
 */
export const TRANSIENT_KINDS: readonly ErrorKind[] = Object.freeze([
  "cancelled",
  "deadline",
  "rejected",
]);

/** Checks the `transientKinds` option and returns it as a set. */
export function checkTransientKinds(value: unknown): ReadonlySet<ErrorKind> {
  if (value === undefined) return new Set(TRANSIENT_KINDS);
  if (
    !Array.isArray(value) ||
    !value.every((k) => (ERROR_KINDS as readonly unknown[]).includes(k))
  ) {
    throw new TypeError(
      `Expected transientKinds to be an array of error kinds (${ERROR_KINDS.join(", ")}), got ${describeValue(value)}`,
    );
  }
  return new Set(value as ErrorKind[]);
}

/**
 * True when the outcome is not journaled: it is of a transient kind, or it is a call that
 * interrupted a LangGraph graph (`error.data.interrupted`), which the resume must run again.
 */
export function isTransient(outcome: Outcome, kinds: ReadonlySet<ErrorKind>): boolean {
  return (
    outcome.status === "error" &&
    (kinds.has(outcome.error.kind) || outcome.error.data?.["interrupted"] === true)
  );
}

/** Maps rows lazily, so a driver's row iterator is read once, as it goes. */
export function* mapRows<R, T>(rows: Iterable<R>, map: (row: R) => T): Generator<T> {
  for (const row of rows) yield map(row);
}
