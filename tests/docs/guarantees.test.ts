import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const page = readFileSync(new URL("../../docs/GUARANTEES.md", import.meta.url), "utf8");

/** Every proof of the page: a test file, and the test names quoted after it (`file` › "a", "b"). */
function proofs(): Array<{ file: string; names: string[] }> {
  const found: Array<{ file: string; names: string[] }> = [];
  const pattern = /`(tests\/[^`]+\.test\.ts)`( › ((?:"[^"]+"(?:, )?)+))?/g;
  for (const match of page.matchAll(pattern)) {
    const names = [...(match[3] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    found.push({ file: match[1]!, names });
  }
  return found;
}

describe("docs/GUARANTEES.md", () => {
  const all = proofs();

  it("names proofs", () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it.each(all.map((p) => [p.file, p] as const))(
    "%s exists and holds the tests it names",
    (_f, p) => {
      const path = `${ROOT}${p.file}`;
      expect(existsSync(path), `${p.file} does not exist`).toBe(true);
      const source = readFileSync(path, "utf8");
      for (const name of p.names) expect(source, `${p.file} has no test "${name}"`).toContain(name);
    },
  );

  it("names only npm scripts that exist", () => {
    const scripts = (
      JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    for (const m of page.matchAll(/`npm run ([a-z-]+)`/g)) expect(scripts).toHaveProperty(m[1]!);
  });
});
