import { VolleyError } from "../core/index.js";

/**
 * Bad arguments that only LangChain could check (a tool with a JSON schema rather than zod), as
 * an `invalid_args` failure: LangChain's `ToolInputParsingException` sets no `name`, so it would
 * otherwise count as a `tool_error` and be retried, though the same arguments fail every time.
 */
export class ToolInputError extends VolleyError {
  override name = "ToolInputParsingException";

  constructor(cause: Error) {
    super("invalid_args", cause.message, { cause });
  }
}

/**
 * What a tool's attempt threw, with LangChain's input-parsing failure made a {@link ToolInputError}
 * (unwrapped from the `ToolInvocationError` that `createAgent`'s tool node puts around it, whose
 * message carries a stack trace the model should not see).
 */
export function withInputErrors(error: unknown): unknown {
  const inner = isToolInvocationError(error) ? error.toolError : error;
  return inner instanceof Error && inner.constructor.name === "ToolInputParsingException"
    ? new ToolInputError(inner)
    : error;
}

function isToolInvocationError(error: unknown): error is Error & { toolError: unknown } {
  return (
    error instanceof Error &&
    (error as { "~brand"?: unknown })["~brand"] === "ToolInvocationError" &&
    "toolError" in error
  );
}
