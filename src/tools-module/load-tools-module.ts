import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describeValue } from "../core/describe-value.js";
import { isLangChainTool, isVolleyTool, type AnyTool } from "../core/tool.js";
import { ToolsModuleError } from "./tools-module-error.js";

export { ToolsModuleError, isToolsModuleError } from "./tools-module-error.js";
export type { ToolsModuleProblem } from "./tools-module-error.js";

const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/i;

/** Modules loaded through tsx, by URL: `tsImport` makes a fresh copy at each call. */
const viaTsx = new Map<string, Promise<Record<string, unknown>>>();

/**
 * The `file:` URL of a tools module given as a URL, a `file:` URL string, or a path (relative
 * paths are resolved against the current directory), without query or fragment.
 * @throws TypeError when `module` is neither, or a URL of another scheme.
 * @example toolsModuleUrl("./tools.ts") // "file:///home/me/project/tools.ts"
 */
export function toolsModuleUrl(module: string | URL): string {
  if (module instanceof URL) module = module.href;
  if (typeof module !== "string" || module.length === 0) {
    throw new TypeError(
      `Expected a tools module as a file path or a file: URL, got ${describeValue(module)}`,
    );
  }
  if (/^[a-z][a-z\d+.-]+:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) {
    if (!module.startsWith("file:")) {
      throw new TypeError(
        `Expected a tools module as a file path or a file: URL, got ${describeValue(module)}`,
      );
    }
    const url = new URL(module);
    // A module loaded through tsx's tsImport has a `?tsx-namespace=…` query in its
    // `import.meta.url`, which means nothing in another thread: a module is its file.
    url.search = "";
    url.hash = "";
    return url.href;
  }
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

/**
 * Loads a tools module: an ES module whose exports that are tools (named exports, or a default
 * array) are its tools. Both tools made by `defineTool()` and `@langchain/core` tools count;
 * other exports are ignored. `.js` and `.mjs` modules load with `import()`; `.ts` modules load
 * natively when the runtime can (under tsx or vitest), otherwise through tsx's `tsImport`, so
 * tsx must then be installed.
 *
 * The CLI, the thread workers of `volley/threads` and queue workers all load modules this way.
 * @param module A path (relative to the current directory) or a `file:` URL.
 * @returns The tools: named exports first, then the default array's.
 * @throws ToolsModuleError when the file is missing, fails to load, or exports no tools
 *   (`error.problem` says which).
 * @example
 * const tools = await loadToolsModule("./tools.ts");
 * const executor = createExecutor({ tools });
 */
export async function loadToolsModule(module: string | URL): Promise<AnyTool[]> {
  const url = toolsModuleUrl(module);
  const namespace = await importModule(url);
  return collectTools(namespace, url);
}

async function importModule(url: string): Promise<Record<string, unknown>> {
  const path = fileURLToPath(url);
  try {
    await stat(path);
  } catch (error) {
    throw new ToolsModuleError(url, "not_found", `Tools module not found: ${path}`, {
      cause: error,
    });
  }
  const pending = viaTsx.get(url);
  if (pending !== undefined) return pending;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (!TYPESCRIPT.test(path) || codeOf(error) !== "ERR_UNKNOWN_FILE_EXTENSION") {
      throw loadFailed(url, path, error);
    }
  }
  const loading = importWithTsx(url, path);
  viaTsx.set(url, loading);
  loading.catch(() => viaTsx.delete(url));
  return loading;
}

async function importWithTsx(url: string, path: string): Promise<Record<string, unknown>> {
  let tsImport: (specifier: string, parentURL: string) => Promise<unknown>;
  try {
    ({ tsImport } = await import("tsx/esm/api"));
  } catch (error) {
    throw new ToolsModuleError(
      url,
      "typescript_unsupported",
      `Cannot load the TypeScript tools module ${path}: this runtime does not load .ts files and tsx is not installed (npm install tsx, or build the module to .js)`,
      { cause: error },
    );
  }
  try {
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    throw loadFailed(url, path, error);
  }
}

function loadFailed(url: string, path: string, error: unknown): ToolsModuleError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ToolsModuleError(
    url,
    "load_failed",
    `Tools module ${path} failed to load: ${detail}`,
    { cause: error },
  );
}

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

function isTool(value: unknown): value is AnyTool {
  return isVolleyTool(value) || isLangChainTool(value);
}

function collectTools(namespace: Record<string, unknown>, url: string): AnyTool[] {
  const path = fileURLToPath(url);
  const found: AnyTool[] = [];
  const byName = new Map<string, AnyTool>();
  const add = (tool: AnyTool, where: string): void => {
    const earlier = byName.get(tool.name);
    if (earlier === tool) return;
    if (earlier !== undefined) {
      throw new ToolsModuleError(
        url,
        "duplicate_tool",
        `Tools module ${path} exports two different tools named "${tool.name}" (the second is ${where}): tool names must be unique`,
      );
    }
    byName.set(tool.name, tool);
    found.push(tool);
  };
  for (const [name, value] of Object.entries(namespace)) {
    if (name !== "default" && isTool(value)) add(value, `export "${name}"`);
  }
  const fallback = namespace["default"];
  if (Array.isArray(fallback)) {
    fallback.forEach((value: unknown, i) => {
      if (!isTool(value)) {
        throw new ToolsModuleError(
          url,
          "no_tools",
          `Tools module ${path}: default export [${i}] is not a tool (expected a tool made by defineTool() or a @langchain/core tool)`,
        );
      }
      add(value, `default export [${i}]`);
    });
  } else if (isTool(fallback)) {
    add(fallback, "the default export");
  } else if (typeof fallback === "object" && fallback !== null) {
    // A CommonJS module's `module.exports` arrives as the default export.
    for (const [name, value] of Object.entries(fallback)) {
      if (isTool(value)) add(value, `default export property "${name}"`);
    }
  }
  if (found.length === 0) {
    const names = Object.keys(namespace);
    throw new ToolsModuleError(
      url,
      "no_tools",
      `Tools module ${path} exports no tools (exports: ${names.length === 0 ? "none" : names.join(", ")}): export tools made by defineTool() by name, or a default array of them`,
    );
  }
  return found;
}
