/**
 * The scheduler: from an accepted call to its decided outcome. It keeps the queue and the gates a
 * call waits behind (the global limit, its tool's lane: concurrency, rate-limit tokens, circuit
 * breaker), runs each attempt under its timeout, and retries after a backoff. Admission hands it
 * calls; the decided outcomes go back to the executor ({@link SchedulerOwner}). The
 * batch-processing features (groups, dedupe, recovery) plug in through {@link SchedulingHooks}
 * and act on calls through the scheduler's {@link FeatureHost} side.
 */
import type { BatchRun } from "./batch-run.js";
import type { FeatureHost } from "./batching-features.js";
import { circuitError } from "./circuit-breaker.js";
import { AttemptContext, CallPhase, type CallState } from "./call-state.js";
import { classifyError, honouredAbort, retryAfterOf } from "./classify.js";
import type { Clock } from "./clock.js";
import { isNonRetryableError } from "./errors/non-retryable-error.js";
import { ToolTimeoutError } from "./errors/tool-timeout-error.js";
import type { VolleyError } from "./errors/volley-error.js";
import type { EventHub } from "./events.js";
import { FairQueue, type TenantStats } from "./fair-queue.js";
import { observeLatency } from "./latency-estimator.js";
import type { Outcome, OutcomeError } from "./outcome.js";
import type { QueueDiscipline } from "./queue.js";
import { backoffDelay, isRetryable } from "./retry.js";
import { TimeoutWheel } from "./timeout-wheel.js";
import { OPEN_LANE, type ToolEntry } from "./tool-entry.js";

/** What the scheduler hands back to the executor that owns it: the batches' side. */
export interface SchedulerOwner {
  /** Journals and publishes a call's decided outcome. */
  deliver(run: BatchRun, outcome: Outcome): void;
  /** Admits more of the batch's calls: one of them ended, so its admission window has room. */
  admit(run: BatchRun): void;
}

/**
 * The batch-processing features, as the scheduler calls them. The scheduler calls a hook only
 * for a call that uses a feature (`call.x` is set, or its tool has a recovery), so a plain call
 * never pays for one.
 */
export interface SchedulingHooks {
  /** The call failed for good, and a recovery may apply: recover it, or end it with `error`. */
  failFinal(call: CallState, error: OutcomeError): void;
  /** A fallback call succeeded: end the call it recovers `ok`. */
  finishFallback(call: CallState, value: unknown): void;
  /** A call with feature state ended: free its group locks, answer its duplicates. */
  afterEnd(call: CallState, outcome: Outcome): void;
  /** A held call is taken out (its batch ended): it leaves its group's line or its leader. */
  unhold(call: CallState): void;
}

/** Runs accepted calls: queue, slots, attempts, timeouts, retries. Internal to the executor. */
export class Scheduler implements FeatureHost {
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #events: EventHub;
  readonly #owner: SchedulerOwner;
  #features!: SchedulingHooks;
  #queue: QueueDiscipline<CallState>;
  /** The queue's optional `release` hook, looked up once. */
  #queueRelease: ((entry: CallState) => void) | undefined;
  readonly #wheel: TimeoutWheel;
  #running = 0;
  #retrying = 0;
  #detached = 0;
  #abandoned = 0;
  #seq = 0;
  #draining = false;

  constructor(
    concurrency: number,
    queue: QueueDiscipline<CallState>,
    clock: Clock,
    events: EventHub,
    owner: SchedulerOwner,
  ) {
    this.#concurrency = concurrency;
    this.#clock = clock;
    this.#events = events;
    this.#owner = owner;
    this.#queue = queue;
    this.#queueRelease = queue.release?.bind(queue);
    this.#wheel = new TimeoutWheel(clock, (call) => this.#onTimeout(call));
  }

