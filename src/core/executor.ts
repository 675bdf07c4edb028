/**
 * The executor: the public face of Volley's core, and the owner of batches. A batch flows one
 * way, each step in its own file:
 *
 * 1. `execute()` (here) checks its options (`check-options.ts`) and makes a {@link BatchRun}:
 *    the deadline timer, the caller's signal, the journal's record of a resumed batch;
 * 2. admission (`admission.ts`) reads the calls in order: a malformed call, an unknown tool or
 *    bad args ends at once with an error outcome, and the rest go to the scheduler;
 * 3. the scheduler (`scheduler.ts`) queues, starts, times out and retries them, with the
 *    batch-processing features (`batching-features.ts`) called in for the calls that use one;
 * 4. each decided outcome comes back here: journaled, then published (the batch's stream and the
 *    `call:finished` event); the batch's last one completes its report.
 */
import { Admission, type AdmissionOwner } from "./admission.js";
import type { Backend } from "./backend.js";
import type { Batch } from "./batch.js";
import { BatchRun } from "./batch-run.js";
import { BatchingFeatures } from "./batching-features.js";
import type { ToolCall } from "./call.js";
import { CallPhase, type CallState } from "./call-state.js";
import { checkExecuteOptions, resolveExecutorOptions, toCallList } from "./check-options.js";
import { systemClock, type Clock } from "./clock.js";
import { CancelledError } from "./errors/cancelled-error.js";
import { DeadlineExceededError } from "./errors/deadline-exceeded-error.js";
import { RejectedError } from "./errors/rejected-error.js";
import type { VolleyError } from "./errors/volley-error.js";
import { EventHub, type ExecutorEventName, type Listener } from "./events.js";
import type { Journal } from "./journal.js";
import type { CloseOptions, ExecuteOptions, ExecutorOptions } from "./options.js";
import type { ErrorOutcome, OkOutcome, Outcome, OutcomeError } from "./outcome.js";
import { PriorityQueue, type QueueDiscipline } from "./queue.js";
import { Scheduler, type SchedulerOwner } from "./scheduler.js";
import { SignalHub } from "./signal-hub.js";
import { toolStats, type ExecutorStats, type ToolStats } from "./stats.js";
import type { AnyTool, ToolName, ToolResult } from "./tool.js";
import type { ToolEntry } from "./tool-entry.js";
import { describeValue } from "./validate-options.js";

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
   * @throws TypeError for a bad option (a programmer error).
   */
  execute(calls: Iterable<ToolCall | unknown>, options?: ExecuteOptions): Batch<ExecutorOutcome<T>>;
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
  return new VolleyExecutor<T>(options);
}

class VolleyExecutor<T extends readonly AnyTool[]> implements Executor<T> {
  readonly #tools: Map<string, ToolEntry>;
  readonly #toolList: T;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #events: EventHub;
  readonly #scheduler: Scheduler;
  readonly #features: BatchingFeatures;
  readonly #admission: Admission;
  readonly #signals = new SignalHub<BatchRun>();
  readonly #journal: Journal | undefined;
  readonly #backends: readonly Backend[];
  readonly #batches = new Set<BatchRun>();
  #idleWaiters: Array<() => void> = [];
  #finished = 0;
  #ok = 0;
  #failed = 0;
  #closed = false;

