import type { ToolContext } from "./tool.js";

/** One attempt as the `invoke` option of `execute()` sees it. */
export interface AttemptCall {
  /** The call's id. */
  readonly id: string;
  /** The tool's name. */
  readonly name: string;
  /**
   * The arguments: as the schema parsed them for a Volley tool; as given (and checked) for a
   * LangChain tool, which parses its input itself.
   */
  readonly args: unknown;
}

/** Runs one attempt in place of the tool's own function; see the `invoke` option of `execute()`. */
export type AttemptInvoker = (call: AttemptCall, ctx: ToolContext, run: () => unknown) => unknown;
