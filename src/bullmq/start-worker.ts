import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Job, Queue, QueueEvents, QueueEventsProducer, Worker } from "bullmq";
import type { Backend } from "../core/backend.js";
import type { AttemptInvoker } from "../core/attempt-invoker.js";
import type { Batch } from "../core/batch.js";
import { describeValue, errorText } from "../core/describe-value.js";
import { VolleyError } from "../core/errors/volley-error.js";
import { createExecutor, type Executor } from "../core/executor.js";
import type { CallProgressEvent } from "../core/events.js";
import type { Outcome } from "../core/outcome.js";
import type { Policy } from "../core/policy.js";
import { isVolleyTool, type AnyTool, type ToolContext } from "../core/tool.js";
import {
  assertCount,
  assertDuration,
  assertKnownKeys,
  optionKeys,
  optional,
} from "../core/validate-options.js";
import { flattenError, jsonCopy, type WireError } from "../core/wire-error.js";
import { resolveConnection, type BullmqConnection } from "./connection.js";
import { EventRelay, type JobFacts } from "./event-relay.js";
import { loadBullmq, openBullmq } from "./load-bullmq.js";
import {
  CONTROL_EVENTS,
  CONTROL_STREAM_LENGTH,
  EVENTS_STREAM_LENGTH,
  PROTOCOL_VERSION,
  controlQueueName,
  eventsQueueName,
  payloadOf,
  toolQueueName,
  type CancelRequest,
  type JobData,
  type JobReply,
  type ProgressData,
  type WorkerAnnouncement,
} from "./protocol.js";
import { assertQueueName, errorReporter } from "./settings.js";
import { ProgressSender } from "./progress-sender.js";
import { RemoteContext } from "./remote-context.js";
import { StartLedger, type LedgerClient, type LedgerEntry } from "./start-ledger.js";

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** Where the queues live, as for `bullmqBackend()`: a Redis or Postgres URL, or ioredis options. */
  readonly connection: BullmqConnection;
  /** The cluster's name, the same as its callers'. */
  readonly queue: string;
  /** The tools this worker runs: made by `defineTool()`, or `@langchain/core` tools. */
  readonly tools: readonly AnyTool[];
  /**
   * Attempts this worker runs at once. It takes up to this many jobs from each tool's queue,
   * and runs at most this many of them at a time.
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * Backends for the tools' `isolation`, as in `createExecutor()`.
   * @default `{ worker: threadBackend() }` from `volley/threads` when a tool has `isolation: "worker"`
   */
  readonly backends?: Readonly<Record<string, Backend>>;
  /**
   * Also hold each tool's `concurrency` and `rateLimit` across the whole cluster, every caller
   * and worker together, with BullMQ's global concurrency and rate limit on the tool's queue.
   * @default false: they hold per caller and per worker
   */
  readonly clusterLimits?: boolean;
  /**
   * Largest JSON of one result (bytes). A larger one ends the call `tool_error`, not retried.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxResultBytes?: number;
  /** How often the worker tells callers it is alive (ms). @default 1_000 */
  readonly heartbeatMs?: number;
  /**
   * How long a job's lock lasts before BullMQ counts the job stalled, its worker dead, and
   * another worker takes it (ms). The worker renews it while the job runs.
   * @default 30_000
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs of its queues (ms). @default 30_000 */
  readonly stalledIntervalMs?: number;
  /** The worker's name in announcements and stats. @default host, pid and a random suffix */
  readonly id?: string;
  /**
   * Publish the executor's events (without the calls' arguments and results' values) and its
   * stats on the cluster's events queue, for the cluster's dashboard (`clusterSource()`,
   * `volley dashboard --redis`). At most one message every 100 ms, and one per heartbeat.
   * @default true
   */
  readonly publishEvents?: boolean;
  /** Told of the connection's errors, with any password cut out. @default a process warning, at most one every 10 s */
  readonly onError?: (error: Error) => void;
}

