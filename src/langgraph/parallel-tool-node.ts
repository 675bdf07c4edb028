import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Outcome, ToolCall } from "../core/index.js";
import { describeValue } from "../core/describe-value.js";
import { optionKeys } from "../core/validate-options.js";
import { StepApprovals } from "./approvals.js";
import { graphBatchId } from "./batch-id.js";
import { CallInterrupts } from "./call-interrupts.js";
import {
  checkBatchId,
  checkDeadlineMs,
  checkOptionsObject,
  executorOf,
  type ExecutorOrTools,
  type NodeExecutorOptions,
} from "./node-options.js";
import { runCalls } from "./run-calls.js";
import { abortReason, runLimits } from "./run-config.js";
import type { ToolErrorEntry } from "./state.js";

/** What {@link parallelToolNode} writes to LangGraph's custom stream for each finished call. */
export interface ToolOutcomeChunk {
  /** Tells these chunks apart from other custom stream writes. */
  readonly type: "volley:outcome";
  /** The call's outcome, as the executor delivered it. */
  readonly outcome: Outcome;
}

/** Options of {@link parallelToolNode}. */
export interface ParallelToolNodeOptions {
  /** Options of the executor the node makes, when it is given tools rather than an executor. */
  readonly executor?: NodeExecutorOptions;
  /**
   * Each step's time budget (ms): calls still running when it passes end `deadline`.
   * @default Infinity
   */
  readonly deadlineMs?: number;
  /** Priority of the step's calls that set none. @default the tools' own */
  readonly priority?: number;
  /**
   * The batch id of a step, the key a journal resumes it by. `false`: a random id each time.
   * @default graphBatchId(config, calls): from the thread, the node and the calls
   */
  readonly batchId?:
    false | ((config: LangGraphRunnableConfig, calls: readonly unknown[]) => string | undefined);
  /**
   * Write each outcome to LangGraph's custom stream (`streamMode: "custom"`) as it finishes.
   * @default true
   */
  readonly stream?: boolean;
}

/** The keys of {@link ParallelToolNodeOptions}. */
const PARALLEL_TOOL_NODE_KEYS = optionKeys<ParallelToolNodeOptions>()([
  "executor",
  "deadlineMs",
  "priority",
  "batchId",
  "stream",
]);

/** The state a {@link parallelToolNode} reads. */
export interface PendingToolsState {
  /** The calls to run: `{ id, name, args }` or the tutorial's `{ id, tool_name, args }`. */
  readonly pending_tools?: readonly ToolCall[] | unknown;
}

/** The update a {@link parallelToolNode} returns. */
export interface ParallelToolUpdate {
  /** Always `[]`: the node has run them. */
  readonly pending_tools: ToolCall[];
  /** This step's successful values, by call id. */
  readonly results: Record<string, unknown>;
  /** This step's failures, by call id. */
  readonly errors: Record<string, ToolErrorEntry>;
}

/** A graph node made by {@link parallelToolNode}. */
export type ParallelToolNode = (
  state: PendingToolsState,
  config?: LangGraphRunnableConfig,
) => Promise<ParallelToolUpdate>;

/**
 * A node that runs the state's `pending_tools` in parallel through a Volley executor and writes
 * `results` and `errors` (by call id); it clears `pending_tools` and leaves `messages` alone. A
 * malformed call becomes an error entry. Each outcome goes to LangGraph's custom stream as it
 * finishes. The run config's `signal` (and `timeout`) and `maxConcurrency` apply to the step.
 * @param executorOrTools An executor from `createExecutor()`, or the tools to make one from.
 * @throws TypeError for neither an executor nor tools, or a bad option.
 * @example
 * const graph = new StateGraph(ParallelToolState)
 *   .addNode("tools", parallelToolNode(createExecutor({ tools: [fastTool, slowTool], concurrency: 8 })))
 *   .addEdge(START, "tools")
 *   .compile();
 * const state = await graph.invoke({ pending_tools: calls });
 */
export function parallelToolNode(
  executorOrTools: ExecutorOrTools,
  options: ParallelToolNodeOptions = {},
): ParallelToolNode {
  checkOptionsObject("parallelToolNode", options, PARALLEL_TOOL_NODE_KEYS);
  const executor = executorOf("parallelToolNode", executorOrTools, options.executor);
  const { deadlineMs, priority, batchId = defaultBatchId, stream = true } = options;
  checkDeadlineMs("parallelToolNode", deadlineMs);
  checkBatchId("parallelToolNode", batchId);
  return async (state, config = {}) => {
    // Each call interrupts, and is resumed, on its own (see CallInterrupts). Opened first: it
    // takes its record out of the task's resume values before anything else reads them.
    const interrupts = CallInterrupts.open(config);
    const pending = state?.pending_tools ?? [];
    // Null-prototype: call ids come from a model, and "__proto__" must stay a plain key.
    const results: Record<string, unknown> = Object.create(null);
    const errors: Record<string, ToolErrorEntry> = Object.create(null);
    if (!Array.isArray(pending)) {
      errors["pending_tools"] = {
        kind: "invalid_call",
        message: `Expected pending_tools to be an array of tool calls, got ${describeValue(pending)}`,
      };
      return { pending_tools: [], results, errors };
    }
    if (pending.length === 0) return { pending_tools: [], results, errors };
    const limits = runLimits(config);
    const writer = stream ? config.writer : undefined;
    const tell =
      typeof writer === "function"
        ? (outcome: Outcome) =>
            writer({ type: "volley:outcome", outcome } satisfies ToolOutcomeChunk)
        : undefined;
    const bubbled = new Map<string, unknown>();
    const approvals = new StepApprovals({
      where: "parallelToolNode",
      executor,
      config,
      calls: pending,
      key: graphBatchId(config, pending),
    });
    const ran = await interrupts.run(
      approvals.toRun,
      (todo, reindex) =>
        runCalls(executor, todo, {
          batchId: batchId === false ? undefined : batchId(config, pending),
          signal: limits.signal,
          deadlineMs,
          priority,
          maxConcurrency: limits.maxConcurrency,
          invoke: interrupts.invoker(config, bubbled),
          approve: approvals.approve,
          onOutcome: tell && ((outcome) => tell(reindex(outcome))),
        }),
      tell,
    );
    const stopping =
      limits.signal?.aborted === true || ran.some((o) => o.status === "error" && bubbled.has(o.id));
    const outcomes = approvals.outcomes(ran, stopping);
    // Every finished call is answered (in results or errors): all are final.
    return interrupts.settle(
      outcomes,
      bubbled,
      () => true,
      () => {
        // The approval interrupt, here: the finished calls are kept in the task's checkpoint first.
        approvals.raise();
        // A cancelled step must not look finished: the graph run is being aborted, and a resume
        // should run these calls again (a journal replays the ones that did finish).
        if (limits.signal?.aborted) throw abortReason(limits.signal);
        for (const outcome of outcomes) {
          // The first call to use an id owns its key, as in the executor's report.
          if (outcome.id in results || outcome.id in errors) continue;
          if (outcome.status === "ok") results[outcome.id] = outcome.value;
          else errors[outcome.id] = { kind: outcome.error.kind, message: outcome.error.message };
        }
        return { pending_tools: [], results, errors };
      },
    );
  };
}

function defaultBatchId(
  config: LangGraphRunnableConfig,
  calls: readonly unknown[],
): string | undefined {
  return graphBatchId(config, calls);
}
