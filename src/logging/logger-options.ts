/**
 * The part of a logger that {@link attachLogger} uses: a pino `Logger` fits, and so does any
 * logger with pino's `(object, message)` methods.
 */
export interface LogSink {
  /** Writes a debug line: `batch:started`. */
  debug(obj: object, msg: string): void;
  /** Writes an info line: a call's start, an ok finish, a batch's end. */
  info(obj: object, msg: string): void;
  /** Writes a warn line: a retry, an abandonment, a failed finish. */
  warn(obj: object, msg: string): void;
  /** When present (pino has it), lines of a disabled level are not even built. */
  isLevelEnabled?(level: string): boolean;
}

/** Options of {@link attachLogger}. */
export interface LoggerOptions {
  /**
   * Keys whose values are replaced by `"[Redacted]"`, at any depth of args, results and error
   * data: a RegExp tested against each key, or a list of substrings matched case-insensitively.
   * @default DEFAULT_REDACT_PATTERN (apiKey, accessKey, privateKey, token, password, passwd,
   * authorization, secret, cookie, credential, sessionId; `-` and `_` spellings too)
   * @example redact: /apiKey|token|password|ssn/i
   * @example redact: ["apiKey", "token", "ssn"]
   */
  readonly redact?: RegExp | readonly string[];
  /**
   * Longest string kept in args, results and messages (characters); longer ones are cut and
   * marked with how much was dropped.
   * @default 1_000
   */
  readonly maxStringLength?: number;
  /**
   * Most array items and object keys kept per level; the rest are summarised.
   * @default 50
   */
  readonly maxItems?: number;
  /**
   * Deepest nesting kept; deeper values are summarised as `"[Object]"` or `"[Array(n)]"`.
   * @default 5
   */
  readonly maxDepth?: number;
  /**
   * Log each call's arguments on its first `call:started` line.
   * @default true
   */
  readonly args?: boolean;
  /**
   * Log each successful call's value on its `call:finished` line.
   * @default true
   */
  readonly results?: boolean;
}

/** What {@link attachLogger} returns. */
export interface LoggerHandle extends Disposable {
  /** Stops logging this executor's events. Idempotent. */
  detach(): void;
}
