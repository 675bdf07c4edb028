/**
 * One tool's queue as a caller sees it: the BullMQ `Queue` its jobs go on, the `QueueEvents`
 * whose `completed` and `failed` events bring their replies back (no polling), and the callers'
 * attempts waiting for them, by job id.
 */
import type { Job, Queue, QueueEvents, QueueEventsProducer } from "bullmq";
import { WorkerCrashedError } from "../core/errors/worker-crashed-error.js";
import type { ProgressReporter } from "../core/backend.js";
import { reviveError, type WireError } from "../core/wire-error.js";
import { openBullmq, type BullmqClasses, type BullmqSite } from "./load-bullmq.js";
import { progressOf, type JobReply } from "./protocol.js";
import { untilReading } from "./reader-sync.js";

/** An attempt waiting for its job's reply. */
export interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** When it was sent (epoch ms), for the audit of replies that never came. */
  readonly sentAt: number;
  /** Hears the tool's progress reports, when the caller listens. */
  readonly progress: ProgressReporter | undefined;
}

/** How long a lane waits for its own sync event before it gives up starting (ms). */
const SYNC_TIMEOUT_MS = 15_000;

/** What a lane needs from its backend. */
export interface LaneSettings {
  readonly classes: BullmqClasses;
  /** Where the lane's BullMQ objects connect. */
  readonly site: BullmqSite;
  /** Events the queue's stream keeps. */
  readonly eventsMaxLen: number;
}

/** A tool's queue, its reply reader, and the attempts waiting on it. */
export class ToolLane {
  readonly queue: Queue;
  readonly #events: QueueEvents;
  readonly #producer: QueueEventsProducer;
  /** Waiters by job id: a deduplicated job may have several. */
  readonly waiting = new Map<string, Waiter[]>();
  /** Resolves once the reader is running, so that no reply can pass unseen. */
  readonly ready: Promise<void>;
  /** Set once {@link ToolLane.ready} resolved: a call then needs not wait for it. */
  reading = false;

  constructor(
    readonly name: string,
    settings: LaneSettings,
  ) {
    const { classes, site } = settings;
    this.queue = openBullmq<Queue>(classes.Queue, name, site, {
      streams: { events: { maxLen: settings.eventsMaxLen } },
    });
    this.#events = openBullmq<QueueEvents>(classes.QueueEvents, name, site);
    this.#producer = openBullmq<QueueEventsProducer>(classes.QueueEventsProducer, name, site);
    this.#events.on("completed", ({ jobId, returnvalue }) => this.#settle(jobId, returnvalue));
    this.#events.on("failed", ({ jobId, failedReason }) => this.#fail(jobId, failedReason));
    // A job's progress comes before its reply in the stream, so an attempt hears its reports
    // before its result, as it would inline.
    this.#events.on("progress", ({ jobId, data }) => this.#progress(jobId, data));
    this.ready = this.#sync();
    this.ready.then(
      () => (this.reading = true),
      () => {},
    );
  }

  /** Waits until the lane's reader reads its stream, so that no reply can pass it unseen. */
  async #sync(): Promise<void> {
    await this.#events.waitUntilReady();
    await untilReading(this.#events, this.#producer, this.name, SYNC_TIMEOUT_MS);
  }

  /** Adds `waiter` for job `jobId`. */
  wait(jobId: string, waiter: Waiter): void {
    const list = this.waiting.get(jobId);
    if (list === undefined) this.waiting.set(jobId, [waiter]);
    else list.push(waiter);
  }

  /** Removes `waiter`; true when no other attempt waits on the job. */
  unwait(jobId: string, waiter: Waiter): boolean {
    const list = this.waiting.get(jobId);
    if (list === undefined) return true;
    const at = list.indexOf(waiter);
    if (at >= 0) list.splice(at, 1);
    if (list.length > 0) return false;
    this.waiting.delete(jobId);
    return true;
  }

