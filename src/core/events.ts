import type { CircuitState } from "./features/circuit-breaker/options.js";
import type { ErrorKind, Outcome, OutcomeError, ReportCounts } from "./outcome.js";

/** `batch:started`: emitted synchronously inside `execute()`, in the caller's async context. */
export interface BatchStartedEvent {
  /** The batch's id. */
  readonly batchId: string;
  /** Calls in the batch. */
  readonly size: number;
  /** Epoch ms. */
  readonly startedAt: number;
  /** The batch deadline (epoch ms), or `Infinity`. */
  readonly deadline: number;
}

/** `call:queued`: a valid call entered the queue. */
export interface CallQueuedEvent {
  /** The batch's id. */
  readonly batchId: string;
  /** The call's id. */
  readonly callId: string;
  /** The call's position in the batch, from 0. */
  readonly index: number;
  /** The tool's name. */
  readonly tool: string;
  /** The call's priority in the queue (higher starts first). */
  readonly priority: number;
  /** Epoch ms. */
  readonly queuedAt: number;
}

/** `call:started`: an attempt began. */
export interface CallStartedEvent {
  /** The batch's id. */
  readonly batchId: string;
  /** The call's id. */
  readonly callId: string;
  /** The call's position in the batch, from 0. */
  readonly index: number;
  /** The tool's name. */
  readonly tool: string;
  /** 1-based. */
  readonly attempt: number;
  /** Epoch ms. */
  readonly startedAt: number;
  /** How long it waited in the queue before this attempt (ms). */
  readonly queuedMs: number;
  /** The call's arguments as the tool receives them (after its schema). Do not mutate. */
  readonly args: unknown;
}

/** `call:progress`: a running attempt reported progress (`ctx.progress()`, or an MCP server's notification). */
export interface CallProgressEvent {
  /** The batch's id. */
  readonly batchId: string;
  /** The call's id. */
  readonly callId: string;
  /** The call's position in the batch, from 0. */
  readonly index: number;
  /** The tool's name. */
  readonly tool: string;
  /** 1-based. */
  readonly attempt: number;
  /** Epoch ms. */
  readonly at: number;
  /** Work done so far, in the tool's own unit. */
  readonly progress?: number;
  /** The work in all, when the tool knows it. */
  readonly total?: number;
  /** A short human-readable note. */
  readonly message?: string;
}

/** `call:retry`: an attempt failed and another will follow after `delayMs`. */
export interface CallRetryEvent {
  /** The batch's id. */
  readonly batchId: string;
  /** The call's id. */
  readonly callId: string;
  /** The call's position in the batch, from 0. */
  readonly index: number;
  /** The tool's name. */
  readonly tool: string;
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  /** The wait before the next attempt (ms). */
  readonly delayMs: number;
  /** Why the attempt failed. */
  readonly error: OutcomeError;
}

/** `call:finished`: the call's one outcome is decided. */
export interface CallFinishedEvent {
  /** The batch's id. */
  readonly batchId: string;
  /** The call's id. */
  readonly callId: string;
  /** The call's position in the batch, from 0. */
  readonly index: number;
  /** The tool's name. */
  readonly tool: string;
  /** The call's one outcome. */
  readonly outcome: Outcome;
}

/**
 * `call:abandoned`: an attempt that Volley had stopped waiting for (timeout, deadline, cancel)
 * settled without honouring its abort signal: it returned a value (dropped) or failed for
 * another reason. Counts tools that leak work past their limits.
 */
export interface CallAbandonedEvent {
  /** The batch's id. */
  readonly batchId: string;
  /** The call's id. */
  readonly callId: string;
  /** The call's position in the batch, from 0. */
  readonly index: number;
  /** The tool's name. */
  readonly tool: string;
  /** The attempt that was abandoned (1-based). */
  readonly attempt: number;
  /** Why Volley had stopped waiting. */
  readonly reason: Extract<ErrorKind, "timeout" | "deadline" | "cancelled">;
  /** How long after the abort the attempt settled (ms). */
  readonly lateMs: number;
}

/** `batch:finished`: every outcome of the batch is delivered. */
export interface BatchFinishedEvent {
  /** The batch's id. */
  readonly batchId: string;
  /** From `execute()` to the last outcome (ms). */
  readonly wallMs: number;
  /** The batch's outcome counts. */
  readonly counts: ReportCounts;
}