/** Options of {@link VolleyWorker.close}. */
export interface WorkerCloseOptions {
  /**
   * How long the attempts running may take to finish (ms). Then they are stopped: a tool that
   * is safe to run twice (`idempotent`) goes back to its queue for another worker; any other
   * ends `crashed`, for its caller's retry policy to decide. Jobs taken but not started go back
   * at once.
   * @default 30_000
   */
  readonly graceMs?: number;
}

/** Live figures of a worker. */
export interface VolleyWorkerStats {
  /** Jobs taken and not yet answered, started or not. */
  readonly active: number;
  /** Jobs answered. */
  readonly answered: number;
  /** Jobs given back to their queue (at close). */
  readonly handedBack: number;
}

/** A running worker, made by {@link startWorker}. */
export interface VolleyWorker {
  /** Its name in announcements. */
  readonly id: string;
  /** The executor that runs its attempts: subscribe to its events for logs, metrics, traces. */
  readonly executor: Executor;
  /** Live figures. */
  stats(): VolleyWorkerStats;
  /**
   * Stops taking jobs, lets the running ones finish within `graceMs`, hands back or ends the
   * rest, says goodbye to callers and closes its connections.
   */
  close(options?: WorkerCloseOptions): Promise<void>;
}

const OPTION_KEYS = optionKeys<StartWorkerOptions>()([
  "connection",
  "queue",
  "tools",
  "concurrency",
  "backends",
  "clusterLimits",
  "maxResultBytes",
  "heartbeatMs",
  "lockDurationMs",
  "stalledIntervalMs",
  "id",
  "publishEvents",
  "onError",
]);

const CLOSE_KEYS = optionKeys<WorkerCloseOptions>()(["graceMs"]);

/** Why a local attempt was stopped so that its job goes back to the queue. */
const HAND_BACK = Symbol("hand back");

/** Why a local attempt was stopped at close, past the grace period, for good. */
const STOPPED = Symbol("stopped");

/** A job this worker holds. */
class Held implements LedgerEntry {
  /** Set when its tool started (the executor invoked it). */
  started = false;
  mark: LedgerEntry["mark"] = "none";
  /** Why it was stopped: {@link HAND_BACK}, {@link STOPPED}, or its caller's cancel. */
  stopped: unknown = undefined;
  /** What the tool threw, if it did: sent to the caller as it was thrown. */
  thrown: { readonly error: unknown } | undefined = undefined;
  /** Its one-call batch on the worker's executor, once it runs there. */
  batch: Batch<Outcome> | undefined = undefined;

  constructor(
    readonly job: Job,
    readonly key: string,
    readonly token: string,
    readonly rerun: boolean,
  ) {}

  /** Stops it: its batch is cancelled, at once or as soon as it has one. */
  stop(reason: unknown): void {
    if (this.stopped !== undefined) return;
    this.stopped = reason;
    this.batch?.cancel(reason === HAND_BACK || reason === STOPPED ? CLOSING : reason);
  }
}

/** The cancel reason of an attempt stopped because its worker closes. */
const CLOSING = new VolleyError("cancelled", "The worker is closing");

/**
 * Starts a worker: it takes the jobs of its tools' queues and runs them on a Volley executor of
 * its own, with the tools' timeouts, signals, isolation and events, and answers each with the
 * outcome's value or error.
 * @example
 * const worker = await startWorker({ connection: process.env.REDIS_URL!, queue: "tools", tools });
 * process.on("SIGTERM", () => void worker.close());
 */
