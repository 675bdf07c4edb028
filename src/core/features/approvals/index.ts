/**
 * Approvals: calls whose tool sets `needsApproval` wait for a reviewer's decision; the batch's
 * other calls run at once. The batch's `approve` option is asked once, with every call that
 * waits, after all the other calls of the batch have been delivered (journaled, then handed to
 * the caller), so that nothing the reviewer takes time over holds back a call that needs no
 * review, and an interrupt raised from the approver (LangGraph's) keeps their results. Approved
 * calls then run, edited ones with their new arguments (checked by the schema), rejected ones
 * end `rejected`. A batch without an approver ends such calls `rejected` at once: a plain
 * `execute()` never runs a call that needs approval.
 *
 * A waiting call does not count against its batch's window of live calls (`concurrency`,
 * `collect: false`), so the calls behind it are still admitted; approved calls start as the
 * window has room. The reviewer is asked once nothing else of the batch can go on: usually once
 * every other call has finished, sooner when the others wait on a call that waits here (a
 * fallback that needs approval, whose sequential group the others are behind).
 */
import { errorText } from "../../describe-value.js";
import { isVolleyError } from "../../errors/volley-error.js";
import type { OutcomeError } from "../../outcome.js";
import type { Feature, FeatureBatch, FeatureCall, FeatureHost, ToolHooks } from "../feature.js";
import {
  checkDecisions,
  type ApprovalDecision,
  type ApprovalRequest,
  type Approver,
} from "./decisions.js";
import { resolveApproval, type ApprovalPolicy, type ResolvedApproval } from "./options.js";
import { needsApproval, predicateFailed, requestOf } from "./requests.js";

/** Whether an executor's tools use approvals, as `createExecutor()` found: across copies of the library. */
const USES_APPROVALS: unique symbol = Symbol.for("volley.usesApprovals") as never;

/** Records on `executor` whether some tool (or `policies` entry) of it sets `needsApproval`. */
export function markApprovals(executor: object, used: boolean): void {
  Object.defineProperty(executor, USES_APPROVALS, { value: used });
}

/**
 * False only for an executor made by `createExecutor()` with no tool that needs approval: an
 * integration may then skip its approval bookkeeping. Any other executor may need it.
 */
export function usesApprovals(executor: object): boolean {
  return (executor as Record<symbol, unknown>)[USES_APPROVALS] !== false;
}

/** What the feature reads of `execute()`'s options. */
export interface ApprovalExecuteOptions {
  /**
   * Decides about the batch's calls that need approval (their tool's `needsApproval`): called
   * once, with all of them, after every other call of the batch has finished. Without it, those
   * calls end `rejected` (their outcome's `error.data.approval` is `"required"`) instead of
   * running.
   * @default none
   * @example approve: async (requests) => requests.map(() => ({ type: "approve" }))
   */
  readonly approve?: Approver;
}

/** One round of asking: the calls asked about, and the signal that tells the approver to stop. */
interface Round<C> {
  readonly calls: readonly C[];
  readonly controller: AbortController;
  /** Round calls not yet ended. */
  open: number;
}

/** A call the reviewer let through, waiting for room in its batch's window. */
interface Ready<C> {
  readonly call: C;
  /** The edited arguments, for an edit. */
  readonly args?: unknown;
  readonly edited: boolean;
}

/** The approvals of one batch, made when its first call is held. */
class BatchApprovals<C extends FeatureCall> {
  /** Calls this feature holds: deciding, waiting, or let through and waiting for room. */
  readonly holding = new Set<C>();
  /**
   * The held calls that gave up their place in the batch's window (its first tool's calls; a
   * fallback keeps its place, as it may hold a sequential group's turn that others wait on).
   */
  readonly placeless = new Set<C>();
  /** Calls waiting for the reviewer, with their tool's settings. */
  readonly waiting = new Map<C, ResolvedApproval>();
  readonly ready: Ready<C>[] = [];
  round: Round<C> | undefined = undefined;
  /** A tick is queued. */
  scheduled = false;
  /** Calls whose `needsApproval` is still deciding (a promise). */
  deciding = 0;

  constructor(readonly batch: FeatureBatch) {}

  /**
   * Holds the call; a call on its first tool takes no place in its batch's window meanwhile, so
   * the calls behind it are admitted.
   */
  hold(call: C): void {
    if (this.holding.has(call)) return;
    this.holding.add(call);
    if (call.recoveredFrom !== undefined) return;
    this.placeless.add(call);
    this.batch.window += 1;
  }

  /** The call leaves the feature: it takes its window place again. */
  release(call: C): void {
    if (!this.holding.delete(call)) return;
    if (this.placeless.delete(call)) this.batch.window -= 1;
  }

  get idle(): boolean {
    return this.holding.size === 0 && this.round === undefined;
  }
}

/**
 * The approvals feature, for an executor where some tool (or `policies` entry) sets
 * `needsApproval`; `used` is false otherwise, and the feature is left out.
 */
