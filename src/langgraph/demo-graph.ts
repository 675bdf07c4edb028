import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Executor, Outcome, ToolCall } from "../core/index.js";
import { parallelToolNode, type ToolOutcomeChunk } from "./parallel-tool-node.js";
import { langgraph } from "./peers.js";
import { ParallelToolState, type ParallelToolStateValue } from "./state.js";

/** Options of {@link runTutorialGraph}. */
export interface TutorialGraphOptions {
  /** Checkpoints the run (for example `SqliteSaver` for the demo's `--durable` mode). */
  readonly checkpointer?: BaseCheckpointSaver;
  /** The thread to run in; resuming it replays journaled outcomes. @default a random UUID */
  readonly threadId?: string;
  /** Aborts the run. */
  readonly signal?: AbortSignal;
}

/** What {@link runTutorialGraph} returns. */
export interface TutorialGraphRun {
  /** The graph's final state: `results` and `errors` by call id, `pending_tools` cleared. */
  readonly state: ParallelToolStateValue;
  /** From the invocation to the final state (ms). */
  readonly wallMs: number;
  /** Every outcome in the order it finished, as the node streamed them. */
  readonly outcomes: readonly Outcome[];
  /** The thread the run used. */
  readonly threadId: string;
}

/**
 * Runs the tutorial's batch through a LangGraph `StateGraph` (START → parallelToolNode), the way
 * the tutorial's demo does, and reports the final state, the wall time and the outcomes in the
 * order they finished (read from the graph's custom stream).
 * @example
 * const { state, wallMs, outcomes } = await runTutorialGraph(executor, tutorialCalls);
 * console.log(`Executed ${outcomes.length} tools in ${(wallMs / 1000).toFixed(2)} seconds`);
 */
export async function runTutorialGraph(
  executor: Executor,
  calls: readonly ToolCall[],
  options: TutorialGraphOptions = {},
): Promise<TutorialGraphRun> {
  const { START, StateGraph } = langgraph;
  const graph = new StateGraph(ParallelToolState)
    .addNode("parallel_executor", parallelToolNode(executor))
    .addEdge(START, "parallel_executor")
    .compile(options.checkpointer ? { checkpointer: options.checkpointer } : {});
  const threadId = options.threadId ?? crypto.randomUUID();
  const outcomes: Outcome[] = [];
  let state: ParallelToolStateValue | undefined;
  const started = performance.now();
  const stream = await graph.stream(
    { messages: [], pending_tools: [...calls], results: {}, errors: {} },
    {
      streamMode: ["values", "custom"],
      configurable: { thread_id: threadId },
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  for await (const [mode, chunk] of stream) {
    if (mode === "custom" && isOutcomeChunk(chunk)) outcomes.push(chunk.outcome);
    else if (mode === "values") state = chunk as ParallelToolStateValue;
  }
  const wallMs = performance.now() - started;
  if (state === undefined) throw new Error("runTutorialGraph: the graph produced no state");
  return { state, wallMs, outcomes, threadId };
}

function isOutcomeChunk(chunk: unknown): chunk is ToolOutcomeChunk {
  return (
    typeof chunk === "object" &&
    chunk !== null &&
    (chunk as { type?: unknown }).type === "volley:outcome"
  );
}
