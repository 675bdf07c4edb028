import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * The package a failed `import()` or `require()` could not find, if that is why it failed:
 * `@scope/name` or `name`, the subpath dropped. Looks behind a few wrapping errors' `cause`.
 * `undefined` for every other failure, a missing file of ours or the user's included.
 */
export function missingPackage(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") continue;
    // "Cannot find package 'x' imported from …" (import) or "Cannot find module 'x'" (require).
    const name = /Cannot find (?:package|module) '([^']+)'/.exec(e.message)?.[1];
    // A relative or absolute path is a file of ours or the user's, not a package to install.
    if (name !== undefined && !/^[./]/.test(name)) return packageOf(name);
  }
  return undefined;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** The error for a missing peer: it names the package and the command that installs it. */
export function missingPeerError(
  needer: string,
  name: string,
  cause: unknown,
  install = name,
): Error {
  return new Error(`${needer} needs the package "${name}": npm install ${install}`, { cause });
}

/**
 * Loads an optional peer dependency with `import()`. A subpath that imported its peer with an
 * import statement would fail, when the peer is missing, with Node's bare `ERR_MODULE_NOT_FOUND`
 * before any of its code ran; this says what to install instead. Other failures pass as they are.
 * @param needer who needs it, for the message: `volley/langgraph`, `SqliteJournal`, …
 */
export async function importPeer<T>(load: () => Promise<T>, needer: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPackage(error);
    throw missing === undefined ? error : missingPeerError(needer, missing, error);
  }
}

/**
 * Loads an optional CommonJS peer dependency synchronously, so that a subpath can use it at once
 * (the same module instance an `import` gets), with the message of {@link importPeer} when it is
 * missing.
 * @param needer who needs it, for the message: `volley/metrics`, `PostgresJournal`, …
 * @param install what to install when `name` itself is missing (a version range, say)
 */
export function requirePeer<T>(name: string, needer: string, install = name): T {
  try {
    return require(name) as T;
  } catch (error) {
    const missing = missingPackage(error);
    if (missing === undefined) throw error;
    throw missingPeerError(needer, missing, error, missing === name ? install : missing);
  }
}
