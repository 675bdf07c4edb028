import type { ToolContext } from "../core/index.js";

/**
 * The options an AI SDK tool's `execute` gets from a Volley attempt (the SDK's
 * `ToolExecutionOptions`): the call's id as `toolCallId`, the attempt's signal as `abortSignal`,
 * and the SDK's own `messages`, `experimental_context` and any other field when the call came
 * through `volleyTools` (else `messages: []`).
 *
 * A class, with `abortSignal` a getter on its prototype: the attempt's AbortController is made
 * only when a tool reads it, and an object literal with a getter of its own costs more than the
 * whole call.
 */
export class ExecutionOptions {
  /** The call's id: the SDK's `toolCallId`. */
  readonly toolCallId: string;
  /** The messages the SDK sent the model, or `[]` for a call the SDK did not start. */
  readonly messages: unknown = [];
  readonly #ctx: ToolContext;

  /**
   * @param ctx the attempt's context
   * @param sdk the options the SDK passed to `execute`, for a call `volleyTools` started
   */
  constructor(ctx: ToolContext, sdk: Readonly<Record<string, unknown>> | undefined) {
    this.#ctx = ctx;
    this.toolCallId = ctx.callId;
    if (sdk === undefined) return;
    const fields = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(sdk)) {
      // The SDK's own signal is the batch's: the attempt's aborts on it, and on Volley's limits.
      if (key !== "abortSignal" && key !== "toolCallId") fields[key] = sdk[key];
    }
  }

  /** Aborts on the attempt's timeout, the batch's deadline and a cancel (the SDK's signal too). */
  get abortSignal(): AbortSignal {
    return this.#ctx.signal;
  }
}