/** `circuit:state`: a tool's circuit breaker, or an upstream's, changed state. */
export interface CircuitStateEvent {
  /** The tool whose circuit changed; for an upstream's circuit, the upstream's name. */
  readonly tool: string;
  /** Set, to the upstream's name, when the circuit is an upstream's (shared by its tools). */
  readonly upstream?: string;
  /** The new state. */
  readonly state: CircuitState;
  /** Why it opened (open and half-open). */
  readonly reason?: string;
  /** When the cool-down ends (epoch ms), when it opened. */
  readonly until?: number;
  /** Epoch ms. */
  readonly at: number;
}

/** The executor's events, by name. Listeners run synchronously; one that throws never hurts a call. */
export interface ExecutorEvents {
  /** A batch was accepted: emitted synchronously inside `execute()`, in the caller's async context. */
  "batch:started": BatchStartedEvent;
  /** A valid call entered the queue. */
  "call:queued": CallQueuedEvent;
  /** An attempt began. */
  "call:started": CallStartedEvent;
  /** A running attempt reported progress. */
  "call:progress": CallProgressEvent;
  /** An attempt failed and another follows after a backoff. */
  "call:retry": CallRetryEvent;
  /** A call's one outcome is decided. */
  "call:finished": CallFinishedEvent;
  /** An attempt Volley had stopped waiting for settled without honouring its signal. */
  "call:abandoned": CallAbandonedEvent;
  /** Every outcome of a batch is delivered. */
  "batch:finished": BatchFinishedEvent;
  /** A tool's circuit breaker changed state. */
  "circuit:state": CircuitStateEvent;
}

/** The name of an executor event. */
export type ExecutorEventName = keyof ExecutorEvents;

/** Every event name, in the order a call meets them. */
export const EVENT_NAMES: readonly ExecutorEventName[] = Object.freeze([
  "batch:started",
  "call:queued",
  "call:started",
  "call:progress",
  "call:retry",
  "call:abandoned",
  "call:finished",
  "batch:finished",
  "circuit:state",
]);

/** True for one of {@link EVENT_NAMES}. */
export function isEventName(name: unknown): name is ExecutorEventName {
  return typeof name === "string" && (EVENT_NAMES as readonly string[]).includes(name);
}

/** A listener of one event. */
export type Listener<E extends ExecutorEventName> = (event: ExecutorEvents[E]) => void;

/**
 * A small typed event hub. `has()` lets the hot path skip building payloads nobody reads.
 * Listener arrays are copied on write, so a listener may unsubscribe while being called.
 */
export class EventHub {
  // Every key present from the start: one object shape, so `has()` is a fast property read.
  #listeners: { [E in ExecutorEventName]?: Listener<E>[] } = {
    "batch:started": undefined,
    "call:queued": undefined,
    "call:started": undefined,
    "call:progress": undefined,
    "call:retry": undefined,
    "call:finished": undefined,
    "call:abandoned": undefined,
    "batch:finished": undefined,
    "circuit:state": undefined,
  };
  readonly #onError: (error: unknown, event: ExecutorEventName) => void;
  /**
   * Which events have a listener: the hot path reads these flags (a property of a fixed-shape
   * object) rather than calling {@link EventHub.has} for every call.
   */
  readonly wants: Readonly<Record<ExecutorEventName, boolean>> = {
    "batch:started": false,
    "call:queued": false,
    "call:started": false,
    "call:progress": false,
    "call:retry": false,
    "call:finished": false,
    "call:abandoned": false,
    "batch:finished": false,
    "circuit:state": false,
  };

  constructor(onError: (error: unknown, event: ExecutorEventName) => void) {
    this.#onError = onError;
  }

  /** True when `event` has a listener. */
  has(event: ExecutorEventName): boolean {
    return this.#listeners[event] !== undefined;
  }

  #set<E extends ExecutorEventName>(event: E, list: Listener<E>[] | undefined): void {
    (this.#listeners as Record<string, unknown>)[event] = list;
    (this.wants as Record<ExecutorEventName, boolean>)[event] = list !== undefined;
  }

  /** Adds a listener; returns the function that removes it. */
  on<E extends ExecutorEventName>(event: E, listener: Listener<E>): () => void {
    const current = (this.#listeners[event] ?? []) as Listener<E>[];
    this.#set(event, [...current, listener]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const list = (this.#listeners[event] ?? []) as Listener<E>[];
      const next = list.filter((l) => l !== listener);
      this.#set(event, next.length > 0 ? next : undefined);
    };
  }

  /** Calls every listener of `event`; a throwing one is reported, not propagated. */
  emit<E extends ExecutorEventName>(event: E, payload: ExecutorEvents[E]): void {
    const list = this.#listeners[event] as Listener<E>[] | undefined;
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(payload);
      } catch (error) {
        try {
          this.#onError(error, event);
        } catch {
          // The reporter itself threw: a call must still never be hurt by what listens to it.
        }
      }
    }
  }
}
