import type { ErrorKind } from "./outcome.js";
import { describeValue } from "./validate-options.js";

/**
 * How a call whose retries are spent is recovered: run another registered tool with the same
 * args, or end `ok` with a fixed value. A recovered outcome has `recoveredBy` and keeps the
 * first error in `recoveredFrom`.
 */
export type Recovery =
  | {
      /** The name of another tool of the executor, run with the same args. */
      readonly fallback: string;
    }
  | {
      /** The value the call ends with. */
      readonly default: unknown;
    };

/** How an outcome was recovered. */
export type RecoveredBy = "fallback" | "default";

/** Checks a {@link Recovery}; throws a `TypeError` naming the bad field. */
export function assertRecovery(where: string, value: unknown): asserts value is Recovery {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Expected ${where} to be { fallback: "toolName" } or { default: value }, got ${describeValue(value)}`,
    );
  }
  const hasFallback = "fallback" in value;
  const hasDefault = "default" in value;
  if (hasFallback === hasDefault) {
    throw new TypeError(
      `Expected ${where} to have exactly one of "fallback" and "default", got ${hasFallback ? "both" : "neither"}`,
    );
  }
  if (hasFallback) {
    const name = (value as { fallback: unknown }).fallback;
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError(
        `Expected ${where}.fallback to be the name of another tool, got ${describeValue(name)}`,
      );
    }
  }
}

/** Checks that a tool's fallbacks name other registered tools. */
export function assertFallbacks(
  tool: string,
  recoveries: { readonly onTimeout: Recovery | null; readonly onError: Recovery | null },
  known: (name: string) => boolean,
): void {
  for (const key of ["onTimeout", "onError"] as const) {
    const r = recoveries[key];
    if (r === null || !("fallback" in r)) continue;
    if (r.fallback === tool) {
      throw new TypeError(`Tool "${tool}".${key}.fallback names the tool itself`);
    }
    if (!known(r.fallback)) {
      throw new TypeError(
        `Tool "${tool}".${key}.fallback names "${r.fallback}", which is not a tool of the executor`,
      );
    }
  }
}

/**
 * The recovery that applies to a failure of `kind`, if any. `deadline` and `cancelled` are never
 * recovered: the caller's time or interest is gone. Nor are mistakes in the call itself.
 */
export function recoveryFor(
  kind: ErrorKind,
  onTimeout: Recovery | null,
  onError: Recovery | null,
  circuitOpen: boolean,
): Recovery | null {
  switch (kind) {
    case "timeout":
      return onTimeout;
    case "tool_error":
    case "crashed":
      return onError;
    case "rejected":
      return circuitOpen ? onError : null;
    default:
      return null;
  }
}
