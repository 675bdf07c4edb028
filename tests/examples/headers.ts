import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The examples folder. */
export const EXAMPLES = join(ROOT, "examples");

/** What an example's leading doc comment declares. */
export interface ExampleHeader {
  /** The file name, `core-streaming.ts`. */
  readonly file: string;
  /** The `Run:` command, if given. */
  readonly run: string | undefined;
  /** The `Peers:` packages (empty for "none"); `undefined` for a support file. */
  readonly peers: readonly string[] | undefined;
  /** The `Expect:` text its stdout must contain, if given. */
  readonly expect: string | undefined;
}

/** Reads one `Key: value` line of the file's first doc comment. */
function field(comment: string, key: string): string | undefined {
  const match = new RegExp(`^\\s*\\*\\s*${key}:[ \\t]*(.*)$`, "m").exec(comment);
  return match?.[1]?.trim();
}

/** The header of `examples/<file>`. */
export function readHeader(file: string): ExampleHeader {
  const text = readFileSync(join(EXAMPLES, file), "utf8");
  const comment = /^\s*\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? "";
  const peers = field(comment, "Peers");
  return {
    file,
    run: field(comment, "Run"),
    peers:
      peers === undefined
        ? undefined
        : peers === "none"
          ? []
          : peers
              .split(",")
              .map((p) => p.trim())
              .filter((p) => p.length > 0),
    expect: field(comment, "Expect"),
  };
}

/** Every `examples/*.ts` header, in name order. */
export function allHeaders(): ExampleHeader[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map(readHeader);
}

/** The runnable examples: those with a `Peers:` line. */
export function runnableExamples(): ExampleHeader[] {
  return allHeaders().filter((h) => h.peers !== undefined);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * The bare specifiers a file imports, statically or with `import()` of a literal, and those of
 * the files of ours it imports (`./tools.js`), transitively. Type-only imports are left out.
 */
export function importedSpecifiers(file: string, seen = new Set<string>()): Set<string> {
  const found = new Set<string>();
  if (seen.has(file)) return found;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  const pattern =
    /(?:^\s*(?:import|export)\s+(?!type\s)(?:[^"';]*?\sfrom\s+)?|import\(\s*)["']([^"']+)["']/gm;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[1]!;
    if (specifier.startsWith(".")) {
      const target = resolve(dirname(file), specifier.replace(/\.js$/, ".ts"));
      if (existsSync(target)) for (const s of importedSpecifiers(target, seen)) found.add(s);
      continue;
    }
    if (specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
    found.add(specifier);
  }
  return found;
}
