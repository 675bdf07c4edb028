/**
 * What the dashboard sends its page: plain JSON records, upserted by key. A snapshot is an
 * update with `reset: true` that carries every record; later updates carry only what changed.
 * One code path on the page applies both.
 */
import type { ErrorKind } from "../core/index.js";

/** Where a call is in its life. */
export type CallStatus = "queued" | "running" | "retrying" | "ok" | "error";

/** A batch on the timeline. Times are epoch ms. */
export interface BatchRecord {
  /** The batch's id. */
  readonly id: string;
  /** Calls in the batch. */
  readonly size: number;
  /** When the batch started. */
  readonly startedAt: number;
  /** `null` while the batch runs. */
  readonly endedAt: number | null;
  /** The batch deadline, or `null` for none. */
  readonly deadline: number | null;
  /** Calls that ended ok, so far. */
  readonly ok: number;
  /** Calls that failed, so far. */
  readonly failed: number;
  /** Calls counted but not drawn, past `maxCallsPerBatch`. */
  readonly hidden: number;
}

/** A call on the timeline, keyed by (`batchId`, `id`). Times are epoch ms. */
export interface CallRecord {
  /** The batch's id. */
  readonly batchId: string;
  /** The call's id. */
  readonly id: string;
  /** The call's position in its batch, from 0. */
  readonly index: number;
  /** The tool's name. */
  readonly tool: string;
  /** Where the call is in its life. */
  readonly status: CallStatus;
  /** The error kind of a failed call (or of the last failed attempt while retrying). */
  readonly kind: ErrorKind | null;
  /** The error message that goes with `kind`; `null` without one. */
  readonly message: string | null;
  /** When the call entered the queue; `null` if it never did (a malformed call). */
  readonly queuedAt: number | null;
  /** When the first attempt started; `null` if none has. */
  readonly startedAt: number | null;
  /** When the outcome was decided; `null` until then. */
  readonly endedAt: number | null;
  /** When the latest attempt started; `null` if none has. */
  readonly attemptStartedAt: number | null;
  /** Attempts started so far. */
  readonly attempts: number;
  /** The failed attempts that were retried (the first 10). */
  readonly retried: readonly RetriedAttempt[];
  /**
   * The worker that ran the call's latest attempt, on a cluster's dashboard (`clusterSource()`
   * of `volley/bullmq`); `null` on an executor's own.
   */
  readonly worker: string | null;
}

/** An attempt that failed and was retried. Times are epoch ms. */
export interface RetriedAttempt {
  /** When the attempt started. */
  readonly startedAt: number;
  /** When it failed. */
  readonly endedAt: number;
  /** How it failed. */
  readonly kind: ErrorKind;
}

/** Counters and latency of one tool since the dashboard was attached. */
export interface ToolRecord {
  /** The tool's name. */
  readonly tool: string;
  /** Finished calls. */
  readonly calls: number;
  /** Finished calls that ended ok. */
  readonly ok: number;
  /** Finished calls that failed. */
  readonly failed: number;
  /** `failed / calls`, 0 when nothing finished. */
  readonly errorRate: number;
  /** Attempts running now. */
  readonly running: number;
  /** Calls waiting for a slot now. */
  readonly queued: number;
  /** Latency percentiles (ms) over the tool's recent finished calls; `null` before the first. */
  readonly p50: number | null;
  /** The 95th percentile (ms). */
  readonly p95: number | null;
  /** The slowest (ms). */
  readonly max: number | null;
  /** Attempts that failed and were retried. */
  readonly retries: number;
  /** Attempts that ran past their timeout (retried or not). */
  readonly timeouts: number;
  /** Attempts that settled after Volley stopped waiting for them. */
  readonly abandoned: number;
}

/** Executor-wide counters. */
export interface TotalsRecord {
  /** Attempts running now. */
  readonly running: number;
  /** Calls waiting for a slot now. */
  readonly queued: number;
  /** Calls waiting out a retry's backoff now. */
  readonly retrying: number;
  /** Calls that ended, since the dashboard was attached. */
  readonly finished: number;
  /** Calls that ended ok. */
  readonly ok: number;
  /** Calls that failed. */
  readonly failed: number;
  /** Attempts that failed and were retried. */
  readonly retries: number;
  /** Attempts that ran past their timeout. */
  readonly timeouts: number;
  /** Attempts that settled after Volley stopped waiting for them. */
  readonly abandoned: number;
  /** Attempts Volley stopped waiting for (timeout, deadline, cancel) that have not settled yet. */
  readonly detached: number;
  /** Batches not yet complete. */
  readonly batches: number;
}

/** An attempt running now. */
export interface InFlightRecord {
  /** The batch's id. */
  readonly batchId: string;
  /** The call's id. */
  readonly id: string;
  /** The tool's name. */
  readonly tool: string;
  /** This attempt, 1-based. */
  readonly attempt: number;
  /** When this attempt started (epoch ms). */
  readonly startedAt: number;
  /** What the attempt last said of its progress (`ctx.progress()`), once it has. */
  readonly progress?: ProgressRecord;
  /** The worker running it, on a cluster's dashboard (`clusterSource()` of `volley/bullmq`). */
  readonly worker?: string;
}

/** A running attempt's last progress report. */
export interface ProgressRecord {
  /** Work done so far, in the tool's unit. */
  readonly progress?: number;
  /** The work in all, when the tool knows it. */
  readonly total?: number;
  /** The tool's note, cut to the dashboard's text limit. */
  readonly message?: string;
  /** When it came (epoch ms). */
  readonly at: number;
}

/** A retry, a timeout or an abandoned attempt, for the incident feed. */
export interface IncidentRecord {
  /** Increases by one per incident; the page skips those it has. */
  readonly seq: number;
  /** When it happened (epoch ms). */
  readonly at: number;
  /** What happened: a retry, a timeout, or an abandoned attempt. */
  readonly type: "retry" | "timeout" | "abandoned";
  /** The batch's id. */
  readonly batchId: string;
  /** The call's id. */
  readonly callId: string;
  /** The tool's name. */
  readonly tool: string;
  /** The attempt concerned, 1-based. */
  readonly attempt: number;
  /** The error kind of the failed attempt, or why Volley stopped waiting for an abandoned one. */
  readonly kind: ErrorKind | null;
  /** What happened, readable. */
  readonly message: string;
}

/** The `snapshot` and `update` events of `/events` (and the body of `/snapshot.json`). */
export interface DashboardUpdate {
  /** True for a snapshot: drop what you have, then apply. */
  readonly reset: boolean;
  /** The server's clock (epoch ms), to tick running calls without clock skew. */
  readonly now: number;
  /** How many batches and incidents the page keeps (the server's ring sizes). */
  readonly limits: {
    /** Batches kept on the timeline. */
    readonly batches: number;
    /** Incidents kept in the feed. */
    readonly incidents: number;
  };
  /** Executor-wide counters. */
  readonly totals: TotalsRecord;
  /** Every tool, registered ones first. */
  readonly tools: readonly ToolRecord[];
  /** Running attempts, oldest first (at most 50), and how many there are in all. */
  readonly inFlight: {
    /** Attempts running now, in all. */
    readonly count: number;
    /** The oldest of them. */
    readonly calls: readonly InFlightRecord[];
  };
  /** Batches to upsert, oldest first. */
  readonly batches: readonly BatchRecord[];
  /** Calls to upsert. */
  readonly calls: readonly CallRecord[];
  /** New incidents, oldest first. */
  readonly incidents: readonly IncidentRecord[];
}
