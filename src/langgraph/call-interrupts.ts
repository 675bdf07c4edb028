import type { Interrupt } from "@langchain/langgraph";
import type { ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import type { AttemptInvoker, ErrorOutcome, Outcome } from "../core/index.js";
import { callInterruptId, langgraphInterruptId } from "./interrupt-ids.js";
import { InterruptedCallError } from "./interrupted-call.js";
import { langgraph } from "./peers.js";
import {
  pregelTask,
  RESUME_CHANNEL,
  SCRATCHPAD_KEY,
  SEND_KEY,
  type PregelTask,
  type TaskScratchpad,
  type TaskSend,
} from "./pregel-task.js";
import { runInConfig } from "./run-in-config.js";
import { TaskLedger } from "./task-ledger.js";
import { answerFailure, type ToolErrorHandler } from "./tool-messages.js";

/** What a call's attempts share between them in one run of the task. */
interface CallState {
  /** The resume values its `interrupt()` calls return, in order (earlier runs' first). */
  readonly resume: unknown[];
  /** How many of them its `interrupt()` calls have returned. */
  consumed: number;
}

/** Any call may take the `Command({ resume: value })`'s value: no ledger says who asked. */
const ANY = Symbol("any call");

/** Error kinds that describe the run rather than the call: never kept, as no journal keeps them. */
const TRANSIENT = new Set(["cancelled", "deadline", "rejected"]);

/**
 * The interrupts of a tool node's calls, in one run of its LangGraph task. LangGraph keys a
 * task's interrupts by its namespace and counts them in one scratchpad, so the calls of a
 * batch that each call `interrupt()` would get the same id, and their resume values would be
 * matched to them in whatever order they happened to ask. Here each call runs in a scope of
 * its own:
 * - its interrupts get ids of their own ({@link callInterruptId}), all of them reach the graph
 *   together, in call order, and `Command({ resume: { [id]: value } })` answers each by id;
 *   `Command({ resume: value })` answers the first call that waits (in call order);
 * - the values its `interrupt()` calls returned are kept, so a call that asks twice gets its
 *   first answer again when the task runs again;
 * - the calls that finished before the task stopped (by interrupt or by throwing) are kept in
 *   the task's checkpoint ({@link TaskLedger}) and answer from there, never running again.
 *
 * Outside a LangGraph task (a node invoked by hand), it stands aside: calls run as they are.
 */
export class CallInterrupts {
  readonly #task: PregelTask | undefined;
  readonly #ledger: TaskLedger | undefined;
  readonly #calls = new Map<string, CallState>();
  readonly #interrupted = new Map<string, Interrupt[]>();
  readonly #ownIds = new Map<number, string | undefined>();
  /** Which call takes a `Command({ resume: value })`'s value. */
  #routed: string | typeof ANY | undefined;

  private constructor(task: PregelTask | undefined) {
    this.#task = task;
    this.#ledger = task === undefined ? undefined : TaskLedger.of(task);
    if (task === undefined || task.scratchpad.nullResume === undefined) return;
    const ledger = this.#ledger!;
    this.#routed = ledger.resumed
      ? ledger.pending.find((id) => ledger.doneOf(id) === undefined)
      : ANY;
  }

  /** The interrupts of the task a node runs in, from the node's run config. */
  static open(config: { readonly configurable?: unknown } | undefined): CallInterrupts {
    return new CallInterrupts(pregelTask(config?.configurable));
  }

  /**
   * The config a call's attempt runs in: the node's, with a scratchpad of the call's own, so
   * that `interrupt()` in the tool (or in a subgraph it runs) counts and resumes for this call.
   */
  configFor<C extends { readonly configurable?: Record<string, unknown> }>(
    callId: string,
    config: C,
  ): C {
    const task = this.#task;
    if (task === undefined) return config;
    const state = this.#stateOf(task, callId);
    return {
      ...config,
      configurable: {
        ...config.configurable,
        [SCRATCHPAD_KEY]: this.#scopeOf(task.scratchpad, callId, state),
        [SEND_KEY]: sendFor(task.send, state),
      },
    };
  }

  /**
   * The `invoke` option for a node that runs its tools as the executor does: each attempt runs
   * in the call's config (so `interrupt()` and `getConfig()` work in the tool, whichever call's
   * end let it start), and what it throws up to the graph ends the call as interrupted and is
   * noted in `bubbled`. `undefined` outside a LangGraph task.
   */
  invoker(
    config: { readonly configurable?: Record<string, unknown> },
    bubbled: Map<string, unknown>,
  ): AttemptInvoker | undefined {
    if (this.#task === undefined) return undefined;
    return (attempt, ctx, run) => {
      let pending: unknown;
      try {
        const callConfig = { ...this.configFor(attempt.id, config), signal: ctx.signal };
        pending = runInConfig(callConfig, run);
      } catch (error) {
        pending = Promise.reject(error);
      }
      return Promise.resolve(pending).catch((error: unknown) => {
        if (!langgraph.isGraphBubbleUp(error)) throw error;
        bubbled.set(attempt.id, error);
        this.adopt(attempt.id, error);
        throw new InterruptedCallError(attempt.id);
      });
    };
  }

  /**
   * Takes note of what a call's attempt threw up to the graph. The interrupts it raised itself
   * get the call's own ids; those that bubbled up from a subgraph it ran keep theirs.
   */
  adopt(callId: string, error: unknown): void {
    if (!langgraph.isGraphInterrupt(error)) return;
    const task = this.#task;
    const state = this.#calls.get(callId);
    if (task === undefined || state === undefined) {
      this.#interrupted.set(callId, [...error.interrupts]);
      return;
    }
    const answered = state.resume.length;
    const own = this.#langgraphId(task.namespace, answered);
    this.#interrupted.set(
      callId,
      error.interrupts.map((item) =>
        own !== undefined && item.id === own
          ? { ...item, id: callInterruptId(task.namespace, callId, answered) }
          : item,
      ),
    );
  }

  /**
   * Runs the calls that did not finish in an earlier run of the task, and answers the others
   * from the task's checkpoint (`replayed: true`). The outcomes come back in call order, with
   * their `index` in `calls`.
   * @param runner Runs some of the calls, returning their outcomes in their order; `reindex`
   *   turns one of its outcomes into the outcome of `calls` (for a stream written as they finish).
   * @param onReplayed Told of each outcome answered from the checkpoint.
   */
  async run<Call>(
    calls: readonly Call[],
    runner: (todo: readonly Call[], reindex: (outcome: Outcome) => Outcome) => Promise<Outcome[]>,
    onReplayed?: (outcome: Outcome) => void,
  ): Promise<Outcome[]> {
    const ledger = this.#ledger;
    if (ledger === undefined || !ledger.resumed) return runner(calls, (outcome) => outcome);
    const uses = new Map<string, number>();
    for (const call of calls) {
      const id = idOf(call);
      if (id !== undefined) uses.set(id, (uses.get(id) ?? 0) + 1);
    }
    const replayed = new Map<number, Outcome>();
    const todo: Call[] = [];
    const positions: number[] = [];
    calls.forEach((call, index) => {
      const id = idOf(call);
      // A repeated id is an invalid call of the batch: the executor must see all of them.
      const done = id !== undefined && uses.get(id) === 1 ? ledger.doneOf(id) : undefined;
      if (done === undefined) {
        todo.push(call);
        positions.push(index);
      } else replayed.set(index, { ...done, index });
    });
    if (onReplayed !== undefined) for (const outcome of replayed.values()) onReplayed(outcome);
    const reindex = (outcome: Outcome): Outcome => ({
      ...outcome,
      index: positions[outcome.index] ?? outcome.index,
    });
    const ran = todo.length === 0 ? [] : (await runner(todo, reindex)).map(reindex);
    const out: Outcome[] = [];
    let next = 0;
    for (let index = 0; index < calls.length; index++) {
      const outcome = replayed.get(index) ?? ran[next++];
      if (outcome !== undefined) out.push(outcome);
    }
    return out;
  }

  /**
   * Ends the node's run: the calls' interrupts go to the graph as one `GraphInterrupt`, in call
   * order (a `Command` a call sent to a parent graph, after them), or else `answer()` builds the
   * node's output. Whenever the run ends by throwing (an interrupt, a failure that is thrown),
   * the finished calls are kept in the task's checkpoint first, so the next run of the task
   * answers them from there. (Of a cancelled run, LangGraph saves nothing: there, only a
   * journal keeps them.)
   * @param bubbled What the calls threw up to the graph, by call id.
   * @param keeps Whether a finished call's outcome is final: an error the node answers with a
   *   message is; one it throws is not (the next run tries the call again).
   */
  settle<T>(
    outcomes: readonly Outcome[],
    bubbled: ReadonlyMap<string, unknown>,
    keeps: (outcome: Outcome) => boolean,
    answer: () => T,
  ): T {
    try {
      this.#raise(outcomes, bubbled);
      return answer();
    } catch (error) {
      this.#keep(outcomes, bubbled, keeps);
      throw error;
    }
  }

  #raise(outcomes: readonly Outcome[], bubbled: ReadonlyMap<string, unknown>): void {
    const interrupts: Interrupt[] = [];
    let other: unknown;
    for (const outcome of firstPerId(outcomes)) {
      const bubble = bubbled.get(outcome.id);
      if (bubble === undefined || outcome.status !== "error") continue;
      const raised = this.#interrupted.get(outcome.id);
      // An interrupt that carries none (a bare `new GraphInterrupt()`) goes up as it was thrown.
      if (raised !== undefined && raised.length > 0) interrupts.push(...raised);
      else other ??= bubble;
    }
    if (interrupts.length > 0) throw new langgraph.GraphInterrupt(interrupts);
    if (other !== undefined) throw other;
  }

  #keep(
    outcomes: readonly Outcome[],
    bubbled: ReadonlyMap<string, unknown>,
    keeps: (outcome: Outcome) => boolean,
  ): void {
    const task = this.#task;
    const ledger = this.#ledger;
    if (task === undefined || ledger === undefined) return;
    const pending: string[] = [];
    let changed = ledger.resumed;
    for (const outcome of firstPerId(outcomes)) {
      const waiting = bubbled.has(outcome.id) && outcome.status === "error";
      if (waiting && this.#interrupted.has(outcome.id)) pending.push(outcome.id);
      if (!waiting && isFinal(outcome) && keeps(outcome)) {
        ledger.keep(outcome);
        changed = true;
        continue;
      }
      const state = this.#calls.get(outcome.id);
      if (state !== undefined && state.consumed > 0) {
        ledger.noteResumes(outcome.id, state.resume.slice(0, state.consumed));
        changed = true;
      }
    }
    if (changed || pending.length > 0) ledger.write(task, pending);
  }

  #stateOf(task: PregelTask, callId: string): CallState {
    let state = this.#calls.get(callId);
    if (state === undefined) {
      const resume = [...(this.#ledger?.resumesOf(callId) ?? [])];
      const map = task.resumeMap;
      const asked = callInterruptId(task.namespace, callId, resume.length);
      if (map !== undefined && Object.hasOwn(map, asked)) resume.push(map[asked]);
      state = { resume, consumed: 0 };
      this.#calls.set(callId, state);
    }
    return state;
  }

  /**
   * A scratchpad for one attempt of a call: its own interrupt count and resume values, the
   * task's counters for everything else (subgraph namespaces, functional-API calls), and the
   * task's `Command({ resume: value })` value if this call is the one to take it.
   */
  #scopeOf(pad: TaskScratchpad, callId: string, state: CallState): TaskScratchpad {
    const takes = (): boolean => this.#routed === ANY || this.#routed === callId;
    return {
      get callCounter() {
        return pad.callCounter;
      },
      set callCounter(value) {
        pad.callCounter = value;
      },
      get subgraphCounter() {
        return pad.subgraphCounter;
      },
      set subgraphCounter(value) {
        pad.subgraphCounter = value;
      },
      get currentTaskInput() {
        return pad.currentTaskInput;
      },
      interruptCounter: -1,
      resume: state.resume,
      get nullResume() {
        return takes() ? pad.nullResume : undefined;
      },
      consumeNullResume: () => {
        if (!takes()) return undefined;
        this.#routed = callId;
        return pad.consumeNullResume();
      },
    };
  }

  #langgraphId(namespace: string, answered: number): string | undefined {
    if (!this.#ownIds.has(answered)) {
      this.#ownIds.set(answered, langgraphInterruptId(namespace, answered));
    }
    return this.#ownIds.get(answered);
  }
}

