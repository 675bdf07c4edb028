/**
 * The batch-processing features, as they act on calls: batch limits and back-pressure
 * (`maxBatchSize`, `maxQueued`), fair sharing among tenants, sequential groups and exclusive
 * tools, dedupe of identical calls, and recovery by a fallback tool or a default value. Rate
 * limits and circuit breakers are gates of the scheduler; this file makes them for the tools
 * that set one, and turns a call away at admission while its tool's circuit is open. Each data
 * structure has its own file (fair-queue, sequential-groups, dedupe, recovery, rate-limiter,
 * circuit-breaker); this one decides what they mean for a call.
 *
 * A plain call costs it one comparison (`maxQueued`), and a batch one more (`maxBatchSize`):
 * beyond those, admission and the scheduler call in only for a batch, call or tool that uses a
 * feature. The features act on calls through {@link FeatureHost}, which the scheduler
 * implements; the scheduler calls back through its `SchedulingHooks`.
 */
import type { BatchRun } from "./batch-run.js";
import type { BatchLimitOptions, FairnessOptions } from "./batching-options.js";
import type { CallExtras } from "./call-extras.js";
import { CallPhase, CallState } from "./call-state.js";
import { CircuitBreaker, circuitError } from "./circuit-breaker.js";
import type { Clock } from "./clock.js";
import { canonicalKey } from "./dedupe.js";
import type { EventHub } from "./events.js";
import { FairQueue } from "./fair-queue.js";
import type { Outcome, OutcomeError } from "./outcome.js";
import type { QueueDiscipline } from "./queue.js";
import { TokenBucket } from "./rate-limiter.js";
import { assertFallbacks, recoveryFor } from "./recovery.js";
import type { SchedulingHooks } from "./scheduler.js";
import { formatIssues, schemaThrew, type ArgsCheck } from "./schema.js";
import { SequenceTicket, Sequencer, type SequenceLock } from "./sequential-groups.js";
import type { ToolEntry } from "./tool-entry.js";

/** What the features need of the scheduler: queueing calls and ending them. */
export interface FeatureHost {
  /** Calls waiting for a slot. */
  readonly queued: number;
  /** Attempts running. */
  readonly running: number;
  /** Puts a call in the queue. */
  enqueue(call: CallState): void;
  /** Starts queued calls while slots are free. */
  drain(): void;
  /** Ends a call with its outcome. */
  end(call: CallState, outcome: Outcome): void;
  /** Ends a call with `error`, as it is. */
  finishError(call: CallState, error: OutcomeError): void;
  /** The next arrival number, for a fallback's call. */
  nextSeq(): number;
  /** Moves the queued calls to `queue`, which decides from now on. */
  useQueue(queue: QueueDiscipline<CallState>): void;
}

/** The batch-processing features of one executor. Internal. */
export class BatchingFeatures implements SchedulingHooks {
  readonly #host: FeatureHost;
  readonly #tools: ReadonlyMap<string, ToolEntry>;
  readonly #clock: Clock;
  /** Most calls one batch may have (`maxBatchSize`). */
  readonly #maxBatchSize: number;
  readonly #split: boolean;
  /** Most calls waiting at once (`maxQueued`). */
  readonly #maxQueued: number;
  /** True until the first batch with a tenant, weight or class swaps in the fair queue. */
  #defaultQueue: boolean;
  readonly #sequencer = new Sequencer<CallState>();
  /** Calls held outside the queue (sequential groups, duplicates in flight). */
  #held = 0;

  /**
   * Makes the parts of the tools' features that need the clock or the registry: rate-limit
   * buckets and circuit breakers; checks that fallbacks name registered tools. `defaultQueue`:
   * the executor was given no queue of its own, so the first batch with a tenant may swap in the
   * fair queue.
   * @throws TypeError for a fallback that names no other tool of the executor.
   */
  constructor(
    host: FeatureHost,
    tools: ReadonlyMap<string, ToolEntry>,
    limits: BatchLimitOptions,
    defaultQueue: boolean,
    clock: Clock,
    events: EventHub,
  ) {
    this.#host = host;
    this.#tools = tools;
    this.#clock = clock;
    this.#maxBatchSize = limits.maxBatchSize ?? Number.POSITIVE_INFINITY;
    this.#split = limits.overflow === "split";
    this.#maxQueued = limits.maxQueued ?? Number.POSITIVE_INFINITY;
    this.#defaultQueue = defaultQueue;
    for (const entry of tools.values()) {
      const policy = entry.policy;
      if (policy.rateLimit !== undefined)
        entry.bucket = new TokenBucket(policy.rateLimit, clock, () => host.drain());
      if (policy.circuitBreaker !== undefined) {
        entry.breaker = new CircuitBreaker(policy.circuitBreaker, (snapshot) => {
          if (events.has("circuit:state"))
            events.emit("circuit:state", { tool: entry.name, ...snapshot, at: clock.now() });
        });
      }
      assertFallbacks(entry.name, entry, (name) => tools.has(name));
      entry.special = entry.dedupe !== null || entry.exclusive !== null || entry.breaker !== null;
    }
  }

