import type { Executor } from "../core/index.js";
import { describeValue } from "../core/describe-value.js";
import { assertKnownKeys, optionKeys } from "../core/validate-options.js";
import type { LoggerHandle, LoggerOptions, LogSink } from "./logger-options.js";
import { DEFAULT_REDACT_PATTERN, makeSanitizer, redactPattern } from "./sanitize.js";

/** What {@link attachLogger} needs of an executor. */
export type LoggerTarget = Pick<Executor, "on">;

/** The keys of {@link LoggerOptions}. */
const LOGGER_OPTION_KEYS = optionKeys<LoggerOptions>()([
  "redact",
  "maxStringLength",
  "maxItems",
  "maxDepth",
  "args",
  "results",
]);

/**
 * Writes an executor's events to a pino logger, one JSON line each: every call's start (info),
 * retry (warn), abandonment (warn) and finish (info when ok, warn when failed), and each batch's
 * end (info; its start at debug). Each line carries `event`, `batchId`, `callId`, `tool`,
 * `attempt`, and on finish `status`, `durationMs` and, on failure, the error `kind`. Args and results are redacted by key
 * and truncated by size.
 * @throws TypeError for a bad logger or option.
 * @example
 * import pino from "pino";
 * const { detach } = attachLogger(executor, pino(), { redact: ["apiKey", "cookie"] });
 */
