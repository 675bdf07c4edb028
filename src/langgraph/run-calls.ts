import {
  type Approver,
  type AttemptInvoker,
  type ExecuteOptions,
  type Executor,
  type Outcome,
} from "../core/index.js";
import { errorText } from "../core/describe-value.js";
import { recogniseLangChainErrors } from "./langchain-errors.js";

// The executor classifies what LangChain's tools throw (their input-parsing errors are
// `invalid_args`); called here, not only imported, so that bundlers keep it (see the function).
recogniseLangChainErrors();

/** How a node runs its calls through an executor. */
export interface RunCallsOptions {
  readonly batchId?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly deadlineMs?: number | undefined;
  readonly priority?: number | undefined;
  /** Most of these calls in flight at once (the run config's `maxConcurrency`). */
  readonly maxConcurrency?: number | undefined;
  readonly invoke?: AttemptInvoker | undefined;
  /** Decides about the calls that need approval (the step's approvals). */
  readonly approve?: Approver | undefined;
  /** Told of each outcome as it finishes. */
  readonly onOutcome?: ((outcome: Outcome) => void) | undefined;
}

/**
 * Runs calls through the executor as one batch and returns their outcomes in call order. A
 * `maxConcurrency` becomes the batch's own `concurrency`: its calls start in order, the next as
 * one ends, under the batch id a journal keys them by.
 */
export async function runCalls(
  executor: Executor,
  calls: readonly unknown[],
  options: RunCallsOptions,
): Promise<Outcome[]> {
  const batch = executor.execute(calls, executeOptions(options));
  if (options.onOutcome !== undefined) {
    for await (const outcome of batch) tell(options.onOutcome, outcome);
  }
  const report = await batch;
  return [...report.outcomes];
}

function executeOptions(options: RunCallsOptions): ExecuteOptions {
  return {
    ...(options.batchId === undefined ? {} : { batchId: options.batchId }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.maxConcurrency === undefined ? {} : { concurrency: options.maxConcurrency }),
    ...(options.invoke === undefined ? {} : { invoke: options.invoke }),
    ...(options.approve === undefined ? {} : { approve: options.approve }),
  };
}

function tell(listener: (outcome: Outcome) => void, outcome: Outcome): void {
  try {
    listener(outcome);
  } catch (error) {
    process.emitWarning(
      `A stream writer threw on the outcome of call "${outcome.id}": ${errorText(error)}`,
      { code: "VOLLEY_LANGGRAPH" },
    );
  }
}