/**
 * The writes function of a call's scope: its resume writes are counted here (the task's ledger
 * keeps them); the rest go to the task.
 */
function sendFor(send: TaskSend, state: CallState): TaskSend {
  return (writes) => {
    const rest = writes.filter(([channel, value]) => {
      if (channel !== RESUME_CHANNEL) return true;
      if (Array.isArray(value)) state.consumed = Math.max(state.consumed, value.length);
      return false;
    });
    if (rest.length > 0) send(rest);
  };
}

/**
 * The outcome of each call id's first call: a later call with the same id is an invalid call,
 * answered afresh on every run, and the id stands for the first one only.
 */
function firstPerId(outcomes: readonly Outcome[]): Outcome[] {
  const seen = new Set<string>();
  return outcomes.filter((outcome) => !seen.has(outcome.id) && seen.add(outcome.id));
}

/** A finished outcome worth keeping: not one that describes the run rather than the call. */
function isFinal(outcome: Outcome): boolean {
  return outcome.status === "ok" || !TRANSIENT.has(outcome.error.kind);
}

function idOf(call: unknown): string | undefined {
  if (typeof call !== "object" || call === null) return undefined;
  const id = (call as { id?: unknown }).id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * Whether a node with this `handleToolErrors` answers a failed call with a message (its outcome
 * is then final, and kept for the task's next run) rather than throwing it (the next run tries
 * the call again). A handler function is asked.
 */
export function answersFailure(
  handle: boolean | ToolErrorHandler,
  outcome: ErrorOutcome,
  call: LangChainToolCall | undefined,
  thrown: unknown,
): boolean {
  if (typeof handle === "boolean") return handle;
  try {
    answerFailure(
      handle,
      outcome,
      call ?? { id: outcome.id, name: outcome.name, args: {} },
      thrown,
    );
    return true;
  } catch {
    return false;
  }
}
