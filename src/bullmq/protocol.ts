/**
 * What callers and workers say to each other, all of it plain JSON on BullMQ: a job per attempt
 * on the tool's queue, its reply as the job's return value (which reaches callers in the queue's
 * `completed` event), and custom events on the cluster's control queue for what is not a job.
 */
import type { ExecutorStats } from "../core/stats.js";
import type { WireError } from "../core/wire-error.js";

/**
 * Bumped when a caller and a worker of different versions could misread each other. Workers
 * read version 1 too (it also named the tool in the data).
 */
export const PROTOCOL_VERSION = 2;

/**
 * One attempt, as a job's data: the tool is the job's name. What has its usual value is left
 * out, since every byte is written, read and parsed once per job.
 */
export interface JobData {
  readonly v: number;
  /** As the call gave them: the worker parses them with the tool's schema. */
  readonly args: unknown;
  readonly callId: string;
  readonly batchId: string;
  readonly attempt: number;
  /** When the attempt must be done (epoch ms); left out (or `null`) for never. */
  readonly deadline?: number | null;
  /** Left out when it is the usual `<batchId>:<callId>`, which the worker's executor makes too. */
  readonly idempotencyKey?: string;
  /**
   * Whether a worker that finds the job restarted (its first worker died under it after its tool
   * may have started) may run it again: only for tools that are safe to run twice. Left out for
   * false.
   */
  readonly rerun?: boolean;
  /**
   * Whether the caller hears the tool's `ctx.progress()` reports (a `call:progress` listener):
   * the worker then sends them back as the job's progress. Left out for false.
   */
  readonly progress?: boolean;
}

/** A tool's progress report as a worker sends it: the job's progress. */
export interface ProgressData {
  readonly progress?: number;
  readonly total?: number;
  readonly message?: string;
}

/** A job's progress read as a tool's report; `undefined` when it is not one (a foreign worker's). */
export function progressOf(data: unknown): ProgressData | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const { progress, total, message } = data as Record<string, unknown>;
  if (progress !== undefined && !Number.isFinite(progress)) return undefined;
  if (total !== undefined && !Number.isFinite(total)) return undefined;
  if (message !== undefined && typeof message !== "string") return undefined;
  return {
    ...(progress === undefined ? {} : { progress: progress as number }),
    ...(total === undefined ? {} : { total: total as number }),
    ...(message === undefined ? {} : { message }),
  };
}

/** What a worker answers: a job's return value. A tool's failure is an answer too. */
export type JobReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: WireError };

/** A worker's announcement: on start, on a caller's hello, and as its heartbeat. */
export interface WorkerAnnouncement {
  /** The worker's name (`startWorker`'s `id`). */
  readonly id: string;
  /** The tools it runs. */
  readonly tools: readonly string[];
  /** The machine it runs on. */
  readonly host: string;
  /** Its process id there. */
  readonly pid: number;
  /** Attempts it runs at once. */
  readonly concurrency: number;
  /** Longest the caller should wait for the next one before it counts the worker gone (ms). */
  readonly ttlMs: number;
}

/** A caller's request to stop an attempt, wherever it runs. */
export interface CancelRequest {
  /** The tool's queue. */
  readonly queue: string;
  readonly jobId: string;
  readonly reason: string;
}

/** The custom events of the control queue. */
export const CONTROL_EVENTS = Object.freeze({
  /** A worker is alive: {@link WorkerAnnouncement}. */
  worker: "volley:worker",
  /** A worker stopped: `{ id }`. */
  bye: "volley:bye",
  /** A caller asks every worker to announce itself now. */
  hello: "volley:hello",
  /** {@link CancelRequest}. */
  cancel: "volley:cancel",
});

/** Most events the control queue's stream keeps (BullMQ trims it as it publishes). */
export const CONTROL_STREAM_LENGTH = 1_000;

/** The queue of a tool's jobs. */
export function toolQueueName(queue: string, tool: string): string {
  return `${queue}.${encodeURIComponent(tool)}`;
}

/**
 * The queue whose event stream carries the cluster's control events: the cluster's own name,
 * which no tool's queue can take.
 */
export function controlQueueName(queue: string): string {
  return queue;
}

/** The custom event of the events queue: one {@link EventsMessage}. */
export const EVENTS_EVENT = "volley:events";

/**
 * Most messages the events queue's stream keeps (each at most 500 events): a few seconds of a
 * busy cluster, for a dashboard that reads a little behind; the dashboard reads from now on.
 */
export const EVENTS_STREAM_LENGTH = 500;

/**
 * The queue whose event stream carries the workers' executor events, for the cluster's
 * dashboard. No tool's queue can take its name: a tool's is `<queue>.` and the tool's name
 * through `encodeURIComponent`, which never writes a `%` that is not followed by two hex digits.
 */
export function eventsQueueName(queue: string): string {
  return `${queue}.%events`;
}

/** An executor event as a worker relays it: its name and a JSON-safe copy of its payload. */
export type RelayedEvent = readonly [name: string, payload: Record<string, unknown>];

/** One flush of a worker's events: what its executor did since the last one, and its stats. */
export interface EventsMessage {
  readonly v: number;
  /** The worker's name (`startWorker`'s `id`). */
  readonly worker: string;
  /** When it was sent (epoch ms). */
  readonly at: number;
  /** How long a reader should wait for the next one before it counts the worker gone (ms). */
  readonly ttlMs: number;
  /** The worker's executor's stats when it was sent. */
  readonly stats: ExecutorStats;
  /** The events, oldest first. */
  readonly events: readonly RelayedEvent[];
  /** Events the worker dropped so far, because its buffer was full while publishing lagged. */
  readonly dropped: number;
  /** Set on the worker's last message, sent as it closes. */
  readonly bye?: true;
}

/** Reads a control event's payload (sent as one JSON field); `undefined` when it is malformed. */
export function payloadOf<T>(args: unknown): T | undefined {
  try {
    const data = (args as { data?: unknown }).data;
    return typeof data === "string" ? (JSON.parse(data) as T) : undefined;
  } catch {
    return undefined;
  }
}
