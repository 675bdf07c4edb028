/**
 * Approvals in a graph node (`VolleyToolNode`, `parallelToolNode`): the step's calls that need
 * no approval run at once; the ones that do wait, and once the others have finished (journaled,
 * and remembered in this process), one `interrupt()` asks about all of them in langchain's
 * `HITLRequest` shape. The resume runs the node again: the finished calls answer from the
 * journal or the memory without running, the `HITLResponse`'s decisions are checked and applied,
 * approved and edited calls run, rejected ones answer with the reviewer's message.
 */
import type { ToolMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type {
  ApprovalDecision,
  ApprovalRequest,
  Approver,
  ErrorOutcome,
  Executor,
  Outcome,
} from "../core/index.js";
import type { ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import { usesApprovals } from "../core/features/approvals/index.js";
import { askReviewer } from "./approval-ask.js";
import { approvalMemoryOf } from "./approval-memory.js";
import { ApprovalSeat, type CallSeat, type TurnCall } from "./approval-turns.js";
import {
  answerFailure,
  answerOf,
  type ToolAnswer,
  type ToolErrorHandler,
} from "./tool-messages.js";
import { decisionListOf, decisionsOf, hitlRequestOf } from "./approvals-hitl.js";
import { InterruptedCallError } from "./interrupted-call.js";
import { coreMessages, langgraph } from "./peers.js";

/** Who runs the step, for messages. */
type Where = "VolleyToolNode" | "parallelToolNode" | "volleyMiddleware";

/** What a node's approvals need to know of its step. */
export interface StepApprovalsInit {
  readonly where: Where;
  readonly executor: Executor;
  /** The node's run config: the `interrupt()` runs in it. */
  readonly config: LangGraphRunnableConfig;
  /** The step's calls, as the node read them. */
  readonly calls: readonly unknown[];
  /** The step's deterministic key (its graph batch id), or `undefined` without a thread. */
  readonly key: string | undefined;
  /**
   * True once a call of the step interrupted the graph itself: its interrupt goes out alone
   * (LangGraph hands resume values out by the order of a task's `interrupt()`s), and the calls
   * that need approval are asked about on the next run.
   */
  readonly toolInterrupted?: () => boolean;
}

/** A node's approvals for one step: the calls still to run, the approver, what to throw after. */
export interface NodeApprovals {
  /** The calls to run: those that did not finish before the step's last approval interrupt. */
  readonly toRun: readonly unknown[];
  /** The `approve` option of the step's batch; none when no tool of the executor needs approval. */
  readonly approve: Approver | undefined;
  /** The arguments a call runs with: a reviewer's edit, else `args`. */
  argsOf(callId: string, args: unknown): unknown;
  /**
   * The step's outcomes in call order, with the ones answered from this process's memory.
   * @param ran The outcomes of {@link toRun}, in its order.
   * @param stopping True when the node will throw anyway (a tool's interrupt, an abort).
   */
  outcomes(ran: readonly Outcome[], stopping: boolean): Outcome[];
  /**
   * Throws what ends the step instead of an answer, if anything: the approval interrupt, or an
   * `ApprovalDecisionError`. Called once the node knows the step will not end otherwise, so that
   * the finished calls are kept in the task's checkpoint first.
   */
  raise(): void;
  /** The step ended before its batch did (it threw): let go of what it holds. */
  abandon(): void;
}

/**
 * The approvals of a node's step: of all its calls at once, or, for one call that came in a
 * `Send` of its own (a task per call, as `createReactAgent({ version: "v2" })` sends them), of
 * that call within its turn, so that the turn still raises one interrupt.
 */
export function nodeApprovals(init: StepApprovalsInit, sent?: TurnCall): NodeApprovals {
  return sent === undefined ? new StepApprovals(init) : new SentCallApprovals(init, sent);
}

/** One call of a turn that came in its own `Send`: its turn decides. */
class SentCallApprovals implements NodeApprovals {
  readonly toRun: readonly unknown[];
  readonly approve: Approver | undefined;
  readonly #seat: CallSeat;
  /** What the call's turn ends its task with, instead of an answer. */
  #raised: { readonly error: unknown } | undefined;

  constructor(init: StepApprovalsInit, sent: TurnCall) {
    this.#seat = ApprovalSeat.join(init.executor, sent);
    this.toRun = this.#seat.remembered === undefined ? init.calls : [];
    this.approve = this.#seat.approve;
  }

  argsOf(callId: string, args: unknown): unknown {
    return this.#seat.toolCall({ id: callId, name: "", args: args as Record<string, unknown> })
      .args;
  }

  outcomes(ran: readonly Outcome[]): Outcome[] {
    const outcome = this.#seat.remembered ?? ran[0];
    try {
      if (outcome !== undefined) this.#seat.settle(outcome);
    } catch (error) {
      this.#raised = { error };
    } finally {
      this.#seat.leave();
    }
    return outcome === undefined ? [] : [{ ...outcome, index: 0 }];
  }

  raise(): void {
    if (this.#raised !== undefined) throw this.#raised.error;
  }

  abandon(): void {
    this.#seat.leave();
  }
}

/** One step's approvals: the calls still to run, the approver, and what to throw after. */
export class StepApprovals implements NodeApprovals {
  /** The calls to run: those that did not finish before the step's last approval interrupt. */
  readonly toRun: readonly unknown[];
  readonly #init: StepApprovalsInit;
  readonly #remembered: ReadonlyMap<string, Outcome> | undefined;
  /** What the round raised: LangGraph's interrupt, or an `ApprovalDecisionError`. */
  #raised: unknown = undefined;
  /** The interrupt returned a resume value: this run applies a reviewer's decisions. */
  #resumed = false;
  #asked = false;
  readonly #edited = new Map<string, unknown>();

  constructor(init: StepApprovalsInit) {
    this.#init = init;
    const { calls, key } = init;
    const active = usesApprovals(init.executor);
    if (!active) this.approve = undefined;
    const remembered =
      !active || key === undefined || hasRepeatedIds(calls)
        ? undefined
        : approvalMemoryOf(init.executor).take(key);
    this.#remembered = remembered;
    this.toRun =
      remembered === undefined
        ? calls
        : calls.filter((call) => {
            const done = remembered.get(idOf(call) ?? "");
            return done === undefined || done.name !== nameOf(call);
          });
  }

  /** The `approve` option of the step's batch; none when no tool of the executor needs approval. */
  readonly approve: Approver | undefined = async (requests) => {
    this.#asked = true;
    const first = requests[0]?.callId ?? "";
    if (this.#init.toolInterrupted?.() === true) throw new InterruptedCallError(first);
    const request = hitlRequestOf(requests, (id) => argsOf(this.#init.calls, id));
    const memory = approvalMemoryOf(this.#init.executor);
    let decisions: readonly ApprovalDecision[];
    try {
      decisions = await askReviewer(
        this.#init.config,
        request,
        memory,
        this.#init.key,
        (resume) => {
          this.#resumed = true;
          return this.#decisions(resume, requests);
        },
      );
    } catch (error) {
      this.#raised = error;
      // The calls that waited end "interrupted", kept out of every journal: the resume asks again.
      throw langgraph.isGraphInterrupt(error) ? new InterruptedCallError(first) : error;
    }
    decisions.forEach((decision, i) => {
      if (decision.type === "edit")
        this.#edited.set(requests[i]!.callId, decision.editedAction.args);
    });
    return decisions;
  };

  /** The arguments a call runs with: a reviewer's edit, else `args`. */
  argsOf(callId: string, args: unknown): unknown {
    return this.#edited.has(callId) ? this.#edited.get(callId) : args;
  }

  /** Nothing to let go of: the memory is written only as the step settles. */
  abandon(): void {}

  /**
   * The step's outcomes in call order: the remembered ones (marked `replayed`) with the ones that
   * ran. When the step will not finish (the round raised an interrupt or an error, a tool
   * interrupted, the graph's signal aborted), the finished ones are remembered for the resume.
   * @param ran The outcomes of {@link toRun}, in its order.
   * @param stopping True when the node will throw anyway (a tool's interrupt, an abort).
   */
  outcomes(ran: readonly Outcome[], stopping: boolean): Outcome[] {
    const remembered = this.#remembered;
    let outcomes: Outcome[];
    if (remembered === undefined) outcomes = [...ran];
    else {
      outcomes = [];
      let next = 0;
      this.#init.calls.forEach((call, index) => {
        const done = remembered.get(idOf(call) ?? "");
        if (done !== undefined && done.name === nameOf(call)) {
          outcomes.push({ ...done, index, replayed: true });
        } else {
          const outcome = ran[next++];
          if (outcome !== undefined) outcomes.push({ ...outcome, index });
        }
      });
    }
    const involved = this.#asked || remembered !== undefined;
    const key = this.#init.key;
    if (involved && key !== undefined && (this.#raised !== undefined || stopping)) {
      approvalMemoryOf(this.#init.executor).remember(key, outcomes.filter(isFinished));
    }
    if (this.#resumed && remembered === undefined) this.#warnReruns(outcomes);
    return outcomes;
  }

  raise(): void {
    if (this.#raised !== undefined) throw this.#raised;
  }

  /**
   * The resume value's decisions, one per request. When it holds more decisions than this run
   * asks about, the calls decided before were replayed (journaled, then the process died): the
   * decisions are lined up with the requests by the step's full list of calls that need approval.
   */
  async #decisions(
    resume: unknown,
    requests: readonly ApprovalRequest[],
  ): Promise<readonly ApprovalDecision[]> {
    const list = decisionListOf(resume, requests.length);
    if (list.length > requests.length) {
      const plan = await this.#init.executor.approvalRequests(this.#init.calls);
      const at = new Map(plan.map((r, i) => [r.callId, i]));
      if (plan.length === list.length && requests.every((r) => at.has(r.callId))) {
        return decisionsOf({ decisions: requests.map((r) => list[at.get(r.callId)!]) }, requests);
      }
    }
    return decisionsOf(resume, requests);
  }

  /** Says so when calls that had finished before the interrupt ran again on its resume. */
  #warnReruns(outcomes: readonly Outcome[]): void {
    const again = outcomes
      .filter((o) => o.approval === undefined && o.replayed !== true && o.attempts > 0)
      .map((o) => JSON.stringify(o.id));
    if (again.length === 0) return;
    process.emitWarning(
      `${this.#init.where}: call(s) ${again.join(", ")} ran again when the approval interrupt resumed: their outcomes were neither in this process's memory nor in a journal. Give the executor a durable journal (SqliteJournal, PostgresJournal, StoreJournal) to replay them when the resume runs in another process.`,
      { code: "VOLLEY_APPROVALS" },
    );
  }
}

/**
 * The answer to a call the reviewer rejected, as `humanInTheLoopMiddleware` words it: the
 * reviewer's message, or a sentence naming the call. Not an error for `handleToolErrors`: the
 * model must hear of the decision.
 */
export function rejectionAnswer(outcome: ErrorOutcome, callId: string, name: string): ToolMessage {
  const message = outcome.error.data?.["message"];
  return new coreMessages.ToolMessage({
    content:
      typeof message === "string"
        ? message
        : `User rejected the tool call for \`${name}\` with id ${callId}`,
    name,
    tool_call_id: callId,
    status: "error",
  });
}

/** A LangChain tool call with the arguments a reviewer's edit gave it, if any. */
export function editedCall<T extends { readonly id?: string | undefined; readonly args: unknown }>(
  call: T | undefined,
  approvals: NodeApprovals,
): T | undefined {
  if (call?.id === undefined) return call;
  const args = approvals.argsOf(call.id, call.args);
  return args === call.args ? call : { ...call, args };
}

/**
 * The answer to a call from its remembered outcome (it finished before the turn's approval
 * interrupt, in this task): as it answered then.
 */
export function answerRemembered(
  outcome: Outcome,
  call: LangChainToolCall,
  handle: boolean | ToolErrorHandler,
): ToolAnswer {
  const id = call.id ?? "";
  if (outcome.status === "ok") return answerOf(outcome.value, id, call.name, outcome);
  if (isRejection(outcome)) return rejectionAnswer(outcome, id, call.name);
  return answerFailure(handle, outcome, call, undefined);
}

/** True for the outcome of a call the reviewer rejected. */
export function isRejection(outcome: Outcome): outcome is ErrorOutcome {
  return outcome.status === "error" && outcome.approval === "rejected";
}

/** A finished outcome, worth remembering: not one that ended because the graph was interrupted. */
function isFinished(outcome: Outcome): boolean {
  if (outcome.status === "ok") return true;
  const { kind, data } = outcome.error;
  // A refusal is final only when a reviewer made it; an answer that did not fit is asked again.
  if (kind === "rejected") return outcome.approval === "rejected";
  return data?.["interrupted"] !== true && kind !== "cancelled" && kind !== "deadline";
}

function idOf(call: unknown): string | undefined {
  const id = (call as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id : undefined;
}

function nameOf(call: unknown): string | undefined {
  const raw = call as { name?: unknown; tool_name?: unknown } | null;
  const name = raw?.name ?? raw?.tool_name;
  return typeof name === "string" ? name : undefined;
}

function argsOf(calls: readonly unknown[], id: string): unknown {
  for (const call of calls) if (idOf(call) === id) return (call as { args?: unknown }).args;
  return undefined;
}

function hasRepeatedIds(calls: readonly unknown[]): boolean {
  const seen = new Set<string>();
  for (const call of calls) {
    const id = idOf(call);
    if (id === undefined) continue;
    if (seen.has(id)) return true;
    seen.add(id);
  }
  return false;
}
