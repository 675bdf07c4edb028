/**
 * The executor: the public face of Volley's core, and the owner of batches. A batch flows one
 * way, each step in its own file of `engine/`:
 *
 * 1. `execute()` (here) checks its options and makes a {@link BatchRun}: the deadline timer,
 *    the caller's signal, the journal's record of a resumed batch; the features see the batch;
 * 2. admission reads the calls in order: a malformed call, an unknown tool or bad args ends at
 *    once, and the rest go to the scheduler;
 * 3. the scheduler places them through their tools' features, queues, starts, times out,
 *    retries and recovers them;
 * 4. the settle point builds each outcome and counts it; delivery journals it, then gives it to
 *    the batch's stream and the `call:finished` event; the batch's last one completes its report.
 */
import type { Backend } from "./backend.js";
import type { Batch } from "./batch.js";
import type { ToolCall } from "./call.js";
import { Admission } from "./engine/admission.js";
import { planApprovals } from "./engine/approval-plan.js";
import type { ApprovalRequest } from "./features/approvals/decisions.js";
import { BatchRun, type BatchCanceller } from "./engine/batch-run.js";
import { CallPhase, type CallState } from "./engine/call-state.js";
import {
  checkCloseOptions,
  checkExecuteOptions,
  NO_EXECUTE_OPTIONS,
  registerTools,
  resolveExecutorOptions,
  toCallList,
} from "./engine/check-options.js";
import { Delivery } from "./engine/delivery.js";
import { readJournal } from "./engine/journal-read.js";
import { Scheduler } from "./engine/scheduler.js";
import { Settle } from "./engine/settle.js";
import { SignalHub } from "./engine/signal-hub.js";
import { toolStats } from "./engine/tool-stats.js";
import { CancelledError } from "./errors/cancelled-error.js";
import { DeadlineExceededError } from "./errors/deadline-exceeded-error.js";
import { RejectedError } from "./errors/rejected-error.js";
import type { VolleyError } from "./errors/volley-error.js";
import {
  EVENT_NAMES,
  EventHub,
  isEventName,
  type ExecutorEventName,
  type Listener,
} from "./events.js";
import { markApprovals } from "./features/approvals/index.js";
import { featureFactories, toolsUseApprovals } from "./features/index.js";
import { systemClock, type Clock } from "./clock.js";
import type { Journal } from "./journal.js";
import type { CloseOptions, ExecuteOptions, ExecutorOptions } from "./options.js";
import type { ErrorOutcome, OkOutcome, OutcomeError } from "./outcome.js";
import { PriorityQueue, type QueueDiscipline } from "./queue.js";
import type { ExecutorStats, ToolStats } from "./stats.js";
import type { AnyTool, ToolName, ToolResult } from "./tool.js";
import { describeValue, errorText } from "./describe-value.js";

/** The outcome type of an executor: a successful outcome per tool (typed by name), or an error. */
export type ExecutorOutcome<T extends readonly AnyTool[]> =
  | (T[number] extends infer Each
      ? Each extends AnyTool
        ? OkOutcome<ToolName<Each>, ToolResult<Each>>
        : never
      : never)
  | ErrorOutcome<string>;

/** Runs batches of tool calls concurrently. Made by {@link createExecutor}. */
export interface Executor<
  T extends readonly AnyTool[] = readonly AnyTool[],
