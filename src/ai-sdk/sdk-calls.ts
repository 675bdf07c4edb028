/**
 * What the AI SDK told `volleyTools` about each call it runs, for the Volley tool that
 * `fromAiSdkTools` made, while the call runs in this process.
 *
 * The executor hands a tool only its arguments and context, but an AI SDK tool may read the
 * `messages` and `experimental_context` the SDK passes it. `volleyTools` gives each call a batch
 * of its own, with a fresh batch id, and files the SDK's options under it; the tool's attempts
 * find them by `ctx.batchId`. A tool that runs elsewhere (a worker thread, a queue worker), or a
 * batch that `volleyTools` did not start, finds nothing and gets `messages: []`.
 */

/** One call of the SDK, while it runs. */
export interface SdkCall {
  /** The options the SDK passed to `execute`: `toolCallId`, `messages`, `abortSignal`, … */
  readonly options: Readonly<Record<string, unknown>>;
  /** What the tool threw on its latest attempt, if it threw: the cause of the error handed back. */
  thrown: { readonly error: unknown } | undefined;
}

/** The calls `volleyTools` is running, by their batch id. */
export const sdkCalls = new Map<string, SdkCall>();

/**
 * Inputs the AI SDK parsed before it called a `volleyTools` tool, each with the `inputSchema` it
 * parsed them with. The Volley tool made of that same schema takes such an input as it is rather
 * than parse it again: a second parse would see the parsed value (a zod `transform`'s output),
 * and would run a schema's refinements twice.
 */
export const sdkParsed = new WeakMap<object, unknown>();
