/**
 * The whole cluster as one executor, for the dashboard: the events its workers publish
 * (`startWorker({ publishEvents })`), each with the worker that ran the call, and their stats
 * summed. A worker runs each attempt as a batch of one call, so the callers' batches are rebuilt
 * here from the calls, by batch id.
 */
import type { QueueEvents, QueueEventsProducer } from "bullmq";
import { describeValue, errorText } from "../core/describe-value.js";
import {
  EVENT_NAMES,
  isEventName,
  type ExecutorEventName,
  type ExecutorEvents,
} from "../core/events.js";
import type { ErrorKind, ReportCounts } from "../core/outcome.js";
import type { ExecutorStats, ToolStats } from "../core/stats.js";
import { assertDuration, assertKnownKeys, optionKeys, optional } from "../core/validate-options.js";
import { redactText, resolveConnection, type BullmqConnection } from "./connection.js";
import { loadBullmq, openBullmq } from "./load-bullmq.js";
import {
  CONTROL_EVENTS,
  CONTROL_STREAM_LENGTH,
  EVENTS_EVENT,
  PROTOCOL_VERSION,
  controlQueueName,
  eventsQueueName,
  payloadOf,
  type EventsMessage,
  type RelayedEvent,
  type WorkerAnnouncement,
} from "./protocol.js";
import { untilReading } from "./reader-sync.js";
import { assertQueueName, errorReporter } from "./settings.js";

/** Options of {@link clusterSource}. */
export interface ClusterSourceOptions {
  /** Where the cluster's queues live, as for `bullmqBackend()`: a Redis or Postgres URL, or ioredis options. */
  readonly connection: BullmqConnection;
  /** The cluster's name, the same as its workers' and callers'. @example queue: "tools" */
  readonly queue: string;
  /**
   * How long to wait for the workers to announce themselves before resolving (ms), so that the
   * first snapshot knows their tools.
   * @default 2_000
   */
  readonly discoveryMs?: number;
  /**
   * Told of the connection's errors, with any password cut out, and of listeners that threw.
   * @default a process warning, at most one every 10 s
   */
  readonly onError?: (error: Error) => void;
}

/**
 * The events of a {@link ClusterSource}: an executor's, with `worker` on each call's and
 * circuit's event. `call:started` carries no `args` and an ok outcome no `value`: workers keep
 * them. `batch:started` comes when the first call of a caller's batch reaches a worker, and
 * `batch:finished` once its calls have been done for a second; a batch that gets another call
 * after that runs again until its next `batch:finished`.
 */
export type ClusterEvents = {
  readonly [E in ExecutorEventName]: E extends "batch:started" | "batch:finished"
    ? ExecutorEvents[E]
    : ExecutorEvents[E] & {
        /** The worker that ran the call, or whose breaker it is (its `startWorker` `id`). */
        readonly worker: string;
      };
};

/** A live worker of the cluster, as a {@link ClusterSource} knows it. */
export interface ClusterWorker {
  /** Its name (`startWorker`'s `id`). */
  readonly id: string;
  /** The tools it runs, from its announcement. */
  readonly tools: readonly string[];
  /** Its announcement (host, pid, concurrency), once heard. */
  readonly announcement?: WorkerAnnouncement;
  /** Its executor's latest stats, when it publishes its events and they are fresh. */
  readonly stats?: ExecutorStats;
  /** When it was last heard from (epoch ms). */
  readonly seenAt: number;
  /** Events it dropped because publishing lagged behind (it says so in each message). */
  readonly droppedEvents: number;
}

/**
 * The cluster as a dashboard source: `attachDashboard(await clusterSource(…), { port })`.
 * Made by {@link clusterSource}.
 */
export interface ClusterSource extends AsyncDisposable {
  /** Subscribes to the cluster's events; returns the function that unsubscribes. */
  on<E extends ExecutorEventName>(
    event: E,
    listener: (event: ClusterEvents[E]) => void,
  ): () => void;
  /**
   * The live workers' stats, summed: running and queued now; finished, ok and failed so far,
   * counting the workers that left. `batches` counts the callers' batches running.
   */
  stats(): ExecutorStats;
  /** The tools of the live workers. */
  readonly toolNames: readonly string[];
  /** The live workers. */
  workers(): ClusterWorker[];
  /** Stops reading and closes the connections. Idempotent. */
  close(): Promise<void>;
}

const OPTION_KEYS = optionKeys<ClusterSourceOptions>()([
  "connection",
  "queue",
  "discoveryMs",
  "onError",
]);

