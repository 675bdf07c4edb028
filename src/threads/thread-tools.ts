import { defineTool, isVolleyTool, type Tool, type ToolContext } from "../core/tool.js";
import { describeValue } from "../core/describe-value.js";
import { assertKnownKeys, optionKeys } from "../core/validate-options.js";
import { loadToolsModule, toolsModuleUrl } from "../tools-module/load-tools-module.js";

/** Options of {@link threadTools}. */
export interface ThreadToolsOptions {
  /**
   * Only these tools (by name); each must be in the module.
   * @default every tool made by defineTool() in the module
   * @example only: ["hash", "parse"]
   */
  readonly only?: readonly string[];
}

/** The keys of {@link ThreadToolsOptions}. */
const THREAD_TOOLS_KEYS = optionKeys<ThreadToolsOptions>()(["only"]);

/**
 * Loads a tools module and returns its tools made by `defineTool()`, each marked
 * `isolation: "worker"` with the module's URL, so that their attempts run in the threads of a
 * {@link threadBackend} (given to the executor as `backends.worker`). `@langchain/core` tools in
 * the module are left out: wrap them with `defineTool()` to isolate them.
 *
 * The module is imported in this thread too (to read names, schemas and policies): keep its
 * top-level code free of work and side effects.
 * @param module A path (relative to the current directory) or a `file:` URL; `.js`, `.mjs`, `.ts`.
 * @throws ToolsModuleError when the module is missing, fails to load, or has no such tools.
 * @example
 * const executor = createExecutor({
 *   tools: await threadTools(new URL("./cpu-tools.js", import.meta.url)),
 *   backends: { worker: threadBackend() },
 * });
 */
export async function threadTools(
  module: string | URL,
  options: ThreadToolsOptions = {},
): Promise<Tool[]> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Expected threadTools options to be an object, got ${describeValue(options)}`,
    );
  }
  assertKnownKeys("threadTools", options, THREAD_TOOLS_KEYS);
  const only = options.only;
  if (only !== undefined && (!Array.isArray(only) || only.some((n) => typeof n !== "string"))) {
    throw new TypeError(`Expected only to be an array of tool names, got ${describeValue(only)}`);
  }
  const url = toolsModuleUrl(module);
  const tools = (await loadToolsModule(url)).filter(isVolleyTool);
  const picked = only === undefined ? tools : tools.filter((t) => only.includes(t.name));
  if (only !== undefined) {
    const missing = only.filter((name) => !picked.some((t) => t.name === name));
    if (missing.length > 0) {
      throw new TypeError(
        `Expected tools ${missing.map((n) => `"${n}"`).join(", ")} in the tools module ${url}, which has: ${tools.map((t) => t.name).join(", ") || "no defineTool() tools"}`,
      );
    }
  }
  return picked.map((tool) => {
    const run = tool.run as (args: unknown, ctx: ToolContext) => unknown;
    return defineTool({ ...tool, run, isolation: "worker", module: url }) as unknown as Tool;
  });
}
