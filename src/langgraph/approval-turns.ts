/**
 * Approvals under `volleyMiddleware`, and in `VolleyToolNode` when each call comes in a `Send`
 * of its own. `createAgent` runs each tool call of a turn through `wrapToolCall` on its own (a
 * task per call, or all of them in one task with `version: "v1"`), so the calls of one turn
 * meet here, by the turn's AIMessage: the calls that need no approval
 * run at once; the first call of the turn that needs approval leads: it waits until the turn's
 * other calls that reached the middleware have finished, then raises ONE `interrupt()` that
 * lists every call of the turn that needs approval (in the model's order), and hands each of
 * them its decision. The others wait for it and never interrupt themselves: a call in another
 * task ends that task with an empty `GraphInterrupt` (so LangGraph saves nothing for it and runs
 * it again on resume, where it gets its decision), a call in the leader's task with the leader's.
 *
 * A turn exists while its calls are in the middleware, in this process; the calls of one task
 * that finished before the interrupt are remembered for the resume (LangGraph itself keeps the
 * results of the tasks that finished).
 */
import type { AIMessage, BaseMessage } from "@langchain/core/messages";
import type { ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type {
  ApprovalDecision,
  ApprovalRequest,
  Approver,
  Executor,
  Outcome,
} from "../core/index.js";
import { usesApprovals } from "../core/features/approvals/index.js";
import { askReviewer } from "./approval-ask.js";
import { approvalMemoryOf } from "./approval-memory.js";
import { decisionsOf, hitlRequestOf } from "./approvals-hitl.js";
import { graphBatchId } from "./batch-id.js";
import { InterruptedCallError } from "./interrupted-call.js";
import { coreMessages, coreSingletons, langgraph } from "./peers.js";

/** Taken at load, so that a test's fake timers cannot stop a turn from deciding. */
const nextTurnOfLoop: (fn: () => void) => unknown = globalThis.setImmediate;
const macrotask = (): Promise<void> => new Promise((resolve) => void nextTurnOfLoop(resolve));

/** What the turn's leader decided, for each call that waited. */
type Verdict =
  /** Asked: the interrupt went out; `task` is the leader's. */
  | { readonly kind: "interrupted"; readonly error: unknown; readonly task: string }
  /** Answered: each waiting call's decision. */
  | { readonly kind: "decided"; readonly decisions: ReadonlyMap<string, ApprovalDecision> }
  /** The answer did not fit (an `ApprovalDecisionError`), or asking failed; `task` is the leader's. */
  | { readonly kind: "failed"; readonly error: unknown; readonly task: string | undefined }
  /** A call in the leader's task interrupted the graph itself: its interrupt goes out alone. */
  | { readonly kind: "deferred" };

/** One call of a turn in the middleware. */
class Seat {
  state: "running" | "waiting" | "done" = "running";
  outcome: Outcome | undefined = undefined;
  /** Answered from this process's memory of the turn's last interrupt. */
  fromMemory = false;
  verdict: Verdict | undefined = undefined;
  edited: { readonly args: unknown } | undefined = undefined;

  constructor(
    readonly callId: string,
    /** The LangGraph task it runs in (its checkpoint namespace). */
    readonly task: string,
    /** Its own batch key (the middleware's default batch id), for the memory. */
    readonly key: string | undefined,
    /** Its task's run config, for the `interrupt()` it may raise as leader. */
    readonly config: LangGraphRunnableConfig | undefined,
  ) {}
}

/** The calls of one turn (one AIMessage) now in the middleware. */
class Turn {
  readonly seats = new Map<string, Seat>();
  #plan: Promise<readonly ApprovalRequest[]> | undefined;
  #verdict: Promise<Verdict> | undefined;
  #decide: ((verdict: Verdict) => void) | undefined;
  #leading = false;
  #version = 0;
  #waiters: Array<() => void> = [];

  constructor(
    readonly key: string,
    readonly calls: readonly LangChainToolCall[],
    readonly executor: Executor,
  ) {}

  /** A seat came, went, or began waiting. */
  changed(): void {
    this.#version++;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #nextChange(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Which of the turn's calls need approval, asked once for the whole turn. */
  plan(): Promise<readonly ApprovalRequest[]> {
    return (this.#plan ??= this.executor.approvalRequests(this.calls));
  }

  /** The leader's verdict; `seat` leads when it is the turn's first call that needs approval. */
  verdict(seat: Seat, plan: readonly ApprovalRequest[]): Promise<Verdict> {
    if (this.#verdict === undefined) {
      this.#verdict = new Promise((resolve) => (this.#decide = resolve));
    }
    if (plan[0]?.callId === seat.callId) this.#lead(seat, plan);
    else void this.#takeOverIfLeaderless(plan);
    return this.#verdict;
  }

  /**
   * The designated leader may never come (a middleware outside this one answered its call
   * itself, or its `needsApproval` answered otherwise this time): once nothing of the turn runs
   * in the middleware for two turns of the event loop, the first waiting call leads.
   */
  async #takeOverIfLeaderless(plan: readonly ApprovalRequest[]): Promise<void> {
    for (;;) {
      if (this.#leading) return;
      const leader = this.seats.get(plan[0]!.callId);
      const busy = [...this.seats.values()].some((s) => s.state === "running");
      if ((leader !== undefined && leader.state !== "done") || busy) {
        // The leader is on its way (or may be), or calls still run: wait for the turn to change.
        await this.#nextChange();
        continue;
      }
      const version = this.#version;
      await macrotask();
      await macrotask();
      if (this.#leading) return;
      if (version !== this.#version) continue;
      // Only the calls that came are asked about: the others will not come (in this run, nor
      // on resume, where the same ones come again).
      const present = plan.filter((r) => this.seats.get(r.callId)?.state === "waiting");
      const first = present[0];
      if (first !== undefined) this.#lead(this.seats.get(first.callId)!, present);
      return;
    }
  }

  /** Makes `seat` the leader, asking about `plan`. */
  #lead(seat: Seat, plan: readonly ApprovalRequest[]): void {
    if (this.#leading) return;
    this.#leading = true;
    void this.#ask(seat, plan).then(
      (verdict) => this.#decide!(verdict),
      (error: unknown) => this.#decide!({ kind: "failed", error, task: seat.task }),
    );
  }

  async #ask(leader: Seat, plan: readonly ApprovalRequest[]): Promise<Verdict> {
    const waits = new Set(plan.map((r) => r.callId));
    // The turn's other calls reach the middleware on the same turn of the event loop, each in
    // its own task; then the leader waits for those that came to finish.
    await macrotask();
    while ([...this.seats.values()].some((s) => !waits.has(s.callId) && s.state !== "done")) {
      await this.#nextChange();
    }
    const siblings = [...this.seats.values()].filter(
      (s) => !waits.has(s.callId) && s.task === leader.task,
    );
    if (siblings.some((s) => isInterruptedOutcome(s.outcome))) return { kind: "deferred" };
    const request = hitlRequestOf(plan, (id) => this.calls.find((c) => c.id === id)?.args);
    const memory = approvalMemoryOf(this.executor);
    let decisions: readonly ApprovalDecision[];
    try {
      decisions = await askReviewer(leader.config, request, memory, this.key, (resume) =>
        decisionsOf(resume, plan),
      );
    } catch (error) {
      if (!langgraph.isGraphInterrupt(error)) return { kind: "failed", error, task: leader.task };
      // The leader's task ends with the interrupt; its calls that finished answer the resume.
      for (const s of siblings) {
        if (s.key !== undefined && s.outcome !== undefined && isFinished(s.outcome)) {
          memory.remember(s.key, [s.outcome]);
        }
      }
      return { kind: "interrupted", error, task: leader.task };
    }
    warnReruns(siblings);
    return { kind: "decided", decisions: new Map(plan.map((r, i) => [r.callId, decisions[i]!])) };
  }
}

const registries = new WeakMap<Executor, Map<string, Turn>>();

/** Where a call runs: what it takes to find its turn. */
export interface TurnCall {
  readonly toolCall: LangChainToolCall;
  /** The graph state the call runs in: its `messages` hold the turn's AIMessage. */
  readonly state: unknown;
  /** The task's `configurable` (thread, checkpoint namespace). */
  readonly configurable: Readonly<Record<string, unknown>> | undefined;
  /** The task's run config, for an `interrupt()`; default: the one in effect. */
  readonly config?: LangGraphRunnableConfig | undefined;
}

/** One call's place in its turn, as the middleware uses it. */
export interface CallSeat {
  /** The call's outcome from the turn's last interrupt, in this process: answer with it, do not run it. */
  readonly remembered: Outcome | undefined;
  /** The `approve` option of the call's batch; none when no tool of the executor needs approval. */
  readonly approve: Approver | undefined;
  /** The tool call as the handler should run it: with a reviewer's edited arguments, if any. */
  toolCall<T extends LangChainToolCall>(call: T): T;
  /** The call finished with `outcome`; throws what ends its task instead of an answer. */
  settle(outcome: Outcome): void;
  /** The call left the middleware. */
  leave(): void;
}

/** The seat of every call of an executor where no tool needs approval: it keeps nothing. */
const UNSEATED: CallSeat = Object.freeze({
  remembered: undefined,
  approve: undefined,
  toolCall: <T extends LangChainToolCall>(call: T): T => call,
  settle: (): void => undefined,
  leave: (): void => undefined,
});

/** A call's place in its turn, for an executor where some tool needs approval. */
export class ApprovalSeat implements CallSeat {
  readonly #turn: Turn;
  readonly #seat: Seat;
  readonly #registry: Map<string, Turn>;

  private constructor(registry: Map<string, Turn>, turn: Turn, seat: Seat) {
    this.#registry = registry;
    this.#turn = turn;
    this.#seat = seat;
  }

  /** Seats the request's call in its turn (made when its first call comes). */
  static join(executor: Executor, where: TurnCall): CallSeat {
    // No tool of the executor needs approval: no turn to keep (the batch gets no approver).
    if (!usesApprovals(executor)) return UNSEATED;
    const call = where.toolCall;
    const configurable = where.configurable;
    const found = turnOf(call, where.state);
    const callKey = graphBatchId({ configurable }, [call]);
    const key =
      (found === undefined
        ? undefined
        : graphBatchId({ configurable }, found.calls, { messageId: found.messageId })) ??
      callKey ??
      `call:${call.id ?? ""}`;
    let registry = registries.get(executor);
    if (registry === undefined) registries.set(executor, (registry = new Map()));
    let turn = registry.get(key);
    if (turn === undefined) {
      turn = new Turn(key, found?.calls ?? [call], executor);
      registry.set(key, turn);
    }
    const config =
      where.config ??
      (coreSingletons.AsyncLocalStorageProviderSingleton.getRunnableConfig() as
        LangGraphRunnableConfig | undefined);
    const seat = new Seat(
      call.id ?? "",
      String(configurable?.["checkpoint_ns"] ?? ""),
      callKey,
      config,
    );
    const remembered = callKey === undefined ? undefined : approvalMemoryOf(executor).take(callKey);
    const outcome = remembered?.get(seat.callId);
    if (outcome !== undefined && outcome.name === call.name) {
      seat.outcome = { ...outcome, replayed: true };
      seat.fromMemory = true;
    }
    turn.seats.set(seat.callId, seat);
    turn.changed();
    return new ApprovalSeat(registry, turn, seat);
  }

  /** The call's outcome from the turn's last interrupt, in this process: answer with it, do not run it. */
  get remembered(): Outcome | undefined {
    return this.#seat.fromMemory ? this.#seat.outcome : undefined;
  }

  /** The `approve` option of the call's batch. */
  readonly approve: Approver = async (requests) => {
    const seat = this.#seat;
    const turn = this.#turn;
    seat.state = "waiting";
    turn.changed();
    const plan = await turn.plan();
    let verdict = plan.some((r) => r.callId === seat.callId)
      ? await turn.verdict(seat, plan)
      : undefined;
    if (
      verdict === undefined ||
      (verdict.kind === "decided" && !verdict.decisions.has(seat.callId))
    ) {
      // Asked about alone: its needsApproval said no when the turn's plan was made, or it came
      // after a leader that stood in for a missing one had asked.
      const alone = new Turn(`${turn.key}:${seat.callId}`, [callOf(turn, seat)], turn.executor);
      verdict = await alone.verdict(seat, requests);
    }
    seat.verdict = verdict;
    return decisionFor(verdict, seat);
  };

  /** The tool call as the handler should run it: with a reviewer's edited arguments, if any. */
  toolCall<T extends LangChainToolCall>(call: T): T {
    const edited = this.#seat.edited;
    return edited === undefined ? call : { ...call, args: edited.args as T["args"] };
  }

  /**
   * The call finished with `outcome`. Throws what ends its task instead of an answer: the
   * leader's interrupt or error (an answer that did not fit) in the leader's task, an empty
   * interrupt in another task (LangGraph then saves nothing for it, and runs it again).
   */
  settle(outcome: Outcome): void {
    const seat = this.#seat;
    seat.outcome = outcome;
    seat.state = "done";
    this.#turn.changed();
    const verdict = seat.verdict;
    if (verdict === undefined) return;
    // The leader's task alone throws, so that the run fails with one error, not one per task;
    // the others end with an empty interrupt: LangGraph saves nothing for them and runs them again.
    if (verdict.kind === "failed" || verdict.kind === "interrupted") {
      throw seat.task === verdict.task ? verdict.error : new langgraph.GraphInterrupt([]);
    }
    if (verdict.kind === "deferred") throw new langgraph.GraphInterrupt([]);
  }

  /** The call left the middleware: a turn with no calls left is forgotten. */
  leave(): void {
    const seat = this.#seat;
    if (seat.state !== "done") {
      seat.state = "done";
      this.#turn.changed();
    }
    const turn = this.#turn;
    if ([...turn.seats.values()].every((s) => s.state === "done")) {
      if (this.#registry.get(turn.key) === turn) this.#registry.delete(turn.key);
    }
  }
}

/** The call's decision from the verdict, for its batch's approvals; a throw ends it unrun. */
function decisionFor(verdict: Verdict, seat: Seat): ApprovalDecision[] {
  switch (verdict.kind) {
    case "decided": {
      const decision = verdict.decisions.get(seat.callId)!;
      if (decision.type === "edit") seat.edited = { args: decision.editedAction.args };
      return [decision];
    }
    case "failed":
      throw verdict.error;
    default:
      // Not run, not journaled: the resume asks again, or hands out the decision.
      throw new InterruptedCallError(seat.callId);
  }
}

/** The turn's AIMessage: the last one with this call, and its calls not yet answered. */
function turnOf(
  call: LangChainToolCall,
  state: unknown,
): { readonly calls: LangChainToolCall[]; readonly messageId: string | undefined } | undefined {
  const messages = (state as { messages?: unknown } | undefined)?.messages;
  const id = call.id;
  if (!Array.isArray(messages) || id === undefined) return undefined;
  const list = messages as BaseMessage[];
  for (let i = list.length - 1; i >= 0; i--) {
    const message = list[i];
    if (!coreMessages.AIMessage.isInstance(message)) continue;
    const calls = (message as AIMessage).tool_calls ?? [];
    if (!calls.some((c) => c.id === id)) continue;
    const answered = new Set<string>();
    for (const m of list) {
      if (coreMessages.ToolMessage.isInstance(m)) answered.add(m.tool_call_id);
    }
    return {
      calls: calls.filter((c) => c.id === id || c.id === undefined || !answered.has(c.id)),
      messageId: message.id,
    };
  }
  return undefined;
}

function callOf(turn: Turn, seat: Seat): LangChainToolCall {
  return turn.calls.find((c) => c.id === seat.callId) ?? { id: seat.callId, name: "", args: {} };
}

function isInterruptedOutcome(outcome: Outcome | undefined): boolean {
  return outcome?.status === "error" && outcome.error.data?.["interrupted"] === true;
}

/** Worth remembering for the resume: it finished, not ended by the interrupt or a cancel. */
function isFinished(outcome: Outcome): boolean {
  if (outcome.status === "ok") return true;
  const { kind, data } = outcome.error;
  if (kind === "rejected") return outcome.approval === "rejected";
  return data?.["interrupted"] !== true && kind !== "cancelled" && kind !== "deadline";
}

/** Says so when calls of the leader's task that had finished before the interrupt ran again. */
function warnReruns(siblings: readonly Seat[]): void {
  const again = siblings
    .filter((s) => {
      const o = s.outcome;
      return o !== undefined && !s.fromMemory && o.replayed !== true && o.attempts > 0;
    })
    .map((s) => JSON.stringify(s.callId));
  if (again.length === 0) return;
  process.emitWarning(
    `volleyMiddleware: call(s) ${again.join(", ")} ran again when the approval interrupt resumed: their outcomes were neither in this process's memory nor in a journal. Give the executor a durable journal (SqliteJournal, PostgresJournal, StoreJournal) to replay them when the resume runs in another process.`,
    { code: "VOLLEY_APPROVALS" },
  );
}
