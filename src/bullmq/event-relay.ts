/**
 * A worker's executor events, published for the cluster's dashboard ({@link clusterSource}):
 * buffered, and sent as one custom event of the events queue at most every 100 ms, or as soon as
 * 500 are waiting. What the dashboard does not need and must not see stays on the worker: a
 * call's arguments and its result's value.
 */
import type { QueueEventsProducer } from "bullmq";
import type { ExecutorEventName, ExecutorEvents } from "../core/events.js";
import { EVENT_NAMES } from "../core/events.js";
import type { Executor } from "../core/executor.js";
import type { Outcome, OutcomeError } from "../core/outcome.js";
import {
  EVENTS_EVENT,
  EVENTS_STREAM_LENGTH,
  PROTOCOL_VERSION,
  type EventsMessage,
  type RelayedEvent,
} from "./protocol.js";

/** What the worker knows of the caller's side of the job that runs a call. */
export interface JobFacts {
  /** The caller's attempt number (the worker's executor makes one attempt per job). */
  readonly attempt: number;
  /** When the caller put the job on its queue (epoch ms). */
  readonly sentAt: number;
}

/** What a relay needs from its worker. */
export interface EventRelaySettings {
  /** The worker's name. */
  readonly worker: string;
  /** The worker's executor, whose events are relayed. */
  readonly executor: Executor;
  /** Publishes on the events queue. */
  readonly producer: QueueEventsProducer;
  /** How often the stats go out when no event does (ms): the worker's heartbeat. */
  readonly heartbeatMs: number;
  /** How long readers wait for the next message before they count the worker gone (ms). */
  readonly ttlMs: number;
  /** Told of publishing errors. */
  readonly onError: (error: unknown) => void;
  /** The caller's side of the job running call `callId` of batch `batchId`, while it runs. */
  readonly jobOf: (batchId: string, callId: string) => JobFacts | undefined;
}

/** Longest an event waits before it is sent (ms). */
const FLUSH_EVERY_MS = 100;
/** Events that are sent at once, without waiting for the interval. */
const FLUSH_AT = 500;
/** Most events held while a publish is slow: past it the oldest are dropped, and counted. */
const MAX_BUFFERED = 10_000;
/** Longest a closing relay waits for its last messages to go out (ms): Redis may be away. */
const CLOSE_TIMEOUT_MS = 5_000;
/** Messages are cut here: a page shows a line, and a message stays small. */
const MAX_TEXT = 1_000;

/**
 * Events a worker does not relay. Each job is a batch of one call on the worker's executor, so
 * its `batch:started`, `call:queued` and `batch:finished` say only that a job came and went,
 * which `call:started` and `call:finished` say too; the reader rebuilds the callers' batches
 * from the calls.
 */
const PER_JOB = new Set<ExecutorEventName>(["batch:started", "call:queued", "batch:finished"]);

/** Publishes a worker's executor events on the events queue until {@link EventRelay.close}. */
export class EventRelay {
  readonly #settings: EventRelaySettings;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #buffer: RelayedEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending: Promise<void> | undefined;
  #lastSent = 0;
  #dropped = 0;
  #closed = false;

