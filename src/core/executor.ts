import type { AttemptInvoker } from "./attempt-invoker.js";
import type { Backend } from "./backend.js";
import type { Batch } from "./batch.js";
import { BatchRun } from "./batch-run.js";
import { normalizeCall, type ToolCall } from "./call.js";
import { AttemptContext, CallPhase, CallState } from "./call-state.js";
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
import type { ErrorKind, ErrorOutcome, OkOutcome, Outcome, OutcomeError } from "./outcome.js";
import { EXECUTOR_DEFAULTS } from "./policy.js";
import { PriorityQueue, type QueueDiscipline } from "./queue.js";
import {
  backoffDelay,
  isRetryable,
  resolveRetryPolicy,
  type ResolvedRetryPolicy,
  type RetryPolicy,
} from "./retry.js";
import { formatIssues, type ArgsCheck } from "./schema.js";
import { SignalHub } from "./signal-hub.js";
import { TimeoutWheel } from "./timeout-wheel.js";
import type { AnyTool, ToolName, ToolResult } from "./tool.js";
import { OPEN_LANE, registerTools, type ToolEntry } from "./tool-entry.js";
import {
  assertCount,
  assertDuration,
  assertFiniteNumber,
  describeValue,
  optional,
} from "./validate-options.js";

/** Options of {@link createExecutor}. */
export interface ExecutorOptions<T extends readonly AnyTool[] = readonly AnyTool[]> {
  /** The tools calls may name: made by `defineTool()`, or `@langchain/core` tools as they are. */
  readonly tools: T;
  /**
   * Most calls running at once, across all batches. `Infinity` turns the limit off.
   * @default 64
   */
  readonly concurrency?: number;
  /**
   * Per-attempt timeout for tools that set none (ms). `Infinity` turns it off.
   * @default 120_000
   */
  readonly timeoutMs?: number;
  /**
   * Retry policy for tools that set none.
   * @default no retries
   */
  readonly retry?: RetryPolicy | false;
  /**
   * Priority of calls whose tool and call set none.
   * @default 0
   */
  readonly priority?: number;
  /** Runs every tool's attempts on this backend (for example `bullmqBackend()` from `volley/bullmq`). */
  readonly backend?: Backend;
  /**
   * Backends by isolation name: a tool with `isolation: "worker"` runs on `backends.worker`.
   * @example backends: { worker: threadBackend() }
   */
  readonly backends?: Readonly<Record<string, Backend>>;
  /** Records outcomes durably, so that `execute(calls, { batchId })` resumes a batch. */
  readonly journal?: Journal;
  /**
   * Which queued call starts next. Default: priority, then longest expected first, then FIFO.
   * @default new PriorityQueue()
   */
  readonly queue?: QueueDiscipline;
  /** Time and randomness, for tests. @default systemClock */
  readonly clock?: Clock;
  /**
   * Told when an event listener throws (the call is never affected).
   * @default emits a process warning
   */
  readonly onListenerError?: (error: unknown, event: ExecutorEventName) => void;
}

/** Options of {@link Executor.execute}. */
export interface ExecuteOptions {
  /** Aborting it ends every unfinished call `cancelled`. */
  readonly signal?: AbortSignal;
  /**
   * The batch's time budget, from the call of `execute()` (ms): when it passes, every unfinished
   * call ends `deadline`.
   * @default Infinity
   */
  readonly deadlineMs?: number;
  /**
   * Keep outcomes for the report. `false` streams them and keeps none, for huge batches: the
   * report then has counts only.
   * @default true
   */
  readonly collect?: boolean;
  /** The batch's id; with a journal, the key that resumes it. @default a random UUID */
  readonly batchId?: string;
  /** Priority of this batch's calls that set none (the tool's own priority wins). */
  readonly priority?: number;
  /**
   * Runs each attempt of this batch in place of the tool's own function, still under the tool's
   * policy: its slot, timeout signal, retries, journal and events. For integrations that must
   * invoke the tool their own way (LangGraph's full tool call and config, or a LangChain
   * middleware handler). `run` invokes the tool as the executor would have.
   * @default the tool's own function
   */
  readonly invoke?: AttemptInvoker;
}

