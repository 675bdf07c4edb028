import { CliInputError } from "./cli-input-error.js";

/**
 * Loads what a command needs from an optional peer dependency (piscina for `--isolation worker`,
 * the SQLite checkpointer for `demo --durable`): a missing package becomes a {@link CliInputError}
 * that names it and the command to install it, not an "unexpected error" with a stack trace.
 * @example const { threadTools } = await importPeer(() => import("../threads/thread-tools.js"), "--isolation worker");
 */
export async function importPeer<T>(load: () => Promise<T>, needer: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPackage(error);
    if (missing === undefined) throw error;
    throw new CliInputError(`${needer} needs the package "${missing}": npm install ${missing}`, {
      cause: error,
    });
  }
}

/** The package a failed import could not find, if that is why it failed. */
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
