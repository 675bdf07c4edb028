import { ERROR_KINDS, type ErrorKind } from "./outcome.js";

/**
 * Says which outcome kind an error Volley did not make ends in, or `undefined` to leave it to the
 * next classifier and, after the last, to the core's generic rules (an `Error` or any other
 * thrown value is a `tool_error`).
 */
export type ErrorClassifier = (error: unknown) => ErrorKind | undefined;

const classifiers = new Set<ErrorClassifier>();

/**
 * Teaches `classifyError` an error class the core does not know, so that the core stays free of
 * any library's errors: an integration registers its library's errors when it loads
 * (`volley/langgraph` registers LangChain's input-parsing error as `invalid_args`). Internal to
 * Volley's own subpaths: not exported from the `volley` entry point.
 *
 * Classifiers are asked in the order they were added, only about errors that are not Volley's
 * own (those carry their kind); the first kind given wins. Adding the same function again
 * changes nothing, so a module may register on every load.
 * @throws TypeError when `fn` is not a function.
 */
export function addErrorClassifier(fn: ErrorClassifier): void {
  if (typeof fn !== "function") {
    throw new TypeError(`Expected an error classifier to be a function, got ${typeof fn}`);
  }
  classifiers.add(fn);
}

/**
 * The kind the registered classifiers give `error`, or `undefined` when none knows it. A
 * classifier that throws, or answers something that is not an {@link ErrorKind}, is passed over:
 * classifying never throws, whatever a tool threw.
 */
export function classifiedKind(error: unknown): ErrorKind | undefined {
  for (const classify of classifiers) {
    let kind: unknown;
    try {
      kind = classify(error);
    } catch {
      continue;
    }
    if (kind !== undefined && (ERROR_KINDS as readonly unknown[]).includes(kind)) {
      return kind as ErrorKind;
    }
  }
  return undefined;
}