/** Live counters of one tool. */
export interface ToolStats {
  readonly queued: number;
  readonly running: number;
  readonly finished: number;
  readonly ok: number;
  readonly failed: number;
  /** The tool's own limit (`Infinity` if none). */
  readonly concurrency: number;
}

/** Live counters of an executor. */
export interface ExecutorStats {
  /** Calls waiting for a slot. */
  readonly queued: number;
  /** Attempts running. */
  readonly running: number;
  /** Calls waiting out a retry backoff. */
  readonly retrying: number;
  /** Attempts that were abandoned (timeout, deadline, cancel) and have not settled yet. */
  readonly detached: number;
  /** Abandoned attempts that settled without honouring their signal, so far. */
  readonly abandoned: number;
  /** Calls that ended, so far. */
  readonly finished: number;
  readonly ok: number;
  readonly failed: number;
  /** Batches not yet complete. */
  readonly batches: number;
  /** The global limit. */
  readonly concurrency: number;
  /** Per tool, by name. */
  readonly tools: Readonly<Record<string, ToolStats>>;
}

/** Options of {@link Executor.close}. */
export interface CloseOptions {
  /** Cancel the unfinished calls instead of waiting for them. @default false */
  readonly cancel?: boolean;
}

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

const NO_PROBLEM = undefined;

