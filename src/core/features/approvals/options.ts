/**
 * The policy field of approvals, `needsApproval`, its shapes and its checks: types and
 * validation only, so that the policy types can name it without pulling in the feature.
 */
import { describeValue } from "../../describe-value.js";
import { assertKnownKeys, optionKeys } from "../../validate-options.js";

/** What a reviewer may decide about a call, as langchain's `humanInTheLoopMiddleware` names it. */
export type ApprovalDecisionType = "approve" | "edit" | "reject";

/** Every {@link ApprovalDecisionType}, in langchain's order: the default `allowedDecisions`. */
export const APPROVAL_DECISION_TYPES: readonly ApprovalDecisionType[] = Object.freeze([
  "approve",
  "edit",
  "reject",
]);

/** What `needsApproval` and `description` are told besides the call's arguments. */
export interface ApprovalContext {
  /** The call's id. */
  readonly callId: string;
  /** The tool's name, as the call gave it. */
  readonly name: string;
}

/**
 * Decides whether one call needs a reviewer's approval: given the arguments as the tool's schema
 * parsed them. Keep it free of side effects: it may be asked more than once for a call (an
 * integration may plan a turn's approvals before the calls run).
 */
// A method's parameters are compared both ways, so a tool's predicate over its own argument type
// is a predicate of the policy's general one: the usual way to type a callback field
// contravariantly-enough without `any`.
export type ApprovalPredicate<Args = Readonly<Record<string, unknown>>> = {
  /**
   * @param args The call's arguments, as the tool's schema parsed them.
   * @param ctx The call's id and tool name.
   * @returns `true` when the call needs approval.
   */
  check(args: Args, ctx: ApprovalContext): boolean | Promise<boolean>;
}["check"];

/** The text a reviewer sees for a call: fixed, or made from the call. */
export type ApprovalDescription<Args = Readonly<Record<string, unknown>>> =
  | string
  | {
      /**
       * @param args The call's arguments, as the tool's schema parsed them.
       * @param ctx The call's id and tool name.
       * @returns The text of the call's approval request.
       */
      describe(args: Args, ctx: ApprovalContext): string | Promise<string>;
    }["describe"];

/** `needsApproval` as an object: when to ask, and what the reviewer sees and may decide. */
export interface ApprovalOptions<Args = Readonly<Record<string, unknown>>> {
  /**
   * Whether a call needs approval: always (`true`), never (`false`), or as a predicate decides.
   * @default true
   * @example when: ({ path }) => String(path).startsWith("/etc")
   */
  readonly when?: boolean | ApprovalPredicate<Args>;
  /**
   * What the reviewer may decide (the `allowedDecisions` of the request's review config).
   * @default ["approve", "edit", "reject"]
   * @example allowedDecisions: ["approve", "reject"]
   */
  readonly allowedDecisions?: readonly ApprovalDecisionType[];
  /**
   * The request's `description`: a string, or a function of the parsed arguments.
   * @default "Tool execution requires approval\n\nTool: <name>\nArgs: <args as JSON>", as
   *   langchain's `humanInTheLoopMiddleware` words it
   */
  readonly description?: ApprovalDescription<Args>;
}

/**
 * Whether a tool's calls wait for a reviewer's approval before they run: `true`, a predicate of
 * the call's arguments, or {@link ApprovalOptions} (which also set the allowed decisions and the
 * description). `false` or unset: they run at once.
 */
export type NeedsApproval<Args = Readonly<Record<string, unknown>>> =
  boolean | ApprovalPredicate<Args> | ApprovalOptions<Args>;

/** The policy field of the approvals feature. */
export interface ApprovalPolicy {
  /**
   * Whether calls of the tool wait for a reviewer's approval before they run. The batch's
   * `approve` option decides (`volley/langgraph` asks a human through one `interrupt()`); a batch
   * without one ends such calls `rejected` instead of running them.
   * @default false
   * @example needsApproval: ({ path }) => String(path).startsWith("/etc")
   * @example needsApproval: { allowedDecisions: ["approve", "reject"], description: "Deletes a file" }
   */
  readonly needsApproval?: NeedsApproval;
}

/** The keys of {@link ApprovalOptions}. */
const APPROVAL_OPTION_KEYS = optionKeys<ApprovalOptions>()([
  "when",
  "allowedDecisions",
  "description",
]);

/** A tool's approval settings, resolved once. */
export interface ResolvedApproval {
  readonly when: true | ApprovalPredicate<unknown>;
  readonly allowedDecisions: readonly ApprovalDecisionType[];
  readonly description: ApprovalDescription<unknown> | undefined;
}

/**
 * Checks a `needsApproval` value; throws a `TypeError` naming the bad field.
 * @param where names the field (`tool "rm".needsApproval`)
 */
export function assertNeedsApproval(where: string, value: unknown): asserts value is NeedsApproval {
  if (typeof value === "boolean" || typeof value === "function") return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `Expected ${where} to be a boolean, a function (args, ctx) => boolean, or { when, allowedDecisions, description }, got ${describeValue(value)}`,
    );
  }
  assertKnownKeys(where, value, APPROVAL_OPTION_KEYS);
  const { when, allowedDecisions, description } = value as ApprovalOptions;
  if (when !== undefined && typeof when !== "boolean" && typeof when !== "function") {
    throw new TypeError(
      `Expected ${where}.when to be a boolean or a function (args, ctx) => boolean, got ${describeValue(when)}`,
    );
  }
  if (allowedDecisions !== undefined) {
    if (
      !Array.isArray(allowedDecisions) ||
      allowedDecisions.length === 0 ||
      !allowedDecisions.every((d: unknown) =>
        (APPROVAL_DECISION_TYPES as readonly unknown[]).includes(d),
      )
    ) {
      throw new TypeError(
        `Expected ${where}.allowedDecisions to be a non-empty array of "approve", "edit" and "reject", got ${describeValue(allowedDecisions)}`,
      );
    }
  }
  if (
    description !== undefined &&
    typeof description !== "string" &&
    typeof description !== "function"
  ) {
    throw new TypeError(
      `Expected ${where}.description to be a string or a function (args, ctx) => string, got ${describeValue(description)}`,
    );
  }
}

/** A checked `needsApproval` as settings, or `undefined` when calls never need approval. */
export function resolveApproval(value: NeedsApproval | undefined): ResolvedApproval | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true || typeof value === "function") {
    return {
      when: value as true | ApprovalPredicate<unknown>,
      allowedDecisions: APPROVAL_DECISION_TYPES,
      description: undefined,
    };
  }
  const when = value.when ?? true;
  if (when === false) return undefined;
  return {
    when: when as true | ApprovalPredicate<unknown>,
    allowedDecisions: Object.freeze([
      ...new Set(value.allowedDecisions ?? APPROVAL_DECISION_TYPES),
    ]),
    description: value.description as ApprovalDescription<unknown> | undefined,
  };
}
