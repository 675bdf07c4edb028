import { VolleyError, hasVolleyName } from "../core/errors/volley-error.js";

/** Why a tools module could not be loaded. */
export type ToolsModuleProblem =
  /** No file at the module's path. */
  | "not_found"
  /** The module threw, or one of its imports failed, while it was loading. */
  | "load_failed"
  /** A `.ts` module, and neither the runtime nor tsx could load TypeScript. */
  | "typescript_unsupported"
  /** The module loaded, but exports no tools (or a default array holds something else). */
  | "no_tools"
  /** Two different tools of the same name. */
  | "duplicate_tool";

/**
 * A tools module could not be loaded or holds no usable tools. Its kind is `tool_error`; when it
 * happens in a worker thread the call fails at once, without retries (retrying cannot help).
 */
export class ToolsModuleError extends VolleyError {
  /** Always `"ToolsModuleError"`, which `isToolsModuleError()` checks. */
  override name = "ToolsModuleError";

  /**
   * Makes the error of a tools module that cannot be used.
   * @param url The module's URL.
   * @param problem What went wrong, as a fixed word.
   * @param message What went wrong, readable, with the module's path.
   * @param options The underlying `cause` (the import's error), if any.
   */
  constructor(
    /** The module's URL. */
    readonly url: string,
    /** What went wrong, as a fixed word. */
    readonly problem: ToolsModuleProblem,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super("tool_error", message, options);
  }
}

/** True for a {@link ToolsModuleError}. */
export function isToolsModuleError(error: unknown): error is ToolsModuleError {
  return hasVolleyName(error, "ToolsModuleError");
}