  /** Hands a job's reply to the attempts waiting on it. */
  #settle(jobId: string, returnvalue: unknown): void {
    const list = this.waiting.get(jobId);
    if (list === undefined) return;
    this.waiting.delete(jobId);
    const reply = replyOf(returnvalue, this.name);
    for (const waiter of list) {
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(reviveError(reply.error));
    }
  }

  /** Hands a job's progress report to the attempts waiting on it that listen. */
  #progress(jobId: string, data: unknown): void {
    const list = this.waiting.get(jobId);
    if (list === undefined) return;
    const update = progressOf(data);
    if (update === undefined) return;
    for (const waiter of list) {
      try {
        waiter.progress?.progress(update);
      } catch {
        // The executor's own check refused it: the worker's executor checked it already, and a
        // throw here would reach the stream reader.
      }
    }
  }

  /** A job BullMQ itself failed: it stalled too often, or a foreign processor threw. */
  #fail(jobId: string, reason: unknown): void {
    const list = this.waiting.get(jobId);
    if (list === undefined) return;
    this.waiting.delete(jobId);
    const text = typeof reason === "string" ? reason : "no reason given";
    for (const waiter of list) {
      waiter.reject(
        new WorkerCrashedError(`The job of this attempt on queue "${this.name}" failed: ${text}`),
      );
    }
  }

  /**
   * Settles, from the queue itself, the waiters of jobs sent before `before` whose reply has not
   * come: a reply the reader missed (its connection was down) is read from the finished job; a
   * job the queue no longer has (its server restarted without persistence) ends `crashed`.
   */
  async audit(before: number, limit: number): Promise<void> {
    const due: string[] = [];
    for (const [jobId, list] of this.waiting) {
      if (list.some((w) => w.sentAt < before)) due.push(jobId);
      if (due.length >= limit) break;
    }
    await Promise.all(
      due.map(async (jobId) => {
        let job: Job | undefined;
        let state: string;
        try {
          job = await this.queue.getJob(jobId);
          state = job === undefined ? "unknown" : await job.getState();
        } catch {
          return; // The server is still away: the next audit asks again.
        }
        if (state === "completed") this.#settle(jobId, job!.returnvalue);
        else if (state === "failed") this.#fail(jobId, job!.failedReason);
        else if (state === "unknown") this.#lost(jobId);
      }),
    );
  }

  #lost(jobId: string): void {
    const list = this.waiting.get(jobId);
    if (list === undefined) return;
    this.waiting.delete(jobId);
    for (const waiter of list) {
      waiter.reject(
        new WorkerCrashedError(
          `The job of this attempt is gone from queue "${this.name}" before it was answered: the queue's server lost it (restarted without persistence, or flushed)`,
        ),
      );
    }
  }

  /** Ends every waiter with `error` (at close). */
  rejectAll(error: unknown): void {
    const lists = [...this.waiting.values()];
    this.waiting.clear();
    for (const list of lists) for (const waiter of list) waiter.reject(error);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#events.close(), this.#producer.close(), this.queue.close()]);
  }
}

/** A job's return value read as a worker's reply. */
function replyOf(returnvalue: unknown, queue: string): JobReply {
  if (typeof returnvalue === "object" && returnvalue !== null) {
    const reply = returnvalue as { ok?: unknown; value?: unknown; error?: unknown };
    if (reply.ok === true) return { ok: true, value: reply.value };
    if (reply.ok === false && isWireError(reply.error)) return { ok: false, error: reply.error };
  }
  const message = `A worker of queue "${queue}" answered in a form Volley does not know: is a non-Volley worker taking its jobs?`;
  return { ok: false, error: { name: "NonRetryableError", message, final: true } };
}

function isWireError(value: unknown): value is WireError {
  const wire = value as { name?: unknown; message?: unknown } | null;
  return (
    typeof wire === "object" &&
    wire !== null &&
    typeof wire.name === "string" &&
    typeof wire.message === "string"
  );
}
