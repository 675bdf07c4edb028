import type { ErrorKind } from "../outcome.js";

/** Marks Volley errors across copies of the library (a second install, a worker thread). */
const BRAND = Symbol.for("volley.error");

/** Options every Volley error accepts. */
export interface VolleyErrorOptions {
  /** The underlying error. */
  readonly cause?: unknown;
}

/** Base of every error Volley throws or uses as an abort reason. `kind` maps it onto an outcome. */
export class VolleyError extends Error {
  /** Always `"VolleyError"`, which `isVolleyError()` checks. */
  override name = "VolleyError";
  /** The outcome kind this error produces when it ends a call. */
  readonly kind: ErrorKind;

  /**
   * Makes a Volley error of a given outcome kind.
   * @param kind The outcome kind the error maps to.
   * @param message What went wrong.
   * @param options The underlying `cause`, if any.
   */
  constructor(kind: ErrorKind, message: string, options?: VolleyErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any Volley error, even one made by another copy of the library. */
export function isVolleyError(error: unknown): error is VolleyError {
  // Total, like every guard: a Proxy whose traps throw is simply not a Volley error.
  try {
    return (
      error instanceof VolleyError ||
      (typeof error === "object" &&
        error !== null &&
        (error as Record<symbol, unknown>)[BRAND] === true)
    );
  } catch {
    return false;
  }
}

/** True when `error` is a Volley error whose `name` is `name`. */
export function hasVolleyName(error: unknown, name: string): boolean {
  try {
    return isVolleyError(error) && error.name === name;
  } catch {
    return false;
  }
}
