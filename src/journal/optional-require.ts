import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency when a journal is constructed, not when `volley/journal` is
 * imported: a user of the SQLite journal needs no `pg`, and the other way round.
 */
export function requirePeer<T>(name: string, user: string, install: string): T {
  try {
    return require(name) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code === "MODULE_NOT_FOUND") {
      throw new Error(`${user} needs the package "${name}": npm install ${install}`, {
        cause: error,
      });
    }
    throw error;
  }
}
