/**
 * The values the fuzzed tools throw and return, named by tags: the scenario holds only tags
 * (fast-check must print and shrink it, and a Proxy whose traps throw cannot be printed), and
 * each run makes its values afresh.
 */
import {
  CancelledError,
  DeadlineExceededError,
  NonRetryableError,
  ToolError,
} from "../../src/index.js";

/** What a tool may throw (or reject with). */
export const THROWN_TAGS = [
  "error",
  "tool-error-retry-after",
  "non-retryable",
  "trap-proxy",
  "proxy-around-error",
  "null-proto-bigint",
  "bigint",
  "symbol",
  "undefined",
  "null",
  "message-getter-throws",
  "name-getter-throws",
  "to-string-throws",
  "cyclic",
  "abort-error",
  "foreign-timeout",
  "foreign-unknown-kind",
  "cancelled-error",
  "deadline-error",
] as const;
export type ThrownTag = (typeof THROWN_TAGS)[number];

/** What a tool may return. */
export const VALUE_TAGS = [
  "number",
  "object",
  "undefined",
  "bigint",
  "null-proto",
  "trap-proxy",
] as const;
export type ValueTag = (typeof VALUE_TAGS)[number];

const VOLLEY_BRAND = Symbol.for("volley.error");

/** A Proxy whose every trap throws. */
export function trapProxy<T extends object>(target: T): T {
  const boom = (): never => {
    throw new Error("trap");
  };
  return new Proxy(target, {
    get: boom,
    getPrototypeOf: boom,
    has: boom,
    ownKeys: boom,
    getOwnPropertyDescriptor: boom,
    apply: boom,
    construct: boom,
    set: boom,
    defineProperty: boom,
    deleteProperty: boom,
    isExtensible: boom,
    preventExtensions: boom,
    setPrototypeOf: boom,
  });
}

function throwingGetter<T extends object>(target: T, key: string): T {
  return Object.defineProperty(target, key, {
    enumerable: true,
    get() {
      throw new Error(`getter ${key}`);
    },
  });
}

/** An error that looks like one from another copy of Volley. */
function foreign(kind: string): Error {
  const error = Object.assign(new Error(`foreign ${kind}`), { kind, name: "ToolTimeoutError" });
  Object.defineProperty(error, VOLLEY_BRAND, { value: true });
  return error;
}

export function thrownValue(tag: ThrownTag): unknown {
  switch (tag) {
    case "error":
      return new Error("planned failure");
    case "tool-error-retry-after":
      return new ToolError("slow down", { retryAfterMs: 15, data: { code: 429 } });
    case "non-retryable":
      return new NonRetryableError("do not retry");
    case "trap-proxy":
      return trapProxy({});
    case "proxy-around-error":
      return trapProxy(new Error("inside"));
    case "null-proto-bigint":
      return Object.assign(Object.create(null) as object, { n: 1n });
    case "bigint":
      return 10n ** 30n;
    case "symbol":
      return Symbol("thrown");
    case "undefined":
      return undefined;
    case "null":
      return null;
    case "message-getter-throws":
      return throwingGetter(new Error("x"), "message");
    case "name-getter-throws":
      return throwingGetter(new Error("x"), "name");
    case "to-string-throws":
      return {
        toJSON() {
          throw new Error("toJSON");
        },
        toString() {
          throw new Error("toString");
        },
      };
    case "cyclic": {
      const o: Record<string, unknown> = {};
      o["self"] = o;
      return o;
    }
    case "abort-error":
      return Object.assign(new Error("aborted on its own"), { name: "AbortError" });
    case "foreign-timeout":
      return foreign("timeout");
    case "foreign-unknown-kind":
      return foreign("no_such_kind");
    case "cancelled-error":
      return new CancelledError("the tool gave up");
    case "deadline-error":
      return new DeadlineExceededError(1);
  }
}

/**
 * True when a late settlement with `tag` counts as honouring the abort (the engine's rule:
 * an `AbortError`, or a Volley error of kind timeout, deadline or cancelled).
 */
export function honoursAbort(tag: ThrownTag): boolean {
  return (
    tag === "abort-error" ||
    tag === "foreign-timeout" ||
    tag === "cancelled-error" ||
    tag === "deadline-error"
  );
}

export function okValue(tag: ValueTag): unknown {
  switch (tag) {
    case "number":
      return 42;
    case "object":
      return { answer: 42, list: [1, 2, 3] };
    case "undefined":
      return undefined;
    case "bigint":
      return 7n;
    case "null-proto":
      return Object.assign(Object.create(null) as object, { answer: 42 });
    case "trap-proxy":
      // Its `then` cannot be read: the engine sees a thenable check throw (a tool_error).
      return trapProxy({});
  }
}
