/**
 * What a tool threw, made into plain outcome data. A tool may throw anything: a value whose
 * getters throw, a Proxy whose traps throw, a null-prototype object holding a BigInt. Every
 * function here is total: it reads the thrown value defensively and never throws itself.
 */
import { describeValue, errorText } from "../describe-value.js";
import { classifiedKind } from "../error-classifiers.js";
import { isVolleyError } from "../errors/volley-error.js";
import { ERROR_KINDS, type ErrorKind, type OutcomeError } from "../outcome.js";

/** The longest rendering of a thrown non-Error value kept in a message. */
const MAX_VALUE_TEXT = 200;

/** Turns whatever a tool threw into an outcome error: plain data with a kind. */
export function classifyError(error: unknown, tool: string): OutcomeError {
  try {
    return classify(error, tool);
  } catch {
    // A getter or a trap threw while the value was read: say what it is, without reading it.
    return {
      kind: "tool_error",
      message: `Tool "${tool}" threw a value that cannot be read: ${describeValue(error)}`,
      data: { name: "NonError" },
    };
  }
}

function classify(error: unknown, tool: string): OutcomeError {
  // A Volley error carries its kind; one from another copy of the library is trusted only for a
  // kind this one knows.
  if (isVolleyError(error) && (ERROR_KINDS as readonly unknown[]).includes(error.kind)) {
    const extra = (error as { data?: unknown }).data;
    const name = String(error.name);
    return {
      kind: error.kind,
      message: errorText(error),
      data:
        typeof extra === "object" && extra !== null
          ? { ...(extra as Record<string, unknown>), name }
          : { name },
    };
  }
  // An integration may have taught the core a foreign error's kind (see addErrorClassifier).
  const kind: ErrorKind = classifiedKind(error) ?? "tool_error";
  if (error instanceof Error) {
    const name = typeof error.name === "string" ? error.name : "Error";
    const message = errorText(error);
    const code = (error as { code?: unknown }).code;
    return {
      kind,
      message: message || `Tool "${tool}" threw ${name} with no message`,
      data: typeof code === "string" || typeof code === "number" ? { name, code } : { name },
    };
  }
  return {
    kind,
    message:
      error === undefined
        ? `Tool "${tool}" threw undefined`
        : `Tool "${tool}" threw a non-Error value: ${valueText(error)}`,
    data: { name: "NonError" },
  };
}

/** A thrown non-Error value as JSON where it has one, cut short; else as described. */
function valueText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return describeValue(value);
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT)}…` : text;
}

/** The error's own wait hint (ms), such as from an HTTP `Retry-After` header. */
export function retryAfterOf(error: unknown): number | undefined {
  try {
    if (typeof error !== "object" || error === null) return undefined;
    const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
    return typeof value === "number" && value >= 0 && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** True when a settled attempt's error shows it honoured its abort. */
export function honouredAbort(error: unknown, reason: unknown): boolean {
  if (error === reason) return true;
  try {
    if (!(error instanceof Error)) return false;
    if (error.name === "AbortError") return true;
    return (
      isVolleyError(error) &&
      (error.kind === "timeout" || error.kind === "deadline" || error.kind === "cancelled")
    );
  } catch {
    return false;
  }
}
