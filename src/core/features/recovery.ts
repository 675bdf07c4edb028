/**
 * Recovery: a call whose retries are spent may still end well, by another tool run with the same
 * args (`{ fallback: "name" }`) or a fixed value (`{ default: value }`). A recovered outcome has
 * `recoveredBy` and keeps the first error in `recoveredFrom`.
 */
import type { ErrorKind, OutcomeError } from "../outcome.js";
import { describeValue } from "../describe-value.js";
import { assertKnownKeys, optionKeys, type KeysOfUnion } from "../validate-options.js";
import type { Feature, FeatureCall, FeatureTool, RecoveryPlan, ToolHooks } from "./feature.js";

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

/** The keys of a {@link Recovery}, of which it has exactly one. */
const RECOVERY_KEYS = optionKeys<Record<KeysOfUnion<Recovery>, unknown>>()(["fallback", "default"]);

/** Checks a {@link Recovery}; throws a `TypeError` naming the bad field. */
export function assertRecovery(where: string, value: unknown): asserts value is Recovery {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Expected ${where} to be { fallback: "toolName" } or { default: value }, got ${describeValue(value)}`,
    );
  }
  assertKnownKeys(where, value, RECOVERY_KEYS);
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
function assertFallbacks(
  tool: string,
  recoveries: RecoveryPolicy,
  known: (name: string) => boolean,
): void {
  for (const key of ["onTimeout", "onError"] as const) {
    const r = recoveries[key];
    if (r === undefined || !("fallback" in r)) continue;
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
function recoveryFor(
  kind: ErrorKind,
  onTimeout: Recovery | undefined,
  onError: Recovery | undefined,
  circuitOpen: boolean,
): Recovery | undefined {
  switch (kind) {
    case "timeout":
      return onTimeout;
    case "tool_error":
    case "crashed":
      return onError;
    case "rejected":
      return circuitOpen ? onError : undefined;
    default:
      return undefined;
  }
}

/** The policy fields of this feature. */
export interface RecoveryPolicy {
  /**
   * What to do when the call's last attempt timed out: run another tool with the same args
   * (`{ fallback: "name" }`) or end `ok` with a value (`{ default: value }`).
   * @default none: the call ends `timeout`
   * @example onTimeout: { default: [] }
   */
  readonly onTimeout?: Recovery;
  /**
   * What to do when the call failed (`tool_error`, `crashed`, or `rejected` by this tool's open
   * circuit) after its retries: a fallback tool or a default value, as for `onTimeout`.
   * @default none: the call ends with its error
   * @example onError: { fallback: "search_backup" }
   */
  readonly onError?: Recovery;
}

/**
 * The recovery feature. `isTool` tells whether a name is a tool of the executor.
 * @throws TypeError (as tools register) for a fallback that names no other tool of the executor.
 */
export function recovery<C extends FeatureCall>(
  isTool: (name: string) => boolean,
): () => Feature<C> {
  return () => ({
    name: "recovery",
    forTool(tool: FeatureTool, policy: RecoveryPolicy): ToolHooks<C> | undefined {
      const { onTimeout, onError } = policy;
      if (onTimeout === undefined && onError === undefined) return undefined;
      assertFallbacks(tool.name, policy, isTool);
      return {
        recover(_call: C, error: OutcomeError): RecoveryPlan | undefined {
          const r = recoveryFor(error.kind, onTimeout, onError, error.data?.["circuit"] === true);
          if (r === undefined) return undefined;
          return "default" in r ? { value: r.default } : { fallback: r.fallback };
        },
      };
    },
  });
}