> extends AsyncDisposable {
  /** Names of the registered tools. */
  readonly toolNames: readonly string[];
  /** The registered tools, as they were given (for integrations that must hand them on). */
  readonly tools: T;
  /**
   * Runs a batch. Never throws for bad calls: each call ends in exactly one outcome.
   * `undefined` or `null` is an empty batch, so `execute(aiMessage.tool_calls)` needs no check.
   * @throws TypeError for a bad option (a programmer error).
   */
  execute(
    calls: Iterable<ToolCall | unknown> | null | undefined,
    options?: ExecuteOptions,
  ): Batch<ExecutorOutcome<T>>;
  /**
   * Which of these calls would wait for a reviewer's approval (their tool's `needsApproval`),
   * asked before any of them runs: a request per such call, in call order, as the batch's
   * `approve` option would get it. Calls that need none, or would fail before their review
   * (malformed, an unknown tool, bad arguments), are left out. For integrations that must know a
   * turn's approvals before its calls run, and for showing a user what will be asked.
   */
  approvalRequests(
    calls: Iterable<ToolCall | unknown> | null | undefined,
  ): Promise<ApprovalRequest[]>;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends ExecutorEventName>(event: E, listener: Listener<E>): () => void;
  /** Live counters, overall and per tool. */
  stats(): ExecutorStats;
  /** Resolves when nothing is queued, running, waiting to retry or undelivered. */
  onIdle(): Promise<void>;
  /** Stops taking batches (later ones end `rejected`), waits for (or cancels) the rest, closes backends. */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * Makes an executor.
 * @throws TypeError for a bad option or two tools with the same name, naming them.
 * @example
 * const executor = createExecutor({ tools: [search, fetchPage], concurrency: 16 });
 * const report = await executor.execute(aiMessage.tool_calls, { deadlineMs: 10_000 });
 */
export function createExecutor<const T extends readonly AnyTool[]>(
  options: ExecutorOptions<T>,
): Executor<T> {
  try {
    return new VolleyExecutor<T>(options);
  } catch (error) {
    // Options whose getters or Proxy traps throw are bad options too: the same TypeError.
    if (error instanceof TypeError) throw error;
    throw new TypeError(`createExecutor() options cannot be read: ${errorText(error)}`, {
      cause: error,
    });
  }
}

class VolleyExecutor<T extends readonly AnyTool[]> implements Executor<T> {
  readonly #toolList: T;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #events: EventHub;
  readonly #settle: Settle;
  readonly #scheduler: Scheduler;
  readonly #admission: Admission;
  readonly #signals = new SignalHub<BatchRun<CallState>>();
  readonly #journal: Journal | undefined;
  readonly #journalTimeoutMs: number;
  readonly #backends: readonly Backend[];
  readonly #batches = new Set<BatchRun<CallState>>();
  #idleWaiters: Array<() => void> = [];
  readonly #canceller: BatchCanceller<BatchRun<CallState>> = {
    cancel: (run, reason) => this.#endBatch(run, new CancelledError(reason)),
  };
  #closed = false;

  constructor(options: ExecutorOptions<T>) {
    const settings = resolveExecutorOptions(options);
    const clock = options.clock ?? systemClock;
    const events = new EventHub(options.onListenerError ?? listenerErrorWarner());
    this.#toolList = options.tools;
    this.#concurrency = settings.concurrency;
    this.#clock = clock;
    this.#events = events;
    this.#journal = options.journal;
    this.#journalTimeoutMs = settings.journalTimeoutMs;
    this.#backends = settings.allBackends;
    const delivery = new Delivery<CallState>(
      options.journal,
      settings.journalTimeoutMs,
      clock,
      events,
      (run, now) => this.#complete(run, now),
    );
    this.#settle = new Settle(
      clock,
      delivery,
      (call, outcome) => this.#scheduler.ended(call, outcome),
      (run) => this.#admission.released(run),
    );
    this.#scheduler = new Scheduler({
      concurrency: settings.concurrency,
      queue: (options.queue as QueueDiscipline<CallState> | undefined) ?? new PriorityQueue(),
      clock,
      events,
      settle: this.#settle,
      features: featureFactories(options, settings.concurrency, events),
      tools: (features) => registerTools(options.tools, settings, features),
      onDeadline: (run) => this.#deadlinePassed(run),
      onRoom: (run) => this.#admission.released(run),
    });
    this.#admission = new Admission(this.#scheduler, this.#settle);
    markApprovals(this, toolsUseApprovals(options.tools, options.policies));
  }

  get toolNames(): readonly string[] {
    return [...this.#scheduler.tools.keys()];
  }

  get tools(): T {
    return this.#toolList;
  }

  on<E extends ExecutorEventName>(event: E, listener: Listener<E>): () => void {
    if (!isEventName(event)) {
      throw new TypeError(
        `Expected an event name (${EVENT_NAMES.join(", ")}), got ${describeValue(event)}`,
      );
    }
    if (typeof listener !== "function") {
      throw new TypeError(
        `Expected a listener function for "${event}", got ${describeValue(listener)}`,
      );
    }
    return this.#events.on(event, listener);
  }

  execute(
    calls: Iterable<ToolCall | unknown> | null | undefined,
    options: ExecuteOptions = NO_EXECUTE_OPTIONS,
  ): Batch<ExecutorOutcome<T>> {
    const list = toCallList(calls);
    const { signal, collect = true, batchId, priority, invoke } = checkExecuteOptions(options);
    const deadlineMs = options.deadlineMs ?? Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    const run: BatchRun<CallState> = new BatchRun<CallState>(
      batchId,
      list,
      now,
      deadlineMs,
      collect,
      this.#canceller,
    );
    run.defaultPriority = priority;
    run.invoke = invoke;
    if (!collect) run.sink.onRoom = () => this.#admission.released(run);
    this.#scheduler.features.batch(run, options);
    this.#batches.add(run);
    if (this.#events.wants["batch:started"]) {
      this.#events.emit("batch:started", {
        batchId: run.id,
        size: list.length,
        startedAt: now,
        deadline: run.deadlineAt,
      });
    }
    if (list.length === 0) {
      this.#complete(run);
      return run as unknown as Batch<ExecutorOutcome<T>>;
    }
    if (this.#closed) {
      run.endReason = new RejectedError("The executor is closed: it takes no new batches");
    } else if (signal?.aborted) {
      run.endReason = new CancelledError(signal.reason);
    } else {
      if (signal) {
        run.signal = signal;
        this.#signals.add(signal, run);
      }
      if (Number.isFinite(deadlineMs)) {
        run.deadlineTimer = this.#clock.setTimeout(() => {
          run.deadlineTimer = undefined;
          this.#endBatch(run, new DeadlineExceededError(deadlineMs));
        }, deadlineMs);
      }
    }
    if (this.#journal !== undefined && run.endReason === undefined) {
      readJournal(
        this.#journal,
        run.id,
        this.#journalTimeoutMs,
        run.deadlineAt,
        this.#clock,
        (prior) => {
          run.prior = prior;
          this.#admission.admit(run);
        },
      );
    } else {
      // Admit on the next microtask: the caller can start iterating before the first outcome
      // (a synchronous tool finishes at once), which matters with `collect: false`. A resolved
      // promise's job costs half a queueMicrotask(), which wraps its callback for async_hooks.
      void RESOLVED.then(() => this.#admission.admit(run));
    }
    return run as unknown as Batch<ExecutorOutcome<T>>;
  }

  approvalRequests(
    calls: Iterable<ToolCall | unknown> | null | undefined,
  ): Promise<ApprovalRequest[]> {
    return planApprovals(this.#scheduler.tools, toCallList(calls));
  }

  stats(): ExecutorStats {
    const tools: Record<string, ToolStats> = {};
    for (const [name, t] of this.#scheduler.tools) tools[name] = toolStats(t);
    const scheduler = this.#scheduler;
    const counters = this.#settle.counters;
    return {
      queued: scheduler.queued,
      running: scheduler.running,
      retrying: scheduler.retrying,
      detached: scheduler.detached,
      abandoned: scheduler.abandoned,
      finished: counters.finished,
      ok: counters.ok,
      failed: counters.failed,
      batches: this.#batches.size,
      held: scheduler.held,
      ...scheduler.features.stats(),
      concurrency: this.#concurrency,
      tools,
    };
  }

  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(options: CloseOptions = {}): Promise<void> {
    checkCloseOptions(options);
    this.#closed = true;
    if (options.cancel) {
      for (const run of [...this.#batches])
        this.#endBatch(run, new CancelledError("the executor was closed"));
    }
    await this.onIdle();
    await Promise.all(this.#backends.map((b) => b.close?.()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ─── the end of batches ───────────────────────────────────────────────────

  /** The batch's last outcome was published (at `now`, or `NaN` when the clock must be read). */
  #complete(run: BatchRun<CallState>, now = Number.NaN): void {
    if (run.deadlineTimer !== undefined) {
      this.#clock.clearTimeout(run.deadlineTimer);
      run.deadlineTimer = undefined;
    }
    if (run.signal !== undefined) this.#signals.delete(run.signal, run);
    this.#batches.delete(run);
    const report = run.sink.finish((Number.isNaN(now) ? this.#clock.now() : now) - run.startedAt);
    if (this.#events.wants["batch:finished"]) {
      this.#events.emit("batch:finished", {
        batchId: run.id,
        wallMs: report.wallMs,
        counts: report.counts,
      });
    }
    run.complete(report);
    if (this.#isIdle()) this.#becomeIdle();
  }

  /** A batch's deadline passed before its timer fired: end it as the timer would have. */
  #deadlinePassed(run: BatchRun<CallState>): void {
    if (run.deadlineTimer !== undefined) this.#clock.clearTimeout(run.deadlineTimer);
    run.deadlineTimer = undefined;
    this.#endBatch(run, new DeadlineExceededError(run.deadlineMs));
  }

  /** Ends every unfinished call of a batch with `reason` (deadline or cancel). */
  #endBatch(run: BatchRun<CallState>, reason: VolleyError): void {
    if (run.endReason !== undefined || run.done) return;
    run.endReason = reason;
    if (run.deadlineTimer !== undefined) {
      this.#clock.clearTimeout(run.deadlineTimer);
      run.deadlineTimer = undefined;
    }
    const error: OutcomeError = {
      kind: reason.kind,
      message: reason.message,
      data: { name: reason.name },
    };
    for (const call of run.calls) {
      if (call !== undefined && call.phase !== CallPhase.Done)
        this.#scheduler.withdraw(call, reason, error);
    }
    // Calls not yet admitted end with the same reason.
    this.#admission.admit(run);
  }

  #isIdle(): boolean {
    return this.#batches.size === 0 && this.#scheduler.idle;
  }

  #becomeIdle(): void {
    this.#scheduler.disarm();
    const waiters = this.#idleWaiters;
    if (waiters.length === 0) return;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

const RESOLVED = Promise.resolve();

/** Distinct listener errors the default reporter warns about. */
const MAX_LISTENER_WARNINGS = 100;

/**
 * The default `onListenerError`: a process warning, once per event and message for each
 * executor, so that a listener that throws on every call of a big batch does not flood stderr.
 */
function listenerErrorWarner(): (error: unknown, event: ExecutorEventName) => void {
  const told = new Set<string>();
  return (error, event) => {
    const message = `A "${event}" listener threw: ${errorText(error)}`;
    // A listener whose message differs every time (it carries an id) still stops at a bound.
    if (told.has(message) || told.size > MAX_LISTENER_WARNINGS) return;
    told.add(message);
    process.emitWarning(
      told.size > MAX_LISTENER_WARNINGS
        ? `Listeners threw ${MAX_LISTENER_WARNINGS} different errors; this executor reports no more of them (pass onListenerError to see all)`
        : `${message} (reported once)`,
      { code: "VOLLEY_LISTENER" },
    );
  };
}
