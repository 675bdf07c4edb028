import { VolleyError, isVolleyError, type ErrorOutcome, type OutcomeError } from "../core/index.js";

/**
 * What a tool wrapped by `volleyTools` throws to the AI SDK when its call ends in an error
 * outcome, so that the SDK records a `tool-error` part whose message is the outcome's (the model
 * reads it in the next step). `kind` is the outcome's error kind (`timeout`, `tool_error`,
 * `invalid_args`, `cancelled`, …), `data` its structured detail, `outcome` the whole outcome
 * (attempts, duration). `cause` is what the tool threw, when it ran in this process and threw;
 * for a call the SDK's `abortSignal` cancelled, the signal's reason.
 * @example
 * const { steps } = await generateText({ model, tools: volleyTools(executor, tools), prompt });
 * for (const part of steps[0]!.content)
 *   if (part.type === "tool-error" && isToolOutcomeError(part.error)) console.log(part.error.kind);
 */
export class ToolOutcomeError extends VolleyError {
  /** Always `"ToolOutcomeError"`, which `isToolOutcomeError()` checks. */
  override name = "ToolOutcomeError";
  /** The outcome's structured detail (`error.data`): the thrown error's class name, the issues, the limit. */
  readonly data: OutcomeError["data"];
  /** The AI SDK's `toolCallId`, which is the Volley call's id. */
  readonly toolCallId: string;
  /** The tool's name. */
  readonly toolName: string;
  /** The call's error outcome, as the executor reported it. */
  readonly outcome: ErrorOutcome;

  /**
   * Makes the error a failed call throws back to the AI SDK.
   * @param outcome The call's error outcome.
   * @param options `cause`: what the tool threw, or the abort reason.
   */
  constructor(outcome: ErrorOutcome, options?: { readonly cause?: unknown }) {
    super(outcome.error.kind, outcome.error.message, options);
    this.data = outcome.error.data;
    this.toolCallId = outcome.id;
    this.toolName = outcome.name;
    this.outcome = outcome;
  }
}

/** True for a {@link ToolOutcomeError}, even one made by another copy of the library. */
export function isToolOutcomeError(error: unknown): error is ToolOutcomeError {
  try {
    return isVolleyError(error) && error.name === "ToolOutcomeError";
  } catch {
    return false;
  }
}