class VolleyExecutor<T extends readonly AnyTool[]> implements Executor<T> {
  readonly #tools: Map<string, ToolEntry>;
  readonly #toolList: T;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #events: EventHub;
  readonly #queue: QueueDiscipline<CallState>;
  readonly #wheel: TimeoutWheel;
  readonly #signals = new SignalHub<BatchRun>();
  readonly #journal: Journal | undefined;
  readonly #backends: Backend[];
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
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Expected executor options with a tools array, got ${describeValue(options)}`,
      );
    }
    const concurrency = options.concurrency ?? EXECUTOR_DEFAULTS.concurrency;
    const timeoutMs = options.timeoutMs ?? EXECUTOR_DEFAULTS.timeoutMs;
    assertCount("concurrency", concurrency);
    assertDuration("timeoutMs", timeoutMs, { min: 1 });
    optional(options.priority, (v) => assertFiniteNumber("priority", v));
    resolveRetryPolicy(options.retry, "retry");
    const backends = new Map<string, Backend>();
    for (const [name, backend] of Object.entries(options.backends ?? {})) {
      assertBackend(`backends.${name}`, backend);
      backends.set(name, backend);
    }
    optional(options.backend, (b) => assertBackend("backend", b));
    if (
      options.journal !== undefined &&
      (typeof options.journal.load !== "function" || typeof options.journal.record !== "function")
    ) {
      throw new TypeError(
        `Expected journal to have load() and record(), got ${describeValue(options.journal)}`,
      );
    }
    this.#tools = registerTools(
      options.tools,
      { timeoutMs, retry: options.retry, priority: options.priority ?? 0 },
      backends,
      options.backend,
    );
    this.#toolList = options.tools;
    this.#concurrency = concurrency;
    this.#clock = options.clock ?? systemClock;
    this.#events = new EventHub(options.onListenerError ?? warnListenerError);
    this.#queue =
      (options.queue as QueueDiscipline<CallState> | undefined) ?? new PriorityQueue<CallState>();
    this.#wheel = new TimeoutWheel(this.#clock, (call) => this.#onTimeout(call));
    this.#journal = options.journal;
    this.#backends = [
      ...new Set([...backends.values(), ...(options.backend ? [options.backend] : [])]),
    ];
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
      list.length,
      now,
      now + deadlineMs,
      collect,
      (r, reason) => this.#endBatch(r, new CancelledError(reason)),
    );
    run.invoke = invoke;
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
    const defaultPriority = priority;
    if (this.#journal !== undefined && run.endReason === undefined) {
      const journal = this.#journal;
      let loading: ReturnType<Journal["load"]>;
      try {
        loading = journal.load(run.id);
      } catch (error) {
        loading = Promise.reject(error);
      }
      Promise.resolve(loading).then(
        (prior) =>
          this.#admit(run, list, defaultPriority, new Map([...prior].map((o) => [o.id, o]))),
        (error) => {
          warn(`Journal could not load batch "${run.id}"; running every call`, error);
          this.#admit(run, list, defaultPriority, undefined);
        },
      );
    } else {
      this.#admit(run, list, defaultPriority, undefined);
    }
    return run as unknown as Batch<ExecutorOutcome<T>>;
  }

  stats(): ExecutorStats {
    const tools: Record<string, ToolStats> = {};
    for (const [name, t] of this.#tools) {
      tools[name] = {
        queued: t.queued,
        running: t.running,
        finished: t.finished,
        ok: t.ok,
        failed: t.failed,
        concurrency: t.concurrency,
      };
    }
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

  #admit(
    run: BatchRun,
    list: readonly unknown[],
    defaultPriority: number | undefined,
    prior: Map<string, Outcome> | undefined,
  ): void {
    const seen = list.length > 1 ? new Set<string>() : undefined;
    for (let index = 0; index < list.length; index++) {
      const call = normalizeCall(list[index], index);
      const { id, name } = call;
      if (call.problem !== NO_PROBLEM) {
        this.#finishEarly(run, index, id, name, "invalid_call", call.problem);
        continue;
      }
      if (seen !== undefined) {
        if (seen.has(id)) {
          this.#finishEarly(
            run,
            index,
            id,
            name,
            "invalid_call",
            `Call ${index} repeats the id "${id}" of an earlier call in the batch`,
          );
          continue;
        }
        seen.add(id);
      }
      const replay = prior?.get(id);
      if (replay !== undefined) {
        this.#publish(run, { ...replay, index, replayed: true });
        continue;
      }
      if (run.endReason !== undefined) {
        this.#finishEarly(run, index, id, name, run.endReason.kind, run.endReason.message);
        continue;
      }
      const tool = this.#tools.get(name);
      if (tool === undefined) {
        this.#finishEarly(
          run,
          index,
          id,
          name,
          "unknown_tool",
          `Unknown tool "${name}" in call "${id}" (known tools: ${this.#knownTools()})`,
        );
        continue;
      }
      const input = call.input;
      let retry = tool.retry;
      let timeoutMs = tool.timeoutMs;
      let priority =
        defaultPriority !== undefined && tool.priority === 0 ? defaultPriority : tool.priority;
      let expectedMs = tool.expectedMs;
      if (
        input.retry !== undefined ||
        input.timeoutMs !== undefined ||
        input.priority !== undefined ||
        input.expectedMs !== undefined
      ) {
        try {
          if (input.retry !== undefined)
            retry = resolveRetryPolicy(input.retry, `call "${id}" retry`);
          optional(input.timeoutMs, (v) => assertDuration(`call "${id}" timeoutMs`, v, { min: 1 }));
          optional(input.priority, (v) => assertFiniteNumber(`call "${id}" priority`, v));
          optional(input.expectedMs, (v) =>
            assertDuration(`call "${id}" expectedMs`, v, { allowInfinity: false }),
          );
        } catch (error) {
          this.#finishEarly(run, index, id, name, "invalid_call", (error as Error).message);
          continue;
        }
        timeoutMs = input.timeoutMs ?? timeoutMs;
        priority = input.priority ?? priority;
        expectedMs = input.expectedMs ?? expectedMs;
      }
      const validate = tool.validate;
      if (validate === null) {
        this.#accept(run, index, id, tool, call.args, priority, expectedMs, timeoutMs, retry);
        continue;
      }
      let check: ArgsCheck | Promise<ArgsCheck>;
      try {
        check = validate(call.args);
      } catch (error) {
        check = {
          ok: false,
          issues: [
            {
              path: "",
              message: `the schema threw: ${(error as Error)?.message ?? String(error)}`,
            },
          ],
        };
      }
      if (check instanceof Promise) {
        check.then(
          (c) => this.#afterCheck(run, index, id, tool, c, priority, expectedMs, timeoutMs, retry),
          (error: unknown) =>
            this.#afterCheck(
              run,
              index,
              id,
              tool,
              { ok: false, issues: [{ path: "", message: `the schema threw: ${String(error)}` }] },
              priority,
              expectedMs,
              timeoutMs,
              retry,
            ),
        );
      } else {
        this.#afterCheck(run, index, id, tool, check, priority, expectedMs, timeoutMs, retry);
      }
    }
    this.#drain();
  }

  #afterCheck(
    run: BatchRun,
    index: number,
    id: string,
    tool: ToolEntry,
    check: ArgsCheck,
    priority: number,
    expectedMs: number,
    timeoutMs: number,
    retry: ResolvedRetryPolicy | null,
  ): void {
    if (check.ok) {
      this.#accept(run, index, id, tool, check.value, priority, expectedMs, timeoutMs, retry);
      return;
    }
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
      this.#finishEarly(run, index, id, tool.name, run.endReason.kind, run.endReason.message);
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
    this.#enqueue(call);
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
    lane === OPEN_LANE || (lane as ToolEntry).running < (lane as ToolEntry).concurrency;

  #enqueue(call: CallState): void {
    const now = this.#clock.now();
    call.phase = CallPhase.Queued;
    call.queuedAt = now;
    call.tool.queued++;
    this.#queue.push(call);
    if (this.#events.has("call:queued")) {
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
        this.#finishError(call, {
          ...outcomeError,
          message: `${outcomeError.message} (not retried: the batch deadline falls before the next attempt)`,
        });
        return;
      }
    }
    this.#finishError(call, outcomeError);
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
    tool.ok++;
    this.#ok++;
    this.#end(call, {
      id: call.id,
      index: call.index,
      name: tool.name,
      status: "ok",
      value,
      startedAt: call.startedAt,
      durationMs: this.#clock.now() - call.startedAt,
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
    this.#deliver(run, outcome);
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
      }
      this.#finishError(call, error);
    }
    this.#drain();
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

