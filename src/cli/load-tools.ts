import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isLangChainTool, type AnyTool } from "../core/index.js";
import { isToolsModuleError, loadToolsModule } from "../tools-module/load-tools-module.js";
import { CliInputError } from "./cli-input-error.js";
import { formatDuration } from "./format.js";
import { importPeer, missingPackage } from "./import-peer.js";

/** Options of {@link loadTools}. */
export interface LoadToolsOptions {
  /** Resolves a relative path. @default process.cwd() */
  readonly cwd?: string;
  /**
   * `"worker"`: run the module's `defineTool()` tools in worker threads (`volley/threads`);
   * `@langchain/core` tools stay inline.
   * @default "inline"
   */
  readonly isolation?: "inline" | "worker";
  /**
   * With `isolation: "worker"`, the threads of the pool: no worker tool runs more calls at once
   * (its own `concurrency` may be lower).
   * @default os.availableParallelism()
   */
  readonly threads?: number;
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
 * name, or a default array), `.js`, `.mjs` or `.ts`.
 * @throws CliInputError when the file is missing, fails to load, does not finish loading in
 *   `options.timeoutMs`, or exports no tools.
 * @example const tools = await loadTools("examples/tools.ts");
 */
export async function loadTools(path: string, options: LoadToolsOptions = {}): Promise<AnyTool[]> {
  const file = toolsModulePath(path, options.cwd);
  try {
    const tools = await settlesInTime(loadToolsModule(file), file, options);
    if (tools.some((tool) => isLangChainTool(tool))) await recogniseLangChainErrors();
    if (options.isolation !== "worker") return tools;
    const { threadTools } = await importPeer(
      () => import("../threads/thread-tools.js"),
      "--isolation worker",
    );
    // The thread backend declares its threads as its capacity: calls beyond them wait in
    // Volley's queue, where no timeout runs yet.
    const isolated = await threadTools(file);
    const names = new Set(isolated.map((t) => t.name));
    return [...isolated, ...tools.filter((t) => !names.has(t.name))];
  } catch (error) {
    if (isToolsModuleError(error)) throw new CliInputError(error.message, { cause: error });
    throw error;
  }
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
