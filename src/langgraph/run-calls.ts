import {
  normalizeCall,
  type AttemptInvoker,
  type ExecuteOptions,
  type Executor,
  type Outcome,
} from "../core/index.js";

/** How a node runs its calls through an executor. */
export interface RunCallsOptions {
  readonly batchId?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly deadlineMs?: number | undefined;
  readonly priority?: number | undefined;
  /** Most of these calls in flight at once (the run config's `maxConcurrency`). */
  readonly maxConcurrency?: number | undefined;
  readonly invoke?: AttemptInvoker | undefined;
  /** Told of each outcome as it finishes. */
  readonly onOutcome?: ((outcome: Outcome) => void) | undefined;
}

/**
 * Runs calls through the executor and returns their outcomes in call order. Under a
 * `maxConcurrency` smaller than the batch, the calls go to the executor as slots of that window
 * free up, each as a batch of one sharing the batch id (so a journal still keys them by it).
 */
export async function runCalls(
  executor: Executor,
  calls: readonly unknown[],
  options: RunCallsOptions,
): Promise<Outcome[]> {
  const limit = options.maxConcurrency;
  if (limit === undefined || limit >= calls.length) {
    const batch = executor.execute(calls, executeOptions(options, options.batchId));
    if (options.onOutcome !== undefined) {
      for await (const outcome of batch) tell(options.onOutcome, outcome);
    }
    const report = await batch;
    return [...report.outcomes];
  }
  return runWindowed(executor, calls, limit, options);
}

async function runWindowed(
  executor: Executor,
  calls: readonly unknown[],
  limit: number,
  options: RunCallsOptions,
): Promise<Outcome[]> {
  const outcomes = new Array<Outcome>(calls.length);
  const batchId = options.batchId ?? crypto.randomUUID();
  const execute = executeOptions(options, batchId);
  const started = Date.now();
  const deliver = (outcome: Outcome): void => {
    outcomes[outcome.index] = outcome;
    if (options.onOutcome !== undefined) tell(options.onOutcome, outcome);
  };
  // Malformed and repeated calls end here, as the executor would end them in one batch: a batch
  // of one call could not see a repeat, and would give every id-less call the same placeholder.
  const runnable: number[] = [];
  const seen = new Set<string>();
  calls.forEach((call, index) => {
    const normal = normalizeCall(call, index);
    const problem =
      normal.problem ??
      (seen.has(normal.id)
        ? `Call ${index} repeats the id "${normal.id}" of an earlier call in the batch`
        : undefined);
    if (problem !== undefined) {
      deliver(earlyError(normal.id, index, normal.name, problem));
      return;
    }
    seen.add(normal.id);
    runnable.push(index);
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < runnable.length) {
      const index = runnable[next++]!;
      const deadlineMs =
        execute.deadlineMs === undefined
          ? undefined
          : Math.max(0, execute.deadlineMs - (Date.now() - started));
      const report = await executor.execute([calls[index]], {
        ...execute,
        ...(deadlineMs === undefined ? {} : { deadlineMs }),
      });
      const outcome = report.outcomes[0]!;
      deliver({ ...outcome, index });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, runnable.length) }, worker));
  return outcomes;
}

function executeOptions(options: RunCallsOptions, batchId: string | undefined): ExecuteOptions {
  return {
    ...(batchId === undefined ? {} : { batchId }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.invoke === undefined ? {} : { invoke: options.invoke }),
  };
}

function earlyError(id: string, index: number, name: string, message: string): Outcome {
  return {
    id,
    index,
    name,
    status: "error",
    error: { kind: "invalid_call", message },
    startedAt: null,
    durationMs: 0,
    attempts: 0,
  };
}

function tell(listener: (outcome: Outcome) => void, outcome: Outcome): void {
  try {
    listener(outcome);
  } catch (error) {
    process.emitWarning(
      `A stream writer threw on the outcome of call "${outcome.id}": ${error instanceof Error ? error.message : String(error)}`,
      { code: "VOLLEY_LANGGRAPH" },
    );
  }
}