function toCallList(calls: unknown): readonly unknown[] {
  if (Array.isArray(calls)) return calls;
  if (
    calls !== null &&
    typeof calls === "object" &&
    typeof (calls as Iterable<unknown>)[Symbol.iterator] === "function"
  ) {
    return [...(calls as Iterable<unknown>)];
  }
  throw new TypeError(`Expected calls to be an array of tool calls, got ${describeValue(calls)}`);
}

function checkExecuteOptions(options: ExecuteOptions): ExecuteOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected execute options to be an object, got ${describeValue(options)}`);
  }
  optional(options.deadlineMs, (v) => assertDuration("deadlineMs", v));
  optional(options.priority, (v) => assertFiniteNumber("priority", v));
  optional(options.signal, (v) => {
    if (!(v instanceof AbortSignal))
      throw new TypeError(`Expected signal to be an AbortSignal, got ${describeValue(v)}`);
  });
  optional(options.collect, (v) => {
    if (typeof v !== "boolean")
      throw new TypeError(`Expected collect to be a boolean, got ${describeValue(v)}`);
  });
  optional(options.invoke, (v) => {
    if (typeof v !== "function")
      throw new TypeError(`Expected invoke to be a function, got ${describeValue(v)}`);
  });
  optional(options.batchId, (v) => {
    if (typeof v !== "string" || v.length === 0)
      throw new TypeError(`Expected batchId to be a non-empty string, got ${describeValue(v)}`);
  });
  return options;
}

function assertBackend(where: string, backend: unknown): void {
  if (
    typeof backend !== "object" ||
    backend === null ||
    typeof (backend as Backend).run !== "function"
  ) {
    throw new TypeError(
      `Expected ${where} to be a Backend with a run() method, got ${describeValue(backend)}`,
    );
  }
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
