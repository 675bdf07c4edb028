import {
  createExecutor,
  isLangChainTool,
  isVolleyTool,
  type AnyTool,
  type Executor,
  type ExecutorOptions,
} from "../core/index.js";
import { describeValue } from "../core/describe-value.js";

/** Options of the executor a node makes when it is given tools rather than an executor. */
export type NodeExecutorOptions = Omit<ExecutorOptions, "tools">;

/** An executor, or the tools to make one from. */
export type ExecutorOrTools = Executor | readonly AnyTool[];

/** True for an executor (rather than a tools array). */
export function isExecutor(value: unknown): value is Executor {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Executor).execute === "function" &&
    typeof (value as Executor).on === "function"
  );
}

/**
 * The executor a node runs its calls on: the one given, or one made from the tools.
 * @throws TypeError when given neither an executor nor an array of tools.
 */
export function executorOf(
  where: string,
  source: unknown,
  options: NodeExecutorOptions | undefined,
): Executor {
  if (isExecutor(source)) {
    if (options !== undefined) {
      throw new TypeError(
        `${where}: executor options apply only when it is given tools; set them on the executor you passed`,
      );
    }
    return source;
  }
  if (Array.isArray(source)) {
    source.forEach((tool: unknown, i) => {
      if (!isVolleyTool(tool) && !isLangChainTool(tool)) {
        throw new TypeError(
          `${where}: expected tools[${i}] to be a tool made by defineTool() or a @langchain/core tool, got ${describeValue(tool)}`,
        );
      }
    });
    return createExecutor({ ...options, tools: source as readonly AnyTool[] });
  }
  throw new TypeError(
    `${where}: expected an executor from createExecutor() or an array of tools, got ${describeValue(source)}`,
  );
}