export async function startWorker(options: StartWorkerOptions): Promise<VolleyWorker> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected startWorker() options, got ${describeValue(options)}`);
  }
  assertKnownKeys("startWorker", options, OPTION_KEYS);
  assertQueueName("startWorker", options.queue);
  if (!Array.isArray(options.tools) || options.tools.length === 0) {
    throw new TypeError(
      `Expected startWorker's tools to be a non-empty array of tools, got ${describeValue(options.tools)}`,
    );
  }
  optional(options.concurrency, (v) =>
    assertCount("startWorker's concurrency", v, { allowInfinity: false }),
  );
  optional(options.maxResultBytes, (v) => assertCount("startWorker's maxResultBytes", v));
  optional(options.heartbeatMs, (v) =>
    assertDuration("startWorker's heartbeatMs", v, { allowInfinity: false, min: 10 }),
  );
  optional(options.lockDurationMs, (v) =>
    assertDuration("startWorker's lockDurationMs", v, { allowInfinity: false, min: 100 }),
  );
  optional(options.stalledIntervalMs, (v) =>
    assertDuration("startWorker's stalledIntervalMs", v, { allowInfinity: false, min: 100 }),
  );
  optional(options.id, (v) => {
    if (typeof v !== "string" || v.length === 0)
      throw new TypeError(
        `Expected startWorker's id to be a non-empty string, got ${describeValue(v)}`,
      );
  });
  optional(options.onError, (v) => {
    if (typeof v !== "function")
      throw new TypeError(
        `Expected startWorker's onError to be a function, got ${describeValue(v)}`,
      );
  });
  optional(options.publishEvents, (v) => {
    if (typeof v !== "boolean")
      throw new TypeError(
        `Expected startWorker's publishEvents to be a boolean, got ${describeValue(v)}`,
      );
  });
  const classes = loadBullmq("volley/bullmq");
  const connection = resolveConnection(options.connection, "startWorker");
  const onError = errorReporter("startWorker", options.connection, options.onError);
  const concurrency = options.concurrency ?? 16;
  const maxResultBytes = options.maxResultBytes ?? 1_048_576;
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const id = options.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const tools = options.tools;
  const byName = new Map(tools.map((t) => [t.name, t]));

  // The caller retries: an attempt here is one attempt.
  const policies: Record<string, Policy> = {};
  for (const tool of tools) policies[tool.name] = { retry: false };
  const executor = createExecutor({
    tools,
    concurrency,
    policies,
    ...(await backendsFor(tools, options.backends)),
  });

  const site = {
    connection: connection.connection,
    backendFactory: connection.backendFactory,
    onError,
  };
  const control = controlQueueName(options.queue);
  const controlEvents = openBullmq<QueueEvents>(classes.QueueEvents, control, site);
  const producer = openBullmq<QueueEventsProducer>(classes.QueueEventsProducer, control, site);
  const held = new Map<string, Held>();
  const publishEvents = options.publishEvents ?? true;
  const eventsProducer = publishEvents
    ? openBullmq<QueueEventsProducer>(
        classes.QueueEventsProducer,
        eventsQueueName(options.queue),
        site,
      )
    : undefined;
  /** The caller's side of each job running, for the events relayed: by batch and call id. */
  const jobs = new Map<string, JobFacts>();
  /** The running jobs whose callers hear their progress, by batch and call id. */
  const senders = new Map<string, ProgressSender>();
  let hearingProgress = false;
  /** Listens to the executor's reports once a caller first wants them; until then none is made. */
  const hearProgress = () => {
    if (hearingProgress) return;
    hearingProgress = true;
    executor.on("call:progress", (event) => {
      senders.get(`${event.batchId}\u0000${event.callId}`)?.report(progressData(event));
    });
  };
  let answered = 0;
  let handedBack = 0;
  let closing = false;

  const announcement = (): WorkerAnnouncement => ({
    id,
    tools: tools.map((t) => t.name),
    host: hostname(),
    pid: process.pid,
    concurrency,
    ttlMs: heartbeatMs * 5,
  });
  const announce = () => {
    if (closing) return;
    producer
      .publishEvent(
        { eventName: CONTROL_EVENTS.worker, data: JSON.stringify(announcement()) },
        CONTROL_STREAM_LENGTH,
      )
      .catch(onError);
  };
  const onControl = controlEvents.on.bind(controlEvents) as (
    event: string,
    listener: (args: unknown) => void,
  ) => void;
  onControl(CONTROL_EVENTS.hello, announce);
  onControl(CONTROL_EVENTS.cancel, (args) => {
    const cancel = payloadOf<CancelRequest>(args);
    if (cancel === undefined) return;
    const entry = held.get(cancel.jobId);
    if (entry !== undefined && entry.job.queueName === cancel.queue) {
      entry.stop(new VolleyError("cancelled", `Cancelled by its caller: ${cancel.reason}`));
    }
  });

  /** The reply to a job answered without running it, told to the cluster's dashboard too. */
  function unrun(
    data: Partial<JobData>,
    tool: string,
    attempts: number,
    error: WireError,
  ): JobReply {
    relay?.unrun({
      batchId: String(data.batchId),
      callId: String(data.callId),
      tool,
      attempts,
      error: { kind: error.kind ?? "tool_error", message: error.message },
    });
    return failure(error);
  }

  /** Each tool queue's start marks, by queue name (Redis only), and how it names a job's hash. */
  const ledgers = new Map<string, StartLedger>();
  const ledgerKeys = new Map<string, (jobId: string) => string>();

  /**
   * Runs one job on the executor; resolves with its reply, or throws to hand it back. It takes
   * no abort signal from BullMQ (which would make one per job): nothing here cancels through it.
   */
  async function processJob(job: Job, token: string | undefined): Promise<JobReply> {
    const data = job.data as Partial<JobData> | null;
    if (data === null || typeof data !== "object" || !KNOWN_VERSIONS.has(data.v as number)) {
      return failure({
        name: "ProtocolError",
        message: `Job ${job.id} on queue "${job.queueName}" is not a Volley call of protocol version ${PROTOCOL_VERSION} (got version ${describeValue(data?.v)}): are callers and workers of different Volley versions?`,
        final: true,
      });
    }
    // Version 2 names the tool by the job's name only.
    const toolName = data.v === 1 ? String((data as { tool?: unknown }).tool) : job.name;
    const tool = byName.get(toolName);
    const callId = String(data.callId);
    if (tool === undefined) {
      return unrun(data, toolName, 0, {
        name: "UnknownTool",
        kind: "unknown_tool",
        message: `Worker ${id} runs no tool "${toolName}"`,
      });
    }
    const rerun = data.rerun === true;
    const ledger = ledgers.get(job.queueName);
    const key = ledger === undefined ? "" : ledgerKeys.get(job.queueName)!(job.id!);
    if (job.stalledCounter > 0 && !rerun) {
      let neverStarted = false;
      try {
        neverStarted = ledger !== undefined && (await ledger.neverStarted(key));
      } catch (error) {
        onError(error);
      }
      if (!neverStarted) {
        return unrun(data, toolName, typeof data.attempt === "number" ? data.attempt : 1, {
          name: "WorkerCrashedError",
          kind: "crashed",
          message: `The worker running call "${callId}" stopped answering (it died, or its event loop was blocked past the job's lock) after the call may have started; not run again, as tool "${tool.name}" is not idempotent`,
        });
      }
      // Its first worker never started its tool: it runs here as if it had just come.
    }
    const deadline = typeof data.deadline === "number" ? data.deadline : Number.POSITIVE_INFINITY;
    const left = deadline - Date.now();
    if (left <= 0) {
      return unrun(data, toolName, 0, {
        name: "ToolTimeoutError",
        kind: "timeout",
        message: `Call "${callId}" to tool "${tool.name}" was not run: its deadline passed before a worker took it`,
      });
    }
    const entry = new Held(job, key, token ?? "", rerun);
    held.set(job.id!, entry);
    const batchId = String(data.batchId);
    const jobKey = eventsProducer === undefined ? "" : `${batchId}\u0000${callId}`;
    const facts: JobFacts = {
      attempt: typeof data.attempt === "number" ? data.attempt : 1,
      sentAt: job.timestamp,
    };
    if (eventsProducer !== undefined) jobs.set(jobKey, facts);
    let sender: ProgressSender | undefined;
    if (data.progress === true) {
      hearProgress();
      sender = new ProgressSender(job);
      senders.set(`${batchId}\u0000${callId}`, sender);
    }
    try {
      const invoke = invokerFor(entry, ledger, tool, data as JobData, id);
      const call = { id: callId, name: tool.name, args: data.args };
      const batch = executor.execute(
        [call],
        Number.isFinite(left) ? { batchId, deadlineMs: left, invoke } : { batchId, invoke },
      );
      entry.batch = batch;
      if (entry.stopped !== undefined) entry.stop(entry.stopped);
      // A job that is not started before the next turn of the event loop waits on this worker:
      // marked so, so that a worker that finds it stalled knows its tool never ran.
      if (ledger !== undefined && !rerun && !entry.started) ledger.markUnlessStarted(entry);
      const report = await batch;
      entry.started = true;
      const outcome = report.outcomes[0]!;
      if (entry.stopped === HAND_BACK && outcome.status === "error") {
        await job.moveToWait(token);
        handedBack += 1;
        throw new classes.WaitingError();
      }
      if (entry.stopped === STOPPED && outcome.status === "error") {
        answered += 1;
        return failure({
          name: "WorkerCrashedError",
          kind: "crashed",
          message: `Worker ${id} stopped (its grace period ran out) while call "${callId}" ran; not run again, as tool "${tool.name}" is not idempotent`,
        });
      }
      answered += 1;
      return replyOf(outcome, entry.thrown, maxResultBytes);
    } finally {
      held.delete(job.id!);
      // A later job of the same call (the caller's retry) may have taken the key meanwhile.
      if (eventsProducer !== undefined && jobs.get(jobKey) === facts) jobs.delete(jobKey);
      if (sender !== undefined) {
        const senderKey = `${batchId}\u0000${callId}`;
        if (senders.get(senderKey) === sender) senders.delete(senderKey);
        // The reports go out before the reply, which BullMQ writes once this returns.
        await sender.end();
      }
    }
  }

  const queues: Queue[] = [];
  if (options.clusterLimits === true) {
    for (const tool of tools) {
      const queue = openBullmq<Queue>(classes.Queue, toolQueueName(options.queue, tool.name), site);
      queues.push(queue);
      await applyClusterLimits(queue, isVolleyTool(tool) ? tool : {});
    }
  }
  const workers = tools.map((tool) => {
    const worker = new (
      classes.Worker as unknown as new (
        n: string,
        p: typeof processJob,
        o: unknown,
        f: unknown,
      ) => Worker
    )(
      toolQueueName(options.queue, tool.name),
      processJob,
      {
        connection: site.connection,
        concurrency,
        name: id,
        autorun: false,
        ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
        ...(options.stalledIntervalMs === undefined
          ? {}
          : { stalledInterval: options.stalledIntervalMs }),
        // A restarted job is answered here (`crashed`, or run again), not failed by BullMQ.
        maxStalledCount: 1,
      },
      site.backendFactory,
    );
    worker.on("error", onError);
    if (connection.kind === "redis") {
      // Redis's backend only: its raw client and its keys are what the marks need.
      const backend = worker.getBackend() as unknown as {
        readonly client: Promise<LedgerClient>;
        toKey(type: string): string;
      };
      ledgers.set(worker.name, new StartLedger(backend.client, onError));
      ledgerKeys.set(worker.name, (jobId) => backend.toKey(jobId));
    }
    return worker;
  });
  await Promise.all([
    controlEvents.waitUntilReady(),
    producer.waitUntilReady(),
    eventsProducer?.waitUntilReady(),
  ]);
  if (eventsProducer !== undefined && connection.kind === "postgres") {
    // Redis trims the events' stream as each message is added; BullMQ's Postgres backend trims
    // it to the length in the queue's settings, which a Queue writes there.
    const settings = openBullmq<Queue>(classes.Queue, eventsQueueName(options.queue), site, {
      streams: { events: { maxLen: EVENTS_STREAM_LENGTH } },
    });
    await settings.getVersion().catch(onError);
    await settings.close().catch(onError);
  }
  const relay =
    eventsProducer === undefined
      ? undefined
      : new EventRelay({
          worker: id,
          executor,
          producer: eventsProducer,
          heartbeatMs,
          ttlMs: heartbeatMs * 5,
          onError,
          jobOf: (batchId, callId) => jobs.get(`${batchId}\u0000${callId}`),
        });
  // Jobs are taken once the control reader runs, so that no cancel goes unheard.
  for (const worker of workers) worker.run().catch(onError);
  announce();
  relay?.announce();
  const heartbeat = setInterval(announce, heartbeatMs);
  heartbeat.unref();

  let closed: Promise<void> | undefined;
  return {
    id,
    executor,
    stats: () => ({ active: held.size, answered, handedBack }),
    close(closeOptions: WorkerCloseOptions = {}) {
      assertKnownKeys("worker.close", closeOptions, CLOSE_KEYS);
      optional(closeOptions.graceMs, (v) => assertDuration("worker.close's graceMs", v));
      closed ??= (async () => {
        closing = true;
        clearInterval(heartbeat);
        await Promise.all(workers.map((w) => w.pause(true).catch(onError)));
        // Taken but not started: back to the queue at once, for another worker.
        for (const entry of held.values()) if (!entry.started) entry.stop(HAND_BACK);
        const grace = closeOptions.graceMs ?? 30_000;
        const idle = Promise.all(workers.map((w) => w.close().catch(onError)));
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = await Promise.race([
          idle.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), grace))),
        ]);
        clearTimeout(timer);
        if (late) {
          for (const entry of held.values()) {
            entry.stop(entry.rerun ? HAND_BACK : STOPPED);
          }
          await idle;
        }
        await executor.close({ cancel: true });
        // Its last events before its goodbye, so that readers see every call end.
        await relay?.close();
        await producer
          .publishEvent(
            { eventName: CONTROL_EVENTS.bye, data: JSON.stringify({ id }) },
            CONTROL_STREAM_LENGTH,
          )
          .catch(onError);
        await Promise.allSettled([
          controlEvents.close(),
          producer.close(),
          eventsProducer?.close(),
          ...queues.map((q) => q.close()),
        ]);
        await connection.close();
      })();
      return closed;
    },
  };
}

