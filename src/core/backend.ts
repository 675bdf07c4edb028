/**
 * Where an attempt runs when it does not run inline: a worker-thread pool, a queue of remote
 * workers. An attempt crosses the seam as plain data; the backend finds the tool by name in the
 * tools module on its side.
 */
export interface AttemptRequest {
  /** The tool's name. */
  readonly tool: string;
  /** The URL of the tools module that exports the tool, when known. */
  readonly module: string | undefined;
  /**
   * The arguments as the call gave them, already checked against the tool's schema here: the
   * backend parses them again on its side, because what a schema's transform makes (a class
   * instance) would not survive the crossing.
   */
  readonly args: unknown;
  readonly callId: string;
  readonly batchId: string;
  /** 1-based. */
  readonly attempt: number;
  /** When this attempt must be done (epoch ms, or `Infinity`). */
  readonly deadline: number;
  /** Stable across retries and resumes. */
  readonly idempotencyKey: string;
}

/** Runs attempts somewhere other than this event loop. */
export interface Backend {
  /** A short name for messages and stats (`"threads"`, `"bullmq"`). */
  readonly name: string;
  /**
   * Runs one attempt. Resolves with the tool's result; rejects with the tool's error, or with a
   * `WorkerCrashedError` when the worker died. When `signal` aborts, the backend stops the attempt
   * for real (terminates the worker) and rejects.
   */
  run(request: AttemptRequest, signal: AbortSignal): Promise<unknown>;
  /** Releases the backend's resources (threads, connections). */
  close?(): Promise<void>;
}