export function approvals<C extends FeatureCall>(
  used: boolean,
): (host: FeatureHost<C>) => Feature<C> | undefined {
  return (host) => {
    if (!used) return undefined;
    const approvers = new WeakMap<FeatureBatch, Approver>();
    const batches = new WeakMap<FeatureBatch, BatchApprovals<C>>();
    /**
     * Calls that need no (more) approval on the tool they are placed on (a fallback tool asks
     * again): a `place` hook asked again must let them pass.
     */
    const passed = new WeakMap<C, object>();
    const pass = (call: C): void => void passed.set(call, call.tool);

    const stateOf = (batch: FeatureBatch): BatchApprovals<C> => {
      let state = batches.get(batch);
      if (state === undefined) {
        state = new BatchApprovals<C>(batch);
        batches.set(batch, state);
        const own = state;
        batch.watch = () => schedule(own);
      }
      return state;
    };

    const forget = (state: BatchApprovals<C>): void => {
      // A later state of the same batch (a fallback asked about after this one let go) is not
      // this one's to forget.
      if (!state.idle || batches.get(state.batch) !== state) return;
      batches.delete(state.batch);
      state.batch.watch = undefined;
    };

    /**
     * Something changed in the batch: soon (never from inside the engine's own call), let it
     * admit more calls, start the let-through calls that fit, and ask the reviewer once all else
     * is delivered.
     */
    const schedule = (state: BatchApprovals<C>): void => {
      if (state.scheduled) return;
      state.scheduled = true;
      queueMicrotask(() => {
        state.scheduled = false;
        host.admitMore(state.batch);
        startReady(state);
        if (state.round === undefined && state.waiting.size > 0 && stuck(state)) {
          startRound(state);
        }
        forget(state);
        host.drain();
      });
    };

    /**
     * Nothing else of the batch can go on without the reviewer: every call is delivered, waiting
     * here, or held by a feature (a sequential group or a duplicate that may wait on a call
     * waiting here), no `needsApproval` is still deciding, and admission reads no more. Usually
     * that is "every other call has finished"; the held ones keep a fallback that needs approval,
     * and still holds its group's turn, from waiting for itself.
     */
    const stuck = (state: BatchApprovals<C>): boolean => {
      const { batch } = state;
      return state.deciding === 0 && !batch.canAdmit && batch.pending === batch.held + batch.unread;
    };

    /** Holds a call that needs approval until the round that asks about it. */
    const wait = (call: C, settings: ResolvedApproval): void => {
      const approver = approvers.get(call.batch);
      const state = stateOf(call.batch);
      if (approver === undefined) {
        state.release(call);
        host.fail(call, required(call));
        forget(state);
        return;
      }
      state.hold(call);
      state.waiting.set(call, settings);
      schedule(state);
    };

    const startRound = (state: BatchApprovals<C>): void => {
      const approver = approvers.get(state.batch)!;
      const entries = [...state.waiting].sort(([a], [b]) => a.index - b.index);
      const round: Round<C> = {
        calls: entries.map(([call]) => call),
        controller: new AbortController(),
        open: entries.length,
      };
      state.round = round;
      void Promise.allSettled(
        entries.map(([call, settings]) =>
          requestOf(
            settings,
            { id: call.id, index: call.index, name: call.tool.name },
            call.parsedArgs,
          ),
        ),
      ).then(async (made) => {
        const asked: C[] = [];
        const requests: ApprovalRequest[] = [];
        made.forEach((result, i) => {
          const call = round.calls[i]!;
          if (result.status === "fulfilled") {
            asked.push(call);
            requests.push(result.value);
          } else if (state.waiting.delete(call)) {
            state.release(call);
            host.fail(call, {
              kind: "rejected",
              message: `The approval request of call "${call.id}" to "${call.tool.name}" could not be made, so the call did not run: ${errorText(result.reason)}`,
              data: { approval: "failed" },
            });
          }
        });
        if (requests.length === 0) return endRound(state, round);
        let decisions: unknown;
        try {
          decisions = await approver(requests, {
            batchId: state.batch.id,
            signal: round.controller.signal,
          });
        } catch (error) {
          for (const call of asked) failWaiting(state, call, approverThrew(error));
          return endRound(state, round);
        }
        decide(state, asked, requests, decisions);
        endRound(state, round);
      });
    };

    const endRound = (state: BatchApprovals<C>, round: Round<C>): void => {
      if (state.round === round) state.round = undefined;
      schedule(state);
    };

    const failWaiting = (state: BatchApprovals<C>, call: C, error: OutcomeError): void => {
      if (!state.waiting.delete(call)) return;
      state.release(call);
      host.fail(call, error);
    };

    const decide = (
      state: BatchApprovals<C>,
      calls: readonly C[],
      requests: readonly ApprovalRequest[],
      decisions: unknown,
    ): void => {
      const problem = checkDecisions(requests, decisions);
      if (problem !== undefined) {
        const error: OutcomeError = {
          kind: "rejected",
          message: `The approver's answer does not fit its requests, so the calls did not run: ${problem.message}`,
          data: {
            name: "ApprovalDecisionError",
            approval: "invalid",
            ...(problem.index === undefined ? {} : { index: problem.index }),
          },
        };
        for (const call of calls) failWaiting(state, call, error);
        return;
      }
      const list = decisions as readonly ApprovalDecision[];
      calls.forEach((call, i) => {
        // Ended while the reviewer thought (the batch's deadline, a cancel).
        if (!state.waiting.delete(call)) return;
        const decision = list[i]!;
        if (decision.type === "reject") {
          call.approval = "rejected";
          state.release(call);
          host.fail(call, rejected(call, decision.message));
          return;
        }
        pass(call);
        if (decision.type === "edit") {
          call.approval = "edited";
          state.ready.push({ call, args: decision.editedAction.args, edited: true });
        } else {
          call.approval = "approved";
          state.ready.push({ call, edited: false });
        }
      });
    };

    /**
     * Starts the let-through calls, in call order: a fallback at once (it kept its place), a
     * call that gave up its place when the batch's window has room for it again, so that no
     * more of the batch's calls are live than its window (`concurrency`) allows.
     */
    const startReady = (state: BatchApprovals<C>): void => {
      const { batch, ready, placeless } = state;
      for (let i = 0; i < ready.length;) {
        const next = ready[i]!;
        // The window counts the placeless calls on both sides: room for one is live < window.
        if (placeless.has(next.call) && batch.live >= batch.window) {
          i++;
          continue;
        }
        ready.splice(i, 1);
        state.release(next.call);
        if (next.edited) host.revise(next.call, next.args);
        else host.resume(next.call);
      }
    };

    const hooksFor = (settings: ResolvedApproval): ToolHooks<C> => ({
      place(call) {
        if (passed.get(call) === call.tool) return undefined;
        const target = { id: call.id, index: call.index, name: call.tool.name };
        const verdict = needsApproval(settings, target, call.parsedArgs);
        if (verdict === false) {
          pass(call);
          return undefined;
        }
        if (verdict === true) {
          if (!approvers.has(call.batch)) return { fail: required(call) };
          wait(call, settings);
          return "hold";
        }
        if (!(verdict instanceof Promise)) return { fail: verdict.error };
        // Decided later: held meanwhile, without a window place, so the batch goes on.
        const state = stateOf(call.batch);
        state.hold(call);
        state.deciding++;
        verdict.then(
          (needed) => {
            state.deciding--;
            if (!state.holding.has(call)) return schedule(state); // ended meanwhile
            if (needed) return wait(call, settings);
            pass(call);
            state.release(call);
            host.resume(call);
            schedule(state);
          },
          (error: unknown) => {
            state.deciding--;
            if (!state.holding.has(call)) return schedule(state);
            state.release(call);
            host.fail(call, predicateFailed(target, error));
            schedule(state);
          },
        );
        schedule(state);
        return "hold";
      },
      ended(call) {
        const state = batches.get(call.batch);
        if (state === undefined) return;
        state.waiting.delete(call);
        state.release(call);
        const at = state.ready.findIndex((r) => r.call === call);
        if (at >= 0) state.ready.splice(at, 1);
        const round = state.round;
        if (round !== undefined && round.calls.includes(call) && --round.open === 0) {
          // Nobody waits for the answer any more: the approver may stop asking.
          round.controller.abort();
        }
        schedule(state);
      },
    });

    return {
      name: "approvals",
      batch(batch, options: ApprovalExecuteOptions) {
        if (options.approve !== undefined) approvers.set(batch, options.approve);
      },
      forTool(_tool, policy: ApprovalPolicy) {
        const settings = resolveApproval(policy.needsApproval);
        return settings === undefined ? undefined : hooksFor(settings);
      },
    };
  };
}

