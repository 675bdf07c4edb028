import { describeValue } from "../describe-value.js";
import { classifiedKind } from "../error-classifiers.js";
import { isVolleyError } from "../errors/volley-error.js";
import type { OutcomeError } from "../outcome.js";

/** Turns whatever a tool threw into an outcome error: plain data with a kind. */
export function classifyError(error: unknown, tool: string): OutcomeError {
  if (isVolleyError(error)) {
    const extra = (error as { data?: Readonly<Record<string, unknown>> }).data;
    return {
      kind: error.kind,
      message: error.message,
      data: extra ? { ...extra, name: error.name } : { name: error.name },
    };
  }
  // An integration may have taught the core a foreign error's kind (see addErrorClassifier).
  const kind = classifiedKind(error) ?? "tool_error";
  if (error instanceof Error) {
    const name = error.name;
    const code = (error as { code?: unknown }).code;
    return {
      kind,
      message: error.message || `Tool "${tool}" threw ${name} with no message`,
      data: typeof code === "string" || typeof code === "number" ? { name, code } : { name },
    };
  }
  return {
    kind,
    message:
      error === undefined
        ? `Tool "${tool}" threw undefined`
        : `Tool "${tool}" threw a non-Error value: ${safeString(error)}`,
    data: { name: "NonError" },
  };
}

function safeString(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? describeValue(value) : json;
  } catch {
    return describeValue(value);
  }
}

/** The error's own wait hint (ms), such as from an HTTP `Retry-After` header. */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === "number" && value >= 0 && Number.isFinite(value) ? value : undefined;
}

/** True when a settled attempt's error shows it honoured its abort. */
export function honouredAbort(error: unknown, reason: unknown): boolean {
  if (error === reason) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === "AbortError") return true;
  return (
    isVolleyError(error) &&
    (error.kind === "timeout" || error.kind === "deadline" || error.kind === "cancelled")
  );
}
