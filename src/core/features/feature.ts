/**
 * The plug-in interface of the scheduling features. A feature is a factory that the executor
 * calls once with the engine's {@link FeatureHost}; what it returns holds its own options, state
 * and hooks. The engine calls a hook only for the batches, calls and tools that use the feature
 * (a tool's hooks come from {@link Feature.forTool}), so a plain call pays for none.
 *
 * A call's life, and the hooks that see it, in order:
 * 1. `batch` once per `execute()`; `admit` before each call is read; `accept` once it is valid;
 * 2. the tool's `place` hooks, in the features' order, before the call first joins the queue
 *    (a hook may hold it back: the feature later {@link FeatureHost.resume}s or
 *    {@link FeatureHost.answer}s it); `enqueue` each time it joins the queue (retries too);
 * 3. `open` while it waits (its lane's gate); `start` as an attempt starts; `attempted` as the
 *    attempt settles (`abandoned` instead when the engine gave up on it);
 * 4. `recover` when it failed for good (and `leave` on the tool it leaves for a fallback);
 *    `ended` once its outcome is decided, on every tool that ran it.
 *
 * This file imports only the core's public data types, so that every feature can depend on it
 * and the engine depends on nothing else of theirs.
 */
import type { Clock } from "../clock.js";
import type { Outcome, OutcomeApproval, OutcomeError } from "../outcome.js";
import type { QueueDiscipline, QueueEntry } from "../queue.js";
import type { ExecutorStats, ToolStats } from "../stats.js";

/** A batch as the features see it. */
export interface FeatureBatch {
  readonly id: string;
  /** Calls in the batch. */
  readonly size: number;
  /** The batch deadline (epoch ms), or `Infinity`. */
  readonly deadlineAt: number;
  /**
   * True once the whole batch was ended (deadline, cancel), or its signal aborted (it is ended
   * next): its live calls are being withdrawn.
   */
  readonly ended: boolean;
  /** Most calls of the batch live at once (admitted and not yet ended). */
  window: number;
  /** Calls admitted and not yet ended. */
  readonly live: number;
  /** Outcomes not yet delivered (journaled and handed to the caller). */
  readonly pending: number;
  /** Calls held back by a feature now (this feature's included). */
  readonly held: number;
  /** Calls not yet read by admission. */
  readonly unread: number;
  /** Admission would read another call now (some are unread, and the window has room). */
  readonly canAdmit: boolean;
  /**
   * Told after each of the batch's outcomes is delivered while it has undelivered ones, and each
   * time one of its calls is held: for a feature that waits on the batch's other calls
   * (approvals). One feature sets it.
   */
  watch: (() => void) | undefined;
  /** Fair sharing: the batch's tenant, weight and class (unset: the shared defaults). */
  tenant: string | undefined;
  weight: number | undefined;
  priorityClass: "interactive" | "background" | undefined;
}

/** A registered tool as the features see it. */
export interface FeatureTool {
  readonly name: string;
  /** Calls of this tool waiting in the queue now. */
  readonly queued: number;
  /** The expected duration calls are ordered by (ms); the latency feature may learn it. */
  expectedMs: number;
}

/** A call as the features see it. */
export interface FeatureCall extends QueueEntry {
  readonly id: string;
  readonly index: number;
  /** The tool running the call: the one it named, or its fallback once recovering. */
  readonly tool: FeatureTool;
  /** The arguments as the schema parsed them (what identical calls are compared by). */
  readonly parsedArgs: unknown;
  /** The call's sequential group, if it named one. */
  readonly group: string | undefined;
  readonly batch: FeatureBatch;
  /** The first error of a call now run by a fallback tool; `undefined` otherwise. */
  readonly recoveredFrom: OutcomeError | undefined;
  /** When the running (or last) attempt started (epoch ms). */
  readonly attemptStartedAt: number;
  /** A reviewer's decision about the call, copied onto its outcome (see `Outcome.approval`). */
  approval: OutcomeApproval | undefined;
}

/** What a `place` hook decides. */
export type Placement =
  /** Go on: the next feature's hook, then the queue. */
  | undefined
  /** Held back: the feature will resume or answer the call later. */
  | "hold"
  /** Failed at once, before it ran: `recover` hooks apply, then its outcome is this error. */
  | { readonly fail: OutcomeError }
  /** Answered at once with another call's outcome (an identical call's, or a cached one). */
  | { readonly answer: Outcome };