/** The error of a call that needs approval in a batch with no approver. */
function required(call: FeatureCall): OutcomeError {
  return {
    kind: "rejected",
    message: `Call "${call.id}" to "${call.tool.name}" needs approval, and its batch has no approver, so it did not run: pass execute(calls, { approve }), or run it through volley/langgraph, which asks a human with interrupt()`,
    data: { approval: "required" },
  };
}

/** The error of a call the reviewer rejected. */
function rejected(call: FeatureCall, message: string | undefined): OutcomeError {
  return {
    kind: "rejected",
    message:
      message ?? `The reviewer rejected call "${call.id}" to "${call.tool.name}"; it did not run`,
    data: { approval: "rejected", ...(message === undefined ? {} : { message }) },
  };
}

/** The error of the calls whose approver threw: a Volley error keeps its kind and data. */
function approverThrew(error: unknown): OutcomeError {
  if (isVolleyError(error)) {
    const extra = (error as { data?: unknown }).data;
    return {
      kind: error.kind,
      message: error.message,
      data: {
        ...(typeof extra === "object" && extra !== null ? (extra as Record<string, unknown>) : {}),
        name: error.name,
      },
    };
  }
  return {
    kind: "rejected",
    message: `The approver threw, so the calls that waited for it did not run: ${errorText(error)}`,
    data: { approval: "failed", ...(error instanceof Error ? { name: error.name } : {}) },
  };
}
