/**
 * The scheduler: from a placed call to its decided outcome. It keeps the queue and the gates a
 * call waits behind (the global limit, its tool's lane: its own limit, its backend's slots, its
 * features' gates), runs each attempt under its timeout, retries after a backoff, and recovers
 * what fails for good as its tool's features say. Every outcome it decides goes to the settle
 * point. The features plug in through the one interface of `features/feature.ts`; the scheduler
 * knows no feature by name.
 */
import type { Clock } from "../clock.js";
import { isNonRetryableError } from "../errors/non-retryable-error.js";
import { ToolTimeoutError } from "../errors/tool-timeout-error.js";
import type { VolleyError } from "../errors/volley-error.js";
import type { EventHub } from "../events.js";
import type { FeatureFactory, FeatureHost } from "../features/feature.js";
import type { Outcome, OutcomeError } from "../outcome.js";
import type { QueueDiscipline } from "../queue.js";
import { backoffDelay, isRetryable } from "../retry.js";
import { formatIssues, type ArgsCheck } from "../schema.js";
import type { ProgressUpdate } from "../tool.js";
import { AttemptContext, assertProgressUpdate, type ProgressSink } from "./attempt-context.js";
import { CallPhase, type CallState } from "./call-state.js";
import { checkArgs } from "./check-args.js";
import { classifyError, honouredAbort, retryAfterOf } from "./classify.js";
import { FeatureSet, type HookSet } from "./feature-set.js";
import type { Settle } from "./settle.js";
import { TimeoutWheel } from "./timeout-wheel.js";
import { Pacer } from "./pacer.js";
import { OPEN_LANE, type Lane, type ToolEntry } from "./tool-entry.js";

/** What a scheduler is made with. */
export interface SchedulerOptions {
  /** The global limit. */
  readonly concurrency: number;
  readonly queue: QueueDiscipline<CallState>;
  readonly clock: Clock;
  readonly events: EventHub;
  readonly settle: Settle;
  /** The features, in the order their hooks run. */
  readonly features: readonly FeatureFactory<CallState>[];
  /** Registers the tools, once the features are made (their hooks go on the tools). */
  readonly tools: (features: FeatureSet<CallState>) => ReadonlyMap<string, ToolEntry<CallState>>;
  /**
   * A batch's deadline has passed, found as one of its calls was about to start (its timer is
   * late: the event loop was blocked): end the batch now.
   */
  readonly onDeadline: (batch: CallState["batch"]) => void;
  /** A feature grew a batch's window: admit more of its calls. */
  readonly onRoom: (batch: CallState["batch"]) => void;
}

/** Runs placed calls: features, queue, slots, attempts, timeouts, retries. Internal. */
export class Scheduler {
  /** The executor's features. */
  readonly features: FeatureSet<CallState>;
  /** The registered tools, by name. */
  readonly tools: ReadonlyMap<string, ToolEntry<CallState>>;
  /** Shares the event loop with timers and I/O (admission counts its reads here too). */
  readonly pacer: Pacer;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #events: EventHub;
  readonly #settle: Settle;
  readonly #onDeadline: SchedulerOptions["onDeadline"];
  readonly #onRoom: SchedulerOptions["onRoom"];
  #queue: QueueDiscipline<CallState>;
  /** The queue's optional `release` hook, looked up once. */
  #queueRelease: ((entry: CallState) => void) | undefined;
  readonly #wheel: TimeoutWheel;
  #running = 0;
  #retrying = 0;
  #detached = 0;
  #abandoned = 0;
  #held = 0;
  #seq = 0;
  #draining = false;

