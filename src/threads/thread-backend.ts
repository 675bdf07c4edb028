import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import type { Piscina } from "piscina";
import { requirePeer } from "../core/optional-peer.js";
import type {
  AttemptRequest,
  Backend,
  BackendCapacity,
  BackendTool,
  ProgressReporter,
} from "../core/backend.js";
import type { ProgressUpdate } from "../core/tool.js";
import { NonRetryableError } from "../core/errors/non-retryable-error.js";
import { RejectedError } from "../core/errors/rejected-error.js";
import { WorkerCrashedError } from "../core/errors/worker-crashed-error.js";
import { describeValue, errorText } from "../core/describe-value.js";
import { assertCount, assertKnownKeys, optionKeys } from "../core/validate-options.js";
import { toolsModuleUrl } from "../tools-module/load-tools-module.js";
import type { WarmTask, WorkerReply, WorkerSetup, WorkerTask } from "./protocol.js";
import { reviveError } from "../core/wire-error.js";
import type { ThreadBackendOptions, ToolResourceLimits } from "./thread-backend-options.js";

// Required, not imported, so that a missing piscina says what to install (see optional-peer.ts).
const piscinaModule = requirePeer<{ Piscina: typeof Piscina }>("piscina", "volley/threads");

/** Running from source (`.ts` under tsx or vitest): the worker entry is TypeScript too. */
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCE ? "./worker.ts" : "./worker.js", import.meta.url).href;

/** The shared pool's key in #pools: one no tool name can take. */
const SHARED_KEY = "\0shared";

const LIMIT_FIELDS = [
  "maxOldGenerationSizeMb",
  "maxYoungGenerationSizeMb",
  "codeRangeSizeMb",
  "stackSizeMb",
] as const;

/** The keys of {@link ToolResourceLimits}: V8's limits, and the pool's threads. */
const RESOURCE_LIMIT_KEYS = optionKeys<ToolResourceLimits>()([...LIMIT_FIELDS, "threads"]);

/** The keys of `warm()`'s options. */
const WARM_KEYS = optionKeys<NonNullable<Parameters<ThreadBackend["warm"]>[0]>>()(["signal"]);

/** The keys of {@link ThreadBackendOptions}. */
const THREAD_BACKEND_KEYS = optionKeys<ThreadBackendOptions>()([
  "threads",
  "resourceLimits",
  "maxTotalThreads",
  "preload",
]);

/** Live figures of one pool. */
export interface ThreadPoolStats {
  /** `"shared"`, or the name of the tool that owns the pool. */
  readonly pool: string;
  /** Threads alive now. */
  readonly threads: number;
  /** The pool's size. */
  readonly maxThreads: number;
  /** Attempts waiting for a free thread. */
  readonly queued: number;
  /** Attempts running now. */
  readonly running: number;
}

/** Live figures of a {@link ThreadBackend}. */
export interface ThreadBackendStats {
  /** The pools started so far (a pool starts with its first attempt). */
  readonly pools: readonly ThreadPoolStats[];
  /** Attempts finished with an answer from the tool (a value or an error). */
  readonly completed: number;
  /**
   * Attempts stopped on timeout, deadline or cancel: their thread was terminated (or, if they
   * still waited for a thread, they were taken off the queue).
   */
  readonly killed: number;
  /** Threads that died under an attempt (exit, uncaught error, out of memory). */
  readonly crashed: number;
}

interface Pool {
  readonly name: string;
  readonly piscina: Piscina<WorkerTask | WarmTask, WorkerReply>;
  readonly limits: ToolResourceLimits | undefined;
  /** Threads it should hold. */
  readonly size: number;
  running: number;
  /**
   * What its threads load as they start and on `warm()`: the `preload` option, the modules of
   * the tools executors run in this pool ({@link ThreadBackend.register}), then every tools
   * module one of its threads has answered from. Piscina hands the same `workerData` to each new thread, so one
   * that replaces a killed thread loads the modules used before it, rather than making its first
   * attempt wait. Only this pool's tools' modules: a pool with `resourceLimits` holds just its
   * tool's. (Only modules that loaded without killing a thread: a module whose top level kills
   * its thread would otherwise kill every new thread.)
   */
  readonly modules: string[];
  /** Why the pool was given up: it lost threads it cannot replace (see {@link ThreadBackend}). */
  broken?: Error;
  /** Its warm-up under way (see {@link ThreadBackend.warm}). */
  warming?: Promise<void> | undefined;
}

