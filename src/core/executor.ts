import type { Backend } from "./backend.js";
import type { Batch } from "./batch.js";
import { BatchRun } from "./batch-run.js";
import type { FairnessOptions } from "./batching-options.js";
import type { CallExtras } from "./call-extras.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { canonicalKey } from "./dedupe.js";
import { FairQueue } from "./fair-queue.js";
import { observeLatency } from "./latency-estimator.js";
import { TokenBucket } from "./rate-limiter.js";
import { assertFallbacks, recoveryFor } from "./recovery.js";
import { SequenceTicket, Sequencer, type SequenceLock } from "./sequential-groups.js";
import { normalizeCall, type CallOverrides, type ToolCall } from "./call.js";
import { AttemptContext, CallPhase, CallState } from "./call-state.js";
import { checkExecuteOptions, resolveExecutorOptions, toCallList } from "./check-options.js";
import { classifyError, honouredAbort, retryAfterOf } from "./classify.js";
import { systemClock, type Clock } from "./clock.js";
import { CancelledError } from "./errors/cancelled-error.js";
import { DeadlineExceededError } from "./errors/deadline-exceeded-error.js";
import { isNonRetryableError } from "./errors/non-retryable-error.js";
import { RejectedError } from "./errors/rejected-error.js";
import { ToolTimeoutError } from "./errors/tool-timeout-error.js";
import type { VolleyError } from "./errors/volley-error.js";
import { EventHub, type ExecutorEventName, type Listener } from "./events.js";
import type { Journal } from "./journal.js";
import type { CloseOptions, ExecuteOptions, ExecutorOptions } from "./options.js";
import type { ErrorKind, ErrorOutcome, OkOutcome, Outcome, OutcomeError } from "./outcome.js";
import { PriorityQueue, type QueueDiscipline } from "./queue.js";
import {
  backoffDelay,
  isRetryable,
  resolveRetryPolicy,
  type ResolvedRetryPolicy,
} from "./retry.js";
import { formatIssues, type ArgsCheck } from "./schema.js";
import { SignalHub } from "./signal-hub.js";
import { toolStats, type ExecutorStats, type ToolStats } from "./stats.js";
import { TimeoutWheel } from "./timeout-wheel.js";
import type { AnyTool, ToolName, ToolResult } from "./tool.js";
import { OPEN_LANE, type ToolEntry } from "./tool-entry.js";
import { assertDuration, assertFiniteNumber, describeValue, optional } from "./validate-options.js";

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
  #queue: QueueDiscipline<CallState>;
  /** The queue's optional `release` hook, looked up once. */
  #queueRelease: ((entry: CallState) => void) | undefined;
  /** True until the first batch with a tenant, weight or class swaps in the fair queue. */
  #defaultQueue: boolean;
  readonly #maxBatchSize: number;
  readonly #split: boolean;
  readonly #maxQueued: number;
  readonly #sequencer = new Sequencer<CallState>();
  /** Calls held outside the queue (sequential groups, duplicates in flight). */
  #held = 0;
  readonly #wheel: TimeoutWheel;
  readonly #signals = new SignalHub<BatchRun>();
  readonly #journal: Journal | undefined;
  readonly #backends: readonly Backend[];
  readonly #batches = new Set<BatchRun>();
  #idleWaiters: Array<() => void> = [];
  #running = 0;
  #retrying = 0;
  #detached = 0;
  #abandoned = 0;
  #finished = 0;
  #ok = 0;
  #failed = 0;
  #seq = 0;
  #draining = false;
  #closed = false;

  constructor(options: ExecutorOptions<T>) {
    const { concurrency, tools, backends } = resolveExecutorOptions(options);
    this.#tools = tools;
    this.#toolList = options.tools;
    this.#concurrency = concurrency;
    this.#clock = options.clock ?? systemClock;
    this.#events = new EventHub(options.onListenerError ?? warnListenerError);
    this.#queue =
      (options.queue as QueueDiscipline<CallState> | undefined) ?? new PriorityQueue<CallState>();
    this.#queueRelease = this.#queue.release?.bind(this.#queue);
    this.#defaultQueue = options.queue === undefined;
    this.#maxBatchSize = options.maxBatchSize ?? Number.POSITIVE_INFINITY;
    this.#split = options.overflow === "split";
    this.#maxQueued = options.maxQueued ?? Number.POSITIVE_INFINITY;
    this.#attachToolFeatures(options.tools);
    this.#wheel = new TimeoutWheel(this.#clock, (call) => this.#onTimeout(call));
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
    if (list.length > this.#maxBatchSize) this.#limitBatch(run);
    if (options.tenant !== undefined || options.weight !== undefined || options.class !== undefined)
      this.#placeBatch(run, options);
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
    return {
      queued: this.#queue.size,
      running: this.#running,
      retrying: this.#retrying,
      detached: this.#detached,
      abandoned: this.#abandoned,
      finished: this.#finished,
      ok: this.#ok,
      failed: this.#failed,
      batches: this.#batches.size,
      held: this.#held,
      ...(this.#queue instanceof FairQueue && { tenants: this.#queue.tenants() }),
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
    this.#drain();
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
        this.#oversizedMessage(run, index),
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
        if (overrides.retry !== undefined) {
          retry = resolveRetryPolicy(overrides.retry, `call "${id}" retry`);
        }
        optional(overrides.timeoutMs, (v) =>
          assertDuration(`call "${id}" timeoutMs`, v, { min: 1 }),
        );
        optional(overrides.priority, (v) => assertFiniteNumber(`call "${id}" priority`, v));
        optional(overrides.expectedMs, (v) =>
          assertDuration(`call "${id}" expectedMs`, v, { allowInfinity: false }),
        );
        optional(group, (v) => assertGroup(id, v));
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
    const validate = tool.validate;
    const args = overrides.args;
    if (validate === null) {
      this.#accept(run, index, id, tool, args, priority, expectedMs, timeoutMs, retry);
      return;
    }
    let check: ArgsCheck | Promise<ArgsCheck>;
    try {
      check = validate(args);
    } catch (error) {
      check = schemaThrew(error);
    }
    if (check instanceof Promise) {
      // An async Standard Schema: the call joins the queue when its check is done.
      check.then(
        (c) => {
          this.#afterCheck(run, index, id, tool, c, args, priority, expectedMs, timeoutMs, retry);
          this.#drain();
        },
        (error: unknown) => {
          const failed = schemaThrew(error);
          this.#afterCheck(
            run,
            index,
            id,
            tool,
            failed,
            args,
            priority,
            expectedMs,
            timeoutMs,
            retry,
          );
        },
      );
    } else {
      this.#afterCheck(run, index, id, tool, check, args, priority, expectedMs, timeoutMs, retry);
    }
  }

  #afterCheck(
    run: BatchRun,
    index: number,
    id: string,
    tool: ToolEntry,
    check: ArgsCheck,
    raw: unknown,
    priority: number,
    expectedMs: number,
    timeoutMs: number,
    retry: ResolvedRetryPolicy | null,
  ): void {
    if (check.success) {
      // A LangChain tool parses its input itself: parsed twice, a transforming schema would fail.
      const args = tool.parsesOwnArgs ? raw : check.data;
      this.#accept(run, index, id, tool, args, priority, expectedMs, timeoutMs, retry);
      return;
    }
    run.live--;
    this.#finishEarly(
      run,
      index,
      id,
      tool.name,
      "invalid_args",
      `Invalid arguments for tool "${tool.name}" in call "${id}": ${formatIssues(check.issues)}`,
      {
        issues: check.issues,
      },
    );
  }

  #accept(
    run: BatchRun,
    index: number,
    id: string,
    tool: ToolEntry,
    args: unknown,
    priority: number,
    expectedMs: number,
    timeoutMs: number,
    retry: ResolvedRetryPolicy | null,
  ): void {
    if (run.endReason !== undefined) {
      run.live--;
      this.#finishEarly(run, index, id, tool.name, run.endReason.kind, run.endReason.message, {
        name: run.endReason.name,
      });
      return;
    }
    if (this.#queue.size + this.#held >= this.#maxQueued && this.#queueIsFull()) {
      run.live--;
      this.#finishEarly(run, index, id, tool.name, "rejected", this.#queueFullMessage(id, tool));
      return;
    }
    const call = new CallState(
      run,
      index,
      id,
      tool,
      args,
      priority,
      expectedMs,
      this.#seq++,
      timeoutMs,
      retry,
    );
    run.calls[index] = call;
    const group = run.groups?.get(index);
    if (group !== undefined || tool.special) this.#place(call, group, true);
    else this.#enqueue(call);
  }

  #knownTools(): string {
    const names = [...this.#tools.keys()];
    if (names.length === 0) return "none";
    return names.length > 10
      ? `${names.slice(0, 10).join(", ")}, … ${names.length - 10} more`
      : names.join(", ");
  }

  // ─── scheduling ───────────────────────────────────────────────────────────

  readonly #isLaneOpen = (lane: object): boolean =>
    lane === OPEN_LANE ||
    ((lane as ToolEntry).running < (lane as ToolEntry).concurrency &&
      ((lane as ToolEntry).bucket === null || (lane as ToolEntry).bucket!.ready()) &&
      ((lane as ToolEntry).breaker === null || !(lane as ToolEntry).breaker!.probing));

  #enqueue(call: CallState): void {
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

  #drain(): void {
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
    this.#drain();
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
    this.#drain();
  }

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
      this.#enqueue(call);
      this.#drain();
    }, delayMs);
  }

  // ─── ending calls and batches ─────────────────────────────────────────────

  #finishOk(call: CallState, value: unknown): void {
    const tool = call.tool;
    const now = this.#clock.now();
    if (tool.learnsLatency) observeLatency(tool, now - call.attemptStartedAt);
    if (call.x !== undefined && call.x.recovering !== undefined) {
      this.#finishFallback(call, value);
      return;
    }
    tool.ok++;
    this.#ok++;
    this.#end(call, {
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

  #finishError(call: CallState, error: OutcomeError): void {
    call.tool.failed++;
    this.#failed++;
    const started = call.attempt > 0;
    this.#end(call, {
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

  #end(call: CallState, outcome: Outcome): void {
    call.phase = CallPhase.Done;
    call.tool.finished++;
    this.#finished++;
    const run = call.batch as BatchRun;
    run.calls[call.index] = undefined;
    run.live--;
    this.#deliver(run, outcome);
    if (call.x !== undefined) this.#afterEnd(call, outcome);
    if (run.nextIndex < run.input.length) this.#admit(run);
  }

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
    this.#finished++;
    this.#failed++;
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
      if (call === undefined || call.phase === CallPhase.Done) continue;
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
          this.#unhold(call);
          break;
      }
      this.#finishError(call, error);
    }
    // Calls not yet admitted end with the same reason.
    this.#admit(run);
  }

  // ─── batch processing: limits, fairness, rate limits, dedupe, groups, recovery, breakers ──

  /** Makes the parts of tools' batch-processing features that need the clock or the registry. */
  #attachToolFeatures(tools: readonly AnyTool[]): void {
    for (const tool of tools) {
      const entry = this.#tools.get(tool.name)!;
      const policy = entry.policy;
      if (policy.rateLimit !== undefined)
        entry.bucket = new TokenBucket(policy.rateLimit, this.#clock, () => this.#drain());
      if (policy.circuitBreaker !== undefined) {
        entry.breaker = new CircuitBreaker(policy.circuitBreaker, (snapshot) => {
          if (this.#events.has("circuit:state"))
            this.#events.emit("circuit:state", {
              tool: entry.name,
              ...snapshot,
              at: this.#clock.now(),
            });
        });
      }
      assertFallbacks(entry.name, entry, (name) => this.#tools.has(name));
      entry.special = entry.dedupe !== null || entry.exclusive !== null || entry.breaker !== null;
    }
  }

  /** Records a batch's tenant, weight and class; the first such batch turns fair queuing on. */
  #placeBatch(run: BatchRun, options: FairnessOptions): void {
    run.tenant = options.tenant;
    run.weight = options.weight;
    run.priorityClass = options.class;
    if (!this.#defaultQueue) return;
    this.#defaultQueue = false;
    const fair = new FairQueue<CallState>();
    const old = this.#queue;
    const any = (): boolean => true;
    for (let entry = old.pop(any); entry !== undefined; entry = old.pop(any)) fair.push(entry);
    this.#queue = fair;
    this.#queueRelease = (entry) => fair.release(entry);
  }

  /**
   * A batch larger than `maxBatchSize`: with `overflow: "split"` at most that many of its calls
   * are admitted at a time (the next as each ends); otherwise the calls beyond it are rejected.
   */
  #limitBatch(run: BatchRun): void {
    if (this.#split) run.window = Math.min(run.window, this.#maxBatchSize);
    else run.rejectFrom = this.#maxBatchSize;
  }

  #oversizedMessage(run: BatchRun, index: number): string {
    return `Batch too large: ${run.size} calls, maxBatchSize ${this.#maxBatchSize}; call ${index} is beyond it (pass overflow: "split" to run big batches in chunks)`;
  }

  /** Full even after starting what can start now (a batch fills the queue before draining it). */
  #queueIsFull(): boolean {
    this.#drain();
    return this.#queue.size + this.#held >= this.#maxQueued;
  }

  #queueFullMessage(id: string, tool: ToolEntry): string {
    const held = this.#held > 0 ? `, ${this.#held} held` : "";
    return `queue full: ${this.#queue.size} queued${held}, ${this.#running} running (maxQueued ${this.#maxQueued}); call "${id}" to "${tool.name}" was not queued`;
  }

  /**
   * Queues a call that uses a feature: an open circuit rejects it, a duplicate in flight (or a
   * cached outcome) answers it, and a busy sequential group holds it back.
   */
  #place(call: CallState, group: string | undefined, dedupe: boolean): void {
    const tool = call.tool;
    if (tool.breaker !== null) {
      const refused = tool.breaker.check(this.#clock.now(), tool.name);
      if (refused !== undefined) {
        this.#failFinal(call, circuitError(refused));
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
    else this.#enqueue(call);
  }

  /** An idempotent tool's call: answered from the cache, joins an identical call, or leads. */
  #dedupeOrEnqueue(call: CallState): void {
    const table = call.tool.dedupe!;
    const key = canonicalKey(call.args);
    if (key === undefined) {
      this.#enqueue(call);
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
    this.#enqueue(call);
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
    this.#finishError(call, {
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

  #recordAttempt(call: CallState, ok: boolean, value: unknown): void {
    let failed = false;
    if (!ok) {
      const kind = classifyError(value, call.tool.name).kind;
      failed = kind === "tool_error" || kind === "crashed" || kind === "timeout";
    }
    call.tool.breaker!.record(call, failed, this.#clock.now());
  }

  /** A call's last failure: recovered by its tool's `onTimeout`/`onError`, or its outcome. */
  #failFinal(call: CallState, error: OutcomeError): void {
    const tool = call.tool;
    const origin = call.x?.recovering;
    if (origin !== undefined) {
      // The fallback failed too: the call ends with its first error.
      if (error.kind === "deadline" || error.kind === "cancelled") {
        this.#finishError(call, error);
        return;
      }
      tool.failed++;
      this.#failed++;
      const started = origin.startedAt !== 0 ? origin.startedAt : call.startedAt;
      this.#end(call, {
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
    this.#finishError(call, error);
  }

  #recoverWithDefault(call: CallState, value: unknown, error: OutcomeError): void {
    const tool = call.tool;
    tool.failed++;
    tool.recovered++;
    this.#ok++;
    const started = call.attempt > 0;
    this.#end(call, {
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
      this.#seq++,
      fallback.timeoutMs,
      fallback.retry,
    );
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
    const run = call.batch as BatchRun;
    if (run.endReason !== undefined) {
      this.#finishError(call, {
        kind: run.endReason.kind,
        message: run.endReason.message,
        data: { name: run.endReason.name },
      });
    } else if (!check.success) {
      this.#failFinal(call, {
        kind: "invalid_args",
        message: `Invalid arguments for fallback tool "${call.tool.name}": ${formatIssues(check.issues)}`,
        data: { issues: check.issues },
      });
    } else {
      if (!call.tool.parsesOwnArgs) (call as { args: unknown }).args = check.data;
      // A call refused before it joined its group (an open circuit) joins it now.
      const group = call.x?.ticket === undefined ? run.groups?.get(call.index) : undefined;
      this.#place(call, group, false);
    }
    this.#drain();
  }

  /** A successful fallback: the call ends `ok`, recovered. */
  #finishFallback(call: CallState, value: unknown): void {
    const origin = call.x!.recovering!;
    call.tool.ok++;
    this.#ok++;
    const started = origin.startedAt !== 0 ? origin.startedAt : call.startedAt;
    this.#end(call, {
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

  /** After a featured call's outcome: frees its group locks and answers its duplicates. */
  #afterEnd(call: CallState, outcome: Outcome): void {
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
        if (ended === undefined) this.#place(follower, undefined, true);
        else
          this.#finishError(follower, {
            kind: ended.kind,
            message: ended.message,
            data: { name: ended.name },
          });
      }
      this.#drain();
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
      // A call of a batch being ended stays held: #endBatch reaches it next and ends it.
      if ((next.batch as BatchRun).endReason !== undefined) continue;
      this.#held--;
      const x = next.x!;
      if (x.dedupeWhenReady === true) {
        x.dedupeWhenReady = false;
        this.#dedupeOrEnqueue(next);
      } else this.#enqueue(next);
    }
    if (ready.length > 0) this.#drain();
  }

  /** Ends a call with the outcome of an identical one (in flight or cached). */
  #endDeduped(call: CallState, source: Outcome): void {
    if (source.status === "ok") {
      call.tool.ok++;
      this.#ok++;
    } else {
      call.tool.failed++;
      this.#failed++;
    }
    const { replayed: _replayed, ...rest } = source;
    this.#end(call, { ...rest, id: call.id, index: call.index, deduped: true } as Outcome);
  }

  /** A held call whose batch ended: it leaves its group's line or its leader's followers. */
  #unhold(call: CallState): void {
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

  #isIdle(): boolean {
    return (
      this.#running === 0 &&
      this.#retrying === 0 &&
      this.#queue.size === 0 &&
      this.#batches.size === 0
    );
  }

  #becomeIdle(): void {
    this.#wheel.disarmIfEmpty();
    const waiters = this.#idleWaiters;
    if (waiters.length === 0) return;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** The outcome error of a call refused by an open circuit. */
function circuitError(message: string): OutcomeError {
  return { kind: "rejected", message, data: { name: "RejectedError", circuit: true } };
}

function assertGroup(id: string, group: unknown): void {
  if (typeof group !== "string" || group.length === 0)
    throw new TypeError(
      `Expected call "${id}" group to be a non-empty string, got ${describeValue(group)}`,
    );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function schemaThrew(error: unknown): ArgsCheck {
  return {
    success: false,
    issues: [{ path: "", message: `the schema threw: ${errorText(error)}` }],
  };
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