  /** Calls held outside the queue: waiting for their sequential group or for a duplicate. */
  get held(): number {
    return this.#held;
  }

  // ─── batches: fairness and limits ─────────────────────────────────────────

  /** Records a batch's tenant, weight and class; the first such batch turns fair queuing on. */
  placeBatch(run: BatchRun, options: FairnessOptions): void {
    run.tenant = options.tenant;
    run.weight = options.weight;
    run.priorityClass = options.class;
    if (!this.#defaultQueue) return;
    this.#defaultQueue = false;
    this.#host.useQueue(new FairQueue<CallState>());
  }

  /**
   * A batch larger than `maxBatchSize`: with `overflow: "split"` at most that many of its calls
   * are admitted at a time (the next as each ends); otherwise the calls beyond it are rejected.
   */
  limitBatch(run: BatchRun): void {
    if (run.size <= this.#maxBatchSize) return;
    if (this.#split) run.window = Math.min(run.window, this.#maxBatchSize);
    else run.rejectFrom = this.#maxBatchSize;
  }

  oversizedMessage(run: BatchRun, index: number): string {
    return `Batch too large: ${run.size} calls, maxBatchSize ${this.#maxBatchSize}; call ${index} is beyond it (pass overflow: "split" to run big batches in chunks)`;
  }

  /** Full even after starting what can start now (a batch fills the queue before draining it). */
  queueIsFull(): boolean {
    if (this.#host.queued + this.#held < this.#maxQueued) return false;
    this.#host.drain();
    return this.#host.queued + this.#held >= this.#maxQueued;
  }

  queueFullMessage(id: string, tool: ToolEntry): string {
    const held = this.#held > 0 ? `, ${this.#held} held` : "";
    return `queue full: ${this.#host.queued} queued${held}, ${this.#host.running} running (maxQueued ${this.#maxQueued}); call "${id}" to "${tool.name}" was not queued`;
  }

  // ─── calls: circuit, groups, dedupe ───────────────────────────────────────

  /**
   * Queues a call that uses a feature: an open circuit rejects it, a duplicate in flight (or a
   * cached outcome) answers it, and a busy sequential group holds it back.
   */
  place(call: CallState, group: string | undefined, dedupe: boolean): void {
    const tool = call.tool;
    if (tool.breaker !== null) {
      const refused = tool.breaker.check(this.#clock.now(), tool.name);
      if (refused !== undefined) {
        this.failFinal(call, circuitError(refused));
        return;
      }
    }
    // A call waits for its groups first (in call order), then for an identical call in flight.
    let waiting = false;
    const inherited = call.x?.ticket;
    if (inherited !== undefined) waiting = !inherited.granted;
    else if (group !== undefined || tool.exclusive !== null) {
      const locks: SequenceLock<CallState>[] = [];
      if (group !== undefined) locks.push(this.#sequencer.group(group));
      if (tool.exclusive !== null) locks.push(tool.exclusive);
      const ticket = new SequenceTicket(call, locks);
      (call.x ??= {}).ticket = ticket;
      waiting = !this.#sequencer.join(ticket);
    }
    if (waiting) {
      if (dedupe && tool.dedupe !== null) call.x!.dedupeWhenReady = true;
      call.phase = CallPhase.Held;
      this.#held++;
      return;
    }
    if (dedupe && tool.dedupe !== null) this.#dedupeOrEnqueue(call);
    else this.#host.enqueue(call);
  }

  /** An idempotent tool's call: answered from the cache, joins an identical call, or leads. */
  #dedupeOrEnqueue(call: CallState): void {
    const table = call.tool.dedupe!;
    const key = canonicalKey(call.x?.parsedArgs ?? call.args);
    if (key === undefined) {
      this.#host.enqueue(call);
      return;
    }
    const cached = table.cached(key, this.#clock.now());
    if (cached !== undefined) {
      this.#endDeduped(call, cached);
      return;
    }
    const x: CallExtras = (call.x ??= {});
    const leader = table.inflight.get(key);
    if (leader !== undefined) {
      x.leader = leader;
      (leader.x!.followers ??= []).push(call);
      call.phase = CallPhase.Held;
      this.#held++;
      return;
    }
    table.inflight.set(key, call);
    x.dedupeKey = key;
    x.dedupe = table;
    this.#host.enqueue(call);
  }

  /** After a featured call's outcome: frees its group locks and answers its duplicates. */
  afterEnd(call: CallState, outcome: Outcome): void {
    const x = call.x!;
    if (x.ticket !== undefined) this.#releaseTicket(x);
    if (x.dedupeKey !== undefined && x.dedupe !== undefined) {
      if (x.dedupe.inflight.get(x.dedupeKey) === call) x.dedupe.inflight.delete(x.dedupeKey);
      x.dedupe.remember(x.dedupeKey, outcome, this.#clock.now());
    }
    const followers = x.followers;
    if (followers === undefined || followers.length === 0) return;
    x.followers = undefined;
    const kind = outcome.status === "error" ? outcome.error.kind : undefined;
    if (kind === "deadline" || kind === "cancelled") {
      // The leader's batch ended, not theirs: the first duplicate runs, the others wait for it.
      for (const follower of followers) {
        this.#held--;
        follower.x!.leader = undefined;
        const ended = (follower.batch as BatchRun).endReason;
        if (ended === undefined) this.place(follower, undefined, true);
        else
          this.#host.finishError(follower, {
            kind: ended.kind,
            message: ended.message,
            data: { name: ended.name },
          });
      }
      this.#host.drain();
      return;
    }
    for (const follower of followers) {
      this.#held--;
      this.#endDeduped(follower, outcome);
    }
  }

  #releaseTicket(x: CallExtras): void {
    const ready = this.#sequencer.release(x.ticket!);
    x.ticket = undefined;
    this.#enqueueReady(ready);
  }

  /** Queues the calls that now hold all their group locks. */
  #enqueueReady(ready: readonly CallState[]): void {
    for (const next of ready) {
      // A call of a batch being ended stays held: the executor's endBatch reaches it next and ends it.
      if ((next.batch as BatchRun).endReason !== undefined) continue;
      this.#held--;
      const x = next.x!;
      if (x.dedupeWhenReady === true) {
        x.dedupeWhenReady = false;
        this.#dedupeOrEnqueue(next);
      } else this.#host.enqueue(next);
    }
    if (ready.length > 0) this.#host.drain();
  }

  /** Ends a call with the outcome of an identical one (in flight or cached). */
  #endDeduped(call: CallState, source: Outcome): void {
    if (source.status === "ok") call.tool.ok++;
    else call.tool.failed++;
    const { replayed: _replayed, ...rest } = source;
    this.#host.end(call, { ...rest, id: call.id, index: call.index, deduped: true } as Outcome);
  }

  /** A held call whose batch ended: it leaves its group's line or its leader's followers. */
  unhold(call: CallState): void {
    this.#held--;
    const x = call.x!;
    const leader = x.leader;
    if (leader !== undefined) {
      const followers = leader.x?.followers;
      const at = followers?.indexOf(call) ?? -1;
      if (at >= 0) followers!.splice(at, 1);
      x.leader = undefined;
    }
    // It gives up its place in line, and the locks it already held (a group's, while it waited
    // for its exclusive tool's).
    if (x.ticket !== undefined) this.#releaseTicket(x);
  }

  // ─── recovery ─────────────────────────────────────────────────────────────

  /** A call's last failure: recovered by its tool's `onTimeout`/`onError`, or its outcome. */
  failFinal(call: CallState, error: OutcomeError): void {
    const tool = call.tool;
    const origin = call.x?.recovering;
    if (origin !== undefined) {
      // The fallback failed too: the call ends with its first error.
      if (error.kind === "deadline" || error.kind === "cancelled") {
        this.#host.finishError(call, error);
        return;
      }
      tool.failed++;
      const started = origin.startedAt !== 0 ? origin.startedAt : call.startedAt;
      this.#host.end(call, {
        id: call.id,
        index: call.index,
        name: origin.name,
        status: "error",
        error: {
          ...origin.from,
          message: `${origin.from.message} (fallback "${tool.name}" failed too: ${error.message})`,
          data: { ...origin.from.data, fallback: tool.name, fallbackError: error },
        },
        startedAt: started !== 0 ? started : null,
        durationMs: started !== 0 ? this.#clock.now() - started : 0,
        attempts: origin.attempts + call.attempt,
      });
      return;
    }
    if (tool.onTimeout !== null || tool.onError !== null) {
      const recovery = recoveryFor(
        error.kind,
        tool.onTimeout,
        tool.onError,
        error.data?.["circuit"] === true,
      );
      if (recovery !== null) {
        if ("default" in recovery) this.#recoverWithDefault(call, recovery.default, error);
        else this.#recoverWithFallback(call, this.#tools.get(recovery.fallback)!, error);
        return;
      }
    }
    this.#host.finishError(call, error);
  }