  constructor(options: SchedulerOptions) {
    this.#concurrency = options.concurrency;
    this.#clock = options.clock;
    this.#events = options.events;
    this.#settle = options.settle;
    this.#onDeadline = options.onDeadline;
    this.#onRoom = options.onRoom;
    this.#queue = options.queue;
    this.#queueRelease = options.queue.release?.bind(options.queue);
    this.#wheel = new TimeoutWheel(options.clock, (call) => this.#onTimeout(call));
    this.pacer = new Pacer(options.clock);
    this.features = new FeatureSet(options.features, this.#host());
    this.tools = options.tools(this.features);
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

  /** Calls held back by a feature (a sequential group, a duplicate in flight). */
  get held(): number {
    return this.#held;
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

  /** The next arrival number: first come, first served across all batches. */
  nextSeq(): number {
    return this.#seq++;
  }

  /** Lets go of the timeout timer once nothing runs, so an idle executor keeps no timer alive. */
  disarm(): void {
    this.#wheel.disarmIfEmpty();
    this.pacer.rest();
  }

  /** What the features may ask of the engine. */
  #host(): FeatureHost<CallState> {
    // Getters of an object literal have their own `this`: read the scheduler through closures.
    const queued = (): number => this.#queue.size;
    const running = (): number => this.#running;
    const held = (): number => this.#held;
    return {
      clock: this.#clock,
      get queued() {
        return queued();
      },
      get running() {
        return running();
      },
      get held() {
        return held();
      },
      drain: () => this.drain(),
      resume: (call) => this.#resume(call),
      answer: (call, outcome) => this.#answer(call, outcome),
      fail: (call, error) => this.#failHeld(call, error),
      revise: (call, args) => this.#revise(call, args),
      admitMore: (batch) => this.#onRoom(batch as CallState["batch"]),
      useQueue: (queue) => this.#useQueue(queue),
    };
  }

  // ─── placing calls ────────────────────────────────────────────────────────

  /** A call whose arguments are checked goes through its tool's `place` hooks into the queue. */
  place(call: CallState): void {
    if (call.hooks.place === null) this.enqueue(call);
    else this.#placeFrom(call, 0);
  }

  #placeFrom(call: CallState, from: number): void {
    const hooks = call.hooks.place!;
    for (let i = from; i < hooks.length; i++) {
      const verdict = hooks[i]!.place!(call);
      if (verdict === undefined) continue;
      if (verdict === "hold") {
        call.phase = CallPhase.Held;
        this.#held++;
        const batch = call.batch;
        batch.held++;
        // A feature waiting on the rest of the batch hears that one more call is held.
        batch.watch?.();
      } else if ("fail" in verdict) this.#failFinal(call, verdict.fail);
      else this.#settle.deduped(call, verdict.answer);
      return;
    }
    this.enqueue(call);
  }

  #resume(call: CallState): void {
    // A call of a batch being ended stays held: the executor withdraws it next.
    if (call.phase !== CallPhase.Held || call.batch.ended) return;
    this.#held--;
    call.batch.held--;
    call.phase = CallPhase.Checking;
    this.#placeFrom(call, 0);
  }

