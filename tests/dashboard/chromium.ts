/** Debian's Chromium, driven by playwright-core: shared by the browser test and `npm run screenshot`. */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** True when the browser is installed. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

const CI = process.env["CI"] === "true";

/**
 * Whether a browser test file runs: with Chromium, or under `CI=true`, where a missing browser
 * fails each test (see {@link requireChromium}) so the count of failures says so. Elsewhere,
 * without Chromium, it is skipped with one line saying how to install it.
 */
export function runBrowserTests(what: string): boolean {
  if (hasChromium() || CI) return true;
  console.warn(`Skipping ${what}: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return false;
}

/** Fails a browser test under `CI=true` when Chromium is missing. */
export function requireChromium(): void {
  if (!hasChromium()) {
    throw new Error(`CI=true and Chromium is missing at ${CHROMIUM}: apt-get install chromium`);
  }
}

/** A headless Chromium with a fresh profile; `close()` also deletes the profile. */
export async function launchChromium(
  options: { colorScheme?: "light" | "dark"; width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), "volley-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
    colorScheme: options.colorScheme ?? "light",
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