/** The protocol versions a worker reads: version 1 also named the tool in the job's data. */
const KNOWN_VERSIONS = new Set([1, PROTOCOL_VERSION]);

/**
 * How a held job's attempt starts on the worker's executor: once its start is claimed (when it
 * was marked waiting), with its caller's context, keeping what its tool throws for the reply.
 */
function invokerFor(
  entry: Held,
  ledger: StartLedger | undefined,
  tool: AnyTool,
  data: JobData,
  worker: string,
): AttemptInvoker {
  return (call, ctx, run) => {
    if (entry.stopped !== undefined) throw entry.stopped;
    const may = ledger === undefined || entry.rerun ? true : ledger.claim(entry);
    entry.started = true;
    if (may === true) return invokeHeld(entry, tool, call.args, ctx, data, run);
    return may.then(
      (claimed) => {
        if (!claimed) {
          throw new VolleyError(
            "crashed",
            `Call "${call.id}" was taken over by another worker while it waited on worker ${worker}: not started here`,
          );
        }
        return invokeHeld(entry, tool, call.args, ctx, data, run);
      },
      (error: unknown) => {
        throw new VolleyError(
          "crashed",
          `Worker ${worker} could not record the start of call "${call.id}" (${errorText(error)}): not started`,
        );
      },
    );
  };
}