export function attachLogger(
  executor: LoggerTarget,
  logger: LogSink,
  options: LoggerOptions = {},
): LoggerHandle {
  if (typeof executor !== "object" || executor === null || typeof executor.on !== "function") {
    throw new TypeError(`Expected an executor with on(), got ${describeValue(executor)}`);
  }
  if (typeof logger === "function") {
    throw new TypeError(
      `Expected a pino logger, got ${describeValue(logger)}: pass a logger instance, such as pino() rather than pino`,
    );
  }
  if (
    typeof logger !== "object" ||
    logger === null ||
    typeof logger.info !== "function" ||
    typeof logger.warn !== "function" ||
    typeof logger.debug !== "function"
  ) {
    throw new TypeError(
      `Expected a pino logger (with debug, info and warn methods), got ${describeValue(logger)}`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected logger options to be an object, got ${describeValue(options)}`);
  }
  assertKnownKeys("attachLogger", options, LOGGER_OPTION_KEYS);
  const {
    redact = DEFAULT_REDACT_PATTERN,
    maxStringLength = 1_000,
    maxItems = 50,
    maxDepth = 5,
    args: logArgs = true,
    results: logResults = true,
  } = options;
  if (
    !(redact instanceof RegExp) &&
    !(Array.isArray(redact) && redact.every((s) => typeof s === "string" && s !== ""))
  ) {
    throw new TypeError(
      `Expected redact to be a RegExp or an array of non-empty strings, got ${describeValue(redact)}`,
    );
  }
  assertLimit("maxStringLength", maxStringLength, 1);
  assertLimit("maxItems", maxItems, 1);
  assertLimit("maxDepth", maxDepth, 0);
  for (const [name, value] of [
    ["args", logArgs],
    ["results", logResults],
  ] as const) {
    if (typeof value !== "boolean") {
      throw new TypeError(`Expected ${name} to be a boolean, got ${describeValue(value)}`);
    }
  }
  const sanitize = makeSanitizer({
    redact: redactPattern(redact),
    maxStringLength,
    maxItems,
    maxDepth,
  });
  // Skips building lines the logger would drop; read per event, as pino's level may change.
  const enabled = (level: "debug" | "info" | "warn"): boolean =>
    logger.isLevelEnabled === undefined || logger.isLevelEnabled(level);
  const text = (s: string): string =>
    s.length <= maxStringLength ? s : `${s.slice(0, maxStringLength)}…`;

  const unsubscribe = [
    executor.on("batch:started", (e) => {
      if (!enabled("debug")) return;
      logger.debug(
        {
          event: "batch:started",
          batchId: e.batchId,
          size: e.size,
          deadline: Number.isFinite(e.deadline) ? new Date(e.deadline).toISOString() : null,
        },
        `batch started: ${e.size} calls`,
      );
    }),
    executor.on("call:started", (e) => {
      if (!enabled("info")) return;
      const line: Record<string, unknown> = {
        event: "call:started",
        batchId: e.batchId,
        callId: e.callId,
        tool: e.tool,
        attempt: e.attempt,
        queuedMs: round(e.queuedMs),
      };
      // Arguments never change between attempts: log them once.
      if (logArgs && e.attempt === 1) line["args"] = sanitize(e.args);
      logger.info(line, `call started: ${e.tool} ${e.callId} (attempt ${e.attempt})`);
    }),
    // Progress can come many times a second: debug, so that info logs stay a line per step.
    executor.on("call:progress", (e) => {
      if (!enabled("debug")) return;
      const line: Record<string, unknown> = {
        event: "call:progress",
        batchId: e.batchId,
        callId: e.callId,
        tool: e.tool,
        attempt: e.attempt,
      };
      if (e.progress !== undefined) line["progress"] = e.progress;
      if (e.total !== undefined) line["total"] = e.total;
      if (e.message !== undefined) line["message"] = text(e.message);
      const done =
        e.progress === undefined
          ? ""
          : e.total === undefined
            ? ` ${e.progress}`
            : ` ${e.progress}/${e.total}`;
      logger.debug(line, `call progress: ${e.tool} ${e.callId}${done}`);
    }),
    executor.on("call:retry", (e) => {
      if (!enabled("warn")) return;
      logger.warn(
        {
          event: "call:retry",
          batchId: e.batchId,
          callId: e.callId,
          tool: e.tool,
          attempt: e.attempt,
          kind: e.error.kind,
          error: text(e.error.message),
          delayMs: round(e.delayMs),
        },
        `call retrying: ${e.tool} ${e.callId} attempt ${e.attempt} failed (${e.error.kind}), next in ${round(e.delayMs)} ms`,
      );
    }),
    executor.on("call:abandoned", (e) => {
      if (!enabled("warn")) return;
      logger.warn(
        {
          event: "call:abandoned",
          batchId: e.batchId,
          callId: e.callId,
          tool: e.tool,
          attempt: e.attempt,
          reason: e.reason,
          lateMs: round(e.lateMs),
        },
        `call abandoned: ${e.tool} ${e.callId} ignored its abort signal (${e.reason}) and settled ${round(e.lateMs)} ms late`,
      );
    }),
    executor.on("call:finished", (e) => {
      const o = e.outcome;
      if (!enabled(o.status === "ok" ? "info" : "warn")) return;
      const line: Record<string, unknown> = {
        event: "call:finished",
        batchId: e.batchId,
        callId: e.callId,
        tool: e.tool,
        attempt: o.attempts,
        status: o.status,
        durationMs: round(o.durationMs),
      };
      if (o.replayed === true) line["replayed"] = true;
      if (o.status === "ok") {
        if (logResults) line["result"] = sanitize(o.value);
        logger.info(line, `call finished: ${e.tool} ${e.callId} ok in ${round(o.durationMs)} ms`);
      } else {
        line["kind"] = o.error.kind;
        line["error"] = text(o.error.message);
        if (o.error.data !== undefined) line["errorData"] = sanitize(o.error.data);
        logger.warn(
          line,
          `call failed: ${e.tool} ${e.callId} ${o.error.kind} after ${round(o.durationMs)} ms`,
        );
      }
    }),
    executor.on("batch:finished", (e) => {
      if (!enabled("info")) return;
      const { total, ok, error, byKind } = e.counts;
      logger.info(
        {
          event: "batch:finished",
          batchId: e.batchId,
          wallMs: round(e.wallMs),
          total,
          ok,
          error,
          byKind,
        },
        `batch finished: ${total} calls, ${ok} ok, ${error} failed in ${round(e.wallMs)} ms`,
      );
    }),
  ];

  let attached = true;
  const detach = (): void => {
    if (!attached) return;
    attached = false;
    for (const off of unsubscribe) off();
  };
  return { detach, [Symbol.dispose]: detach };
}

/** Milliseconds to 0.1 ms: sub-millisecond noise is not worth a log byte. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function assertLimit(name: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected ${name} to be an integer ≥ ${min}, got ${describeValue(value)}`);
  }
}
