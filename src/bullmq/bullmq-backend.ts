import { createHash, randomUUID } from "node:crypto";
import type { QueueEvents, QueueEventsProducer } from "bullmq";
import type {
  AttemptRequest,
  Backend,
  BackendCapacity,
  BackendTool,
  ProgressReporter,
} from "../core/backend.js";
import { describeValue, errorText } from "../core/describe-value.js";
import { VolleyError } from "../core/errors/volley-error.js";
import { canonicalKey } from "../core/features/dedupe.js";
import {
  assertCount,
  assertDuration,
  assertKnownKeys,
  optionKeys,
  optional,
} from "../core/validate-options.js";
import {
  redactText,
  resolveConnection,
  type BullmqConnection,
  type ResolvedConnection,
} from "./connection.js";
import { LiveWorkers } from "./live-workers.js";
import { loadBullmq, openBullmq, type BullmqClasses, type BullmqSite } from "./load-bullmq.js";
import {
  CONTROL_EVENTS,
  CONTROL_STREAM_LENGTH,
  PROTOCOL_VERSION,
  controlQueueName,
  payloadOf,
  toolQueueName,
  type CancelRequest,
  type JobData,
  type WorkerAnnouncement,
} from "./protocol.js";
import { assertQueueName, errorReporter } from "./settings.js";
import { ToolLane, type Waiter } from "./tool-lane.js";

/** Options of {@link bullmqBackend}. */
export interface BullmqBackendOptions {
  /**
   * Where the queues live: a `redis://` or `rediss://` URL, a `postgres://` URL (BullMQ's
   * Postgres backend), or ioredis options. Auth goes in the URL; its password is never printed.
   * @example connection: process.env.REDIS_URL
   */
  readonly connection: BullmqConnection;
  /** The cluster's name: callers and workers of one cluster give the same. @example queue: "tools" */
  readonly queue: string;
  /**
   * Longest the first calls wait to hear from the workers (ms). After it, a call for a tool that
   * no live worker runs ends `unknown_tool` at once.
   * @default 2_000
   */
  readonly discoveryMs?: number;
  /**
   * Largest JSON of one attempt's arguments (bytes). A larger one ends `rejected`, unsent.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxArgsBytes?: number;
  /**
   * Attempts this caller keeps in the queues at once, over all its tools. Calls beyond it wait
   * in the executor's queue, where no timeout runs yet: set it to the workers' total
   * concurrency when one caller feeds them, so that a call's timeout counts its run, not its
   * wait for a free worker.
   * @default Infinity
   */
  readonly slots?: number;
  /**
   * How long finished jobs stay in the queue (ms), so that a reply whose event was missed (the
   * reader's connection dropped) is still read from the job.
   * @default 60_000
   */
  readonly keepFinishedMs?: number;
  /**
   * How often the attempts still waiting are checked against the queue (ms): a job the queue
   * lost (its server restarted without persistence) ends `crashed`.
   * @default 5_000
   */
  readonly auditIntervalMs?: number;
  /**
   * Events each tool queue's stream keeps. Replies travel in it: a reader that falls further
   * behind than this loses replies to the audit's slower path.
   * @default 50_000
   */
  readonly eventsMaxLen?: number;
  /**
   * Told of the connection's errors (a server that went away), with any password cut out.
   * @default a process warning, at most one every 10 s
   */
  readonly onError?: (error: Error) => void;
}

/** Live figures of a {@link BullmqBackend}. */
export interface BullmqBackendStats {
  /** Attempts sent and not yet answered. */
  readonly waiting: number;
  /** Attempts sent so far. */
  readonly sent: number;
  /** The workers heard from lately. */
  readonly workers: readonly WorkerAnnouncement[];
}

/** The keys of {@link BullmqBackendOptions}. */
const OPTION_KEYS = optionKeys<BullmqBackendOptions>()([
  "connection",
  "queue",
  "discoveryMs",
  "maxArgsBytes",
  "slots",
  "keepFinishedMs",
  "auditIntervalMs",
  "eventsMaxLen",
  "onError",
]);

/** Most waiting attempts one audit checks per tool queue. */
const AUDIT_BATCH = 500;

interface Control {
  readonly events: QueueEvents;
  readonly producer: QueueEventsProducer;
}

/**
 * Sends each attempt as a job to its tool's BullMQ queue, where workers on any machine
 * ({@link startWorker}) run it, and takes the reply back from the queue's events. The executor
 * that uses it schedules its calls as it always does: its limits, priorities, retries, deadlines
 * and breakers hold for this caller's calls.
 */