/** Runs a held job's tool, keeping what it throws for the reply. */
function invokeHeld(
  entry: Held,
  tool: AnyTool,
  args: unknown,
  ctx: ToolContext,
  data: JobData,
  run: () => unknown,
): unknown {
  try {
    const result = invokeAs(tool, args, ctx, data, run);
    if (typeof (result as PromiseLike<unknown> | null)?.then !== "function") return result;
    return Promise.resolve(result).catch((error: unknown) => {
      entry.thrown = { error };
      throw error;
    });
  } catch (error) {
    entry.thrown = { error };
    throw error;
  }
}

/** A progress event's report, as the job's progress. */
function progressData(event: CallProgressEvent): ProgressData {
  const { progress, total, message } = event;
  return {
    ...(progress === undefined ? {} : { progress }),
    ...(total === undefined ? {} : { total }),
    ...(message === undefined ? {} : { message }),
  };
}

/** A reply that carries an error. */
function failure(error: WireError): JobReply {
  return { ok: false, error };
}

/**
 * The reply for an attempt's outcome. A tool's own error is sent as it threw it (name, code,
 * data, `NonRetryableError`), so that its caller classifies it as if the tool ran there; any
 * other failure (a timeout, bad arguments) as the outcome's kind and message.
 */
function replyOf(
  outcome: Outcome,
  thrown: { readonly error: unknown } | undefined,
  maxResultBytes: number,
): JobReply {
  if (outcome.status === "ok") {
    let bytes: number;
    try {
      bytes = Buffer.byteLength(JSON.stringify(outcome.value) ?? "");
    } catch (error) {
      return failure({
        name: "ResultNotSendable",
        message: `Tool "${outcome.name}" returned a value that cannot be sent as JSON, got ${describeValue(outcome.value)}: ${errorText(error)}`,
        final: true,
      });
    }
    if (bytes > maxResultBytes) {
      return failure({
        name: "ResultTooLarge",
        message: `Tool "${outcome.name}" returned ${bytes} bytes of JSON, over the worker's maxResultBytes (${maxResultBytes})`,
        final: true,
      });
    }
    return { ok: true, value: outcome.value };
  }
  const { error } = outcome;
  if (error.kind === "tool_error" && thrown !== undefined) {
    return failure(flattenError(thrown.error, jsonCopy));
  }
  const name = typeof error.data?.["name"] === "string" ? error.data["name"] : "VolleyError";
  const data = jsonCopy(error.data);
  return failure({
    name,
    kind: error.kind,
    message: error.message,
    ...(data === undefined ? {} : { data: data.value as Record<string, unknown> }),
  });
}

