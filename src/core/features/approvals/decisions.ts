/**
 * What a reviewer is asked and what they answer: the request for one call, and the decisions,
 * in the shapes of langchain's `humanInTheLoopMiddleware` (`ActionRequest` and `ReviewConfig`
 * folded into one request per call; `Decision` as it is), so that one reviewing UI serves both.
 * The answer is checked here, once, whoever gives it.
 */
import { describeValue } from "../../describe-value.js";
import type { ApprovalDecisionType } from "./options.js";

/** One call that waits for a reviewer. */
export interface ApprovalRequest {
  /** The call's id. */
  readonly callId: string;
  /** The call's position in its batch (or in the calls given to `approvalRequests()`), from 0. */
  readonly index: number;
  /** The tool's name. */
  readonly name: string;
  /** The arguments as the call gave them: what the reviewer sees, and may edit. */
  readonly args: unknown;
  /** What the reviewer is told (the tool's `description` setting, or langchain's default text). */
  readonly description: string;
  /** What the reviewer may decide. */
  readonly allowedDecisions: readonly ApprovalDecisionType[];
}

/** Run the call as it is. */
export interface ApproveDecision {
  /** `"approve"`. */
  readonly type: "approve";
}

/** Run the call with other arguments (checked by the tool's schema, as any call's are). */
export interface EditDecision {
  /** `"edit"`. */
  readonly type: "edit";
  /** The call as the reviewer edited it: the same tool, new arguments. */
  readonly editedAction: {
    /** The tool's name: an edit may change the arguments, not the tool. */
    readonly name: string;
    /** The arguments to run the call with. */
    readonly args: Readonly<Record<string, unknown>>;
  };
}

/** Do not run the call; the model is told why. */
export interface RejectDecision {
  /** `"reject"`. */
  readonly type: "reject";
  /** Why, for the model. */
  readonly message?: string;
}

/** A reviewer's decision about one call, as langchain's `Decision`. */
export type ApprovalDecision = ApproveDecision | EditDecision | RejectDecision;

/** What an {@link Approver} is given besides the requests. */
export interface ApproverContext {
  /** The batch's id. */
  readonly batchId: string;
  /**
   * Aborts when the calls stop waiting for the answer: the batch's deadline passed or its caller
   * cancelled it.
   */
  readonly signal: AbortSignal;
}

/**
 * Decides about the calls of a batch that need approval: called once per batch, with all of
 * them, after every other call of the batch has finished. Returns one decision per request, in
 * the requests' order. A decision that does not fit its request ends that batch's waiting calls
 * `rejected` with an {@link ApprovalDecisionError}'s message; a throw ends them with what it
 * threw.
 */
export type Approver = (
  requests: readonly ApprovalRequest[],
  ctx: ApproverContext,
) => readonly ApprovalDecision[] | Promise<readonly ApprovalDecision[]>;

/** What is wrong with a reviewer's answer, if anything: a readable sentence, and where. */
export interface DecisionProblem {
  readonly message: string;
  /** The position of the faulty decision, when one is at fault. */
  readonly index: number | undefined;
}

/**
 * Checks a reviewer's answer against the requests: one decision per request, each of a known
 * type that its request allows, an edit with `editedAction: { name, args }` for the same tool,
 * a rejection's message a string.
 * @param what names the answer in messages (`decisions`, `the resume value's decisions`)
 */
export function checkDecisions(
  requests: readonly ApprovalRequest[],
  decisions: unknown,
  what = "decisions",
): DecisionProblem | undefined {
  const ids = requests.map((r) => JSON.stringify(r.callId)).join(", ");
  if (!Array.isArray(decisions)) {
    return {
      message: `Expected ${what} to be an array of ${requests.length} decision(s), one per request (calls ${ids}), got ${describeValue(decisions)}`,
      index: undefined,
    };
  }
  if (decisions.length !== requests.length) {
    return {
      message: `Expected ${requests.length} decision(s) in ${what}, one per request (calls ${ids}), got ${decisions.length}`,
      index: undefined,
    };
  }
  for (let i = 0; i < requests.length; i++) {
    const problem = checkDecision(requests[i]!, decisions[i] as unknown, `${what}[${i}]`);
    if (problem !== undefined) return { message: problem, index: i };
  }
  return undefined;
}

function checkDecision(
  request: ApprovalRequest,
  decision: unknown,
  at: string,
): string | undefined {
  const call = `call ${JSON.stringify(request.callId)} to ${JSON.stringify(request.name)}`;
  if (typeof decision !== "object" || decision === null) {
    return `Expected ${at} (for ${call}) to be a decision { type: "approve" | "edit" | "reject" }, got ${describeValue(decision)}`;
  }
  const type = (decision as { type?: unknown }).type;
  if (type !== "approve" && type !== "edit" && type !== "reject") {
    return `Expected ${at}.type (for ${call}) to be "approve", "edit" or "reject", got ${describeValue(type)}`;
  }
  if (!request.allowedDecisions.includes(type)) {
    return `${at} (for ${call}) is ${JSON.stringify(type)}, which its review config does not allow (allowed: ${request.allowedDecisions.join(", ")})`;
  }
  if (type === "edit") {
    const edited = (decision as { editedAction?: unknown }).editedAction;
    if (typeof edited !== "object" || edited === null) {
      return `Expected ${at}.editedAction (for ${call}) to be { name, args }, got ${describeValue(edited)}`;
    }
    const { name, args } = edited as { name?: unknown; args?: unknown };
    if (typeof name !== "string") {
      return `Expected ${at}.editedAction.name (for ${call}) to be a string, got ${describeValue(name)}`;
    }
    if (name !== request.name) {
      return `${at}.editedAction.name is ${JSON.stringify(name)}, but ${call}: an edit may change the arguments, not the tool (reject the call with a message to have the model call another)`;
    }
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      return `Expected ${at}.editedAction.args (for ${call}) to be an object, got ${describeValue(args)}`;
    }
  }
  if (type === "reject") {
    const message = (decision as { message?: unknown }).message;
    if (message !== undefined && typeof message !== "string") {
      return `Expected ${at}.message (for ${call}) to be a string, got ${describeValue(message)}`;
    }
  }
  return undefined;
}
