import { systemClock, type ErrorKind, type Executor, type ExecutorEvents } from "../core/index.js";
import { percentile, RingBuffer } from "./ring-buffer.js";
import type {
  BatchRecord,
  CallRecord,
  DashboardUpdate,
  InFlightRecord,
  ProgressRecord,
  IncidentRecord,
  ToolRecord,
} from "./wire.js";

/** The part of an executor the dashboard reads: its events, its counters, its tool names. */
export type DashboardSource = Pick<Executor, "on" | "stats" | "toolNames">;

/** Options of {@link DashboardState}. */
export interface DashboardStateOptions {
  /** Batches kept for the timeline. */
  readonly maxBatches: number;
  /** Calls kept per batch for the timeline; the rest are only counted. */
  readonly maxCallsPerBatch: number;
  /** Told after every event, so the server can schedule an update. */
  readonly onChange?: () => void;
  /**
   * The clock (epoch ms). It should be the executor's, whose times the events carry.
   * @default systemClock.now
   */
  readonly now?: () => number;
}

/** Recent finished calls per tool that the percentiles are computed over. */
const LATENCY_WINDOW = 1_000;
/** Incidents kept for the feed: a page that connects late still sees the last 50. */
export const MAX_INCIDENTS = 50;
const MAX_IN_FLIGHT_SHOWN = 50;
const MAX_RETRIED_SHOWN = 10;
/** Long messages and ids are cut: the page shows a line, and memory stays bounded. */
const MAX_TEXT = 300;
/**
 * Calls naming a tool the executor does not have are counted together (as volley/metrics does),
 * so a model inventing names cannot grow the table.
 */
const UNKNOWN_TOOL = "(unknown)";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface BatchState {
  readonly record: Mutable<BatchRecord>;
  readonly calls: Map<string, Mutable<CallRecord>>;
}

interface ToolState {
  calls: number;
  ok: number;
  failed: number;
  retries: number;
  timeouts: number;
  abandoned: number;
  readonly durations: RingBuffer<number>;
}

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/**
 * The dashboard's model of an executor, fed by its events: ring buffers of recent batches (with
 * their calls), per-tool counters and latency windows, running attempts and recent incidents.
 * Memory is bounded by the options, whatever the traffic.
 */
export class DashboardState {
  readonly #source: DashboardSource;
  readonly #options: DashboardStateOptions;
  readonly #now: () => number;
  readonly #batches = new Map<string, BatchState>();
  readonly #tools = new Map<string, ToolState>();
  readonly #inFlight = new Map<string, InFlightRecord>();
  readonly #incidents = new RingBuffer<IncidentRecord>(MAX_INCIDENTS);
  readonly #unsubscribe: (() => void)[];
  #seq = 0;
  #retries = 0;
  #timeouts = 0;
  // What changed since the last update.
  #dirtyBatches = new Set<BatchState>();
  #dirtyCalls = new Set<Mutable<CallRecord>>();
  #newIncidents: IncidentRecord[] = [];
  #changed = false;

