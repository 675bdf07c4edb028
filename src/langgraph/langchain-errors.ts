import { addErrorClassifier } from "../core/error-classifiers.js";
import type { ErrorKind } from "../core/index.js";
import { coreTools } from "./peers.js";

/**
 * True for LangChain's `ToolInputParsingException`: arguments that only LangChain could check (a
 * tool with a JSON schema rather than zod) failed its schema. The class sets no `name` (it reads
 * "Error"), so it is known by its class, or by its constructor's name when it comes from another
 * copy of `@langchain/core`.
 */
export function isLangChainInputError(error: unknown): error is Error {
  return (
    error instanceof coreTools.ToolInputParsingException ||
    (error instanceof Error && error.constructor?.name === "ToolInputParsingException")
  );
}

/**
 * How the core classifies LangChain's errors: an input-parsing failure is `invalid_args`, so it
 * is not retried (the same arguments fail every time), rather than a `tool_error`.
 */
function langChainErrorKind(error: unknown): ErrorKind | undefined {
  return isLangChainInputError(error) ? "invalid_args" : undefined;
}

/**
 * Teaches the core's `classifyError` LangChain's errors. Idempotent. It runs when this module
 * loads. A bundler honouring `sideEffects: false` drops a module none of whose bindings is used,
 * so the modules that run calls use one: run-calls.ts calls this, tool-input-error.ts uses
 * {@link isLangChainInputError}.
 */
export function recogniseLangChainErrors(): void {
  addErrorClassifier(langChainErrorKind);
}

recogniseLangChainErrors();
