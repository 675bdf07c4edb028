import type { ProgressUpdate, ToolContext } from "../core/tool.js";

/**
 * A worker's tool context with its caller's attempt number and idempotency key in place of the
 * worker's own (its executor makes one attempt per job); the rest is the worker's attempt's.
 * A class, so that nothing is made per job beyond the object itself.
 */
export class RemoteContext implements ToolContext {
  readonly #ctx: ToolContext;
  readonly attempt: number;
  readonly #key: string | undefined;

  constructor(ctx: ToolContext, attempt: number, idempotencyKey: string | undefined) {
    this.#ctx = ctx;
    this.attempt = attempt;
    this.#key = idempotencyKey;
  }

  get signal(): AbortSignal {
    return this.#ctx.signal;
  }

  get callId(): string {
    return this.#ctx.callId;
  }

  get batchId(): string {
    return this.#ctx.batchId;
  }

  get deadline(): number {
    return this.#ctx.deadline;
  }

  get idempotencyKey(): string {
    return this.#key ?? this.#ctx.idempotencyKey;
  }

  /** To the worker's executor: its idle timer and its events. */
  progress(update?: ProgressUpdate): void {
    this.#ctx.progress(update);
  }
}