  constructor(source: DashboardSource, options: DashboardStateOptions) {
    this.#source = source;
    this.#options = options;
    this.#now = options.now ?? (() => systemClock.now());
    for (const name of source.toolNames) this.#tools.set(name, newToolState());
    this.#unsubscribe = [
      source.on("batch:started", (e) => this.#batchStarted(e)),
      source.on("call:queued", (e) => this.#callQueued(e)),
      source.on("call:started", (e) => this.#callStarted(e)),
      source.on("call:progress", (e) => this.#callProgress(e)),
      source.on("call:retry", (e) => this.#callRetry(e)),
      source.on("call:finished", (e) => this.#callFinished(e)),
      source.on("call:abandoned", (e) => this.#callAbandoned(e)),
      source.on("batch:finished", (e) => this.#batchFinished(e)),
    ];
  }

  /** Everything, for a page that just connected. */
  snapshot(): DashboardUpdate {
    const batches = [...this.#batches.values()];
    return this.#update(
      true,
      batches.map((b) => b.record),
      batches.flatMap((b) => [...b.calls.values()]),
      this.#incidents.toArray(),
    );
  }

  /** What changed since the last call, or `null` if nothing did. */
  takeUpdate(): DashboardUpdate | null {
    if (!this.#changed) return null;
    const update = this.#update(
      false,
      [...this.#dirtyBatches].map((b) => b.record),
      [...this.#dirtyCalls],
      this.#newIncidents,
    );
    this.#dirtyBatches = new Set();
    this.#dirtyCalls = new Set();
    this.#newIncidents = [];
    this.#changed = false;
    return update;
  }

  /** Forgets what changed, when nobody is watching (a page that connects gets a snapshot). */
  discardChanges(): void {
    this.#dirtyBatches.clear();
    this.#dirtyCalls.clear();
    this.#newIncidents = [];
    this.#changed = false;
  }

  /** Stops listening to the executor. */
  dispose(): void {
    for (const off of this.#unsubscribe) off();
  }

  #update(
    reset: boolean,
    batches: BatchRecord[],
    calls: CallRecord[],
    incidents: IncidentRecord[],
  ): DashboardUpdate {
    const stats = this.#source.stats();
    for (const name of this.#source.toolNames) {
      if (!this.#tools.has(name)) this.#tools.set(name, newToolState());
    }
    const tools: ToolRecord[] = [];
    for (const [tool, t] of this.#tools) {
      const sorted = t.durations.toArray().sort((a, b) => a - b);
      const live = stats.tools[tool];
      tools.push({
        tool,
        calls: t.calls,
        ok: t.ok,
        failed: t.failed,
        errorRate: t.calls === 0 ? 0 : t.failed / t.calls,
        running: live?.running ?? 0,
        queued: live?.queued ?? 0,
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        max: sorted.at(-1) ?? null,
        retries: t.retries,
        timeouts: t.timeouts,
        abandoned: t.abandoned,
      });
    }
    const inFlight: InFlightRecord[] = [];
    for (const record of this.#inFlight.values()) {
      if (inFlight.length === MAX_IN_FLIGHT_SHOWN) break;
      inFlight.push(record);
    }
    return {
      reset,
      now: this.#now(),
      limits: { batches: this.#options.maxBatches, incidents: MAX_INCIDENTS },
      totals: {
        running: stats.running,
        queued: stats.queued,
        retrying: stats.retrying,
        finished: stats.finished,
        ok: stats.ok,
        failed: stats.failed,
        retries: this.#retries,
        timeouts: this.#timeouts,
        abandoned: stats.abandoned,
        detached: stats.detached,
        batches: stats.batches,
      },
      tools,
      inFlight: { count: this.#inFlight.size, calls: inFlight },
      batches: batches.map((b) => ({ ...b })),
      calls: calls.map((c) => ({ ...c })),
      incidents: incidents.slice(-MAX_INCIDENTS),
    };
  }

  #touch(batch?: BatchState, call?: Mutable<CallRecord>): void {
    if (batch) this.#dirtyBatches.add(batch);
    if (call) this.#dirtyCalls.add(call);
    this.#changed = true;
    this.#options.onChange?.();
  }

  #tool(name: string): ToolState {
    const known = this.#tools.get(name);
    if (known) return known;
    // A cluster's tools come and go with its workers: one that came since is a tool, not unknown.
    if (this.#source.toolNames.includes(name)) {
      const added = newToolState();
      this.#tools.set(name, added);
      return added;
    }
    let other = this.#tools.get(UNKNOWN_TOOL);
    if (!other) this.#tools.set(UNKNOWN_TOOL, (other = newToolState()));
    return other;
  }

  /** The call's timeline record, made on first sight while the batch has room. */
  #call(batchId: string, callId: string, index: number, tool: string) {
    const batch = this.#batches.get(batchId);
    if (!batch) return {};
    let call = batch.calls.get(callId);
    if (!call && batch.calls.size < this.#options.maxCallsPerBatch) {
      call = {
        batchId,
        id: cut(callId),
        index,
        tool: cut(tool),
        status: "queued",
        kind: null,
        message: null,
        queuedAt: null,
        startedAt: null,
        endedAt: null,
        attemptStartedAt: null,
        attempts: 0,
        retried: [],
        worker: null,
      };
      batch.calls.set(callId, call);
      // A cluster's batch is seen call by call, as its workers run them: it grows.
      batch.record.size = Math.max(batch.record.size, batch.calls.size);
      batch.record.hidden = Math.max(0, batch.record.size - batch.calls.size);
      this.#dirtyBatches.add(batch);
    }
    return { batch, call };
  }

  #incident(
    e: { batchId: string; callId: string; tool: string; attempt: number },
    type: IncidentRecord["type"],
    kind: ErrorKind | null,
    message: string,
  ): void {
    const incident: IncidentRecord = {
      seq: ++this.#seq,
      at: this.#now(),
      type,
      batchId: e.batchId,
      callId: cut(e.callId),
      tool: cut(e.tool),
      attempt: e.attempt,
      kind,
      message: cut(message),
    };
    this.#incidents.push(incident);
    this.#newIncidents.push(incident);
    if (this.#newIncidents.length > MAX_INCIDENTS) this.#newIncidents.shift();
  }

  #batchStarted(e: ExecutorEvents["batch:started"]): void {
    // A resumed batch reuses its id: start its record afresh, at the end of the ring.
    const previous = this.#batches.get(e.batchId);
    if (previous) {
      this.#batches.delete(e.batchId);
      this.#dirtyBatches.delete(previous);
      for (const call of previous.calls.values()) this.#dirtyCalls.delete(call);
    }
    const batch: BatchState = {
      record: {
        id: e.batchId,
        size: e.size,
        startedAt: e.startedAt,
        endedAt: null,
        deadline: Number.isFinite(e.deadline) ? e.deadline : null,
        ok: 0,
        failed: 0,
        hidden: e.size,
      },
      calls: new Map(),
    };
    this.#batches.set(e.batchId, batch);
    while (this.#batches.size > this.#options.maxBatches) {
      const [oldestId, oldest] = this.#batches.entries().next().value as [string, BatchState];
      this.#batches.delete(oldestId);
      this.#dirtyBatches.delete(oldest);
      for (const call of oldest.calls.values()) this.#dirtyCalls.delete(call);
    }
    this.#touch(batch);
  }

  /**
   * A batch that had finished and gets another call (a cluster's batch, whose callers retried
   * a call after its workers were done) runs again, until its next `batch:finished`.
   */
  #reopen(batch: BatchState | undefined): void {
    if (batch !== undefined && batch.record.endedAt !== null) batch.record.endedAt = null;
  }

  #callQueued(e: ExecutorEvents["call:queued"]): void {
    const { batch, call } = this.#call(e.batchId, e.callId, e.index, e.tool);
    this.#reopen(batch);
    if (call) call.queuedAt = e.queuedAt;
    this.#touch(batch, call);
  }

  #callStarted(e: ExecutorEvents["call:started"]): void {
    const worker = workerOf(e);
    this.#inFlight.delete(key(e));
    this.#inFlight.set(key(e), {
      batchId: e.batchId,
      id: cut(e.callId),
      tool: cut(e.tool),
      attempt: e.attempt,
      startedAt: e.startedAt,
      ...(worker === null ? {} : { worker }),
    });
    const { batch, call } = this.#call(e.batchId, e.callId, e.index, e.tool);
    this.#reopen(batch);
    if (call) {
      call.worker = worker ?? call.worker;
      call.status = "running";
      call.attempts = e.attempt;
      call.startedAt ??= e.startedAt;
      call.attemptStartedAt = e.startedAt;
      call.queuedAt ??= e.startedAt - e.queuedMs;
    }
    this.#touch(batch, call);
  }

  #callProgress(e: ExecutorEvents["call:progress"]): void {
    const running = this.#inFlight.get(key(e));
    if (running === undefined || running.attempt !== e.attempt) return;
    const progress: ProgressRecord = {
      ...(e.progress === undefined ? {} : { progress: e.progress }),
      ...(e.total === undefined ? {} : { total: e.total }),
      ...(e.message === undefined ? {} : { message: cut(e.message) }),
      at: e.at,
    };
    // Same key: the attempt keeps its place among those shown.
    this.#inFlight.set(key(e), { ...running, progress });
    this.#changed = true;
  }

  #callRetry(e: ExecutorEvents["call:retry"]): void {
    this.#inFlight.delete(key(e));
    const tool = this.#tool(e.tool);
    tool.retries++;
    this.#retries++;
    if (e.error.kind === "timeout") {
      tool.timeouts++;
      this.#timeouts++;
    }
    this.#incident(e, "retry", e.error.kind, e.error.message);
    const { batch, call } = this.#call(e.batchId, e.callId, e.index, e.tool);
    if (call) {
      call.status = "retrying";
      call.kind = e.error.kind;
      call.message = cut(e.error.message);
      if (call.retried.length < MAX_RETRIED_SHOWN) {
        const endedAt = this.#now();
        const startedAt = call.attemptStartedAt ?? endedAt;
        call.retried = [...call.retried, { startedAt, endedAt, kind: e.error.kind }];
      }
    }
    this.#touch(batch, call);
  }

  #callFinished(e: ExecutorEvents["call:finished"]): void {
    this.#inFlight.delete(key(e));
    const { outcome } = e;
    const tool = this.#tool(e.tool);
    tool.calls++;
    if (outcome.status === "ok") tool.ok++;
    else tool.failed++;
    if (outcome.startedAt !== null) tool.durations.push(outcome.durationMs);
    const kind = outcome.status === "error" ? outcome.error.kind : null;
    const message = outcome.status === "error" ? outcome.error.message : null;
    if (kind === "timeout") {
      tool.timeouts++;
      this.#timeouts++;
      this.#incident({ ...e, attempt: outcome.attempts }, "timeout", kind, message ?? "");
    }
    const { batch, call } = this.#call(e.batchId, e.callId, e.index, e.tool);
    this.#reopen(batch);
    if (batch) {
      if (outcome.status === "ok") batch.record.ok++;
      else batch.record.failed++;
    }
    if (call) {
      call.worker = workerOf(e) ?? call.worker;
      call.status = outcome.status;
      call.kind = kind;
      call.message = message === null ? null : cut(message);
      call.attempts = outcome.attempts;
      call.startedAt = outcome.startedAt;
      call.endedAt =
        outcome.startedAt === null ? this.#now() : outcome.startedAt + outcome.durationMs;
    }
    this.#touch(batch, call);
  }

