import type { CallExtras } from "./call-extras.js";
import type { PriorityClass } from "./fair-queue.js";
import type { QueueEntry } from "./queue.js";
import type { ResolvedRetryPolicy } from "./retry.js";
import type { ToolContext } from "./tool.js";
import type { ToolEntry } from "./tool-entry.js";

/** Where a call is in its life. */
export const CallPhase = {
  Queued: 0,
  Running: 1,
  Backoff: 2,
  Done: 3,
  /** Held outside the queue: waiting for its sequential group, or for a duplicate in flight. */
  Held: 4,
} as const;

/** One of {@link CallPhase}'s values. */
export type CallPhase = (typeof CallPhase)[keyof typeof CallPhase];

/** The batch a call belongs to, as the call needs it. */
export interface CallOwner {
  readonly id: string;
  /** Batch deadline (epoch ms) or `Infinity`. */
  readonly deadlineAt: number;
  /** Fair sharing: the batch's tenant, weight and class (unset: the shared defaults). */
  readonly tenant?: string | undefined;
  readonly weight?: number | undefined;
  readonly priorityClass?: PriorityClass | undefined;
}

/** One call of a batch, from validation to its outcome. Internal; never handed to user code. */
export class CallState implements QueueEntry {
  queueSlot = -1;
  phase: CallPhase = CallPhase.Queued;
  attempt = 0;
  /** Epoch ms of the first attempt's start (0 before). */
  startedAt = 0;
  /** Epoch ms when it last entered the queue. */
  queuedAt = 0;
  /** Epoch ms when the current attempt started. */
  attemptStartedAt = 0;
  /** The running attempt's context. */
  ctx: AttemptContext | undefined = undefined;
  /** Backoff timer handle. */
  timer: unknown = undefined;
  // Links in the timeout wheel, while an attempt with a finite timeout runs.
  expiresAt = 0;
  prev: CallState | undefined = undefined;
  next: CallState | undefined = undefined;
  /** Batch-processing state (group lock, dedupe, recovery); `undefined` for plain calls. */
  x: CallExtras | undefined = undefined;
  /** Arrival order across all batches: set when the call is accepted into the scheduler. */
  seq = 0;

  constructor(
    readonly batch: CallOwner,
    readonly index: number,
    readonly id: string,
    readonly tool: ToolEntry,
    /** As given until the tool's schema has parsed them; then as the tool receives them. */
    public args: unknown,
    readonly priority: number,
    readonly expectedMs: number,
    readonly timeoutMs: number,
    readonly retry: ResolvedRetryPolicy | null,
  ) {}

  get lane(): object {
    return this.tool.lane;
  }

  get toolName(): string {
    return this.tool.name;
  }

  get tenant(): string | undefined {
    return this.batch.tenant;
  }

  get weight(): number | undefined {
    return this.batch.weight;
  }

  get priorityClass(): PriorityClass | undefined {
    return this.batch.priorityClass;
  }
}

/**
 * A running attempt's {@link ToolContext}. The AbortController is made only when the tool reads
 * `signal`: most tools that finish fast never do, and a controller costs more than the call.
 */
export class AttemptContext implements ToolContext {
  readonly #call: CallState;
  readonly attempt: number;
  readonly deadline: number;
  #controller: AbortController | undefined = undefined;
  #reason: unknown = undefined;
  #aborted = false;
  #abortedAt = 0;

  constructor(call: CallState, attempt: number, deadline: number) {
    this.#call = call;
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

  get callId(): string {
    return this.#call.id;
  }

  get batchId(): string {
    return this.#call.batch.id;
  }

  get idempotencyKey(): string {
    return `${this.#call.batch.id}:${this.#call.id}`;
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
