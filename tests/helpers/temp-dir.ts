import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temporary directory; `remove()` deletes it and everything in it. */
export function makeTempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `volley-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
