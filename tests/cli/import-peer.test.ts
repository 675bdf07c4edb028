import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { importPeer, missingPackage } from "../../src/cli/import-peer.js";
import { isCliInputError } from "../../src/cli/cli-input-error.js";

// Through a variable, so that neither TypeScript nor vite resolves the name ahead of time.
const absent = "@volley-test/no-such-package/sub";
const absentFile = "./no-such-file.js";

describe("importPeer: a missing optional peer dependency is bad input that says what to install", () => {
  it("names the package (scope included, subpath dropped) for a failed import()", async () => {
    const error: unknown = await importPeer(
      () => import(/* @vite-ignore */ absent),
      "--isolation worker",
    ).catch((e: unknown) => e);
    expect(isCliInputError(error)).toBe(true);
    expect((error as Error).message).toBe(
      '--isolation worker needs the package "@volley-test/no-such-package": npm install @volley-test/no-such-package',
    );
  });

  it("finds a failed require() behind a wrapping error's cause", () => {
    let thrown: unknown;
    try {
      createRequire(import.meta.url)("volley-test-absent");
    } catch (error) {
      thrown = new Error("SqliteJournal could not start", { cause: error });
    }
    expect(missingPackage(thrown)).toBe("volley-test-absent");
  });

  it("passes on every other failure as it is, a missing file of our own included", async () => {
    const boom = new Error("boom");
    await expect(importPeer(() => Promise.reject(boom), "x")).rejects.toBe(boom);
    const ownFile = await importPeer(() => import(/* @vite-ignore */ absentFile), "x").catch(
      (e: unknown) => e,
    );
    expect(isCliInputError(ownFile)).toBe(false);
    expect(await importPeer(() => Promise.resolve(42), "x")).toBe(42);
  });
});
