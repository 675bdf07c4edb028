import { describeValue } from "../describe-value.js";
import type { ProgressUpdate, ToolContext } from "../tool.js";

/** What an attempt's context knows of its call: its id and its batch's. */
export interface AttemptOwner {
  readonly id: string;
  readonly batch: { readonly id: string };
}

/** Checks what a tool gave `ctx.progress()`; throws a `TypeError` (to the tool) naming the field. */
export function assertProgressUpdate(tool: string, update: unknown): void {
  const where = `ctx.progress() of tool "${tool}"`;
  if (typeof update !== "object" || update === null) {
    throw new TypeError(
      `Expected ${where} to get { progress?, total?, message? }, got ${describeValue(update)}`,
    );
  }
  const { progress, total, message } = update as ProgressUpdate;
  for (const [name, value] of [
    ["progress", progress],
    ["total", total],
  ] as const) {
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value)))
      throw new TypeError(
        `Expected ${where}: ${name} to be a finite number, got ${describeValue(value)}`,
      );
  }
  if (message !== undefined && typeof message !== "string")
    throw new TypeError(`Expected ${where}: message to be a string, got ${describeValue(message)}`);
}

/** Where a running attempt's progress reports go: the scheduler that started it. */
export interface ProgressSink<C extends AttemptOwner> {
  progressed(call: C, ctx: AttemptContext<C>, update: ProgressUpdate | undefined): void;
  /** Whether a report would be heard beyond the idle timer (a `call:progress` listener). */
  wantsProgress(call: C): boolean;
}

/**
 * A running attempt's {@link ToolContext}. The AbortController is made only when the tool reads
 * `signal`: most tools that finish fast never do, and a controller costs more than the call.
 */
export class AttemptContext<C extends AttemptOwner = AttemptOwner> implements ToolContext {
  readonly callId: string;
  readonly attempt: number;
  readonly #call: C;
  readonly #sink: ProgressSink<C>;
  /** Set when the attempt's result came in: a thenable that settles twice is heard once. */
  settled = false;
  readonly deadline: number;
  #controller: AbortController | undefined = undefined;
  #reason: unknown = undefined;
  #aborted = false;
  #abortedAt = 0;
  /** The idle timer's handle, while the tool has an `idleTimeoutMs` and the attempt runs. */
  #idleTimer: unknown = undefined;
  /** When the attempt last reported progress, or started (epoch ms). */
  #progressAt = 0;
  /** The one listener {@link AttemptContext.onAbort} set, told the reason without a signal. */
  #onAbort: ((reason: unknown) => void) | undefined = undefined;

  constructor(call: C, sink: ProgressSink<C>, attempt: number, deadline: number) {
    this.callId = call.id;
    this.#call = call;
    this.#sink = sink;
    this.attempt = attempt;
    this.deadline = deadline;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get batchId(): string {
    return this.#call.batch.id;
  }

  get idempotencyKey(): string {
    return `${this.#call.batch.id}:${this.callId}`;
  }

  progress(update?: ProgressUpdate): void {
    // Late reports (after a timeout, a cancel or the result) change nothing.
    if (this.settled || this.#aborted) return;
    this.#sink.progressed(this.#call, this, update);
  }

  /** Aborts the attempt's signal (now, or when the tool first reads it). */
  static abort(ctx: AttemptContext, reason: unknown, now: number): void {
    if (ctx.#aborted) return;
    ctx.#aborted = true;
    ctx.#abortedAt = now;
    ctx.#reason = reason;
    ctx.#controller?.abort(reason);
    const onAbort = ctx.#onAbort;
    if (onAbort !== undefined) {
      ctx.#onAbort = undefined;
      onAbort(reason);
    }
  }

  /**
   * Tells `fn` the reason when the attempt aborts (at once if it has), without making the
   * AbortController that `signal` costs. One listener per attempt; `undefined` removes it. For
   * Volley's own tools (`volley/mcp`); `fn` must not throw.
   */
  static onAbort(ctx: AttemptContext, fn: ((reason: unknown) => void) | undefined): void {
    if (fn !== undefined && ctx.#aborted) {
      ctx.#onAbort = undefined;
      fn(ctx.#reason);
      return;
    }
    ctx.#onAbort = fn;
  }

  /** Whether the attempt was aborted. */
  static aborted(ctx: AttemptContext): boolean {
    return ctx.#aborted;
  }

  /**
   * Whether anything hears the attempt's `ctx.progress()`: its idle timer, or (as the sink says)
   * a `call:progress` listener. A tool may skip the work of reporting when nothing does.
   */
  static wantsProgress(ctx: AttemptContext): boolean {
    if (ctx.#idleTimer !== undefined) return true;
    return ctx.#sink.wantsProgress(ctx.#call);
  }

  /** The reason the attempt was aborted with, if it was. */
  static reasonOf(ctx: AttemptContext): unknown {
    return ctx.#reason;
  }

  /** The idle timer's handle, if one is armed. */
  static idleTimer(ctx: AttemptContext): unknown {
    return ctx.#idleTimer;
  }

  static setIdleTimer(ctx: AttemptContext, timer: unknown): void {
    ctx.#idleTimer = timer;
  }

  /** When the attempt last showed progress: its start, or its last report (epoch ms). */
  static progressAt(ctx: AttemptContext): number {
    return ctx.#progressAt;
  }

  static setProgressAt(ctx: AttemptContext, at: number): void {
    ctx.#progressAt = at;
  }

  /** When the attempt was aborted (epoch ms; 0 if it was not). */
  static abortedAt(ctx: AttemptContext): number {
    return ctx.#abortedAt;
  }
}
