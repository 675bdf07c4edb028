import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir } from "../helpers/temp-dir.js";

/**
 * The API reference is generated from the JSDoc by TypeDoc (`npm run docs`, typedoc.json), with
 * its validation on and warnings treated as errors: an exported name, member or option without
 * documentation, a broken `{@link}`, or a type the reference cannot show fails this test.
 */
const root = join(import.meta.dirname, "..", "..");
const typedocBin = join(
  join(createRequire(import.meta.url).resolve("typedoc/package.json"), ".."),
  "bin",
  "typedoc",
);
const out = makeTempDir("api-docs");
afterAll(() => out.remove());

/** Every subpath of package.json's `exports`, as a user imports it. */
function subpaths(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    exports: Record<string, unknown>;
  };
  return Object.keys(manifest.exports)
    .filter((key) => key !== "./package.json")
    .map((key) => (key === "." ? "volley" : `volley/${key.slice(2)}`));
}

describe("package: the API reference", () => {
  it("builds with no warning, and has a page for every subpath and its documented names", () => {
    const run = spawnSync(process.execPath, [typedocBin, "--out", out.path], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      timeout: 120_000,
    });
    const said = `${run.stdout}\n${run.stderr}`;
    expect(said).not.toMatch(/\[warning\]|\[error\]/);
    expect(run.status, said).toBe(0);

    // typedoc.json lists every subpath's entry point, so none can be left out of the reference.
    const config = JSON.parse(readFileSync(join(root, "typedoc.json"), "utf8")) as {
      entryPoints: string[];
    };
    expect(config.entryPoints).toHaveLength(subpaths().length);
    for (const subpath of subpaths()) {
      const page = join(out.path, "modules", `${subpath.replaceAll("/", "_")}.html`);
      expect(existsSync(page), `${subpath} has no page in the reference`).toBe(true);
    }
    const createExecutor = readFileSync(
      join(out.path, "functions", "volley.createExecutor.html"),
      "utf8",
    );
    expect(createExecutor).toContain("Makes an executor.");
    const options = readFileSync(
      join(out.path, "interfaces", "volley.ExecutorOptions.html"),
      "utf8",
    );
    expect(options).toContain("Most calls running at once, across all batches.");
  }, 120_000);
});
