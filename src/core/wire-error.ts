/**
 * A thrown value as plain data, for attempts that run in another thread or on another machine:
 * the worker flattens what its tool threw, the caller revives it, and the executor classifies the
 * revived error as if the tool had thrown it inline (same kind, name, message, code and data).
 */
import { describeValue, errorText } from "./describe-value.js";
import { NonRetryableError } from "./errors/non-retryable-error.js";
import { isVolleyError, VolleyError } from "./errors/volley-error.js";
import type { ErrorKind } from "./outcome.js";

/** A thrown value, flattened by the worker so that it crosses intact. */
export interface WireError {
  /** `error.name`, or `"NonError"` for a thrown value that is not an Error. */
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Set for Volley errors: their outcome kind. */
  readonly kind?: ErrorKind;
  /** `error.code` when it is a string or a number. */
  readonly code?: string | number;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly retryAfterMs?: number;
  /** Retrying cannot help: a `NonRetryableError`, a missing module or tool, a result that cannot cross. */
  readonly final?: boolean;
  /** The thrown value itself, when it was not an Error and survives the crossing. */
  readonly thrown?: unknown;
}

/**
 * How a value crosses: its copy, or `undefined` when it cannot (`structuredClone` between
 * threads, a JSON round trip between machines).
 */
export type WireCopy = (value: unknown) => { readonly value: unknown } | undefined;

/** Copies by structured clone, for values that cross between threads. */
export const cloneCopy: WireCopy = (value) => {
  try {
    return { value: structuredClone(value) };
  } catch {
    return undefined;
  }
};

/** Copies by a JSON round trip, for values that cross between machines. */
export const jsonCopy: WireCopy = (value) => {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
};

/** Flattens a thrown value into plain data that survives `copy`. Never throws. */
export function flattenError(error: unknown, copy: WireCopy): WireError {
  try {
    return flatten(error, copy);
  } catch {
    // A getter or a trap threw while the value was read: say what it is, without reading it.
    return { name: "NonError", message: `a value that cannot be read: ${describeValue(error)}` };
  }
}

function flatten(error: unknown, copy: WireCopy): WireError {
  if (!(error instanceof Error) && !isVolleyError(error)) {
    const kept = copy(error);
    return kept !== undefined
      ? { name: "NonError", message: errorText(error), thrown: kept.value }
      : { name: "NonError", message: describeValue(error) };
  }
  const source = error as Error & {
    kind?: unknown;
    code?: unknown;
    data?: unknown;
    retryAfterMs?: unknown;
  };
  const wire: {
    -readonly [K in keyof WireError]: WireError[K];
  } = { name: String(source.name), message: String(source.message) };
  if (typeof source.stack === "string") wire.stack = source.stack;
  if (isVolleyError(error)) wire.kind = error.kind;
  if (typeof source.code === "string" || typeof source.code === "number") wire.code = source.code;
  if (typeof source.retryAfterMs === "number") wire.retryAfterMs = source.retryAfterMs;
  if (typeof source.data === "object" && source.data !== null) {
    // Detail that cannot cross is dropped; the message still says what went wrong.
    const kept = copy(source.data);
    if (kept !== undefined) wire.data = kept.value as Record<string, unknown>;
  }
  if (wire.name === "NonRetryableError") wire.final = true;
  return wire;
}

/**
 * Turns a flattened error back into something the executor classifies the same way as if the
 * tool had thrown it here: same kind, message, name, code and data.
 */
export function reviveError(wire: WireError): unknown {
  if (wire.name === "NonError") return "thrown" in wire ? wire.thrown : wire.message;
  if (wire.final === true) {
    const data = wire.name === "NonRetryableError" ? wire.data : { ...wire.data, error: wire.name };
    const error = new NonRetryableError(wire.message, data === undefined ? undefined : { data });
    if (wire.stack !== undefined) error.stack = wire.stack;
    return error;
  }
  const error =
    wire.kind !== undefined ? new VolleyError(wire.kind, wire.message) : new Error(wire.message);
  const fields = error as unknown as Record<string, unknown>;
  Object.defineProperty(error, "name", {
    value: wire.name,
    writable: true,
    configurable: true,
  });
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.code !== undefined) fields["code"] = wire.code;
  if (wire.data !== undefined) fields["data"] = wire.data;
  if (wire.retryAfterMs !== undefined) fields["retryAfterMs"] = wire.retryAfterMs;
  return error;
}