export class BullmqBackend implements Backend {
  readonly name = "bullmq";
  /** A tool's reports come back as its job's progress, while a caller listens. */
  readonly forwardsProgress = true;
  /** The worker's executor runs the tools' idle timers, where they run, not queued. */
  readonly appliesIdleTimeouts = true;
  /** Workers parse each attempt's arguments with the tool's schema. */
  readonly parsesArgs = true;
  readonly #options: BullmqBackendOptions;
  readonly #discoveryMs: number;
  readonly #maxArgsBytes: number;
  readonly #slots: number;
  /** The removal options of every job: kept `keepFinishedMs`, for the audit. */
  readonly #keep: {
    readonly removeOnComplete: { readonly age: number };
    readonly removeOnFail: { readonly age: number };
  };
  readonly #auditIntervalMs: number;
  readonly #eventsMaxLen: number;
  readonly #onError: (error: unknown) => void;
  /**
   * Tools that are safe to run twice (`idempotent`): their identical calls share one job across
   * callers, and a job found restarted after its worker died runs again.
   */
  readonly #idempotent = new Set<string>();
  readonly #lanes = new Map<string, ToolLane>();
  readonly #live = new LiveWorkers();
  /** What each attempt on its way calls back: made once, not per call. */
  readonly #sendSite: SendSite = {
    cancel: (lane, jobId, reason) => this.#cancel(lane, jobId, reason),
    refused: (lane, callId, error) => this.#refused(lane, callId, error),
  };
  /** Woken at each announcement: calls waiting to learn who runs their tool. */
  readonly #listening = new Set<() => void>();
  #started: Promise<void> | undefined;
  #startedAt = 0;
  #connection: ResolvedConnection | undefined;
  #classes: BullmqClasses | undefined;
  #control: Control | undefined;
  #audit: ReturnType<typeof setInterval> | undefined;
  #sent = 0;
  #helloAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  /** @throws TypeError for a bad option, naming it. */
  constructor(options: BullmqBackendOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`Expected bullmqBackend() options, got ${describeValue(options)}`);
    }
    assertKnownKeys("bullmqBackend", options, OPTION_KEYS);
    assertQueueName("bullmqBackend", options.queue);
    if (options.connection === undefined) {
      throw new TypeError(
        "Expected bullmqBackend's connection to be a redis://, rediss:// or postgres:// URL, or ioredis options, got undefined",
      );
    }
    optional(options.discoveryMs, (v) => assertDuration("bullmqBackend's discoveryMs", v));
    optional(options.maxArgsBytes, (v) => assertCount("bullmqBackend's maxArgsBytes", v));
    optional(options.slots, (v) => assertCount("bullmqBackend's slots", v));
    optional(options.keepFinishedMs, (v) =>
      assertDuration("bullmqBackend's keepFinishedMs", v, { allowInfinity: false }),
    );
    optional(options.auditIntervalMs, (v) =>
      assertDuration("bullmqBackend's auditIntervalMs", v, { allowInfinity: false, min: 10 }),
    );
    optional(options.eventsMaxLen, (v) =>
      assertCount("bullmqBackend's eventsMaxLen", v, { allowInfinity: false }),
    );
    optional(options.onError, (v) => {
      if (typeof v !== "function")
        throw new TypeError(
          `Expected bullmqBackend's onError to be a function, got ${describeValue(v)}`,
        );
    });
    this.#options = options;
    this.#discoveryMs = options.discoveryMs ?? 2_000;
    this.#maxArgsBytes = options.maxArgsBytes ?? 1_048_576;
    this.#slots = options.slots ?? Number.POSITIVE_INFINITY;
    const age = Math.max(1, Math.ceil((options.keepFinishedMs ?? 60_000) / 1_000));
    this.#keep = { removeOnComplete: { age }, removeOnFail: { age } };
    this.#auditIntervalMs = options.auditIntervalMs ?? 5_000;
    this.#eventsMaxLen = options.eventsMaxLen ?? 50_000;
    this.#onError = errorReporter("bullmqBackend", options.connection, options.onError);
    // Fails here, not at the first call, when the peer or the URL's scheme is wrong.
    this.#classes = loadBullmq("volley/bullmq");
    this.#connection = resolveConnection(options.connection, "bullmqBackend");
  }

  /** One pool for all tools, when `slots` is set. */
  capacity(): BackendCapacity | undefined {
    return Number.isFinite(this.#slots)
      ? { pool: `bullmq:${this.#options.queue}`, slots: this.#slots }
      : undefined;
  }

  /** Learns from the tool's policy whether its jobs dedupe and may run again after a crash. */
  register(tool: BackendTool): void {
    const idempotent = tool.policy.idempotent !== undefined && tool.policy.idempotent !== false;
    if (idempotent) this.#idempotent.add(tool.name);
    else this.#idempotent.delete(tool.name);
  }

  /** Live figures: attempts waiting for replies, and the workers heard from. */
  stats(): BullmqBackendStats {
    let waiting = 0;
    for (const lane of this.#lanes.values()) {
      for (const list of lane.waiting.values()) waiting += list.length;
    }
    return { waiting, sent: this.#sent, workers: this.#live.live(Date.now()) };
  }

  run(request: AttemptRequest, signal: AbortSignal, progress?: ProgressReporter): Promise<unknown> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.#closed) {
      return Promise.reject(new VolleyError("cancelled", "The bullmq backend is closed"));
    }
    let payload: JobData;
    try {
      payload = this.#payload(request, progress !== undefined);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    // Once connected, with a worker known and the lane reading, a call goes out at once: no
    // promise or abort listener is made for the steps that are already done.
    const lane = this.#lanes.get(request.tool);
    if (lane !== undefined && lane.reading && this.#live.runs(request.tool, Date.now())) {
      return this.#send(lane, request, payload, signal, progress);
    }
    return this.#runSlow(request, payload, signal, progress);
  }

  async #runSlow(
    request: AttemptRequest,
    payload: JobData,
    signal: AbortSignal,
    progress: ProgressReporter | undefined,
  ): Promise<unknown> {
    await abortable(this.#start(), signal);
    await abortable(this.#knowWorker(request.tool), signal);
    const lane = this.#lane(request.tool);
    try {
      await abortable(lane.ready, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new VolleyError(
        "crashed",
        `Could not start reading the replies of queue "${lane.name}" (${this.#connection!.label}): ${redactText(errorText(error), this.#options.connection)}`,
      );
    }
    return this.#send(lane, request, payload, signal, progress);
  }

  /** The job's data, checked for size as JSON before anything is sent. */
  #payload(request: AttemptRequest, hearsProgress: boolean): JobData {
    const idempotent = this.#idempotent.has(request.tool);
    const key = request.idempotencyKey;
    const data: JobData = {
      v: PROTOCOL_VERSION,
      args: request.args,
      callId: request.callId,
      batchId: request.batchId,
      attempt: request.attempt,
      ...(Number.isFinite(request.deadline) ? { deadline: request.deadline } : {}),
      // The worker's executor makes the usual key itself.
      ...(key === `${request.batchId}:${request.callId}` ? {} : { idempotencyKey: key }),
      ...(idempotent ? { rerun: true } : {}),
      ...(hearsProgress ? { progress: true } : {}),
    };
    let text: string;
    try {
      text = JSON.stringify(data);
    } catch (error) {
      throw new VolleyError(
        "invalid_args",
        `The arguments of call "${request.callId}" to tool "${request.tool}" cannot be sent to a worker as JSON: ${errorText(error)}`,
      );
    }
    // A UTF-8 byte is at most 3 per UTF-16 unit: most payloads need no exact count.
    const bytes = text.length * 3 <= this.#maxArgsBytes ? 0 : Buffer.byteLength(text);
    if (bytes > this.#maxArgsBytes) {
      throw new VolleyError(
        "rejected",
        `The arguments of call "${request.callId}" to tool "${request.tool}" are ${bytes} bytes of JSON, over bullmqBackend's maxArgsBytes (${this.#maxArgsBytes}): not sent`,
      );
    }
    return data;
  }

  #send(
    lane: ToolLane,
    request: AttemptRequest,
    data: JobData,
    signal: AbortSignal,
    progress: ProgressReporter | undefined,
  ) {
    this.#sent += 1;
    const idempotent = data.rerun === true;
    const key = idempotent ? canonicalKey(request.args) : undefined;
    const sending = new Sending(this.#sendSite, lane, request.callId, signal, progress);
    const added = lane.queue.add(
      request.tool,
      data,
      key === undefined
        ? { jobId: sending.jobId, ...this.#keep }
        : {
            jobId: sending.jobId,
            ...this.#keep,
            deduplication: { id: dedupeId(request.tool, key) },
          },
    );
    added.then(
      (job) => sending.added(job),
      (error: unknown) => sending.refused(error),
    );
    return sending.promise;
  }

  /** Why a job could not be sent, as the call's error. */
  #refused(lane: ToolLane, callId: string, error: unknown): VolleyError {
    return new VolleyError(
      "crashed",
      `Could not send call "${callId}" to queue "${lane.name}" (${this.#connection!.label}): ${redactText(errorText(error), this.#options.connection)}`,
    );
  }

  /** Stops a job wherever it is: taken off the queue if it waits, aborted on its worker if it runs. */
  #cancel(lane: ToolLane, jobId: string, reason: unknown): void {
    const cancel: CancelRequest = { queue: lane.name, jobId, reason: errorText(reason) };
    this.#control?.producer
      .publishEvent(
        { eventName: CONTROL_EVENTS.cancel, data: JSON.stringify(cancel) },
        CONTROL_STREAM_LENGTH,
      )
      .catch(this.#onError);
    // Refused for a job a worker holds: that one is stopped by the cancel event.
    lane.queue.remove(jobId).catch(() => {});
  }

  /** Connects once: the control queue's reader and producer, then asks workers to announce. */
  #start(): Promise<void> {
    this.#started ??= this.#connect();
    return this.#started;
  }

  async #connect(): Promise<void> {
    this.#startedAt = Date.now();
    const classes = this.#classes!;
    const name = controlQueueName(this.#options.queue);
    const site = this.#site();
    const events = openBullmq<QueueEvents>(classes.QueueEvents, name, site);
    const producer = openBullmq<QueueEventsProducer>(classes.QueueEventsProducer, name, site);
    const on = events.on.bind(events) as (event: string, listener: (args: unknown) => void) => void;
    on(CONTROL_EVENTS.worker, (args) => {
      const announcement = payloadOf<WorkerAnnouncement>(args);
      if (announcement === undefined || !Array.isArray(announcement.tools)) return;
      this.#live.seen(announcement, Date.now());
      for (const wake of this.#listening) wake();
    });
    on(CONTROL_EVENTS.bye, (args) => {
      const bye = payloadOf<{ id: string }>(args);
      if (bye !== undefined) this.#live.gone(bye.id);
    });
    this.#control = { events, producer };
    await events.waitUntilReady();
    await producer.publishEvent({ eventName: CONTROL_EVENTS.hello }, CONTROL_STREAM_LENGTH);
    this.#audit = setInterval(() => void this.#auditLanes(), this.#auditIntervalMs);
    this.#audit.unref();
  }

  /** Asks every worker to announce itself now: at most once every 200 ms. */
  #hello(): void {
    const now = Date.now();
    if (now - this.#helloAt < 200) return;
    this.#helloAt = now;
    this.#control?.producer
      .publishEvent({ eventName: CONTROL_EVENTS.hello }, CONTROL_STREAM_LENGTH)
      .catch(this.#onError);
  }

  #site(): BullmqSite {
    const connection = this.#connection!;
    return {
      connection: connection.connection,
      backendFactory: connection.backendFactory,
      onError: this.#onError,
    };
  }

  /** Resolves once a live worker runs `tool`; throws `unknown_tool` once discovery is over. */
  async #knowWorker(tool: string): Promise<void> {
    if (this.#live.runs(tool, Date.now())) return;
    let until = this.#startedAt + this.#discoveryMs;
    if (this.#live.known(tool)) {
      // Its workers were heard from, and are late with a heartbeat (a busy machine): ask them,
      // and give them a discovery's time to answer before the call ends `unknown_tool`.
      until = Math.max(until, Date.now() + this.#discoveryMs);
      this.#hello();
    }
    while (!this.#live.runs(tool, Date.now())) {
      const left = until - Date.now();
      if (left <= 0) {
        const live = this.#live.live(Date.now());
        const tools = [...new Set(live.flatMap((w) => w.tools))].sort();
        throw new VolleyError(
          "unknown_tool",
          `No live worker of queue "${this.#options.queue}" runs tool "${tool}" (${live.length === 0 ? "no worker answered" : `${live.length} worker(s), running: ${tools.join(", ")}`})`,
        );
      }
      await new Promise<void>((wake) => {
        const done = () => {
          clearTimeout(timer);
          this.#listening.delete(done);
          wake();
        };
        const timer = setTimeout(done, left);
        this.#listening.add(done);
      });
    }
  }

  #lane(tool: string): ToolLane {
    let lane = this.#lanes.get(tool);
    if (lane === undefined) {
      lane = new ToolLane(toolQueueName(this.#options.queue, tool), {
        classes: this.#classes!,
        site: this.#site(),
        eventsMaxLen: this.#eventsMaxLen,
      });
      this.#lanes.set(tool, lane);
      const made = lane;
      // A lane that could not start is dropped, so that the next call tries again.
      made.ready.catch(() => {
        if (this.#lanes.get(tool) !== made) return;
        this.#lanes.delete(tool);
        made.rejectAll(
          new VolleyError("crashed", `The reader of queue "${made.name}" did not start`),
        );
        void made.close();
      });
    }
    return lane;
  }

  async #auditLanes(): Promise<void> {
    const before = Date.now() - this.#auditIntervalMs;
    await Promise.all([...this.#lanes.values()].map((lane) => lane.audit(before, AUDIT_BATCH)));
  }

  /** Ends the attempts still waiting (`cancelled`) and closes the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#audit);
    const error = new VolleyError("cancelled", "The bullmq backend was closed");
    for (const lane of this.#lanes.values()) lane.rejectAll(error);
    await this.#started?.catch(() => {});
    await Promise.allSettled([
      ...[...this.#lanes.values()].map((lane) => lane.close()),
      this.#control?.events.close(),
      this.#control?.producer.close(),
    ]);
    await this.#connection?.close();
  }
}

/** What an attempt on its way needs from its backend. */
interface SendSite {
  /** Stops the job wherever it is. */
  cancel(lane: ToolLane, jobId: string, reason: unknown): void;
  /** The call's error when its job could not be sent. */
  refused(lane: ToolLane, callId: string, error: unknown): VolleyError;
}

/**
 * One attempt on its way: the job it waits for, and its caller's signal. A class, not closures:
 * its methods are made once, not per call.
 */
class Sending implements Waiter {
  jobId: string = randomUUID();
  /** When the queue had the job (epoch ms), for the audit; not before. */
  sentAt = Number.POSITIVE_INFINITY;
  readonly promise: Promise<unknown>;
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;
  /** Set when an identical call's job is shared: it runs on for the others when this one aborts. */
  #shared = false;

  constructor(
    readonly site: SendSite,
    readonly lane: ToolLane,
    readonly callId: string,
    readonly signal: AbortSignal,
    readonly progress: ProgressReporter | undefined,
  ) {
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    signal.addEventListener("abort", this, { once: true });
    lane.wait(this.jobId, this);
  }

  resolve(value: unknown): void {
    this.signal.removeEventListener("abort", this);
    this.#resolve(value);
  }

  reject(error: unknown): void {
    this.signal.removeEventListener("abort", this);
    this.#reject(error);
  }

  /** The caller's signal aborted (an EventListener object: no closure per call). */
  handleEvent(): void {
    const last = this.lane.unwait(this.jobId, this);
    if (last && !this.#shared) this.site.cancel(this.lane, this.jobId, this.signal.reason);
    this.#reject(this.signal.reason);
  }

  /** The queue has the job: audited from now on. */
  added(job: { readonly id?: string | undefined }): void {
    if (job.id !== undefined && job.id !== this.jobId) {
      // An identical call's job is already queued or running: wait for its reply.
      this.lane.unwait(this.jobId, this);
      this.jobId = job.id;
      this.#shared = true;
      if (!this.signal.aborted) this.lane.wait(this.jobId, this);
    }
    this.sentAt = Date.now();
  }

  /** The queue refused the job. */
  refused(error: unknown): void {
    this.lane.unwait(this.jobId, this);
    this.reject(this.site.refused(this.lane, this.callId, error));
  }
}

/** The deduplication id of an idempotent tool's call: the same for identical calls anywhere. */
function dedupeId(tool: string, key: string): string {
  return createHash("sha256").update(tool).update("\0").update(key).digest("base64url");
}

/** `promise`, or `signal`'s reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * Runs the attempts of an executor's tools on BullMQ workers ({@link startWorker}), on Redis or
 * on BullMQ's Postgres backend.
 * @example
 * const executor = createExecutor({
 *   tools,
 *   backend: bullmqBackend({ connection: "redis://127.0.0.1:6379", queue: "tools" }),
 * });
 */
export function bullmqBackend(options: BullmqBackendOptions): BullmqBackend {
  return new BullmqBackend(options);
}