/**
 * Runs an attempt with its caller's context: the caller's attempt number and idempotency key,
 * not this worker's (its executor makes one attempt per job). When they are the worker's own (a
 * first attempt with the usual key), the worker's context is the caller's. Tools that run on a
 * backend here (threads) get the worker's.
 */
function invokeAs(
  tool: AnyTool,
  args: unknown,
  ctx: ToolContext,
  data: JobData,
  run: () => unknown,
): unknown {
  if (!isVolleyTool(tool) || (tool.isolation ?? "inline") !== "inline") return run();
  const attempt = typeof data.attempt === "number" ? data.attempt : ctx.attempt;
  const key = typeof data.idempotencyKey === "string" ? data.idempotencyKey : undefined;
  if (attempt === ctx.attempt && key === undefined) return run();
  return (tool.run as (args: unknown, ctx: ToolContext) => unknown)(
    args,
    new RemoteContext(ctx, attempt, key),
  );
}

/** The local executor's backends: the given ones, or threads when a tool wants them. */
async function backendsFor(
  tools: readonly AnyTool[],
  given: Readonly<Record<string, Backend>> | undefined,
): Promise<{ backends?: Readonly<Record<string, Backend>> }> {
  if (given !== undefined) return { backends: given };
  const wantsThreads = tools.some((t) => isVolleyTool(t) && t.isolation === "worker");
  if (!wantsThreads) return {};
  const { threadBackend } = await import("../threads/thread-backend.js");
  return { backends: { worker: threadBackend() } };
}

/** Sets BullMQ's global concurrency and rate limit of a tool's queue from its policy. */
async function applyClusterLimits(queue: Queue, policy: Policy): Promise<void> {
  if (policy.concurrency !== undefined && Number.isFinite(policy.concurrency)) {
    await queue.setGlobalConcurrency(policy.concurrency);
  } else {
    await queue.removeGlobalConcurrency();
  }
  const rate = policy.rateLimit;
  if (rate !== undefined) await queue.setGlobalRateLimit(rate.max, rate.perMs);
  else await queue.removeGlobalRateLimit();
}
