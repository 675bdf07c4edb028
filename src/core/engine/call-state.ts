import type { FeatureCall } from "../features/feature.js";
import type { PriorityClass } from "../features/fairness/fair-queue.js";
import type { OutcomeError } from "../outcome.js";
import type { QueueEntry } from "../queue.js";
import type { ResolvedRetryPolicy } from "../retry.js";
import type { AttemptContext } from "./attempt-context.js";
import type { BatchRun } from "./batch-run.js";
import type { HookSet } from "./feature-set.js";
import type { ToolEntry } from "./tool-entry.js";

/** Where a call is in its life. */
export const CallPhase = {
  /** Its arguments are being checked (a fallback's, against its new tool's schema). */
  Checking: 0,
  Queued: 1,
  Running: 2,
  Backoff: 3,
  /** Held back by a feature: waiting for its sequential group, or for a duplicate in flight. */
  Held: 4,
  Done: 5,
} as const;

/** One of {@link CallPhase}'s values. */
export type CallPhase = (typeof CallPhase)[keyof typeof CallPhase];

/** One call of a batch, from its acceptance to its outcome. Internal; never handed to user code. */
export class CallState implements QueueEntry, FeatureCall {
  queueSlot = -1;
  phase: CallPhase = CallPhase.Checking;
  /** Attempts of the current tool (1-based once one started). */
  attempt = 0;
  /** Attempts of the tool the call left for its fallback. */
  priorAttempts = 0;
  /** Epoch ms of the first attempt's start, of whichever tool (meaningful once one started). */
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
  /** Arrival order across all batches: set when the call is accepted into the scheduler. */
  seq = 0;
  /** Which of its tool's `place` hooks holds it back (while {@link CallPhase.Held}). */
  heldAt = 0;
  /** The arguments as the schema parsed them (the same as `args` unless the tool parses its own). */
  parsedArgs: unknown = undefined;
  /** The first error, once the call is being recovered by a fallback tool. */
  recoveredFrom: OutcomeError | undefined = undefined;
  /** The hooks of the tool the call left for its fallback: they see its end too. */
  leftHooks: HookSet<CallState> | undefined = undefined;
  /** The features' hooks for this call, from its tool. */
  hooks: HookSet<CallState>;
  tool: ToolEntry<CallState>;
  /** The tool's name as the call gave it: its outcome keeps it, whatever tool recovers it. */
  readonly name: string;
  expectedMs: number;
  timeoutMs: number;
  retry: ResolvedRetryPolicy | null;

  constructor(
    readonly batch: BatchRun<CallState>,
    readonly index: number,
    readonly id: string,
    tool: ToolEntry<CallState>,
    /** As given until the tool's schema has parsed them; then as the tool receives them. */
    public args: unknown,
    readonly priority: number,
    expectedMs: number,
    timeoutMs: number,
    retry: ResolvedRetryPolicy | null,
    /** The sequential group the call named, if any. */
    readonly group: string | undefined,
  ) {
    this.tool = tool;
    this.name = tool.name;
    this.hooks = group === undefined ? tool.hooks : tool.groupedHooks();
    this.expectedMs = expectedMs;
    this.timeoutMs = timeoutMs;
    this.retry = retry;
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

  /** Attempts made, by every tool that ran the call. */
  get attempts(): number {
    return this.priorAttempts + this.attempt;
  }

  /**
   * Hands the call to its fallback tool after it failed with `error`: the same id, arguments and
   * place in its batch; the fallback's own timeout, retries and hooks; attempts counted on.
   */
  reroute(fallback: ToolEntry<CallState>, error: OutcomeError): void {
    this.leftHooks = this.hooks;
    this.tool = fallback;
    this.hooks = this.group === undefined ? fallback.hooks : fallback.groupedHooks();
    this.expectedMs = fallback.expectedMs;
    this.timeoutMs = fallback.timeoutMs;
    this.retry = fallback.retry;
    this.priorAttempts += this.attempt;
    this.attempt = 0;
    this.recoveredFrom = error;
    this.phase = CallPhase.Checking;
  }
}
