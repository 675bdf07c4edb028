import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  defineTool,
  isLangChainTool,
  isVolleyTool,
  type AnyTool,
  type Tool,
  type ToolContext,
} from "../core/index.js";
import { isToolsModuleError, loadToolsModule } from "../tools-module/load-tools-module.js";
import { CliInputError } from "./cli-input-error.js";
import { formatDuration } from "./format.js";
import { missingPackage } from "./import-peer.js";

/** Where `volley run --isolation` puts the module's tools, whatever their own `isolation`. */
export type CliIsolation = "inline" | "worker";

/** Options of {@link loadTools}. */
export interface LoadToolsOptions {
  /** Resolves a relative path. @default process.cwd() */
  readonly cwd?: string;
  /**
   * Where the module's `defineTool()` tools run: `"inline"` puts them all in this thread, worker
   * tools included; `"worker"` puts them all in worker threads (`volley/threads`).
   * `@langchain/core` tools always stay inline.
   * @default each tool's own `isolation` ("worker" tools in threads, the rest inline)
   */
  readonly isolation?: CliIsolation;
  /**
   * How long the module may take to load (ms), top-level `await` included; `Infinity` waits
   * for ever. Past it, a `CliInputError` that names the module (exit 2): a top-level `await`
   * that never settles would otherwise hang the command, or end it with Node's bare exit 13.
   * @default DEFAULT_LOAD_TIMEOUT_MS (30,000)
   */
  readonly timeoutMs?: number;
  /** Stops waiting for the module (Ctrl-C): the promise then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** How long `volley run` waits for its tools module to load, by default (ms). */
export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;

/** The longest delay a Node.js timer takes (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The file of `--tools <module>`: a path (relative to `cwd`), or a `file:` URL.
 * @example toolsModulePath("tools.ts", "/home/me") // "/home/me/tools.ts"
 */
export function toolsModulePath(module: string, cwd = process.cwd()): string {
  if (/^file:/i.test(module)) {
    try {
      return fileURLToPath(module);
    } catch (error) {
      throw new CliInputError(
        `--tools ${module} is not a usable file: URL: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  return resolve(cwd, module);
}

/**
 * Loads the tools of `volley run --tools <module>`: a tools module's exports that are tools (by
 * name, or a default array), `.js`, `.mjs` or `.ts`. Each `defineTool()` tool keeps its own
 * `isolation`, unless `options.isolation` says otherwise: `"worker"` tools run in worker threads
 * (loaded there from their `module`, or from this module when they name none), the rest inline.
 * @throws CliInputError when the file is missing, fails to load, does not finish loading in
 *   `options.timeoutMs`, exports no tools, or has a tool whose isolation the CLI cannot provide.
 * @example const tools = await loadTools("examples/tools.ts");
 */
export async function loadTools(path: string, options: LoadToolsOptions = {}): Promise<AnyTool[]> {
  const file = toolsModulePath(path, options.cwd);
  let tools: AnyTool[];
  try {
    tools = await settlesInTime(loadToolsModule(file), file, options);
  } catch (error) {
    if (isToolsModuleError(error)) throw new CliInputError(error.message, { cause: error });
    throw error;
  }
  if (tools.some((tool) => isLangChainTool(tool))) await recogniseLangChainErrors();
  const url = pathToFileURL(file).href;
  return tools.map((tool) => place(tool, url, options.isolation));
}

/** True for a tool that runs in a worker thread: one `loadTools()` placed there. */
export function runsInThread(tool: AnyTool): boolean {
  return isVolleyTool(tool) && tool.isolation === "worker";
}

/**
 * `tool`, with the isolation it runs with under the CLI: `isolation` if given, else its own. A
 * worker tool with no module of its own is found in its thread in `url`, which exports it.
 */
function place(tool: AnyTool, url: string, isolation: CliIsolation | undefined): AnyTool {
  if (!isVolleyTool(tool)) return tool;
  const wanted = isolation ?? tool.isolation ?? "inline";
  if (wanted === "inline") {
    return tool.isolation === undefined || tool.isolation === "inline"
      ? tool
      : redefine(tool, { isolation: "inline" });
  }
  if (wanted !== "worker") {
    throw new CliInputError(
      `Tool "${tool.name}" has isolation "${wanted}", which volley run cannot provide: it runs tools inline or in worker threads ("worker"). Run it with --isolation inline or --isolation worker, or through an executor given a backend for "${wanted}"`,
    );
  }
  const module = tool.module ?? url;
  return tool.isolation === "worker" && tool.module === module
    ? tool
    : redefine(tool, { isolation: "worker", module });
}

function redefine(
  tool: Tool<string, never>,
  change: { isolation: string; module?: string },
): AnyTool {
  const run = tool.run as (args: unknown, ctx: ToolContext) => unknown;
  return defineTool({ ...tool, run, ...change }) as unknown as AnyTool;
}

/**
 * `loading`, unless `options.timeoutMs` passes or `options.signal` aborts first. The module's
 * evaluation cannot be stopped; the command exits without it.
 */
async function settlesInTime<T>(
  loading: Promise<T>,
  file: string,
  options: LoadToolsOptions,
): Promise<T> {
  const ms = options.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  const { signal } = options;
  if (!(ms <= MAX_TIMER_MS) && signal === undefined) return loading;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    if (ms <= MAX_TIMER_MS) {
      // Not unref'd: a module awaiting what never comes leaves the event loop empty otherwise,
      // and Node exits 13 ("unsettled top-level await") without a word before the timer fires.
      timer = setTimeout(() => {
        reject(
          new CliInputError(
            `Tools module ${file} did not finish loading in ${formatDuration(ms)}: does a top-level await in it never settle? (--load-timeout <ms> gives it longer)`,
          ),
        );
      }, ms);
    }
    onAbort = () => reject(signal!.reason as Error);
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([loading, stopped]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Teaches the executor LangChain's errors, as loading `volley/langgraph` does: a LangChain tool's
 * input-parsing error (a JSON-schema tool's bad arguments) ends `invalid_args`, not retried. When
 * `@langchain/core` cannot be loaded from here, they stay `tool_error`s.
 */
async function recogniseLangChainErrors(): Promise<void> {
  try {
    await import("../langgraph/langchain-errors.js");
  } catch (error) {
    if (missingPackage(error) === undefined) throw error;
  }
}