/** How long a batch's calls must all have been done before it counts as finished (ms). */
const SETTLE_MS = 1_000;
/** How long a worker that said goodbye has to send its last events (ms). */
const BYE_GRACE_MS = 2_000;
/** How often workers and batches are checked for that (ms). */
const SWEEP_MS = 250;
/** How long the readers may take to start (ms). */
const START_TIMEOUT_MS = 15_000;
/** Batches remembered, to rebuild them from their calls; the oldest are forgotten first. */
const MAX_BATCHES = 1_000;
/** Calls remembered per batch; past it, calls are counted but not told apart. */
const MAX_CALLS = 10_000;
/** Calls remembered running on one worker. */
const MAX_OPEN = 10_000;

interface OpenCall {
  readonly batchId: string;
  readonly callId: string;
  readonly index: number;
  readonly tool: string;
  readonly attempt: number;
  readonly startedAt: number;
}

interface WorkerState {
  readonly id: string;
  announcement: WorkerAnnouncement | undefined;
  announcedUntil: number;
  stats: ExecutorStats | undefined;
  statsUntil: number;
  seenAt: number;
  dropped: number;
  /** Set when it said goodbye on the control queue: its last events may still be on the way. */
  leaveBy: number | undefined;
  readonly open: Map<string, OpenCall>;
  warnedVersion: boolean;
}

interface CallState {
  readonly index: number;
  status: "running" | "ok" | "error";
  kind: ErrorKind | null;
  /** Set when it ended `crashed` here because its worker left: the next worker may say so too. */
  guessed: boolean;
}

interface BatchState {
  readonly id: string;
  readonly startedAt: number;
  size: number;
  open: number;
  ended: boolean;
  touchedAt: number;
  lastEnd: number;
  ok: number;
  error: number;
  readonly byKind: Partial<Record<ErrorKind, number>>;
  readonly calls: Map<string, CallState>;
}

/** The counters that only grow, kept from the workers that left. */
interface Retired {
  finished: number;
  ok: number;
  failed: number;
  abandoned: number;
  readonly tools: Map<string, { finished: number; ok: number; failed: number; recovered: number }>;
}

type AnyListener = (event: unknown) => void;

/**
 * Reads the cluster's events, for its dashboard: what each worker's executor did (the worker
 * that ran each call on its events), the workers' stats summed, their tools. Resolves once it
 * reads, after `discoveryMs` spent hearing from the workers.
 * @throws TypeError for a bad option, naming it.
 * @example
 * import { attachDashboard } from "volley/dashboard";
 * const cluster = await clusterSource({ connection: process.env.REDIS_URL!, queue: "tools" });
 * const dashboard = await attachDashboard(cluster, { port: 4317 });
 */
export async function clusterSource(options: ClusterSourceOptions): Promise<ClusterSource> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected clusterSource() options, got ${describeValue(options)}`);
  }
  assertKnownKeys("clusterSource", options, OPTION_KEYS);
  assertQueueName("clusterSource", options.queue);
  if (options.connection === undefined) {
    throw new TypeError(
      "Expected clusterSource's connection to be a redis://, rediss:// or postgres:// URL, or ioredis options, got undefined",
    );
  }
  optional(options.discoveryMs, (v) =>
    assertDuration("clusterSource's discoveryMs", v, { allowInfinity: false }),
  );
  optional(options.onError, (v) => {
    if (typeof v !== "function")
      throw new TypeError(
        `Expected clusterSource's onError to be a function, got ${describeValue(v)}`,
      );
  });
  const source = new Cluster(options);
  try {
    await source.start(options.discoveryMs ?? 2_000);
  } catch (error) {
    await source.close();
    throw error;
  }
  return source;
}