  #answer(call: CallState, outcome: Outcome): void {
    // A call of a batch being ended stays held, as in #resume: it ends with its batch.
    if (call.phase !== CallPhase.Held || call.batch.ended) return;
    this.#held--;
    call.batch.held--;
    this.#settle.deduped(call, outcome);
  }

  #failHeld(call: CallState, error: OutcomeError): void {
    // A call of a batch being ended stays held, as in #resume: it ends with its batch.
    if (call.phase !== CallPhase.Held || call.batch.ended) return;
    this.#held--;
    call.batch.held--;
    call.phase = CallPhase.Checking;
    this.#failFinal(call, error);
  }

  /** A held call goes on with new arguments, checked by its tool's schema first. */
  #revise(call: CallState, args: unknown): void {
    if (call.phase !== CallPhase.Held || call.batch.ended) return;
    this.#held--;
    call.batch.held--;
    call.phase = CallPhase.Checking;
    call.revise(args);
    const check = checkArgs(call.tool, args);
    if (check instanceof Promise) check.then((c) => this.#placeRevised(call, c));
    else this.#placeRevised(call, check);
  }

  #placeRevised(call: CallState, check: ArgsCheck): void {
    // The batch ended (cancel, deadline) during an asynchronous check and withdrew the call.
    if (call.phase === CallPhase.Done) return;
    const ended = call.batch.endReason;
    if (ended !== undefined) {
      this.#settle.error(call, {
        kind: ended.kind,
        message: ended.message,
        data: { name: ended.name },
      });
    } else if (!check.success) {
      this.#failFinal(call, {
        kind: "invalid_args",
        message: `Invalid arguments for tool "${call.tool.name}" in call "${call.id}", as the reviewer edited them: ${formatIssues(check.issues)}`,
        data: { issues: check.issues },
      });
    } else {
      if (!call.tool.parsesOwnArgs) call.args = check.data;
      else call.parsedArgs = check.data;
      this.place(call);
    }
    this.drain();
  }

  /** Puts a call in the queue, unless one of its tool's `enqueue` hooks ends it first. */
  enqueue(call: CallState): void {
    const hooks = call.hooks.enqueue;
    if (hooks !== null) {
      for (const h of hooks) {
        const error = h.enqueue!(call);
        if (error !== undefined) {
          this.#failFinal(call, error);
          return;
        }
      }
    }
    call.phase = CallPhase.Queued;
    call.tool.counters.queued++;
    this.#queue.push(call);
    // The queue time is only reported in events: skip the clock read when nobody listens.
    if (this.#events.wants["call:started"]) call.queuedAt = this.#clock.now();
    if (this.#events.wants["call:queued"]) {
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

  #useQueue(queue: QueueDiscipline<CallState>): void {
    const old = this.#queue;
    const any = (): boolean => true;
    for (let entry = old.pop(any); entry !== undefined; entry = old.pop(any)) queue.push(entry);
    this.#queue = queue;
    this.#queueRelease = queue.release?.bind(queue);
  }

  // ─── queue and slots ──────────────────────────────────────────────────────

  readonly #isLaneOpen = (lane: object): boolean =>
    // The lanes in the queue are the ones the scheduler's calls carry: the open one, or a tool.
    lane === OPEN_LANE || (lane as Lane).isOpen();

  readonly #drainLater = (): void => {
    this.#drainPending = false;
    this.drain();
  };
  #drainPending = false;

  /** Starts queued calls while slots are free (yielding to the event loop now and then). */
  drain(): void {
    if (this.#draining || this.#drainPending) return;
    this.#draining = true;
    try {
      while (this.#running < this.#concurrency) {
        if (this.#queue.size > 0 && this.pacer.spent()) {
          this.#drainPending = true;
          this.pacer.later(this.#drainLater);
          break;
        }
        const call = this.#queue.pop(this.#isLaneOpen);
        if (call === undefined) break;
        call.tool.counters.queued--;
        this.#start(call);
      }
    } finally {
      this.#draining = false;
    }
    this.#wheel.armSoon();
  }

  // ─── attempts ─────────────────────────────────────────────────────────────

  #start(call: CallState): void {
    // Out of the queue: whatever follows (a refusal, its recovery, the hooks they run) may end
    // its batch, which then withdraws it from here, not from the queue.
    call.phase = CallPhase.Checking;
    const batch = call.batch;
    if (batch.ended) {
      // The batch is being ended (cancel, deadline), or is next to be (the batches sharing its
      // aborted signal are ended one by one), and ending a call freed a slot: the executor
      // withdraws this one next. It must not start, nor spend a gate's slot.
      this.#queueRelease?.(call);
      return;
    }
    const now = this.#clock.now();
    if (now >= batch.deadlineAt) {
      // A call never starts after its deadline, however late the deadline's timer is; nor does
      // it pass the gates first (a circuit would wait for its probe forever).
      this.#queueRelease?.(call);
      this.#onDeadline(batch);
      return;
    }
    const tool = call.tool;
    const gates = call.hooks.start;
    if (gates !== null) {
      for (const h of gates) {
        const refused = h.start!(call);
        if (refused !== undefined) {
          this.#queueRelease?.(call);
          this.#failFinal(call, refused);
          return;
        }
      }
    }
    const attempt = ++call.attempt;
    call.phase = CallPhase.Running;
    tool.counters.running++;
    if (tool.slots !== null) tool.slots.running++;
    this.#running++;
    if (call.attempts === 1) call.startedAt = now;
    call.attemptStartedAt = now;
    const timeoutMs = call.timeoutMs;
    const expiresAt = now + timeoutMs;
    const ctx = new AttemptContext(
      call,
      this.#progressSink,
      attempt,
      expiresAt < batch.deadlineAt ? expiresAt : batch.deadlineAt,
    );
    call.ctx = ctx;
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      call.expiresAt = expiresAt;
      this.#wheel.add(call, timeoutMs);
    }
    if (tool.idleTimeoutMs !== Number.POSITIVE_INFINITY) this.#armIdle(call, ctx, now);
    if (this.#events.wants["call:started"]) {
      this.#events.emit("call:started", {
        batchId: batch.id,
        callId: call.id,
        index: call.index,
        tool: tool.name,
        attempt,
        startedAt: now,
        queuedMs: now - call.queuedAt,
        args: call.args,
      });
      if (call.ctx !== ctx) {
        // A listener ended the call (it cancelled the batch): the attempt, detached before it
        // began, is not run, and so never settles late.
        ctx.settled = true;
        this.#detached--;
        return;
      }
    }
    // Whatever the tool does (throws, returns a thenable whose `then` throws or is a throwing
    // getter), it ends in #attemptSettled, once.
    try {
      const invoke = batch.invoke;
      const result =
        invoke === undefined
          ? tool.invoke(call.args, ctx)
          : invoke({ id: call.id, name: tool.name, args: call.args }, ctx, () =>
              tool.invoke(call.args, ctx),
            );
      if (result instanceof Promise) {
        // The common case, on the engine's fastest path: a native promise's own then.
        result.then(
          (value: unknown) => this.#attemptSettled(call, ctx, true, value),
          (error: unknown) => this.#attemptSettled(call, ctx, false, error),
        );
        return;
      }
      const then =
        typeof result === "object" || typeof result === "function"
          ? (result as PromiseLike<unknown> | null)?.then
          : undefined;
      if (typeof then === "function") {
        then.call(
          result,
          (value: unknown) => this.#attemptSettled(call, ctx, true, value),
          (error: unknown) => this.#attemptSettled(call, ctx, false, error),
        );
      } else {
        this.#attemptSettled(call, ctx, true, result);
      }
    } catch (error) {
      this.#attemptSettled(call, ctx, false, error);
    }
  }

  /** Frees the slots of the call's running attempt. */
  #release(call: CallState): void {
    if (this.#queueRelease !== undefined) this.#queueRelease(call);
    const ctx = call.ctx;
    call.ctx = undefined;
    // No longer running: what comes next is being decided, and the hooks, listeners and drains
    // on the way may end its batch, which then withdraws it from here.
    call.phase = CallPhase.Checking;
    const tool = call.tool;
    tool.counters.running--;
    if (tool.slots !== null) tool.slots.running--;
    this.#running--;
    if (call.expiresAt !== 0) {
      this.#wheel.delete(call, call.timeoutMs);
      call.expiresAt = 0;
    }
    if (ctx !== undefined) {
      const idle = AttemptContext.idleTimer(ctx);
      if (idle !== undefined) {
        this.#clock.clearTimeout(idle);
        AttemptContext.setIdleTimer(ctx, undefined);
      }
    }
  }

  // ─── progress and idle timeouts ───────────────────────────────────────────

  /** Where the attempts' `ctx.progress()` reports come: one object for every attempt. */
  readonly #progressSink: ProgressSink<CallState> = {
    progressed: (call, ctx, update) => this.#progressed(call, ctx, update),
    wantsProgress: () => this.#events.wants["call:progress"],
  };

  #progressed(
    call: CallState,
    ctx: AttemptContext<CallState>,
    update: ProgressUpdate | undefined,
  ): void {
    if (update !== undefined) assertProgressUpdate(call.tool.name, update);
    if (call.ctx !== ctx) return; // the attempt was let go of: a late report changes nothing
    const now = this.#clock.now();
    if (AttemptContext.idleTimer(ctx) !== undefined) AttemptContext.setProgressAt(ctx, now);
    if (this.#events.wants["call:progress"]) {
      this.#events.emit("call:progress", {
        batchId: call.batch.id,
        callId: call.id,
        index: call.index,
        tool: call.tool.name,
        attempt: ctx.attempt,
        at: now,
        ...(update?.progress === undefined ? {} : { progress: update.progress }),
        ...(update?.total === undefined ? {} : { total: update.total }),
        ...(update?.message === undefined ? {} : { message: update.message }),
      });
    }
  }

  /**
   * Arms the attempt's idle timer. A report only notes its time; the timer, when it fires, looks
   * at the last report and sleeps on until it is due: one timer per idle period, however often
   * the tool reports.
   */
  #armIdle(call: CallState, ctx: AttemptContext<CallState>, now: number): void {
    AttemptContext.setProgressAt(ctx, now);
    this.#idleTimer(call, ctx, call.tool.idleTimeoutMs);
  }

  #idleTimer(call: CallState, ctx: AttemptContext<CallState>, delayMs: number): void {
    AttemptContext.setIdleTimer(
      ctx,
      this.#clock.setTimeout(() => this.#idleCheck(call, ctx), delayMs),
    );
  }

  #idleCheck(call: CallState, ctx: AttemptContext<CallState>): void {
    AttemptContext.setIdleTimer(ctx, undefined);
    if (call.phase !== CallPhase.Running || call.ctx !== ctx) return;
    const idleMs = call.tool.idleTimeoutMs;
    const now = this.#clock.now();
    // Timers may fire a hair early; what is due within a millisecond is due now.
    const dueIn = AttemptContext.progressAt(ctx) + idleMs - now;
    if (dueIn > 1) {
      this.#idleTimer(call, ctx, dueIn);
      return;
    }
    const reason = new ToolTimeoutError(
      call.tool.name,
      idleMs,
      Math.round(now - call.attemptStartedAt),
      call.attempt,
      `no progress for ${Math.round(now - AttemptContext.progressAt(ctx))}ms; executor has ${this.#running - 1} other running, ${this.#queue.size} queued`,
      true,
    );
    const classified = classifyError(reason, call.tool.name);
    const error: OutcomeError = {
      ...classified,
      data: { ...classified.data, idleTimeoutMs: idleMs },
    };
    this.#detach(call, reason);
    const hooks = call.hooks.attempted;
    if (hooks !== null) this.#attempted(hooks, call, error, now);
    this.#fail(call, reason, error);
    this.drain();
  }

  #attemptSettled(
    call: CallState,
    ctx: AttemptContext<CallState>,
    ok: boolean,
    value: unknown,
  ): void {
    if (ctx.settled) return;
    ctx.settled = true;
    if (call.ctx !== ctx) {
      this.#settleLate(call, ctx, ok, value);
      return;
    }
    this.#release(call);
    const now = this.#clock.now();
    const hooks = call.hooks.attempted;
    if (ok) {
      if (hooks !== null) this.#attempted(hooks, call, undefined, now);
      this.#settle.ok(call, value, now);
    } else {
      const error = classifyError(value, call.tool.name);
      if (hooks !== null) this.#attempted(hooks, call, error, now);
      this.#fail(call, value, error);
    }
    this.drain();
  }

  #attempted(
    hooks: NonNullable<HookSet<CallState>["attempted"]>,
    call: CallState,
    failure: OutcomeError | undefined,
    now: number,
  ): void {
    const durationMs = now - call.attemptStartedAt;
    for (const h of hooks) h.attempted!(call, failure, durationMs);
  }

  /** An attempt that was abandoned (timeout, deadline, cancel) settled. */
  #settleLate(call: CallState, ctx: AttemptContext<CallState>, ok: boolean, value: unknown): void {
    this.#detached--;
    const reason = AttemptContext.reasonOf(ctx);
    if (!ok && honouredAbort(value, reason)) return;
    this.#abandoned++;
    if (this.#events.wants["call:abandoned"]) {
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

  /** Stops waiting for the call's running attempt: frees its slots, then aborts its signal. */
  #detach(call: CallState, reason: VolleyError): void {
    const ctx = call.ctx!;
    this.#detached++;
    this.#release(call);
    // Last: the abort runs the tool's listeners at once, and a thenable may settle from one;
    // the attempt is detached by then, so that settlement is a late one (#settleLate).
    AttemptContext.abort(ctx, reason, this.#clock.now());
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
    const classified = classifyError(reason, call.tool.name);
    // The limit that fired, as data: a message for a model can name it without parsing this one.
    const error: OutcomeError = {
      ...classified,
      data: { ...classified.data, timeoutMs: call.timeoutMs },
    };
    this.#detach(call, reason);
    const hooks = call.hooks.attempted;
    if (hooks !== null) this.#attempted(hooks, call, error, now);
    this.#fail(call, reason, error);
    this.drain();
  }

  // ─── retries ──────────────────────────────────────────────────────────────

  /** An attempt failed with `thrown` (classified as `error`): retry it, or fail for good. */
  #fail(call: CallState, thrown: unknown, error: OutcomeError): void {
    const policy = call.retry;
    if (policy !== null && call.attempt < policy.maxAttempts) {
      const context = {
        kind: error.kind,
        attempt: call.attempt,
        tool: call.tool.name,
        callId: call.id,
      };
      if (isRetryable(policy, thrown, context, isNonRetryableError(thrown))) {
        const delayMs = backoffDelay(
          policy,
          call.attempt,
          () => this.#clock.random(),
          retryAfterOf(thrown),
        );
        if (this.#clock.now() + delayMs < call.batch.deadlineAt) {
          this.#scheduleRetry(call, delayMs, error);
          return;
        }
        this.#failFinal(call, {
          ...error,
          message: `${error.message} (not retried: the batch deadline falls before the next attempt)`,
        });
        return;
      }
    }
    this.#failFinal(call, error);
  }

  #scheduleRetry(call: CallState, delayMs: number, error: OutcomeError): void {
    // Its batch ended while its failure was being heard (a listener, a retryOn, a drain).
    if (call.phase === CallPhase.Done) return;
    call.phase = CallPhase.Backoff;
    this.#retrying++;
    // Armed before the event: a listener that cancels the batch withdraws the call, timer and all.
    call.timer = this.#clock.setTimeout(() => {
      call.timer = undefined;
      this.#retrying--;
      this.enqueue(call);
      this.drain();
    }, delayMs);
    if (this.#events.wants["call:retry"]) {
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
  }

  // ─── failing for good, and recovery ───────────────────────────────────────

  /** The call's last failure: its tool's features may recover it; else it ends with `error`. */
  #failFinal(call: CallState, error: OutcomeError): void {
    if (call.phase === CallPhase.Done) return;
    const hooks = call.hooks.recover;
    // A fallback's failure is not recovered again: the call ends with its first error.
    if (hooks !== null && call.recoveredFrom === undefined) {
      for (const h of hooks) {
        const plan = h.recover!(call, error);
        if (plan === undefined) continue;
        if ("value" in plan) this.#settle.recovered(call, plan.value, error);
        else this.#reroute(call, plan.fallback, error);
        return;
      }
    }
    this.#settle.error(call, error);
  }

  /** Hands the call to its fallback tool, which checks its arguments and places it anew. */
  #reroute(call: CallState, fallbackName: string, error: OutcomeError): void {
    const fallback = this.tools.get(fallbackName)!;
    const leaving = call.hooks.leave;
    if (leaving !== null) for (const h of leaving) h.leave!(call);
    // Leaving lets the next call in line go, which may end the batch (its deadline passed).
    if (call.phase === CallPhase.Done) return;
    this.#settle.leave(call);
    call.reroute(fallback, error);
    call.seq = this.nextSeq();
    const check = checkArgs(fallback, call.args);
    if (check instanceof Promise) check.then((c) => this.#placeFallback(call, c));
    else this.#placeFallback(call, check);
  }

  #placeFallback(call: CallState, check: ArgsCheck): void {
    // The batch ended (cancel, deadline) during an asynchronous check and withdrew the call.
    if (call.phase === CallPhase.Done) return;
    const ended = call.batch.endReason;
    if (ended !== undefined) {
      this.#settle.error(call, {
        kind: ended.kind,
        message: ended.message,
        data: { name: ended.name },
      });
    } else if (!check.success) {
      this.#failFinal(call, {
        kind: "invalid_args",
        message: `Invalid arguments for fallback tool "${call.tool.name}": ${formatIssues(check.issues)}`,
        data: { issues: check.issues },
      });
    } else {
      if (!call.tool.parsesOwnArgs) call.args = check.data;
      else call.parsedArgs = check.data;
      this.place(call);
    }
    this.drain();
  }

  // ─── ending calls ─────────────────────────────────────────────────────────

  /** A placed call ended: every tool that ran it lets go of it. */
  ended(call: CallState, outcome: Outcome): void {
    const left = call.leftHooks?.ended;
    if (left != null) for (const h of left) h.ended!(call, outcome);
    const hooks = call.hooks.ended;
    if (hooks !== null) for (const h of hooks) h.ended!(call, outcome);
  }

  /**
   * Takes an unfinished call out of wherever it is (queued, waiting to retry, running, held,
   * being checked) and ends it with `error`: its batch ended with `reason` (deadline or cancel).
   */
  withdraw(call: CallState, reason: VolleyError, error: OutcomeError): void {
    switch (call.phase) {
      case CallPhase.Queued:
        this.#queue.remove(call);
        call.tool.counters.queued--;
        break;
      case CallPhase.Backoff:
        this.#clock.clearTimeout(call.timer);
        call.timer = undefined;
        this.#retrying--;
        break;
      case CallPhase.Running: {
        const hooks = call.hooks.abandoned;
        if (hooks !== null) for (const h of hooks) h.abandoned!(call);
        this.#detach(call, reason);
        break;
      }
      case CallPhase.Held:
        this.#held--;
        call.batch.held--;
        break;
      case CallPhase.Admitting:
        // Its schema check is still under way: it was never placed.
        this.#settle.refused(call, error);
        return;
    }
    this.#settle.error(call, error);
  }
}
