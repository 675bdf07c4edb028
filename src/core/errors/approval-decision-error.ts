import { VolleyError, hasVolleyName, type VolleyErrorOptions } from "./volley-error.js";

/** Options of an {@link ApprovalDecisionError}. */
export interface ApprovalDecisionErrorOptions extends VolleyErrorOptions {
  /** The position of the faulty decision, when one decision is at fault. */
  readonly index?: number | undefined;
}

/**
 * A reviewer's answer that does not fit the approval requests: the wrong number of decisions, an
 * unknown type, a decision the request does not allow, an edit without `{ name, args }` or for
 * another tool. The calls that waited for it end `rejected`, not run.
 */
export class ApprovalDecisionError extends VolleyError {
  /** Always `"ApprovalDecisionError"`, which `isApprovalDecisionError()` checks. */
  override name = "ApprovalDecisionError";
  /** The position of the faulty decision, or `undefined` when the answer as a whole is wrong. */
  readonly index: number | undefined;

  /**
   * Makes the error of an answer that does not fit its requests.
   * @param message What is wrong, naming the decision and the call.
   * @param options Which decision is at fault, and the underlying `cause`.
   */
  constructor(message: string, options?: ApprovalDecisionErrorOptions) {
    super("rejected", message, options);
    this.index = options?.index;
  }
}

/** True for an {@link ApprovalDecisionError}, even one made by another copy of the library. */
export function isApprovalDecisionError(error: unknown): error is ApprovalDecisionError {
  return hasVolleyName(error, "ApprovalDecisionError");
}
