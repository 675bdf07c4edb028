/**
 * The executor: the public face of Volley's core. A batch flows one way:
 *
 * 1. `execute()` checks its options and makes a {@link BatchRun} (deadline timer, caller's
 *    signal, journal load for a resumed batch);
 * 2. admission reads the calls in order: a malformed call, an unknown tool or bad args becomes an
 *    error outcome at once, the rest become {@link CallState}s for the {@link Scheduler};
 * 3. the scheduler queues, starts, times out and retries them (`scheduler.ts`), with the
 *    batch-processing features plugged in (`batching-features.ts`);
 * 4. each decided outcome comes back here to be journaled, then published: the batch's stream,
 *    the `call:finished` event, and finally the report.
 */
import type { Backend } from "./backend.js";
import type { Batch } from "./batch.js";
import { BatchRun } from "./batch-run.js";
import { BatchingFeatures } from "./batching-features.js";
import { normalizeCall, type CallOverrides, type ToolCall } from "./call.js";
import { CallPhase, CallState } from "./call-state.js";
import {
  checkCallOverrides,
  checkExecuteOptions,
  resolveExecutorOptions,
  toCallList,
} from "./check-options.js";
import { systemClock, type Clock } from "./clock.js";
import { CancelledError } from "./errors/cancelled-error.js";
import { DeadlineExceededError } from "./errors/deadline-exceeded-error.js";
import { RejectedError } from "./errors/rejected-error.js";
import type { VolleyError } from "./errors/volley-error.js";
import { EventHub, type ExecutorEventName, type Listener } from "./events.js";
import type { Journal } from "./journal.js";
import type { CloseOptions, ExecuteOptions, ExecutorOptions } from "./options.js";
import type { ErrorKind, ErrorOutcome, OkOutcome, Outcome, OutcomeError } from "./outcome.js";
import { PriorityQueue, type QueueDiscipline } from "./queue.js";
import { Scheduler } from "./scheduler.js";
import { formatIssues, schemaThrew, type ArgsCheck } from "./schema.js";
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
    this.#events = new EventHub(options.onListenerError ?? warnListenerError);
    this.#scheduler = new Scheduler(
      concurrency,
      (options.queue as QueueDiscipline<CallState> | undefined) ?? new PriorityQueue<CallState>(),
      this.#clock,
      this.#events,
      { deliver: (run, outcome) => this.#deliver(run, outcome), admit: (run) => this.#admit(run) },
    );
    this.#features = new BatchingFeatures(
      this.#scheduler,
      tools,
      options,
      options.queue === undefined,
      this.#clock,
      this.#events,
    );
    this.#scheduler.attach(this.#features);
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
    const { signal, collect = true, batchId, priority, invoke } = checkExecuteOptions(options);
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
          this.#admit(run);
        },
        (error) => {
          warn(`Journal could not load batch "${run.id}"; running every call`, error);
          this.#admit(run);
        },
      );
    } else {
      // Admit on the next microtask: the caller can start iterating before the first outcome
      // (a synchronous tool finishes at once), which matters with `collect: false`.
      queueMicrotask(() => this.#admit(run));
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

  // ─── admission ────────────────────────────────────────────────────────────

  /** Admits the batch's calls in order, up to its window of live calls. */
  #admit(run: BatchRun): void {
    if (run.admitting) return;
    run.admitting = true;
    try {
      const list = run.input;
      while (
        run.nextIndex < list.length &&
        (run.live < run.window || run.endReason !== undefined)
      ) {
        const index = run.nextIndex++;
        this.#admitOne(run, list[index], index);
      }
      // Let go of the caller's array once every call is read.
      if (run.nextIndex === list.length) {
        run.input = [];
        run.nextIndex = 0;
        run.seen = undefined;
      }
    } finally {
      run.admitting = false;
    }
    this.#scheduler.drain();
  }

  #admitOne(run: BatchRun, input: unknown, index: number): void {
    // Read the call in place; only a malformed one pays for normalizeCall's description.
    const raw = (typeof input === "object" && input !== null ? input : undefined) as
      | (Partial<CallOverrides> & {
          id?: unknown;
          name?: unknown;
          tool_name?: unknown;
          args?: unknown;
        })
      | undefined;
    const id = raw?.id;
    const name = raw === undefined ? undefined : (raw.name ?? raw.tool_name);
    if (index >= run.rejectFrom) {
      const call = normalizeCall(input, index);
      this.#finishEarly(
        run,
        index,
        call.id,
        call.name,
        "rejected",
        this.#features.oversizedMessage(run, index),
      );
      return;
    }
    if (typeof id !== "string" || id === "" || typeof name !== "string" || name === "") {
      const call = normalizeCall(input, index);
      this.#finishEarly(run, index, call.id, call.name, "invalid_call", call.problem!);
      return;
    }
    const overrides = raw!;
    const seen = run.seen;
    if (seen !== undefined) {
      if (seen.has(id)) {
        const message = `Call ${index} repeats the id "${id}" of an earlier call in the batch`;
        this.#finishEarly(run, index, id, name, "invalid_call", message);
        return;
      }
      seen.add(id);
    }
    const replay = run.prior?.get(id);
    if (replay !== undefined) {
      this.#publish(run, { ...replay, index, replayed: true });
      return;
    }
    const ended = run.endReason;
    if (ended !== undefined) {
      this.#finishEarly(run, index, id, name, ended.kind, ended.message, { name: ended.name });
      return;
    }
    const tool = this.#tools.get(name);
    if (tool === undefined) {
      const message = `Unknown tool "${name}" in call "${id}" (known tools: ${this.#knownTools()})`;
      this.#finishEarly(run, index, id, name, "unknown_tool", message);
      return;
    }
    let retry = tool.retry;
    let timeoutMs = tool.timeoutMs;
    let priority =
      run.defaultPriority !== undefined && tool.priority === 0
        ? run.defaultPriority
        : tool.priority;
    let expectedMs = tool.expectedMs;
    const group = overrides.group;
    if (
      overrides.retry !== undefined ||
      overrides.timeoutMs !== undefined ||
      overrides.priority !== undefined ||
      overrides.expectedMs !== undefined ||
      group !== undefined
    ) {
      try {
        const own = checkCallOverrides(id, overrides);
        if (own !== undefined) retry = own;
      } catch (error) {
        this.#finishEarly(run, index, id, name, "invalid_call", errorText(error));
        return;
      }
      if (group !== undefined) (run.groups ??= new Map()).set(index, group);
      timeoutMs = overrides.timeoutMs ?? timeoutMs;
      priority = overrides.priority ?? priority;
      expectedMs = overrides.expectedMs ?? expectedMs;
    }
    run.live++;
    const call = new CallState(
      run,
      index,
      id,
      tool,
      overrides.args,
      priority,
      expectedMs,
      timeoutMs,
      retry,
    );
    const validate = tool.validate;
    if (validate === null) {
      this.#accept(call);
      return;
    }
    let check: ArgsCheck | Promise<ArgsCheck>;
    try {
      check = validate(call.args);
    } catch (error) {
      check = schemaThrew(error);
    }
    if (check instanceof Promise) {
      // An async Standard Schema: the call joins the queue when its check is done.
      check.then(
        (c) => {
          this.#afterCheck(call, c);
          this.#scheduler.drain();
        },
        (error: unknown) => {
          this.#afterCheck(call, schemaThrew(error));
        },
      );
    } else {
      this.#afterCheck(call, check);
    }
  }

  #afterCheck(call: CallState, check: ArgsCheck): void {
    if (check.success) {
      // A LangChain tool parses its input itself: parsed twice, a transforming schema would fail.
      if (!call.tool.parsesOwnArgs) call.args = check.data;
      this.#accept(call);
      return;
    }
    const run = call.batch as BatchRun;
    const name = call.tool.name;
    run.live--;
    this.#finishEarly(
      run,
      call.index,
      call.id,
      name,
      "invalid_args",
      `Invalid arguments for tool "${name}" in call "${call.id}": ${formatIssues(check.issues)}`,
      { issues: check.issues },
    );
  }

  /** Hands a valid call to the scheduler, unless its batch ended or the queue is full. */
  #accept(call: CallState): void {
    const run = call.batch as BatchRun;
    const ended = run.endReason;
    if (ended !== undefined) {
      run.live--;
      this.#finishEarly(run, call.index, call.id, call.tool.name, ended.kind, ended.message, {
        name: ended.name,
      });
      return;
    }
    if (this.#features.queueIsFull()) {
      run.live--;
      const message = this.#features.queueFullMessage(call.id, call.tool);
      this.#finishEarly(run, call.index, call.id, call.tool.name, "rejected", message);
      return;
    }
    call.seq = this.#scheduler.nextSeq();
    run.calls[call.index] = call;
    const group = run.groups?.get(call.index);
    if (group !== undefined || call.tool.special) this.#features.place(call, group, true);
    else this.#scheduler.enqueue(call);
  }

  #knownTools(): string {
    const names = [...this.#tools.keys()];
    if (names.length === 0) return "none";
    return names.length > 10
      ? `${names.slice(0, 10).join(", ")}, … ${names.length - 10} more`
      : names.join(", ");
  }

  // ─── ending calls and batches ─────────────────────────────────────────────

  /** A call that ends before it could be queued: malformed, unknown tool, bad args, batch ended. */
  #finishEarly(
    run: BatchRun,
    index: number,
    id: string,
    name: string,
    kind: ErrorKind,
    message: string,
    data?: Record<string, unknown>,
  ): void {
    this.#deliver(run, {
      id,
      index,
      name,
      status: "error",
      error: data === undefined ? { kind, message } : { kind, message, data },
      startedAt: null,
      durationMs: 0,
      attempts: 0,
    });
  }

  /** Journals the outcome (when there is a journal), then publishes it. */
  #deliver(run: BatchRun, outcome: Outcome): void {
    this.#finished++;
    if (outcome.status === "ok") this.#ok++;
    else this.#failed++;
    const journal = this.#journal;
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
    this.#admit(run);
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function warn(message: string, error: unknown): void {
  process.emitWarning(`${message}: ${error instanceof Error ? error.message : String(error)}`, {
    code: "VOLLEY_JOURNAL",
  });
}

function warnListenerError(error: unknown, event: ExecutorEventName): void {
  process.emitWarning(
    `A "${event}" listener threw: ${error instanceof Error ? error.message : String(error)}`,
    {
      code: "VOLLEY_LISTENER",
    },
  );
}
