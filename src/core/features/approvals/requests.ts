/**
 * How a call that needs approval becomes an {@link ApprovalRequest}, and whether it needs one:
 * shared by the feature (as calls are placed) and by `executor.approvalRequests()` (a plan made
 * before any call runs), so that both ask the same question and word it the same way.
 */
import { describeValue, errorText } from "../../describe-value.js";
import type { OutcomeError } from "../../outcome.js";
import type { ApprovalRequest } from "./decisions.js";
import type { ApprovalContext, ResolvedApproval } from "./options.js";

/** The call being asked about. */
export interface CallToReview {
  readonly id: string;
  readonly index: number;
  /** The tool's name. */
  readonly name: string;
}

/**
 * Whether the call needs approval, as its tool's `needsApproval` says: `true` or `false`, a
 * promise of it, or an error when the predicate threw (the call then must not run).
 */
export function needsApproval(
  settings: ResolvedApproval,
  call: CallToReview,
  args: unknown,
): boolean | Promise<boolean> | { readonly error: OutcomeError } {
  const when = settings.when;
  if (when === true) return true;
  let verdict: unknown;
  try {
    verdict = when(args, contextOf(call));
  } catch (error) {
    return { error: predicateFailed(call, error) };
  }
  if (verdict instanceof Promise) return verdict.then(Boolean);
  // Anything but a falsy answer asks: when in doubt, a human decides.
  return Boolean(verdict);
}

/** The error of a call whose `needsApproval` predicate threw or rejected. */
export function predicateFailed(call: CallToReview, error: unknown): OutcomeError {
  return {
    kind: "rejected",
    message: `needsApproval of tool "${call.name}" threw for call "${call.id}", so the call did not run: ${errorText(error)}`,
    data: { approval: "failed" },
  };
}

/** The request a reviewer sees for the call: its description made, its decisions listed. */
export async function requestOf(
  settings: ResolvedApproval,
  call: CallToReview,
  args: unknown,
): Promise<ApprovalRequest> {
  const description = settings.description;
  let text: string;
  if (typeof description === "function") {
    const made: unknown = await description(args, contextOf(call));
    if (typeof made !== "string") {
      throw new TypeError(
        `Expected the description function of tool "${call.name}" to return a string, got ${describeValue(made)}`,
      );
    }
    text = made;
  } else text = description ?? defaultDescription(call.name, args);
  return {
    callId: call.id,
    index: call.index,
    name: call.name,
    args,
    description: text,
    allowedDecisions: settings.allowedDecisions,
  };
}

/** langchain's `humanInTheLoopMiddleware` text, so a UI shows the same for both. */
export function defaultDescription(name: string, args: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(args, null, 2) ?? String(args);
  } catch {
    json = describeValue(args);
  }
  return `Tool execution requires approval\n\nTool: ${name}\nArgs: ${json}`;
}

function contextOf(call: CallToReview): ApprovalContext {
  return { callId: call.id, name: call.name };
}