  #callAbandoned(e: ExecutorEvents["call:abandoned"]): void {
    this.#tool(e.tool).abandoned++;
    this.#incident(
      e,
      "abandoned",
      e.reason,
      `attempt ${e.attempt} settled ${Math.round(e.lateMs)} ms after its ${e.reason}`,
    );
    this.#touch();
  }

  #batchFinished(e: ExecutorEvents["batch:finished"]): void {
    const batch = this.#batches.get(e.batchId);
    if (batch) {
      batch.record.endedAt = batch.record.startedAt + e.wallMs;
      batch.record.ok = e.counts.ok;
      batch.record.failed = e.counts.error;
      batch.record.size = Math.max(batch.record.size, e.counts.total);
      batch.record.hidden = Math.max(0, batch.record.size - batch.calls.size);
    }
    this.#touch(batch);
  }
}

function newToolState(): ToolState {
  return {
    calls: 0,
    ok: 0,
    failed: 0,
    retries: 0,
    timeouts: 0,
    abandoned: 0,
    durations: new RingBuffer(LATENCY_WINDOW),
  };
}

/**
 * The worker that ran the call, on the events of a cluster's source (`clusterSource()` of
 * `volley/bullmq`); `null` on an executor's own.
 */
function workerOf(e: object): string | null {
  const worker = (e as { worker?: unknown }).worker;
  return typeof worker === "string" && worker !== "" ? cut(worker) : null;
}

function key(e: { batchId: string; callId: string }): string {
  return `${e.batchId}\u0000${e.callId}`;
}
