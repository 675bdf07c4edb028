import type { ToolContext } from "../tool.js";

/**
 * A running attempt's {@link ToolContext}. The AbortController is made only when the tool reads
 * `signal`: most tools that finish fast never do, and a controller costs more than the call.
 */
export class AttemptContext implements ToolContext {
  readonly callId: string;
  readonly attempt: number;
  readonly #batch: { readonly id: string };
  /** Set when the attempt's result came in: a thenable that settles twice is heard once. */
  settled = false;
  readonly deadline: number;
  #controller: AbortController | undefined = undefined;
  #reason: unknown = undefined;
  #aborted = false;
  #abortedAt = 0;

  constructor(callId: string, batch: { readonly id: string }, attempt: number, deadline: number) {
    this.callId = callId;
    this.#batch = batch;
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
    return this.#batch.id;
  }

  get idempotencyKey(): string {
    return `${this.#batch.id}:${this.callId}`;
  }

  /** Aborts the attempt's signal (now, or when the tool first reads it). */
  static abort(ctx: AttemptContext, reason: unknown, now: number): void {
    if (ctx.#aborted) return;
    ctx.#aborted = true;
    ctx.#abortedAt = now;
    ctx.#reason = reason;
    ctx.#controller?.abort(reason);
  }

  /** The reason the attempt was aborted with, if it was. */
  static reasonOf(ctx: AttemptContext): unknown {
    return ctx.#reason;
  }

  /** When the attempt was aborted (epoch ms; 0 if it was not). */
  static abortedAt(ctx: AttemptContext): number {
    return ctx.#abortedAt;
  }
}
