/**
 * langchain's human-in-the-loop shapes, as `humanInTheLoopMiddleware` sends and reads them: the
 * `HITLRequest` an approval `interrupt()` carries and the `HITLResponse` a resume gives back.
 * Declared here, structurally the same as langchain's (a test holds them equal), so that
 * `volley/langgraph` works for LangGraph users without `langchain`, and a UI built for the
 * middleware works with Volley's nodes unchanged.
 */
import {
  ApprovalDecisionError,
  type ApprovalDecision,
  type ApprovalDecisionType,
  type ApprovalRequest,
} from "../core/index.js";
import { describeValue } from "../core/describe-value.js";
import { checkDecisions } from "../core/features/approvals/decisions.js";

/** One call for the reviewer: the tool, its arguments as the model gave them, and what to say. */
export interface ActionRequest {
  /** The tool's name. */
  name: string;
  /** The call's arguments, as the model wrote them. */
  args: Record<string, unknown>;
  /** What the reviewer is told about it. */
  description?: string;
}

/** What the reviewer may decide about one action. */
export interface ReviewConfig {
  /** The tool's name. */
  actionName: string;
  /** The decisions allowed for the action. */
  allowedDecisions: ApprovalDecisionType[];
  /** A JSON schema for edited arguments, when edits are allowed (Volley leaves it out). */
  argsSchema?: Record<string, unknown>;
}

/** The value of an approval `interrupt()`: an action request and a review config per call. */
export interface HITLRequest {
  /** The calls waiting for the reviewer, in the model's order. */
  actionRequests: ActionRequest[];
  /** One per action request, in the same order. */
  reviewConfigs: ReviewConfig[];
}

/** The resume value of an approval `interrupt()`: a decision per action request, in order. */
export interface HITLResponse {
  /** `{ type: "approve" }`, `{ type: "edit", editedAction: { name, args } }` or `{ type: "reject", message? }`. */
  decisions: ApprovalDecision[];
}

/**
 * The interrupt's value for `requests`, with each call's arguments as the model wrote them (the
 * core's requests carry the parsed ones), as `humanInTheLoopMiddleware` builds it.
 */
export function hitlRequestOf(
  requests: readonly ApprovalRequest[],
  rawArgs: (callId: string) => unknown,
): HITLRequest {
  return {
    actionRequests: requests.map((r) => ({
      name: r.name,
      args: (rawArgs(r.callId) ?? r.args) as Record<string, unknown>,
      description: r.description,
    })),
    reviewConfigs: requests.map((r) => ({
      actionName: r.name,
      allowedDecisions: [...r.allowedDecisions],
    })),
  };
}

/**
 * The decisions of a resume value, checked against `requests`.
 * @throws ApprovalDecisionError for a value that is not an `HITLResponse` fitting the requests,
 *   naming what is wrong (the count, a type, a decision its review config does not allow).
 */
export function decisionsOf(
  resume: unknown,
  requests: readonly ApprovalRequest[],
): readonly ApprovalDecision[] {
  const decisions = decisionListOf(resume, requests.length);
  const problem = checkDecisions(requests, decisions, "the resume value's decisions");
  if (problem !== undefined) {
    throw new ApprovalDecisionError(`Invalid HITLResponse: ${problem.message}`, {
      index: problem.index,
    });
  }
  return decisions as readonly ApprovalDecision[];
}

/**
 * The resume value's `decisions` array, unchecked.
 * @throws ApprovalDecisionError when the value is not `{ decisions: [...] }`.
 */
export function decisionListOf(resume: unknown, expected: number): readonly unknown[] {
  const decisions =
    typeof resume === "object" && resume !== null
      ? (resume as { decisions?: unknown }).decisions
      : undefined;
  if (!Array.isArray(decisions)) {
    throw new ApprovalDecisionError(
      `Invalid HITLResponse: expected the resume value to be { decisions: [...] } with ${expected} decision(s), one per action request of the interrupt, got ${describeValue(resume)}`,
    );
  }
  return decisions as readonly unknown[];
}