let channelsOf: (backend: ThreadBackend) => number;

/**
 * How many attempts of `backend` were given a channel for their progress reports. Not part of
 * `volley/threads`: the tests read it to see that no channel is made when nothing hears reports.
 */
export function progressChannels(backend: ThreadBackend): number {
  return channelsOf(backend);
}

/**
 * Runs the attempts of tools with `isolation: "worker"` in worker threads (a piscina pool), so
 * that CPU-bound work leaves the event loop free and a runaway tool can really be stopped: on
 * timeout, deadline or cancel the thread running the attempt is terminated and replaced.
 *
 * Tools are found in their thread by name, in their tools module (`module: import.meta.url`, or
 * loaded with {@link threadTools}). Arguments and results cross threads by structured clone.
 */
export class ThreadBackend implements Backend {
  readonly name = "threads";
  /** Each thread parses its attempt's arguments with the tool's schema (see `worker.ts`). */
  readonly parsesArgs = true;
  /**
   * A tool's `ctx.progress()` reports come back from its thread to its attempt here, so its
   * `idleTimeoutMs` and the `call:progress` events work as they do inline.
   */
  readonly forwardsProgress = true;
  readonly #threads: number;
  readonly #limits: ReadonlyMap<string, ToolResourceLimits>;
  /** The `preload` option (URLs): every pool's threads load these as they start. */
  readonly #preload: readonly string[];
  /**
   * False once a thread died with no attempt on it: something a module left running killed it
   * (a throw from a timer set at import), and preloading would kill each new thread the same way,
   * a respawn loop that burns a core for as long as the process lives. Threads then load modules
   * at their first attempt only.
   */
  #preloading = true;
  readonly #pools = new Map<string, Pool>();
  /**
   * The tools modules of the tools executors run here ({@link ThreadBackend.register}), by pool
   * key: a pool's threads load them as they start, and on `warm()`.
   */
  readonly #registered = new Map<string, string[]>();
  /** Module URLs as attempts name them, normalised (`toolsModuleUrl`), so each loads once. */
  readonly #urls = new Map<string, string>();
  /** Pools given up by #checkThreads, still finishing their running attempts. */
  readonly #givenUp = new Set<Pool>();
  #shared: Pool | undefined;
  #closed = false;
  #completed = 0;
  #killed = 0;
  #crashed = 0;
  /** Attempts given a channel for their progress reports (see {@link progressChannels}). */
  #channels = 0;

  static {
    channelsOf = (backend) => backend.#channels;
  }

