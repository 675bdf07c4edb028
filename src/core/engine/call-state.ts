import type { FeatureCall } from "../features/feature.js";
import type { PriorityClass } from "../features/fairness/fair-queue.js";
import type { OutcomeApproval, OutcomeError } from "../outcome.js";
import type { QueueEntry } from "../queue.js";
import type { ResolvedRetryPolicy } from "../retry.js";
import type { AttemptContext } from "./attempt-context.js";
import type { BatchRun } from "./batch-run.js";
import type { HookSet } from "./feature-set.js";
import type { ToolEntry } from "./tool-entry.js";

/** Where a call is in its life. */
export const CallPhase = {
  /** Read, its arguments being checked by its tool's schema: not yet placed. */
  Admitting: 0,
  /**
   * Placed, and neither queued, running nor held: its next step is being decided (its attempt
   * just settled, or a fallback's arguments are being checked against its new tool).
   */
  Checking: 1,
  Queued: 2,
  Running: 3,
  Backoff: 4,
  /** Held back by a feature: waiting for its sequential group, or for a duplicate in flight. */
  Held: 5,
  Done: 6,
} as const;

/** One of {@link CallPhase}'s values. */
export type CallPhase = (typeof CallPhase)[keyof typeof CallPhase];

/** The tool a call left for its fallback, and how it failed there. */
interface Origin {
  readonly tool: ToolEntry<CallState>;
  readonly error: OutcomeError;
  readonly attempts: number;
}

/**
 * What few calls carry, kept out of the call itself so that the many that carry none stay small
 * (a queued call's size is most of what a big batch costs): the call's own timeout or retry
 * policy, arguments parsed apart from those its tool gets, the tool it left for a fallback.
 */
class CallExtra {
  timeoutMs: number | undefined = undefined;
  retry: ResolvedRetryPolicy | null | undefined = undefined;
  hasParsedArgs = false;
  parsedArgs: unknown = undefined;
  origin: Origin | undefined = undefined;
  approval: OutcomeApproval | undefined = undefined;
}

/** One call of a batch, from its acceptance to its outcome. Internal; never handed to user code. */
export class CallState implements QueueEntry, FeatureCall {
  queueSlot = -1;
  phase: CallPhase = CallPhase.Admitting;
  /** Attempts of the current tool (1-based once one started). */
  attempt = 0;
  /** Epoch ms of the first attempt's start, of whichever tool (meaningful once one started). */
  startedAt = 0;
  /** Epoch ms when it last entered the queue. */
  queuedAt = 0;
  /** Epoch ms when the current attempt started. */
  attemptStartedAt = 0;
  /** The running attempt's context. */
  ctx: AttemptContext<CallState> | undefined = undefined;
  /** Backoff timer handle. */
  timer: unknown = undefined;
  // Links in the timeout wheel, while an attempt with a finite timeout runs.
  expiresAt = 0;
  prev: CallState | undefined = undefined;
  next: CallState | undefined = undefined;
  /** Arrival order across all batches: set when the call is accepted into the scheduler. */
  seq = 0;
  #extra: CallExtra | undefined = undefined;
  /** The tool running the call: the one it named, or its fallback. */
  tool: ToolEntry<CallState>;
  expectedMs: number;

  constructor(
    readonly batch: BatchRun<CallState>,
    readonly index: number,
    readonly id: string,
    tool: ToolEntry<CallState>,
    /** As given until the tool's schema has parsed them; then as the tool receives them. */
    public args: unknown,
    readonly priority: number,
    expectedMs: number,
    /** The sequential group the call named, if any. */
    readonly group: string | undefined,
  ) {
    this.tool = tool;
    this.expectedMs = expectedMs;
  }

  /** The call's own timeout and retry policy, over its tool's (`undefined`: the tool's). */
  override(timeoutMs: number | undefined, retry: ResolvedRetryPolicy | null | undefined): void {
    const extra = (this.#extra ??= new CallExtra());
    extra.timeoutMs = timeoutMs;
    extra.retry = retry;
  }

  /** The arguments as the schema parsed them, for a tool that gets them as given. */
  set parsedArgs(value: unknown) {
    const extra = (this.#extra ??= new CallExtra());
    extra.hasParsedArgs = true;
    extra.parsedArgs = value;
  }

  /** The arguments as the schema parsed them (what identical calls are compared by). */
  get parsedArgs(): unknown {
    const extra = this.#extra;
    return extra !== undefined && extra.hasParsedArgs ? extra.parsedArgs : this.args;
  }

  /** New arguments, as given (a reviewer's edit): parsed again by the tool's schema next. */
  revise(args: unknown): void {
    this.args = args;
    const extra = this.#extra;
    if (extra !== undefined) {
      extra.hasParsedArgs = false;
      extra.parsedArgs = undefined;
    }
  }

  /** A reviewer's decision about the call, copied onto its outcome. */
  get approval(): OutcomeApproval | undefined {
    return this.#extra?.approval;
  }

  set approval(value: OutcomeApproval | undefined) {
    (this.#extra ??= new CallExtra()).approval = value;
  }

  /** Longest one attempt may run (ms): the call's own, else its tool's. */
  get timeoutMs(): number {
    return this.#extra?.timeoutMs ?? this.tool.timeoutMs;
  }

  /** How failed attempts are retried: the call's own policy, else its tool's. */
  get retry(): ResolvedRetryPolicy | null {
    const own = this.#extra?.retry;
    return own === undefined ? this.tool.retry : own;
  }

  /** The features' hooks for this call, from the tool running it. */
  get hooks(): HookSet<CallState> {
    return this.group === undefined ? this.tool.hooks : this.tool.groupedHooks();
  }

  /** The hooks of the tool the call left for its fallback: they see its end too. */
  get leftHooks(): HookSet<CallState> | undefined {
    const left = this.#extra?.origin?.tool;
    if (left === undefined) return undefined;
    return this.group === undefined ? left.hooks : left.groupedHooks();
  }

  /** The first error, once the call is being recovered by a fallback tool. */
  get recoveredFrom(): OutcomeError | undefined {
    return this.#extra?.origin?.error;
  }

  /** The tool's name as the call gave it: its outcome keeps it, whatever tool recovers it. */
  get name(): string {
    return (this.#extra?.origin?.tool ?? this.tool).name;
  }

  /** Attempts made, by every tool that ran the call. */
  get attempts(): number {
    return (this.#extra?.origin?.attempts ?? 0) + this.attempt;
  }

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

  /**
   * Hands the call to its fallback tool after it failed with `error`: the same id, arguments and
   * place in its batch; the fallback's own timeout, retries and hooks; attempts counted on.
   */
  reroute(fallback: ToolEntry<CallState>, error: OutcomeError): void {
    const extra = (this.#extra ??= new CallExtra());
    extra.origin = { tool: this.tool, error, attempts: this.attempt };
    extra.timeoutMs = undefined;
    extra.retry = undefined;
    extra.hasParsedArgs = false;
    this.tool = fallback;
    this.expectedMs = fallback.expectedMs;
    this.attempt = 0;
    this.phase = CallPhase.Checking;
  }
}