  /** Plugs in the batch-processing features (once, by the executor: each calls the other). */
  attach(features: SchedulingHooks): void {
    this.#features = features;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Attempts running. */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting out a retry backoff. */
  get retrying(): number {
    return this.#retrying;
  }

  /** Attempts abandoned (timeout, deadline, cancel) that have not settled yet. */
  get detached(): number {
    return this.#detached;
  }

  /** Abandoned attempts that settled without honouring their signal, so far. */
  get abandoned(): number {
    return this.#abandoned;
  }

  /** True when nothing is queued, running or waiting to retry. */
  get idle(): boolean {
    return this.#running === 0 && this.#retrying === 0 && this.#queue.size === 0;
  }

  /** Per class and tenant, when the queue is a fair queue. */
  tenants(): TenantStats | undefined {
    return this.#queue instanceof FairQueue ? this.#queue.tenants() : undefined;
  }

  /** The next arrival number: first come, first served across all batches. */
  nextSeq(): number {
    return this.#seq++;
  }

  /** Moves the queued calls to `queue`, which decides what starts next from now on. */
  useQueue(queue: QueueDiscipline<CallState>): void {
    const old = this.#queue;
    const any = (): boolean => true;
    for (let entry = old.pop(any); entry !== undefined; entry = old.pop(any)) queue.push(entry);
    this.#queue = queue;
    this.#queueRelease = queue.release?.bind(queue);
  }

  /** Lets go of the timeout timer once nothing runs, so an idle executor keeps no timer alive. */
  disarm(): void {
    this.#wheel.disarmIfEmpty();
  }

  // ─── queue and slots ──────────────────────────────────────────────────────

  readonly #isLaneOpen = (lane: object): boolean =>
    lane === OPEN_LANE ||
    ((lane as ToolEntry).running < (lane as ToolEntry).concurrency &&
      ((lane as ToolEntry).bucket === null || (lane as ToolEntry).bucket!.ready()) &&
      ((lane as ToolEntry).breaker === null || !(lane as ToolEntry).breaker!.probing));

  /** Puts a call in the queue (a rate-limited call only if its token comes before its deadline). */
  enqueue(call: CallState): void {
    if (call.tool.bucket !== null && !this.#tokenInTime(call)) return;
    call.phase = CallPhase.Queued;
    call.tool.queued++;
    this.#queue.push(call);
    // The queue time is only reported in events: skip the clock read when nobody listens.
    if (this.#events.has("call:started")) call.queuedAt = this.#clock.now();
    if (this.#events.has("call:queued")) {
      const now = this.#clock.now();
      call.queuedAt = now;
      this.#events.emit("call:queued", {
        batchId: call.batch.id,
        callId: call.id,
        index: call.index,
        tool: call.tool.name,
        priority: call.priority,
        queuedAt: now,
      });
    }
  }

  /** Starts queued calls while slots are free. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#running < this.#concurrency) {
        const call = this.#queue.pop(this.#isLaneOpen);
        if (call === undefined) break;
        call.tool.queued--;
        this.#start(call);
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Rate limit: false (and the call ended `deadline`) when its token would come too late. */
  #tokenInTime(call: CallState): boolean {
    const deadlineAt = call.batch.deadlineAt;
    if (deadlineAt === Number.POSITIVE_INFINITY) return true;
    const tool = call.tool;
    const bucket = tool.bucket!;
    const waitMs = bucket.delayFor(tool.queued);
    const now = this.#clock.now();
    if (now + waitMs < deadlineAt) return true;
    this.finishError(call, {
      kind: "deadline",
      message: `Tool "${tool.name}" is rate limited (${bucket.max} per ${bucket.perMs} ms, ${tool.queued} calls waiting): call "${call.id}" would get a token in ${Math.ceil(waitMs)} ms, after the batch deadline (${Math.max(0, Math.floor(deadlineAt - now))} ms left)`,
      data: { name: "DeadlineExceededError", rateLimited: true, waitMs },
    });
    return false;
  }

  /** At an attempt's start: an open circuit refuses it; a rate-limited tool takes a token. */
  #passGates(call: CallState): boolean {
    const tool = call.tool;
    if (tool.breaker !== null) {
      const refused = tool.breaker.check(this.#clock.now(), tool.name, call);
      if (refused !== undefined) {
        this.#queueRelease?.(call);
        this.#failFinal(call, circuitError(refused));
        return false;
      }
    }
    tool.bucket?.take();
    return true;
  }

  // ─── attempts ─────────────────────────────────────────────────────────────