/** How a call that failed for good is recovered. */
export type RecoveryPlan =
  /** It ends `ok` with this value. */
  | { readonly value: unknown }
  /** Another tool runs it, with the same arguments and the same place in its batch. */
  | { readonly fallback: string };

/** One feature's hooks for one tool's calls. Every hook is optional. */
export interface ToolHooks<C extends FeatureCall> {
  /** Before the call first joins the queue (also a fallback's, on its new tool). */
  place?(call: C): Placement;
  /** Each time the call joins the queue: an error ends it at once. */
  enqueue?(call: C): OutcomeError | undefined;
  /** Whether the tool's calls may start now (a gate of its lane). */
  open?(): boolean;
  /** An attempt is about to start: an error refuses it (`recover` hooks apply). */
  start?(call: C): OutcomeError | undefined;
  /** The attempt settled: `failure` is its error, `undefined` when it succeeded. */
  attempted?(call: C, failure: OutcomeError | undefined, durationMs: number): void;
  /** The engine gave up on the running attempt (deadline, cancel) without a verdict. */
  abandoned?(call: C): void;
  /** The call failed for good with `error`: how to recover it, if at all. */
  recover?(call: C, error: OutcomeError): RecoveryPlan | undefined;
  /** The call leaves this tool for its fallback (its `ended` hook still follows). */
  leave?(call: C): void;
  /** The call's outcome is decided and delivered (also told the tool it left for a fallback). */
  ended?(call: C, outcome: Outcome): void;
  /** What this feature adds to the tool's stats. */
  stats?(): Partial<Pick<ToolStats, "circuit" | "tokens" | "latencyMs">>;
}

/** What the engine offers the features. */
export interface FeatureHost<C extends FeatureCall> {
  readonly clock: Clock;
  /** Calls waiting in the queue. */
  readonly queued: number;
  /** Attempts running. */
  readonly running: number;
  /** Calls held back by a feature. */
  readonly held: number;
  /** Starts queued calls while slots are free (a gate may have opened). */
  drain(): void;
  /**
   * A call the feature held goes on: its tool's `place` hooks are asked again, from the first, so
   * each must answer the same for a call it already let pass. A call whose batch is being ended
   * stays held; the engine withdraws it.
   */
  resume(call: C): void;
  /** A call the feature held ends with `outcome`, an identical call's (marked `deduped`). */
  answer(call: C, outcome: Outcome): void;
  /**
   * A call the feature held fails for good with `error` (its tool's recovery still applies, as
   * for a `place` hook's `fail`). A call whose batch is being ended stays held, as in `resume`.
   */
  fail(call: C, error: OutcomeError): void;
  /**
   * A call the feature held goes on with new arguments: they are checked by its tool's schema
   * (an `invalid_args` outcome if they fail), then its `place` hooks are asked again, as in
   * `resume`.
   */
  revise(call: C, args: unknown): void;
  /** The batch's window grew: it may admit more of its calls (soon, not inside this call). */
  admitMore(batch: FeatureBatch): void;
  /** Moves the queued calls to `queue`, which decides what starts next from now on. */
  useQueue(queue: QueueDiscipline<C>): void;
}

/** A scheduling feature of one executor: its executor-wide hooks, and its tools' hooks. */
export interface Feature<C extends FeatureCall> {
  /** A short name, for messages. */
  readonly name: string;
  /**
   * This feature's hooks for `tool`'s calls, or `undefined` when the tool does not use it.
   * Called once per tool, at registration, with the tool's policy.
   */
  forTool?(tool: FeatureTool, policy: object): ToolHooks<C> | undefined;
  /**
   * The hooks for `tool`'s calls that name a sequential group (see {@link FeatureCall.group}),
   * where {@link Feature.forTool} gave none: called once per tool, when its first such call comes.
   */
  forGroupedTool?(tool: FeatureTool, policy: object): ToolHooks<C> | undefined;
  /** A new batch, with `execute()`'s options. */
  batch?(batch: FeatureBatch, options: object): void;
  /** Before call `index` of `batch` is read: an error ends it at once (`rejected` and the like). */
  admit?(batch: FeatureBatch, index: number): OutcomeError | undefined;
  /** A valid call is about to be placed: an error ends it at once. */
  accept?(call: C): OutcomeError | undefined;
  /** What this feature adds to the executor's stats. */
  stats?(): Partial<Pick<ExecutorStats, "tenants" | "upstreams">>;
}

/** Makes a feature for one executor, or `undefined` when the executor's options leave it off. */
export type FeatureFactory<C extends FeatureCall> = (
  host: FeatureHost<C>,
) => Feature<C> | undefined;
