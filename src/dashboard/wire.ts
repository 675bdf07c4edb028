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
  readonly id: string;
  /** Calls in the batch. */
  readonly size: number;
  readonly startedAt: number;
  /** `null` while the batch runs. */
  readonly endedAt: number | null;
  /** The batch deadline, or `null` for none. */
  readonly deadline: number | null;
  readonly ok: number;
  readonly failed: number;
  /** Calls counted but not drawn, past `maxCallsPerBatch`. */
  readonly hidden: number;
}

/** A call on the timeline, keyed by (`batchId`, `id`). Times are epoch ms. */
export interface CallRecord {
  readonly batchId: string;
  readonly id: string;
  readonly index: number;
  readonly tool: string;
  readonly status: CallStatus;
  /** The error kind of a failed call (or of the last failed attempt while retrying). */
  readonly kind: ErrorKind | null;
  readonly message: string | null;
  readonly queuedAt: number | null;
  /** When the first attempt started; `null` if none has. */
  readonly startedAt: number | null;
  /** When the outcome was decided; `null` until then. */
  readonly endedAt: number | null;
  /** When the latest attempt started; `null` if none has. */
  readonly attemptStartedAt: number | null;
  readonly attempts: number;
  /** The failed attempts that were retried (the first 10). */
  readonly retried: readonly RetriedAttempt[];
}

/** An attempt that failed and was retried. Times are epoch ms. */
export interface RetriedAttempt {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly kind: ErrorKind;
}

/** Counters and latency of one tool since the dashboard was attached. */
export interface ToolRecord {
  readonly tool: string;
  /** Finished calls. */
  readonly calls: number;
  readonly ok: number;
  readonly failed: number;
  /** `failed / calls`, 0 when nothing finished. */
  readonly errorRate: number;
  readonly running: number;
  readonly queued: number;
  /** Latency percentiles (ms) over the tool's recent finished calls; `null` before the first. */
  readonly p50: number | null;
  readonly p95: number | null;
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
  readonly running: number;
  readonly queued: number;
  readonly retrying: number;
  readonly finished: number;
  readonly ok: number;
  readonly failed: number;
  readonly retries: number;
  readonly timeouts: number;
  readonly abandoned: number;
  /** Attempts Volley stopped waiting for (timeout, deadline, cancel) that have not settled yet. */
  readonly detached: number;
  /** Batches not yet complete. */
  readonly batches: number;
}

/** An attempt running now. */
export interface InFlightRecord {
  readonly batchId: string;
  readonly id: string;
  readonly tool: string;
  readonly attempt: number;
  /** When this attempt started (epoch ms). */
  readonly startedAt: number;
}

/** A retry, a timeout or an abandoned attempt, for the incident feed. */
export interface IncidentRecord {
  /** Increases by one per incident; the page skips those it has. */
  readonly seq: number;
  readonly at: number;
  readonly type: "retry" | "timeout" | "abandoned";
  readonly batchId: string;
  readonly callId: string;
  readonly tool: string;
  readonly attempt: number;
  readonly kind: ErrorKind | null;
  readonly message: string;
}

/** The `snapshot` and `update` events of `/events` (and the body of `/snapshot.json`). */
export interface DashboardUpdate {
  /** True for a snapshot: drop what you have, then apply. */
  readonly reset: boolean;
  /** The server's clock (epoch ms), to tick running calls without clock skew. */
  readonly now: number;
  /** How many batches and incidents the page keeps (the server's ring sizes). */
  readonly limits: { readonly batches: number; readonly incidents: number };
  readonly totals: TotalsRecord;
  /** Every tool, registered ones first. */
  readonly tools: readonly ToolRecord[];
  /** Running attempts, oldest first (at most 50), and how many there are in all. */
  readonly inFlight: { readonly count: number; readonly calls: readonly InFlightRecord[] };
  /** Batches to upsert, oldest first. */
  readonly batches: readonly BatchRecord[];
  /** Calls to upsert. */
  readonly calls: readonly CallRecord[];
  /** New incidents, oldest first. */
  readonly incidents: readonly IncidentRecord[];
}
