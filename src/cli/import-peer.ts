import { missingPackage } from "../core/optional-peer.js";
import { CliInputError } from "./cli-input-error.js";

export { missingPackage };

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