  #recoverWithDefault(call: CallState, value: unknown, error: OutcomeError): void {
    const tool = call.tool;
    tool.failed++;
    tool.recovered++;
    const started = call.attempt > 0;
    this.#host.end(call, {
      id: call.id,
      index: call.index,
      name: tool.name,
      status: "ok",
      value,
      startedAt: started ? call.startedAt : null,
      durationMs: started ? this.#clock.now() - call.startedAt : 0,
      attempts: call.attempt,
      recoveredBy: "default",
      recoveredFrom: error,
    });
  }

  /** Hands the call over to its fallback tool, with the same args and the same batch slot. */
  #recoverWithFallback(call: CallState, fallback: ToolEntry, error: OutcomeError): void {
    const tool = call.tool;
    const run = call.batch as BatchRun;
    tool.failed++;
    tool.finished++;
    tool.recovered++;
    call.phase = CallPhase.Done;
    const x = call.x;
    const next = new CallState(
      run,
      call.index,
      call.id,
      fallback,
      call.args,
      call.priority,
      fallback.expectedMs,
      fallback.timeoutMs,
      fallback.retry,
    );
    next.seq = this.#host.nextSeq();
    next.x = {
      recovering: {
        name: tool.name,
        from: error,
        attempts: call.attempt,
        startedAt: call.attempt > 0 ? call.startedAt : 0,
      },
    };
    run.calls[call.index] = next;
    if (x !== undefined) {
      // Identical calls waiting for this one now wait for the fallback.
      if (x.dedupeKey !== undefined && x.dedupe !== undefined) {
        x.dedupe.inflight.set(x.dedupeKey, next);
        next.x.dedupeKey = x.dedupeKey;
        next.x.dedupe = x.dedupe;
      }
      if (x.followers !== undefined) {
        next.x.followers = x.followers;
        for (const follower of x.followers) follower.x!.leader = next;
      }
      if (x.ticket !== undefined) {
        // The fallback keeps the call's place in its groups until the outcome is decided.
        const { ready } = this.#sequencer.handOver(x.ticket, next, fallback.exclusive);
        next.x.ticket = x.ticket;
        x.ticket = undefined;
        this.#enqueueReady(ready);
      }
    }
    const checked =
      fallback.validate === null ? { success: true as const, data: call.args } : undefined;
    if (checked !== undefined) {
      this.#placeFallback(next, checked);
      return;
    }
    let check: ArgsCheck | Promise<ArgsCheck>;
    try {
      check = fallback.validate!(call.args);
    } catch (thrown) {
      check = schemaThrew(thrown);
    }
    if (check instanceof Promise) {
      check.then(
        (c) => this.#placeFallback(next, c),
        (thrown: unknown) => this.#placeFallback(next, schemaThrew(thrown)),
      );
    } else this.#placeFallback(next, check);
  }

  #placeFallback(call: CallState, check: ArgsCheck): void {
    // The batch ended (cancel, deadline) during an asynchronous check and withdrew the call.
    if (call.phase === CallPhase.Done) return;
    const run = call.batch as BatchRun;
    if (run.endReason !== undefined) {
      this.#host.finishError(call, {
        kind: run.endReason.kind,
        message: run.endReason.message,
        data: { name: run.endReason.name },
      });
    } else if (!check.success) {
      this.failFinal(call, {
        kind: "invalid_args",
        message: `Invalid arguments for fallback tool "${call.tool.name}": ${formatIssues(check.issues)}`,
        data: { issues: check.issues },
      });
    } else {
      if (!call.tool.parsesOwnArgs) call.args = check.data;
      // A call refused before it joined its group (an open circuit) joins it now.
      const group = call.x?.ticket === undefined ? run.groups?.get(call.index) : undefined;
      this.place(call, group, false);
    }
    this.#host.drain();
  }

  /** A successful fallback: the call ends `ok`, recovered. */
  finishFallback(call: CallState, value: unknown): void {
    const origin = call.x!.recovering!;
    call.tool.ok++;
    const started = origin.startedAt !== 0 ? origin.startedAt : call.startedAt;
    this.#host.end(call, {
      id: call.id,
      index: call.index,
      name: origin.name,
      status: "ok",
      value,
      startedAt: started,
      durationMs: this.#clock.now() - started,
      attempts: origin.attempts + call.attempt,
      recoveredBy: "fallback",
      recoveredFrom: origin.from,
    });
  }
}