  #start(call: CallState): void {
    const tool = call.tool;
    if ((tool.breaker !== null || tool.bucket !== null) && !this.#passGates(call)) return;
    const now = this.#clock.now();
    const attempt = ++call.attempt;
    call.phase = CallPhase.Running;
    tool.running++;
    this.#running++;
    if (attempt === 1) call.startedAt = now;
    call.attemptStartedAt = now;
    const timeoutMs = call.timeoutMs;
    const expiresAt = now + timeoutMs;
    const ctx = new AttemptContext(
      call,
      attempt,
      expiresAt < call.batch.deadlineAt ? expiresAt : call.batch.deadlineAt,
    );
    call.ctx = ctx;
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      call.expiresAt = expiresAt;
      this.#wheel.add(call, timeoutMs);
    }
    if (this.#events.has("call:started")) {
      this.#events.emit("call:started", {
        batchId: call.batch.id,
        callId: call.id,
        index: call.index,
        tool: tool.name,
        attempt,
        startedAt: now,
        queuedMs: now - call.queuedAt,
        args: call.args,
      });
    }
    let result: unknown;
    try {
      const invoke = (call.batch as BatchRun).invoke;
      result =
        invoke === undefined
          ? tool.invoke(call.args, ctx)
          : invoke({ id: call.id, name: tool.name, args: call.args }, ctx, () =>
              tool.invoke(call.args, ctx),
            );
    } catch (error) {
      this.#settle(call, ctx, false, error);
      return;
    }
    if (result !== null && typeof (result as PromiseLike<unknown>)?.then === "function") {
      (result as PromiseLike<unknown>).then(
        (value) => this.#settle(call, ctx, true, value),
        (error: unknown) => this.#settle(call, ctx, false, error),
      );
    } else {
      this.#settle(call, ctx, true, result);
    }
  }

  /** Frees the slot of the call's running attempt. */
  #release(call: CallState): void {
    if (this.#queueRelease !== undefined) this.#queueRelease(call);
    call.ctx = undefined;
    call.tool.running--;
    this.#running--;
    if (call.expiresAt !== 0) {
      this.#wheel.delete(call, call.timeoutMs);
      call.expiresAt = 0;
    }
  }

  #settle(call: CallState, ctx: AttemptContext, ok: boolean, value: unknown): void {
    if (call.ctx !== ctx) {
      this.#settleLate(call, ctx, ok, value);
      return;
    }
    this.#release(call);
    if (call.tool.breaker !== null) this.#recordAttempt(call, ok, value);
    if (ok) this.#finishOk(call, value);
    else this.#fail(call, value);
    this.drain();
  }

  /** An attempt that was abandoned (timeout, deadline, cancel) settled. */
  #settleLate(call: CallState, ctx: AttemptContext, ok: boolean, value: unknown): void {
    this.#detached--;
    const reason = AttemptContext.reasonOf(ctx);
    if (!ok && honouredAbort(value, reason)) return;
    this.#abandoned++;
    if (this.#events.has("call:abandoned")) {
      const kind = (reason as VolleyError).kind as "timeout" | "deadline" | "cancelled";
      this.#events.emit("call:abandoned", {
        batchId: call.batch.id,
        callId: call.id,
        index: call.index,
        tool: call.tool.name,
        attempt: ctx.attempt,
        reason: kind,
        lateMs: Math.max(0, this.#clock.now() - AttemptContext.abortedAt(ctx)),
      });
    }
  }

  /** Tells the tool's circuit breaker how the attempt went. */
  #recordAttempt(call: CallState, ok: boolean, value: unknown): void {
    let failed = false;
    if (!ok) {
      const kind = classifyError(value, call.tool.name).kind;
      failed = kind === "tool_error" || kind === "crashed" || kind === "timeout";
    }
    call.tool.breaker!.record(call, failed, this.#clock.now());
  }

  /** Stops waiting for the call's running attempt: aborts its signal and frees its slot. */
  #detach(call: CallState, reason: VolleyError): void {
    const ctx = call.ctx!;
    AttemptContext.abort(ctx, reason, this.#clock.now());
    call.tool.breaker?.abandon(call);
    this.#detached++;
    this.#release(call);
  }

  #onTimeout(call: CallState): void {
    if (call.phase !== CallPhase.Running || call.ctx === undefined) return;
    call.expiresAt = 0; // the wheel has already let go of it
    const now = this.#clock.now();
    const reason = new ToolTimeoutError(
      call.tool.name,
      call.timeoutMs,
      Math.round(now - call.attemptStartedAt),
      call.attempt,
      `executor has ${this.#running - 1} other running, ${this.#queue.size} queued`,
    );
    call.tool.breaker?.record(call, true, now);
    this.#detach(call, reason);
    this.#fail(call, reason);
    this.drain();
  }

  // ─── retries ──────────────────────────────────────────────────────────────

  #fail(call: CallState, error: unknown): void {
    const outcomeError = classifyError(error, call.tool.name);
    const policy = call.retry;
    if (policy !== null && call.attempt < policy.maxAttempts) {
      const context = {
        kind: outcomeError.kind,
        attempt: call.attempt,
        tool: call.tool.name,
        callId: call.id,
      };
      if (isRetryable(policy, error, context, isNonRetryableError(error))) {
        const delayMs = backoffDelay(
          policy,
          call.attempt,
          () => this.#clock.random(),
          retryAfterOf(error),
        );
        const now = this.#clock.now();
        if (now + delayMs < call.batch.deadlineAt) {
          this.#scheduleRetry(call, delayMs, outcomeError);
          return;
        }
        this.#failFinal(call, {
          ...outcomeError,
          message: `${outcomeError.message} (not retried: the batch deadline falls before the next attempt)`,
        });
        return;
      }
    }
    this.#failFinal(call, outcomeError);
  }

  #scheduleRetry(call: CallState, delayMs: number, error: OutcomeError): void {
    call.phase = CallPhase.Backoff;
    this.#retrying++;
    if (this.#events.has("call:retry")) {
      this.#events.emit("call:retry", {
        batchId: call.batch.id,
        callId: call.id,
        index: call.index,
        tool: call.tool.name,
        attempt: call.attempt,
        delayMs,
        error,
      });
    }
    call.timer = this.#clock.setTimeout(() => {
      call.timer = undefined;
      this.#retrying--;
      this.enqueue(call);
      this.drain();
    }, delayMs);
  }

  // ─── ending calls ─────────────────────────────────────────────────────────

  /** A call's last failure: a recovery (`onTimeout`/`onError`, or a fallback running) may take it. */
  #failFinal(call: CallState, error: OutcomeError): void {
    const tool = call.tool;
    if (call.x?.recovering !== undefined || tool.onTimeout !== null || tool.onError !== null)
      this.#features.failFinal(call, error);
    else this.finishError(call, error);
  }

  #finishOk(call: CallState, value: unknown): void {
    const tool = call.tool;
    const now = this.#clock.now();
    if (tool.learnsLatency) observeLatency(tool, now - call.attemptStartedAt);
    if (call.x !== undefined && call.x.recovering !== undefined) {
      this.#features.finishFallback(call, value);
      return;
    }
    tool.ok++;
    this.end(call, {
      id: call.id,
      index: call.index,
      name: tool.name,
      status: "ok",
      value,
      startedAt: call.startedAt,
      durationMs: now - call.startedAt,
      attempts: call.attempt,
    });
  }

  /** Ends the call with `error`, as it is: no retry, no recovery. */
  finishError(call: CallState, error: OutcomeError): void {
    call.tool.failed++;
    const started = call.attempt > 0;
    this.end(call, {
      id: call.id,
      index: call.index,
      name: call.tool.name,
      status: "error",
      error,
      startedAt: started ? call.startedAt : null,
      durationMs: started ? this.#clock.now() - call.startedAt : 0,
      attempts: call.attempt,
    });
  }

  /** Ends the call with its outcome, which goes to the executor; its batch may admit the next. */
  end(call: CallState, outcome: Outcome): void {
    call.phase = CallPhase.Done;
    call.tool.finished++;
    const run = call.batch as BatchRun;
    run.calls[call.index] = undefined;
    run.live--;
    this.#owner.deliver(run, outcome);
    if (call.x !== undefined) this.#features.afterEnd(call, outcome);
    if (run.nextIndex < run.input.length) this.#owner.admit(run);
  }

  /**
   * Takes an unfinished call out of wherever it is (queued, waiting to retry, running, held) and
   * ends it with `error`: its batch ended with `reason` (deadline or cancel).
   */
  withdraw(call: CallState, reason: VolleyError, error: OutcomeError): void {
    switch (call.phase) {
      case CallPhase.Queued:
        this.#queue.remove(call);
        call.tool.queued--;
        break;
      case CallPhase.Backoff:
        this.#clock.clearTimeout(call.timer);
        call.timer = undefined;
        this.#retrying--;
        break;
      case CallPhase.Running:
        this.#detach(call, reason);
        break;
      case CallPhase.Held:
        this.#features.unhold(call);
        break;
    }
    this.finishError(call, error);
  }
}
