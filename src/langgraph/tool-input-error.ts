import { VolleyError, isVolleyError } from "../core/index.js";
import { isLangChainInputError } from "./langchain-errors.js";

/**
 * Bad arguments that only LangChain could check (a tool with a JSON schema rather than zod), as
 * an `invalid_args` failure, never retried: the same arguments fail every time. `cause` is
 * LangChain's `ToolInputParsingException`, whose message this error carries.
 */
export class ToolInputError extends VolleyError {
  /** Always `"ToolInputError"`, which `isToolInputError()` checks. */
  override name = "ToolInputError";

  /**
   * Wraps LangChain's input-parsing failure as an `invalid_args` error.
   * @param cause LangChain's `ToolInputParsingException`, whose message this error takes.
   */
  constructor(cause: Error) {
    super("invalid_args", cause.message, { cause });
  }
}

/** True for a {@link ToolInputError}, even one made by another copy of the library. */
export function isToolInputError(error: unknown): error is ToolInputError {
  return isVolleyError(error) && error.name === "ToolInputError";
}

/**
 * What a tool's attempt threw, with LangChain's input-parsing failure made a {@link ToolInputError}
 * (unwrapped from the `ToolInvocationError` that `createAgent`'s tool node puts around it, whose
 * message carries a stack trace the model should not see).
 */
export function withInputErrors(error: unknown): unknown {
  const inner = invokedError(error);
  return isLangChainInputError(inner) ? new ToolInputError(inner) : error;
}

/**
 * What a tool threw, out of the `ToolInvocationError` that `createAgent`'s tool node puts around
 * an input-parsing failure; anything else as it is.
 */
export function invokedError(error: unknown): unknown {
  return isToolInvocationError(error) ? error.toolError : error;
}

function isToolInvocationError(error: unknown): error is Error & { toolError: unknown } {
  return (
    error instanceof Error &&
    (error as { "~brand"?: unknown })["~brand"] === "ToolInvocationError" &&
    "toolError" in error
  );
}