  constructor(settings: EventRelaySettings) {
    this.#settings = settings;
    for (const name of EVENT_NAMES) {
      if (PER_JOB.has(name)) continue;
      this.#unsubscribe.push(
        settings.executor.on(name, (event) => this.#push([name, this.#copy(name, event)])),
      );
    }
    // The stats go out with the heartbeat when no event did, so that running counts stay fresh.
    this.#heartbeat = setInterval(() => {
      if (this.#sending === undefined && Date.now() - this.#lastSent >= settings.heartbeatMs) {
        this.#flush();
      }
    }, settings.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Events dropped so far, because publishing lagged behind. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Relays the end of a call the worker answered without running it on its executor (its
   * deadline passed in the queue, its tool is not here, its first worker died under it), which
   * the executor's events cannot tell.
   */
  unrun(call: {
    readonly batchId: string;
    readonly callId: string;
    readonly tool: string;
    readonly attempts: number;
    readonly error: OutcomeError;
  }): void {
    if (this.#closed) return;
    this.#push([
      "call:finished",
      {
        batchId: call.batchId,
        callId: call.callId,
        tool: call.tool,
        outcome: {
          status: "error",
          startedAt: null,
          durationMs: 0,
          attempts: call.attempts,
          error: errorOf(call.error),
        },
      },
    ]);
  }

  /** Sends the stats at once (a worker's first message, so readers learn of it). */
  announce(): void {
    this.#flush();
  }

  /** Stops listening, and sends what is left with the last stats and a goodbye. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    clearInterval(this.#heartbeat);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      timer.unref();
    });
    const last = (async () => {
      await this.#sending;
      await this.#publish(this.#take(), true);
    })();
    await Promise.race([last, late]);
    clearTimeout(timer);
  }

  #push(event: RelayedEvent): void {
    if (this.#buffer.length >= MAX_BUFFERED) {
      this.#buffer.shift();
      this.#dropped += 1;
    }
    this.#buffer.push(event);
    if (this.#buffer.length >= FLUSH_AT) this.#flush();
    else if (this.#timer === undefined && this.#sending === undefined) {
      this.#timer = setTimeout(() => this.#flush(), FLUSH_EVERY_MS);
      this.#timer.unref();
    }
  }

  /** Sends the buffer, unless a publish is under way: then its end sends the rest. */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#sending !== undefined || this.#closed) return;
    this.#sending = this.#publish(this.#take(), false).finally(() => {
      this.#sending = undefined;
      if (this.#closed || this.#buffer.length === 0) return;
      if (this.#buffer.length >= FLUSH_AT) this.#flush();
      else {
        this.#timer = setTimeout(() => this.#flush(), FLUSH_EVERY_MS);
        this.#timer.unref();
      }
    });
  }

  #take(): RelayedEvent[] {
    const events = this.#buffer;
    this.#buffer = [];
    return events;
  }

  async #publish(events: RelayedEvent[], bye: boolean): Promise<void> {
    const { producer, executor, worker, ttlMs, onError } = this.#settings;
    this.#lastSent = Date.now();
    const message = (list: readonly RelayedEvent[]): EventsMessage => ({
      v: PROTOCOL_VERSION,
      worker,
      at: this.#lastSent,
      ttlMs,
      stats: executor.stats(),
      events: list,
      dropped: this.#dropped,
      ...(bye ? { bye: true as const } : {}),
    });
    let data: string;
    try {
      data = JSON.stringify(message(events));
    } catch {
      // An event JSON cannot hold (a BigInt in a future event's payload): drop it, keep the rest.
      const sendable = events.filter((event) => {
        try {
          JSON.stringify(event);
          return true;
        } catch {
          this.#dropped += 1;
          return false;
        }
      });
      data = JSON.stringify(message(sendable));
    }
    try {
      await producer.publishEvent({ eventName: EVENTS_EVENT, data }, EVENTS_STREAM_LENGTH);
    } catch (error) {
      this.#dropped += events.length;
      onError(error);
    }
  }

  /** A JSON-safe copy of an event, with the caller's attempt numbers, and nothing private. */
  #copy(
    name: ExecutorEventName,
    event: ExecutorEvents[ExecutorEventName],
  ): Record<string, unknown> {
    const jobOf = this.#settings.jobOf;
    switch (name) {
      case "call:started": {
        const e = event as ExecutorEvents["call:started"];
        const job = jobOf(e.batchId, e.callId);
        // Not the arguments: they are the caller's data, and the dashboard does not show them.
        return {
          batchId: e.batchId,
          callId: e.callId,
          tool: e.tool,
          attempt: job?.attempt ?? e.attempt,
          startedAt: e.startedAt,
          // From the moment the caller sent the job: its wait in the queue for a worker.
          queuedMs: job === undefined ? e.queuedMs : Math.max(0, e.startedAt - job.sentAt),
        };
      }
      case "call:progress": {
        const e = event as ExecutorEvents["call:progress"];
        return {
          batchId: e.batchId,
          callId: e.callId,
          tool: e.tool,
          attempt: jobOf(e.batchId, e.callId)?.attempt ?? e.attempt,
          at: e.at,
          ...(e.progress === undefined ? {} : { progress: e.progress }),
          ...(e.total === undefined ? {} : { total: e.total }),
          ...(e.message === undefined ? {} : { message: cut(String(e.message)) }),
        };
      }
      case "call:retry": {
        const e = event as ExecutorEvents["call:retry"];
        return {
          batchId: e.batchId,
          callId: e.callId,
          tool: e.tool,
          attempt: jobOf(e.batchId, e.callId)?.attempt ?? e.attempt,
          delayMs: e.delayMs,
          error: errorOf(e.error),
        };
      }
      case "call:abandoned": {
        const e = event as ExecutorEvents["call:abandoned"];
        return {
          batchId: e.batchId,
          callId: e.callId,
          tool: e.tool,
          attempt: jobOf(e.batchId, e.callId)?.attempt ?? e.attempt,
          reason: e.reason,
          lateMs: e.lateMs,
        };
      }
      case "call:finished": {
        const e = event as ExecutorEvents["call:finished"];
        const attempt = jobOf(e.batchId, e.callId)?.attempt;
        return {
          batchId: e.batchId,
          callId: e.callId,
          tool: e.tool,
          outcome: outcomeOf(e.outcome, attempt),
        };
      }
      default:
        return { ...(event as object) };
    }
  }
}

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** An error's kind and message: not its `data`, which may hold what a tool was given. */
function errorOf(error: OutcomeError): { kind: string; message: string } {
  return { kind: error.kind, message: cut(String(error.message)) };
}

/** An outcome without its value: its status, error, times and attempts. */
function outcomeOf(outcome: Outcome, attempt: number | undefined): Record<string, unknown> {
  // Its id and name are the event's callId and tool.
  return {
    status: outcome.status,
    startedAt: outcome.startedAt,
    durationMs: outcome.durationMs,
    attempts: attempt === undefined || outcome.attempts === 0 ? outcome.attempts : attempt,
    ...(outcome.status === "error" ? { error: errorOf(outcome.error) } : {}),
  };
}