  /** @throws TypeError for a bad option, naming it. */
  constructor(options: ThreadBackendOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Expected thread backend options to be an object, got ${describeValue(options)}`,
      );
    }
    assertKnownKeys("threadBackend", options, THREAD_BACKEND_KEYS);
    const threads = options.threads ?? availableParallelism();
    assertCount("threads", threads, { allowInfinity: false });
    this.#threads = threads;
    const limits = new Map<string, ToolResourceLimits>();
    const given = options.resourceLimits ?? {};
    if (typeof given !== "object" || given === null) {
      throw new TypeError(
        `Expected resourceLimits to be an object keyed by tool name, got ${describeValue(given)}`,
      );
    }
    let own = 0;
    for (const [tool, limit] of Object.entries(given)) {
      checkLimits(tool, limit);
      limits.set(tool, limit);
      own += limit.threads ?? 1;
    }
    this.#limits = limits;
    const preload = options.preload ?? [];
    if (!Array.isArray(preload)) {
      throw new TypeError(
        `Expected preload to be an array of tools module paths or URLs, got ${describeValue(preload)}`,
      );
    }
    this.#preload = preload.map((m: unknown, i) => {
      try {
        return toolsModuleUrl(m as string | URL);
      } catch (error) {
        throw new TypeError(`preload[${i}]: ${(error as Error).message}`, { cause: error });
      }
    });
    const maxTotal = options.maxTotalThreads ?? 2 * threads;
    assertCount("maxTotalThreads", maxTotal, { allowInfinity: false });
    if (threads + own > maxTotal) {
      throw new TypeError(
        `Expected at most maxTotalThreads (${maxTotal}) threads in all, got ${threads + own}: ${threads} shared + ${own} in the pools of ${[...limits.keys()].join(", ")}; raise maxTotalThreads or lower threads`,
      );
    }
  }

  /**
   * The threads of the pool `tool`'s attempts run in: its own pool's (`resourceLimits[tool]`), or
   * the shared pool's. The executor starts no more attempts in a pool than it has threads, so
   * the calls beyond them wait in Volley's queue, where their timeouts do not run yet.
   */
  capacity(tool: string): BackendCapacity {
    const limits = this.#limits.get(tool);
    return limits === undefined
      ? { pool: "shared", slots: this.#threads }
      : { pool: `tool:${tool}`, slots: limits.threads ?? 1 };
  }

  /**
   * Notes the tools module of a tool an executor runs here, so that the threads of its pool load
   * it as they start and on {@link ThreadBackend.warm}, rather than inside its first attempt.
   * The executor calls it for each worker tool when it is made. A tool without a module, or with
   * one that is not a `file:` URL, is left to its attempts, which say what is wrong.
   */
  register(tool: BackendTool): void {
    if (this.#closed || tool.module === undefined) return;
    const url = this.#urlOf(tool.module);
    if (url === undefined) return;
    const key = this.#limits.has(tool.name) ? tool.name : SHARED_KEY;
    let modules = this.#registered.get(key);
    if (modules === undefined) this.#registered.set(key, (modules = []));
    if (!modules.includes(url)) modules.push(url);
    // A pool already running takes it too: its later threads, and its next warm-up.
    const pool = this.#pools.get(key);
    if (pool !== undefined && this.#preloading && !pool.modules.includes(url)) {
      pool.modules.push(url);
    }
  }

  /**
   * Runs one attempt in a thread. Rejects with the tool's error, with a `WorkerCrashedError` when
   * the thread died, and with `signal.reason` as soon as `signal` aborts (the thread is then
   * terminated, and the pool starts a fresh one). With `progress`, the tool's reports come back
   * to it over a MessagePort made for this attempt; without, none is made.
   */
  run(request: AttemptRequest, signal: AbortSignal, progress?: ProgressReporter): Promise<unknown> {
    const { tool, module } = request;
    if (this.#closed) {
      return Promise.reject(
        new RejectedError(`The thread backend is closed: tool "${tool}" cannot run`),
      );
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    if (module === undefined) {
      return Promise.reject(
        new NonRetryableError(
          `Tool "${tool}" has isolation "worker" but no tools module for its thread to load it from: define it with module: import.meta.url, or load it with threadTools()`,
        ),
      );
    }
    const pool = this.#poolFor(tool);
    const channel = progress === undefined ? undefined : this.#progressChannel(progress);
    const task: WorkerTask = {
      module: this.#urlOf(module) ?? module,
      tool,
      args: request.args,
      callId: request.callId,
      batchId: request.batchId,
      attempt: request.attempt,
      deadline: request.deadline,
      idempotencyKey: request.idempotencyKey,
      progress: channel?.port2,
    };
    pool.running++;
    const options = channel === undefined ? { signal } : { signal, transferList: [channel.port2] };
    return pool.piscina.run(task, options).then(
      (reply) => {
        pool.running--;
        if (channel !== undefined) endChannel(channel, progress!);
        this.#completed++;
        // A thread loaded the module and lived: later threads of this pool may preload it.
        if (this.#preloading && !pool.modules.includes(task.module)) {
          pool.modules.push(task.module);
        }
        if (reply.ok) return reply.value;
        throw reviveError(reply.error);
      },
      (error: unknown) => {
        pool.running--;
        if (channel !== undefined) endChannel(channel, progress!);
        if (signal.aborted) {
          this.#killed++;
          throw signal.reason;
        }
        if (this.#closed) {
          throw new RejectedError(
            `The thread backend was closed while tool "${tool}" ran (call "${request.callId}")`,
            { cause: error },
          );
        }
        if (pool.broken !== undefined && (error as Error | null)?.name === "AbortError") {
          // Taken off the queue of a pool given up below: no thread of it would ever run it.
          this.#crashed++;
          throw new WorkerCrashedError(
            `No worker thread could run tool "${tool}" (call "${request.callId}", attempt ${request.attempt}): its pool lost a thread and could not start another (${pool.broken.message})`,
            { cause: pool.broken },
          );
        }
        const explained = this.#explain(error, request, pool);
        this.#checkThreads(pool, explained);
        throw explained;
      },
    );
  }

  /** A channel for one attempt's progress reports, each handed to `progress` as it comes. */
  #progressChannel(progress: ProgressReporter): MessageChannel {
    this.#channels++;
    const channel = new MessageChannel();
    channel.port1.on("message", (update: unknown) => report(progress, update));
    return channel;
  }

  /**
   * Starts the threads of every pool and resolves once each thread has loaded its pool's tools
   * modules (those of the tools executors run here, the `preload` option, and those its pool has
   * answered from), so that the first attempts are not charged for starting a thread or loading
   * a module, and their timeouts do not run meanwhile. Never rejects: a thread that dies while starting or loading
   * is left to the attempts, which end `crashed` (or run on a new thread); aborting `signal`
   * stops waiting (threads still loading are terminated). Calls at once share one warm-up. Best
   * called before attempts run: a warmed thread waits at most 10 s for threads busy with them.
   * @example
   * const worker = threadBackend();
   * const executor = createExecutor({ tools: [parseCsv, search], backends: { worker } });
   * await worker.warm(); // every thread has loaded parseCsv's module
   */
  async warm(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`Expected warm() options to be an object, got ${describeValue(options)}`);
    }
    assertKnownKeys("warm", options, WARM_KEYS);
    if (this.#closed) return;
    const pools = [
      this.#poolFor(undefined),
      ...[...this.#limits.keys()].map((t) => this.#poolFor(t)),
    ];
    const signal = options.signal;
    const warmed = Promise.all(pools.map((pool) => this.#warm(pool, signal)));
    if (signal === undefined) {
      await warmed;
      return;
    }
    // A warm-up already under way follows its own caller's signal: this one stops waiting on its.
    let onAbort = (): void => undefined;
    const aborted = new Promise<void>((done) => {
      onAbort = () => done();
      if (signal.aborted) done();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await Promise.race([warmed, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** One warm-up of a pool at a time: two would hold threads waiting for each other's. */
  #warm(pool: Pool, signal: AbortSignal | undefined): Promise<void> {
    pool.warming ??= this.#warmThreads(pool, signal).finally(() => {
      pool.warming = undefined;
    });
    return pool.warming;
  }

  async #warmThreads(pool: Pool, signal: AbortSignal | undefined): Promise<void> {
    const state = new Int32Array(new SharedArrayBuffer(8));
    const task: WarmTask = { warm: [...pool.modules], state, threads: pool.size };
    const stopWaiting = (): void => {
      Atomics.store(state, 1, 1);
      Atomics.notify(state, 0);
    };
    const runs = Array.from({ length: pool.size }, () =>
      pool.piscina.run(task, signal === undefined ? {} : { signal }).then(
        () => undefined,
        (error: unknown) => {
          stopWaiting();
          if (signal?.aborted === true || this.#closed || pool.broken !== undefined) return;
          // Loading modules is all a warm task does: one of them killed the thread, and would
          // kill each new thread that preloads it.
          this.#stopPreloading();
          this.#checkThreads(pool, error instanceof Error ? error : new Error(String(error)));
        },
      ),
    );
    await Promise.all(runs);
  }

  /** Live figures: pools, threads, queues, kills and crashes. */
  stats(): ThreadBackendStats {
    const pools = [...this.#pools.values()].map((p): ThreadPoolStats => ({
      pool: p.name,
      threads: p.piscina.threads.length,
      maxThreads: p.piscina.maxThreads,
      queued: p.piscina.queueSize,
      running: p.running,
    }));
    return { pools, completed: this.#completed, killed: this.#killed, crashed: this.#crashed };
  }

  /** Terminates every thread. Later attempts are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pools = [...this.#pools.values(), ...this.#givenUp];
    this.#pools.clear();
    this.#givenUp.clear();
    this.#shared = undefined;
    await Promise.all(pools.map((p) => p.piscina.destroy()));
  }

  /** Closes it, as `close()` does: for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `module` as a normalised `file:` URL, or `undefined` when it is not one. */
  #urlOf(module: string): string | undefined {
    let url = this.#urls.get(module);
    if (url === undefined) {
      try {
        url = toolsModuleUrl(module);
      } catch {
        return undefined;
      }
      this.#urls.set(module, url);
    }
    return url;
  }

  /** See #preloading. */
  #stopPreloading(also?: Pool): void {
    this.#preloading = false;
    for (const p of [...this.#pools.values(), ...(also === undefined ? [] : [also])]) {
      p.modules.length = 0;
    }
  }

  #poolFor(tool: string | undefined): Pool {
    const limits = tool === undefined ? undefined : this.#limits.get(tool);
    if (tool === undefined || limits === undefined) {
      this.#shared ??= this.#startPool("shared", this.#threads, undefined);
      return this.#shared;
    }
    let pool = this.#pools.get(tool);
    if (pool === undefined) pool = this.#startPool(tool, limits.threads ?? 1, limits);
    return pool;
  }

  #startPool(name: string, threads: number, limits: ToolResourceLimits | undefined): Pool {
    const resourceLimits =
      limits === undefined
        ? undefined
        : Object.fromEntries(
            LIMIT_FIELDS.filter((f) => limits[f] !== undefined).map((f) => [f, limits[f]]),
          );
    const registered = this.#registered.get(limits === undefined ? SHARED_KEY : name) ?? [];
    const modules = this.#preloading ? [...new Set([...this.#preload, ...registered])] : [];
    const piscina = new piscinaModule.Piscina<WorkerTask | WarmTask, WorkerReply>({
      filename: WORKER_URL,
      minThreads: threads,
      maxThreads: threads,
      // One attempt per thread: terminating a thread must stop that attempt and no other.
      concurrentTasksPerWorker: 1,
      // A thread waits on its message port rather than in Atomics.wait, so that what a tool
      // leaves running after it returns finishes while the thread is idle, not inside the next
      // tool's attempt.
      atomics: "disabled",
      ...(resourceLimits === undefined ? {} : { resourceLimits }),
      workerData: { fromSource: FROM_SOURCE, preload: modules } satisfies WorkerSetup,
      ...(FROM_SOURCE ? { execArgv: sourceExecArgv() } : {}),
    });
    // A thread that dies with no attempt on it is replaced by piscina; an 'error' event with no
    // listener would take the whole process down instead. New threads (a pool's `workerData`
    // holds its very `modules` list) preload nothing from now on: see #preloading.
    const pool: Pool = { name, piscina, limits, size: threads, running: 0, modules };
    piscina.on("error", (error: unknown) => {
      if (pool.broken !== undefined) return;
      this.#stopPreloading(pool);
      this.#checkThreads(pool, error instanceof Error ? error : new Error(String(error)));
    });
    this.#pools.set(keyOf(pool), pool);
    return pool;
  }

  /**
   * Gives a pool up when it has fewer threads than its size after one died. Piscina replaces a
   * dead thread at once, except after a thread died while starting (too little memory under
   * `resourceLimits`, say): from then on it starts none, and the attempts in its queue would wait
   * for their timeouts, or forever. Those attempts end `crashed` now; later ones get a new pool.
   */
  #checkThreads(pool: Pool, cause: Error): void {
    if (pool.broken !== undefined || pool.piscina.threads.length >= pool.size) return;
    pool.broken = cause;
    if (this.#shared === pool) this.#shared = undefined;
    if (this.#pools.get(keyOf(pool)) === pool) this.#pools.delete(keyOf(pool));
    // Rejects the queued attempts (AbortError), lets running ones finish, then ends the threads
    // (or close() ends them first).
    this.#givenUp.add(pool);
    pool.piscina
      .close({ force: true })
      .catch(() => undefined)
      .finally(() => this.#givenUp.delete(pool));
  }

  #explain(error: unknown, request: AttemptRequest, pool: Pool): Error {
    const { tool, callId, attempt } = request;
    const name = (error as { name?: unknown } | null)?.name;
    const message = errorText(error);
    if (name === "DataCloneError") {
      return new NonRetryableError(
        `The arguments of tool "${tool}" (call "${callId}") cannot cross to a worker thread by structured clone: ${message}`,
        { cause: error },
      );
    }
    this.#crashed++;
    const code = (error as { code?: unknown } | null)?.code;
    let what: string;
    if (code === "ERR_WORKER_OUT_OF_MEMORY") {
      const limit = pool.limits?.maxOldGenerationSizeMb;
      what = `ran out of memory${limit === undefined ? "" : ` (resourceLimits.maxOldGenerationSizeMb: ${limit})`}`;
    } else if (/^worker exited with code/i.test(message)) {
      what = `exited (${message.replace(/^worker exited with code:?\s*/i, "code ")})`;
    } else {
      what = `died of an uncaught ${typeof name === "string" ? name : "error"}: ${message}`;
    }
    return new WorkerCrashedError(
      `The worker thread running tool "${tool}" (call "${callId}", attempt ${attempt}) ${what}`,
      { cause: error },
    );
  }
}

/**
 * Creates the worker-thread backend. Pass it to the executor as `backends.worker`: tools with
 * `isolation: "worker"` then run their attempts in its threads.
 * @throws TypeError for a bad option, naming it.
 * @example
 * const executor = createExecutor({
 *   tools: await threadTools(new URL("./tools.js", import.meta.url)),
 *   backends: { worker: threadBackend({ resourceLimits: { parse: { maxOldGenerationSizeMb: 64 } } }) },
 * });
 */
export function threadBackend(options?: ThreadBackendOptions): ThreadBackend {
  return new ThreadBackend(options);
}

/**
 * Hands the attempt the reports still on their way, then closes the channel, so that reports the
 * tool makes later go nowhere. The thread posted its reports before its answer, and a posted
 * message sits in this port's queue at once, but the answer comes on piscina's own port: the
 * reports not yet delivered are taken from the queue here, before the attempt hears its result.
 */
function endChannel(channel: MessageChannel, progress: ProgressReporter): void {
  const port = channel.port1;
  for (let next = receiveMessageOnPort(port); next !== undefined; next = receiveMessageOnPort(port))
    report(progress, next.message);
  port.close();
}

/**
 * One report from a thread, to the attempt's `ctx.progress()`. The thread checked it already; a
 * throw here (from a port's listener) would take the process down, so none gets out.
 */
function report(progress: ProgressReporter, update: unknown): void {
  try {
    progress.progress(update as ProgressUpdate | undefined);
  } catch {
    // A malformed report: the thread's own check threw it at the tool already.
  }
}

/** A pool's key in #pools: its tool's name, or {@link SHARED_KEY}. */
function keyOf(pool: Pool): string {
  return pool.limits === undefined ? SHARED_KEY : pool.name;
}

function checkLimits(tool: string, limit: unknown): asserts limit is ToolResourceLimits {
  const where = `resourceLimits.${tool}`;
  if (typeof limit !== "object" || limit === null) {
    throw new TypeError(`Expected ${where} to be an object, got ${describeValue(limit)}`);
  }
  const l = limit as Record<string, unknown>;
  assertKnownKeys(where, l, RESOURCE_LIMIT_KEYS);
  for (const field of LIMIT_FIELDS) {
    const v = l[field];
    if (v !== undefined && (typeof v !== "number" || !(v > 0) || !Number.isFinite(v))) {
      throw new TypeError(
        `Expected ${where}.${field} to be a positive number of MB, got ${describeValue(v)}`,
      );
    }
  }
  if (l["threads"] !== undefined) {
    assertCount(`${where}.threads`, l["threads"], { allowInfinity: false });
  }
}

/**
 * Node 20 does not pass module hooks on to worker threads, so a thread cannot load TypeScript by
 * itself. When Volley runs from source, its threads require tsx's CommonJS hook (piscina loads
 * the worker entry with `require` first), and the entry then registers tsx's ESM hooks.
 */
function sourceExecArgv(): string[] {
  return ["--require", createRequire(import.meta.url).resolve("tsx/cjs")];
}
