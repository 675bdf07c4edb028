/**
 * `volley/logging`: structured JSON logs of an executor's calls, with pino (an optional peer
 * dependency).
 * @example
 * import pino from "pino";
 * import { attachLogger } from "volley/logging";
 * attachLogger(executor, pino());
 * @module volley/logging
 */
export { attachLogger } from "./attach-logger.js";
export type { LoggerTarget } from "./attach-logger.js";
export type { LoggerOptions, LoggerHandle, LogSink } from "./logger-options.js";
export { DEFAULT_REDACT_PATTERN, REDACTED } from "./sanitize.js";
