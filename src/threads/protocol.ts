import type { MessagePort } from "node:worker_threads";
import type { WireError } from "../core/wire-error.js";

export type { WireError };

/** What every thread is told as it starts (piscina's `workerData`). */
export interface WorkerSetup {
  /** Volley runs from its TypeScript source: register tsx's hooks before loading modules. */
  readonly fromSource: boolean;
  /** Tools modules to load at once (URLs). */
  readonly preload: readonly string[];
}

/** One attempt, as posted to a worker thread (plain, structured-cloneable data). */
export interface WorkerTask {
  readonly module: string;
  readonly tool: string;
  readonly args: unknown;
  readonly callId: string;
  readonly batchId: string;
  readonly attempt: number;
  readonly deadline: number;
  readonly idempotencyKey: string;
  /**
   * Where the tool's `ctx.progress()` reports go (transferred with the task), each posted as
   * checked: `undefined`, or a `ProgressUpdate` of its three fields alone. `undefined` when
   * nothing in the main thread hears them: no channel is made then.
   */
  readonly progress: MessagePort | undefined;
}

/**
 * Asks a thread to load tools modules before any attempt (`ThreadBackend.warm()`). The thread
 * then holds on until every thread of its pool has one (or `state[1]` says to stop waiting), so
 * that no thread takes two while another takes none.
 */
export interface WarmTask {
  /** Tools modules to load (URLs). */
  readonly warm: readonly string[];
  /** On a SharedArrayBuffer: `[threads that took a warm task, 1 to stop waiting]`. */
  readonly state: Int32Array;
  /** The pool's threads: each takes one warm task. */
  readonly threads: number;
}

/**
 * What a worker thread answers. A tool's failure is an answer too, never a rejection: a thrown
 * value may not survive structured clone, so the worker flattens it to {@link WireError}.
 */
export type WorkerReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: WireError };