class Cluster implements ClusterSource {
  readonly #options: ClusterSourceOptions;
  readonly #onError: (error: unknown) => void;
  readonly #connection: ReturnType<typeof resolveConnection>;
  readonly #listeners = new Map<ExecutorEventName, AnyListener[]>();
  readonly #workers = new Map<string, WorkerState>();
  readonly #batches = new Map<string, BatchState>();
  /** Batches not yet finished, checked by the sweep. */
  readonly #unsettled = new Set<BatchState>();
  readonly #retired: Retired = { finished: 0, ok: 0, failed: 0, abandoned: 0, tools: new Map() };
  readonly #closers: (() => Promise<unknown>)[] = [];
  #sweep: ReturnType<typeof setInterval> | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: ClusterSourceOptions) {
    this.#options = options;
    this.#onError = errorReporter("clusterSource", options.connection, options.onError);
    loadBullmq("volley/bullmq");
    this.#connection = resolveConnection(options.connection, "clusterSource");
  }

  async start(discoveryMs: number): Promise<void> {
    const classes = loadBullmq("volley/bullmq");
    const site = {
      connection: this.#connection.connection,
      backendFactory: this.#connection.backendFactory,
      onError: this.#onError,
    };
    const open = (name: string) => {
      const events = openBullmq<QueueEvents>(classes.QueueEvents, name, site);
      const producer = openBullmq<QueueEventsProducer>(classes.QueueEventsProducer, name, site);
      this.#closers.push(
        () => events.close(),
        () => producer.close(),
      );
      const on = events.on.bind(events) as (e: string, l: (args: unknown) => void) => void;
      return { events, producer, on, name };
    };
    const control = open(controlQueueName(this.#options.queue));
    const relayed = open(eventsQueueName(this.#options.queue));
    control.on(CONTROL_EVENTS.worker, (args) => this.#guard(() => this.#announced(args)));
    control.on(CONTROL_EVENTS.bye, (args) => this.#guard(() => this.#bye(args)));
    relayed.on(EVENTS_EVENT, (args) => this.#guard(() => this.#message(args)));
    const label = this.#connection.label;
    await Promise.all(
      [control, relayed].map(async ({ events, producer, name }) => {
        try {
          await untilReading(events, producer, name, START_TIMEOUT_MS);
        } catch (error) {
          throw new Error(
            `clusterSource could not read queue "${name}" on ${label}: ${redactText(errorText(error), this.#options.connection)}`,
            { cause: error },
          );
        }
      }),
    );
    await control.producer.publishEvent({ eventName: CONTROL_EVENTS.hello }, CONTROL_STREAM_LENGTH);
    this.#sweep = setInterval(() => this.#guard(() => this.#check(Date.now())), SWEEP_MS);
    this.#sweep.unref();
    await new Promise((resolve) => setTimeout(resolve, discoveryMs));
  }

  on<E extends ExecutorEventName>(
    event: E,
    listener: (event: ClusterEvents[E]) => void,
  ): () => void {
    if (!isEventName(event)) {
      throw new TypeError(
        `Expected an event name (${EVENT_NAMES.join(", ")}), got ${describeValue(event)}`,
      );
    }
    if (typeof listener !== "function") {
      throw new TypeError(`Expected a listener function, got ${describeValue(listener)}`);
    }
    const add = listener as AnyListener;
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), add]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const next = (this.#listeners.get(event) ?? []).filter((l) => l !== add);
      if (next.length > 0) this.#listeners.set(event, next);
      else this.#listeners.delete(event);
    };
  }

  get toolNames(): readonly string[] {
    const now = Date.now();
    const names = new Set<string>();
    for (const worker of this.#workers.values()) {
      if (!live(worker, now)) continue;
      for (const tool of toolsOf(worker)) names.add(tool);
    }
    return [...names];
  }

  workers(): ClusterWorker[] {
    const now = Date.now();
    const list: ClusterWorker[] = [];
    for (const w of this.#workers.values()) {
      if (!live(w, now)) continue;
      list.push({
        id: w.id,
        tools: toolsOf(w),
        ...(w.announcement === undefined ? {} : { announcement: w.announcement }),
        ...(w.stats !== undefined && w.statsUntil >= now ? { stats: w.stats } : {}),
        seenAt: w.seenAt,
        droppedEvents: w.dropped,
      });
    }
    return list;
  }

  stats(): ExecutorStats {
    const now = Date.now();
    const retired = this.#retired;
    const total = {
      queued: 0,
      running: 0,
      retrying: 0,
      detached: 0,
      abandoned: retired.abandoned,
      finished: retired.finished,
      ok: retired.ok,
      failed: retired.failed,
      held: 0,
      concurrency: 0,
    };
    const tools = new Map<string, Mutable<ToolStats>>();
    const tool = (name: string) => {
      let t = tools.get(name);
      if (t === undefined) {
        const gone = retired.tools.get(name);
        t = {
          queued: 0,
          running: 0,
          finished: gone?.finished ?? 0,
          ok: gone?.ok ?? 0,
          failed: gone?.failed ?? 0,
          concurrency: 0,
          expectedMs: 0,
          latencyMs: 0,
          recovered: gone?.recovered ?? 0,
        };
        tools.set(name, t);
      }
      return t;
    };
    for (const name of retired.tools.keys()) tool(name);
    for (const w of this.#workers.values()) {
      if (w.stats === undefined || w.statsUntil < now) continue;
      const s = w.stats;
      for (const key of Object.keys(total) as (keyof typeof total)[]) {
        total[key] += count(s[key], key === "concurrency");
      }
      for (const [name, t] of Object.entries(s.tools ?? {})) {
        const into = tool(name);
        into.queued += count(t.queued);
        into.running += count(t.running);
        into.finished += count(t.finished);
        into.ok += count(t.ok);
        into.failed += count(t.failed);
        into.recovered += count(t.recovered);
        into.concurrency += count(t.concurrency, true);
        into.expectedMs = Math.max(into.expectedMs, count(t.expectedMs));
        into.latencyMs = Math.max(into.latencyMs, count(t.latencyMs));
      }
    }
    return { ...total, batches: this.#unsettled.size, tools: Object.fromEntries(tools) };
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#sweep);
      this.#listeners.clear();
      await Promise.allSettled(this.#closers.map((close) => close()));
      await this.#connection.close();
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Runs a reader's handler: nothing it meets may stop the reader. */
  #guard(handle: () => void): void {
    try {
      handle();
    } catch (error) {
      this.#onError(new Error(`a cluster event could not be read: ${errorText(error)}`));
    }
  }

  #emit<E extends ExecutorEventName>(name: E, event: ClusterEvents[E]): void {
    const list = this.#listeners.get(name);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(event);
      } catch (error) {
        // As on an executor: a listener that throws never breaks the stream.
        this.#onError(new Error(`a listener of ${name} threw: ${errorText(error)}`));
      }
    }
  }

  #worker(id: string, now: number): WorkerState {
    let worker = this.#workers.get(id);
    if (worker === undefined) {
      worker = {
        id,
        announcement: undefined,
        announcedUntil: 0,
        stats: undefined,
        statsUntil: 0,
        seenAt: now,
        dropped: 0,
        leaveBy: undefined,
        open: new Map(),
        warnedVersion: false,
      };
      this.#workers.set(id, worker);
    }
    return worker;
  }

  #announced(args: unknown): void {
    const a = payloadOf<WorkerAnnouncement>(args);
    if (a === undefined || typeof a.id !== "string" || !Array.isArray(a.tools)) return;
    const now = Date.now();
    const worker = this.#worker(a.id, now);
    worker.announcement = a;
    worker.announcedUntil = now + positive(a.ttlMs, 5_000);
    worker.seenAt = now;
  }

  #bye(args: unknown): void {
    const bye = payloadOf<{ id?: unknown }>(args);
    if (typeof bye?.id !== "string") return;
    const worker = this.#workers.get(bye.id);
    if (worker === undefined) return;
    // Its last events travel on the other stream, and may come after this.
    if (worker.stats !== undefined) worker.leaveBy = Date.now() + BYE_GRACE_MS;
    else this.#drop(worker, "it stopped");
  }

  #message(args: unknown): void {
    const message = payloadOf<EventsMessage>(args);
    if (message === undefined || typeof message.worker !== "string") return;
    const now = Date.now();
    const worker = this.#worker(message.worker, now);
    if (message.v !== PROTOCOL_VERSION) {
      if (!worker.warnedVersion) {
        worker.warnedVersion = true;
        this.#onError(
          new Error(
            `worker ${message.worker} publishes events of protocol version ${describeValue(message.v)}, not ${PROTOCOL_VERSION}: are the dashboard and the workers of different Volley versions?`,
          ),
        );
      }
      return;
    }
    if (typeof message.stats === "object" && message.stats !== null) {
      // A worker that restarted under the same name counts from zero again.
      if (
        worker.stats !== undefined &&
        count(message.stats.finished) < count(worker.stats.finished)
      ) {
        this.#retire(worker.stats);
      }
      worker.stats = message.stats;
      worker.statsUntil = now + positive(message.ttlMs, 5_000);
    }
    worker.seenAt = now;
    worker.dropped = count(message.dropped);
    if (Array.isArray(message.events)) {
      for (const event of message.events) this.#relayed(worker, event, now);
    }
    if (message.bye === true) this.#drop(worker, "it stopped");
  }

  /** Re-emits one of a worker's events as the cluster's. */
  #relayed(worker: WorkerState, event: RelayedEvent, now: number): void {
    if (!Array.isArray(event)) return;
    const [name, p] = event as [unknown, Record<string, unknown> | null];
    if (!isEventName(name) || typeof p !== "object" || p === null) return;
    if (name === "circuit:state") {
      this.#emit(name, { ...(p as unknown as ExecutorEvents["circuit:state"]), worker: worker.id });
      return;
    }
    const batchId = p["batchId"];
    const callId = p["callId"];
    if (typeof batchId !== "string" || typeof callId !== "string") return;
    const key = `${batchId}\u0000${callId}`;
    switch (name) {
      case "call:started": {
        const startedAt = count(p["startedAt"]);
        const batch = this.#batch(batchId, startedAt - count(p["queuedMs"]), now);
        const call = this.#call(batch, callId);
        call.status = "running";
        call.guessed = false;
        if (!worker.open.has(key) && worker.open.size < MAX_OPEN) {
          batch.open += 1;
          worker.open.set(key, {
            batchId,
            callId,
            index: call.index,
            tool: String(p["tool"]),
            attempt: count(p["attempt"]),
            startedAt,
          });
        }
        this.#emit(name, {
          ...(p as unknown as ExecutorEvents["call:started"]),
          index: call.index,
          args: undefined,
          worker: worker.id,
        });
        return;
      }
      case "call:finished": {
        const outcome = p["outcome"] as Record<string, unknown> | null;
        if (typeof outcome !== "object" || outcome === null) return;
        const startedAt = typeof outcome["startedAt"] === "number" ? outcome["startedAt"] : null;
        const batch = this.#batch(batchId, startedAt ?? now, now);
        const call = this.#call(batch, callId);
        // Another worker may answer a call whose worker died under it (a restarted job).
        if (worker.open.delete(key) || this.#closeElsewhere(key)) batch.open -= 1;
        const error = outcome["error"] as { kind?: unknown } | undefined;
        if (call.guessed && error?.kind === "crashed") {
          // Said already, when its worker left.
          call.guessed = false;
          return;
        }
        this.#ended(
          batch,
          call,
          outcome["status"] === "ok" ? null : (String(error?.kind ?? "tool_error") as ErrorKind),
          startedAt === null ? now : startedAt + count(outcome["durationMs"]),
        );
        this.#emit(name, {
          batchId,
          callId,
          index: call.index,
          tool: String(p["tool"]),
          outcome: {
            ...(outcome as unknown as ExecutorEvents["call:finished"]["outcome"]),
            id: callId,
            index: call.index,
            name: String(p["tool"]),
          },
          worker: worker.id,
        } as ClusterEvents["call:finished"]);
        return;
      }
      default: {
        // call:progress, call:retry, call:abandoned: a call's, with its place in its batch.
        const batch = this.#batches.get(batchId);
        const index = batch?.calls.get(callId)?.index ?? 0;
        if (batch !== undefined) batch.touchedAt = now;
        this.#emit(name, {
          ...p,
          index,
          worker: worker.id,
        } as unknown as ClusterEvents[typeof name]);
      }
    }
  }

  /** The caller's batch `id`: announced (`batch:started`) at first sight, reopened if it ended. */
  #batch(id: string, startedAt: number, now: number): BatchState {
    let batch = this.#batches.get(id);
    if (batch === undefined) {
      if (this.#batches.size >= MAX_BATCHES) {
        const [oldest] = this.#batches.values();
        this.#batches.delete(oldest!.id);
        this.#unsettled.delete(oldest!);
      }
      batch = {
        id,
        startedAt,
        size: 0,
        open: 0,
        ended: false,
        touchedAt: now,
        lastEnd: startedAt,
        ok: 0,
        error: 0,
        byKind: {},
        calls: new Map(),
      };
      this.#batches.set(id, batch);
      this.#unsettled.add(batch);
      // The worker knows neither the batch's size nor its deadline: the size grows as its
      // calls come, and the deadline is left out.
      this.#emit("batch:started", {
        batchId: id,
        size: 1,
        startedAt,
        deadline: Number.POSITIVE_INFINITY,
      });
    } else if (batch.ended) {
      batch.ended = false;
      this.#unsettled.add(batch);
    }
    batch.touchedAt = now;
    return batch;
  }

  #call(batch: BatchState, callId: string): CallState {
    let call = batch.calls.get(callId);
    if (call === undefined) {
      call = { index: batch.size, status: "running", kind: null, guessed: false };
      batch.size += 1;
      if (batch.calls.size < MAX_CALLS) batch.calls.set(callId, call);
    }
    return call;
  }

  /** Counts a call's end in its batch: its latest attempt's outcome is the call's. */
  #ended(batch: BatchState, call: CallState, kind: ErrorKind | null, endedAt: number): void {
    if (call.status === "ok") batch.ok -= 1;
    else if (call.status === "error") {
      batch.error -= 1;
      if (call.kind !== null) batch.byKind[call.kind] = (batch.byKind[call.kind] ?? 1) - 1;
    }
    call.status = kind === null ? "ok" : "error";
    call.kind = kind;
    if (kind === null) batch.ok += 1;
    else {
      batch.error += 1;
      batch.byKind[kind] = (batch.byKind[kind] ?? 0) + 1;
    }
    batch.lastEnd = Math.max(batch.lastEnd, endedAt);
  }

  /** The sweep: workers that went quiet drop out, batches whose calls are done finish. */
  #check(now: number): void {
    for (const worker of [...this.#workers.values()]) {
      if (worker.leaveBy !== undefined && worker.leaveBy <= now) this.#drop(worker, "it stopped");
      else if (!live(worker, now)) this.#drop(worker, "it stopped answering");
    }
    for (const batch of [...this.#unsettled]) {
      if (batch.open > 0 || now - batch.touchedAt < SETTLE_MS) continue;
      batch.ended = true;
      this.#unsettled.delete(batch);
      const byKind: Partial<Record<ErrorKind, number>> = {};
      for (const [kind, n] of Object.entries(batch.byKind)) {
        if (n > 0) byKind[kind as ErrorKind] = n;
      }
      const counts: ReportCounts = { total: batch.size, ok: batch.ok, error: batch.error, byKind };
      this.#emit("batch:finished", {
        batchId: batch.id,
        wallMs: Math.max(0, batch.lastEnd - batch.startedAt),
        counts,
      });
    }
  }

  /** Forgets call `key` on whichever worker had it running; true if one had. */
  #closeElsewhere(key: string): boolean {
    for (const worker of this.#workers.values()) if (worker.open.delete(key)) return true;
    return false;
  }

  /** A worker left: its calls still running end `crashed` here, and its counters are kept. */
  #drop(worker: WorkerState, why: string): void {
    this.#workers.delete(worker.id);
    if (worker.stats !== undefined) this.#retire(worker.stats);
    const now = Date.now();
    for (const open of worker.open.values()) {
      const batch = this.#batches.get(open.batchId);
      const message = `Worker ${worker.id} left while it ran this call (${why}): its caller decides what comes of it`;
      if (batch !== undefined) {
        batch.open -= 1;
        const call = batch.calls.get(open.callId);
        if (call !== undefined) {
          this.#ended(batch, call, "crashed", now);
          call.guessed = true;
        }
        batch.touchedAt = now;
      }
      this.#emit("call:finished", {
        batchId: open.batchId,
        callId: open.callId,
        index: open.index,
        tool: open.tool,
        outcome: {
          id: open.callId,
          index: open.index,
          name: open.tool,
          status: "error",
          error: { kind: "crashed", message },
          startedAt: open.startedAt,
          durationMs: Math.max(0, now - open.startedAt),
          attempts: open.attempt,
        },
        worker: worker.id,
      });
    }
    worker.open.clear();
  }

  #retire(stats: ExecutorStats): void {
    const r = this.#retired;
    r.finished += count(stats.finished);
    r.ok += count(stats.ok);
    r.failed += count(stats.failed);
    r.abandoned += count(stats.abandoned);
    for (const [name, t] of Object.entries(stats.tools ?? {})) {
      const into = r.tools.get(name) ?? { finished: 0, ok: 0, failed: 0, recovered: 0 };
      into.finished += count(t.finished);
      into.ok += count(t.ok);
      into.failed += count(t.failed);
      into.recovered += count(t.recovered);
      r.tools.set(name, into);
    }
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function live(worker: WorkerState, now: number): boolean {
  return worker.announcedUntil >= now || worker.statsUntil >= now;
}

function toolsOf(worker: WorkerState): string[] {
  if (worker.announcement !== undefined) return worker.announcement.tools.map(String);
  return Object.keys(worker.stats?.tools ?? {});
}

/**
 * A counter read from a worker's JSON: a number, or 0. A limit JSON wrote as `null` (it cannot
 * hold `Infinity`) reads as `Infinity` when `limit` is set.
 */
function count(value: unknown, limit = false): number {
  if (typeof value === "number" && !Number.isNaN(value)) return value;
  return limit && value === null ? Number.POSITIVE_INFINITY : 0;
}

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && value > 0 && Number.isFinite(value) ? value : fallback;
}
