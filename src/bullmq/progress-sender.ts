/**
 * A running job's progress reports, on their way back to the caller that listens: each report
 * becomes the job's progress (`job.updateProgress()`), which the caller's `QueueEvents` reads as
 * a `progress` event, in the stream before the job's reply.
 *
 * One report is on its way at a time. Reports made meanwhile are merged, the latest winning, so
 * a tool that reports in a tight loop costs a Redis write per round trip, not per report. The
 * last report always goes out, before the job's reply.
 */
import type { ProgressData } from "./protocol.js";

/** The part of a BullMQ job a sender writes. */
export interface ProgressTarget {
  updateProgress(progress: object): Promise<void>;
}

/** Sends one job's reports, until {@link ProgressSender.end}. */
export class ProgressSender {
  readonly #job: ProgressTarget;
  #sending: Promise<void> | undefined = undefined;
  #next: ProgressData | undefined = undefined;
  #ended = false;

  constructor(job: ProgressTarget) {
    this.#job = job;
  }

  /** Sends `update` now, or after the report on its way, replacing one waiting there. */
  report(update: ProgressData): void {
    if (this.#ended) return;
    if (this.#sending === undefined) this.#send(update);
    else this.#next = update;
  }

  /**
   * No more reports: resolves once those made are written, so that the reply, written next,
   * comes after them in the job's event stream. Never rejects.
   */
  async end(): Promise<void> {
    this.#ended = true;
    while (this.#sending !== undefined) await this.#sending;
  }

  #send(update: ProgressData): void {
    this.#sending = this.#job.updateProgress(update).then(
      () => this.#sent(),
      // The job is gone (its caller cancelled it, the queue was emptied) or Redis is away: the
      // reports are advisory, and the job's reply says how the call ended.
      () => this.#sent(),
    );
  }

  #sent(): void {
    const next = this.#next;
    this.#next = undefined;
    this.#sending = undefined;
    if (next !== undefined) this.#send(next);
  }
}