  constructor(options: ExecutorOptions<T>) {
    const { concurrency, tools, backends } = resolveExecutorOptions(options);
    this.#tools = tools;
    this.#toolList = options.tools;
    this.#concurrency = concurrency;
    this.#clock = options.clock ?? systemClock;
    this.#events = new EventHub(options.onListenerError ?? listenerErrorWarner());
    // Where the scheduler and admission hand outcomes back, and ask for more of a batch's calls.
    const owner: SchedulerOwner & AdmissionOwner = {
      deliver: (run: BatchRun, outcome: Outcome, journal?: boolean) =>
        this.#deliver(run, outcome, journal),
      publish: (run, outcome) => this.#publish(run, outcome),
      admit: (run) => this.#admission.admit(run),
    };
    const queue = options.queue as QueueDiscipline<CallState> | undefined;
    this.#scheduler = new Scheduler(
      concurrency,
      queue ?? new PriorityQueue<CallState>(),
      this.#clock,
      this.#events,
      owner,
    );
    this.#features = new BatchingFeatures(
      this.#scheduler,
      tools,
      options,
      queue === undefined,
      this.#clock,
      this.#events,
    );
    this.#scheduler.attach(this.#features);
    this.#admission = new Admission(tools, this.#scheduler, this.#features, owner);
    this.#journal = options.journal;
    this.#backends = backends;
  }

  get toolNames(): readonly string[] {
    return [...this.#tools.keys()];
  }

  get tools(): T {
    return this.#toolList;
  }

  on<E extends ExecutorEventName>(event: E, listener: Listener<E>): () => void {
    if (typeof listener !== "function") {
      throw new TypeError(
        `Expected a listener function for "${event}", got ${describeValue(listener)}`,
      );
    }
    return this.#events.on(event, listener);
  }

  execute(
    calls: Iterable<ToolCall | unknown>,
    options: ExecuteOptions = {},
  ): Batch<ExecutorOutcome<T>> {
    const list = toCallList(calls);
    const {
      signal,
      collect = true,
      batchId,
      priority,
      invoke,
      concurrency,
    } = checkExecuteOptions(options);
    const deadlineMs = options.deadlineMs ?? Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    const run = new BatchRun(
      batchId ?? crypto.randomUUID(),
      list,
      now,
      now + deadlineMs,
      collect,
      (r, reason) => this.#endBatch(r, new CancelledError(reason)),
    );
    run.defaultPriority = priority;
    if (!collect) run.window = Math.max(1_024, 2 * this.#concurrency);
    if (concurrency !== undefined) run.window = Math.min(run.window, concurrency);
    run.invoke = invoke;
    this.#features.limitBatch(run);
    if (options.tenant !== undefined || options.weight !== undefined || options.class !== undefined)
      this.#features.placeBatch(run, options);
    this.#batches.add(run);
    if (this.#events.has("batch:started")) {
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
      const journal = this.#journal;
      let loading: ReturnType<Journal["load"]>;
      try {
        loading = journal.load(run.id);
      } catch (error) {
        loading = Promise.reject(error);
      }
      Promise.resolve(loading).then(
        (prior) => {
          run.prior = new Map([...prior].map((o) => [o.id, o]));
          this.#admission.admit(run);
        },
        (error) => {
          warn(`Journal could not load batch "${run.id}"; running every call`, error);
          this.#admission.admit(run);
        },
      );
    } else {
      // Admit on the next microtask: the caller can start iterating before the first outcome
      // (a synchronous tool finishes at once), which matters with `collect: false`.
      queueMicrotask(() => this.#admission.admit(run));
    }
    return run as unknown as Batch<ExecutorOutcome<T>>;
  }

  stats(): ExecutorStats {
    const tools: Record<string, ToolStats> = {};
    for (const [name, t] of this.#tools) tools[name] = toolStats(t);
    const scheduler = this.#scheduler;
    const tenants = scheduler.tenants();
    return {
      queued: scheduler.queued,
      running: scheduler.running,
      retrying: scheduler.retrying,
      detached: scheduler.detached,
      abandoned: scheduler.abandoned,
      finished: this.#finished,
      ok: this.#ok,
      failed: this.#failed,
      batches: this.#batches.size,
      held: this.#features.held,
      ...(tenants !== undefined && { tenants }),
      concurrency: this.#concurrency,
      tools,
    };
  }

  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(options: CloseOptions = {}): Promise<void> {
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

  // ─── outcomes and the end of batches ──────────────────────────────────────

  /** Journals the outcome (when there is a journal and `record`), then publishes it. */
  #deliver(run: BatchRun, outcome: Outcome, record = true): void {
    this.#finished++;
    if (outcome.status === "ok") this.#ok++;
    else this.#failed++;
    const journal = record ? this.#journal : undefined;
    if (journal === undefined) {
      this.#publish(run, outcome);
      return;
    }
    let written: void | Promise<void>;
    try {
      written = journal.record(run.id, outcome);
    } catch (error) {
      written = Promise.reject(error);
    }
    if (written instanceof Promise) {
      written.then(
        () => this.#publish(run, outcome),
        (error: unknown) => {
          warn(
            `Journal could not record call "${outcome.id}" of batch "${run.id}"; delivering it anyway`,
            error,
          );
          this.#publish(run, outcome);
        },
      );
    } else {
      this.#publish(run, outcome);
    }
  }

  #publish(run: BatchRun, outcome: Outcome): void {
    run.sink.push(outcome);
    if (this.#events.has("call:finished")) {
      this.#events.emit("call:finished", {
        batchId: run.id,
        callId: outcome.id,
        index: outcome.index,
        tool: outcome.name,
        outcome,
      });
    }
    if (--run.pending === 0) this.#complete(run);
  }

  #complete(run: BatchRun): void {
    if (run.deadlineTimer !== undefined) {
      this.#clock.clearTimeout(run.deadlineTimer);
      run.deadlineTimer = undefined;
    }
    if (run.signal !== undefined) this.#signals.delete(run.signal, run);
    this.#batches.delete(run);
    const report = run.sink.finish(this.#clock.now() - run.startedAt);
    if (this.#events.has("batch:finished")) {
      this.#events.emit("batch:finished", {
        batchId: run.id,
        wallMs: report.wallMs,
        counts: report.counts,
      });
    }
    run.complete(report);
    if (this.#isIdle()) this.#becomeIdle();
  }

  /** Ends every unfinished call of a batch with `reason` (deadline or cancel). */
  #endBatch(run: BatchRun, reason: VolleyError): void {
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

function warn(message: string, error: unknown): void {
  process.emitWarning(`${message}: ${error instanceof Error ? error.message : String(error)}`, {
    code: "VOLLEY_JOURNAL",
  });
}

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

/** What a thrown value says, even one that cannot become a string (`Object.create(null)`). */
function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
