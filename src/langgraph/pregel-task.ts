/**
 * The parts of a running LangGraph task that `interrupt()` reads from the node's config, named
 * in one place. They are LangGraph's internals (`@langchain/langgraph` 1.x, `pregel/algo` and
 * `interrupt.ts`), not its public API: every reader checks the shape and falls back to
 * LangGraph's own behaviour when a task does not look like this.
 */

/** `configurable` key of the task's scratchpad, which `interrupt()` counts and resumes by. */
export const SCRATCHPAD_KEY = "__pregel_scratchpad";
/** `configurable` key of the function that records the task's writes. */
export const SEND_KEY = "__pregel_send";
/** `configurable` key of a `Command({ resume: { [interruptId]: value } })`'s map. */
export const RESUME_MAP_KEY = "__pregel_resume_map";
/** The channel of a task's resume values: the one write LangGraph keeps for an interrupted task. */
export const RESUME_CHANNEL = "__resume__";

/** A task's scratchpad, as LangGraph builds it for each task of a step. */
export interface TaskScratchpad {
  /** Calls of the functional API's `task()` made so far. */
  callCounter: number;
  /** Index of the last `interrupt()` call of this run (-1 before the first). */
  interruptCounter: number;
  /** Resume values, in the order of the task's `interrupt()` calls. */
  resume: unknown[];
  /** A `Command({ resume: value })`'s value, for the first `interrupt()` without an answer. */
  nullResume?: unknown;
  /** Subgraphs started so far (it numbers their namespaces). */
  subgraphCounter: number;
  /** The task's input. */
  currentTaskInput?: unknown;
  /** Takes `nullResume` (once, for every task of the step). */
  consumeNullResume(): unknown;
}

/** The writes function of a task: `[channel, value]` pairs. */
export type TaskSend = (writes: Array<[string, unknown]>) => void;

/** What a node's config says of the task it runs in, or `undefined` outside a graph. */
export interface PregelTask {
  readonly scratchpad: TaskScratchpad;
  readonly send: TaskSend;
  /** The task's checkpoint namespace (`"tools:<task id>"`), which interrupt ids derive from. */
  readonly namespace: string;
  /** The resume map of the run, when it was resumed by interrupt id. */
  readonly resumeMap: Readonly<Record<string, unknown>> | undefined;
}

/** Reads the task from a node's `configurable`; `undefined` when it is not a LangGraph task's. */
export function pregelTask(configurable: unknown): PregelTask | undefined {
  if (typeof configurable !== "object" || configurable === null) return undefined;
  const conf = configurable as Record<string, unknown>;
  const scratchpad = conf[SCRATCHPAD_KEY];
  const send = conf[SEND_KEY];
  const namespace = conf["checkpoint_ns"];
  if (!isScratchpad(scratchpad) || typeof send !== "function" || typeof namespace !== "string") {
    return undefined;
  }
  const map = conf[RESUME_MAP_KEY];
  return {
    scratchpad,
    send: send as TaskSend,
    namespace,
    resumeMap:
      typeof map === "object" && map !== null
        ? (map as Readonly<Record<string, unknown>>)
        : undefined,
  };
}

function isScratchpad(value: unknown): value is TaskScratchpad {
  if (typeof value !== "object" || value === null) return false;
  const s = value as Partial<Record<keyof TaskScratchpad, unknown>>;
  return (
    typeof s.interruptCounter === "number" &&
    typeof s.callCounter === "number" &&
    typeof s.subgraphCounter === "number" &&
    Array.isArray(s.resume) &&
    typeof s.consumeNullResume === "function"
  );
}
