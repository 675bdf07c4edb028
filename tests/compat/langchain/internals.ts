/**
 * Names the ported tests import from langchain's own source folders, which its package does not
 * export. They are loaded from langchain's installed `dist/` (found from where `langchain`
 * resolves), so that a class the tests check with `toThrow(...)` is the very one langchain throws.
 */
import type { z } from "zod/v4";

export type { JsonSchemaFormat } from "../../../node_modules/langchain/dist/agents/responses.js";

const dist = import.meta.resolve("langchain");

interface RetryDelayConfig {
  readonly backoffFactor: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly jitter: boolean;
}

const middlewareUtils = (await import(new URL("./agents/middleware/utils.js", dist).href)) as {
  calculateRetryDelay: (
    config: RetryDelayConfig,
    retryNumber: number,
    retryAfterMs?: number,
  ) => number;
  getHookFunction: <T>(arg: T | { hook: T }) => T;
};
const middlewareErrors = (await import(new URL("./agents/middleware/error.js", dist).href)) as {
  InvalidRetryConfigError: new (error: z.ZodError) => InvalidRetryConfigError;
};

/** langchain's `calculateRetryDelay` (src/agents/middleware/utils.ts). */
export const calculateRetryDelay = middlewareUtils.calculateRetryDelay;
/** langchain's `getHookFunction` (src/agents/middleware/utils.ts). */
export const getHookFunction = middlewareUtils.getHookFunction;
/** langchain's `InvalidRetryConfigError` (src/agents/middleware/error.ts). */
export type InvalidRetryConfigError = Error & { readonly cause: z.ZodError };
/** langchain's `InvalidRetryConfigError` (src/agents/middleware/error.ts). */
export const InvalidRetryConfigError = middlewareErrors.InvalidRetryConfigError;
