import { access } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isLangChainTool, isVolleyTool, type AnyTool } from "../core/index.js";
import { CliInputError } from "./cli-input-error.js";

const TS_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx"]);

/**
 * Imports a tools module by path and returns its tools: its exports that are tools (made by
 * `defineTool()` or `@langchain/core` tools), by name or as a default array. `.ts` modules load
 * through tsx.
 * @throws CliInputError when the file is missing, fails to load or exports no tools.
 * @example const tools = await loadTools("examples/tools.ts");
 */
export async function loadTools(path: string, cwd: string = process.cwd()): Promise<AnyTool[]> {
  const file = resolve(cwd, path);
  try {
    await access(file);
  } catch {
    throw new CliInputError(`Tools module not found: ${file}`);
  }
  const url = pathToFileURL(file).href;
  let namespace: Record<string, unknown>;
  try {
    namespace = (await importModule(url, TS_EXTENSIONS.has(extname(file)))) as Record<
      string,
      unknown
    >;
  } catch (error) {
    if (error instanceof CliInputError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new CliInputError(`Cannot load the tools module ${file}: ${message}`, { cause: error });
  }
  const tools = toolsOf(namespace);
  if (tools.length === 0) {
    const names = Object.keys(namespace);
    throw new CliInputError(
      `The tools module ${file} exports no tools (expected tools made by defineTool() or ` +
        `@langchain/core tools, exported by name or as a default array); ` +
        (names.length === 0 ? "it exports nothing" : `it exports: ${names.join(", ")}`),
    );
  }
  return tools;
}

/** The tools among a module's exports: named ones, then a default tool or array, each once. */
export function toolsOf(namespace: Readonly<Record<string, unknown>>): AnyTool[] {
  const found = new Set<AnyTool>();
  const isTool = (value: unknown): value is AnyTool =>
    isVolleyTool(value) || isLangChainTool(value);
  for (const [name, value] of Object.entries(namespace)) {
    if (name === "default") continue;
    if (isTool(value)) found.add(value);
  }
  const fallback = namespace["default"];
  if (isTool(fallback)) found.add(fallback);
  else if (Array.isArray(fallback))
    for (const value of fallback) if (isTool(value)) found.add(value);
  return [...found];
}

async function importModule(url: string, typescript: boolean): Promise<unknown> {
  if (!typescript) return import(url);
  let api: { tsImport(specifier: string, parentURL: string): Promise<unknown> };
  try {
    api = (await import("tsx/esm/api")) as typeof api;
  } catch (error) {
    throw new CliInputError(
      `Loading a TypeScript tools module needs tsx (npm install tsx), which did not load: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return api.tsImport(url, import.meta.url);
}
