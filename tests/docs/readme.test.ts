/**
 * The user docs stay what a newcomer needs: a README short enough to read in minutes whose first
 * example compiles and runs as written, pages whose relative links and anchors all resolve, and
 * no notes meant for the people who build Volley rather than for those who use it.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));
const readme = readFileSync(join(ROOT, "README.md"), "utf8");

/** The user docs whose links are checked, relative to the root. */
function userDocs(): string[] {
  const pages = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", "CONTRIBUTING.md", "bench/README.md", ...pages];
}

/** Fenced code blocks, with the heading they sit under and what precedes them. */
interface Fence {
  readonly lang: string;
  readonly body: string;
  readonly heading: string;
  readonly before: string;
}

function fences(markdown: string): Fence[] {
  const found: Fence[] = [];
  let heading = "";
  let open: { lang: string; lines: string[]; before: string } | undefined;
  let previous = "";
  for (const line of markdown.split("\n")) {
    if (open !== undefined) {
      if (/^```\s*$/.test(line)) {
        found.push({ lang: open.lang, body: open.lines.join("\n"), heading, before: open.before });
        open = undefined;
      } else {
        open.lines.push(line);
      }
      continue;
    }
    const fence = /^```(\w*)/.exec(line);
    if (fence) {
      open = { lang: fence[1] ?? "", lines: [], before: previous };
      continue;
    }
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) heading = h[1]!.trim();
    if (line.trim() !== "") previous = line.trim();
  }
  return found;
}

/** The markdown outside fenced code blocks and inline code spans. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```\s*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor of a page's headings, with GitHub's `-1`, `-2` for repeated ones. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const text = markdown.replace(/^```[\s\S]*?^```\s*$/gm, "");
  for (const match of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(match[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const temps: string[] = [];
afterAll(() => {
  for (const path of temps) rmSync(path, { force: true });
});

/** Writes a file into tests/docs (so that the repo's packages and tsconfig paths resolve). */
function temp(name: string, text: string): string {
  const path = join(HERE, `.tmp-${process.pid}-${name}`);
  writeFileSync(path, text);
  temps.push(path);
  return path;
}

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

describe("README.md", () => {
  it("is at most 300 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(300);
  });

  const main = fences(readme).find((f) => f.lang === "ts" && f.heading === "A first batch");
  const output = fences(readme).find(
    (f) => f.lang === "" && f.heading === "A first batch" && f !== main,
  );

  it("has its first example under 'A first batch', executing a real AIMessage's tool_calls", () => {
    expect(main, "no ```ts block under ## A first batch").toBeDefined();
    expect(main!.body).toMatch(/from "@langchain\/core\/messages"/);
    expect(main!.body).toMatch(/from "volley"/);
    expect(main!.body).toMatch(/\.execute\(aiMessage\.tool_calls/);
    expect(main!.body.split("\n").length).toBeLessThanOrEqual(45);
  });

  it(
    "its first example type-checks as written, with the examples of the pages marked for it",
    { timeout: 180_000 },
    async () => {
      const files = [temp("readme.ts", main!.body)];
      for (const page of userDocs()) {
        for (const [i, fence] of fences(readFileSync(join(ROOT, page), "utf8")).entries()) {
          if (fence.lang === "ts" && fence.before === "<!-- typecheck -->") {
            files.push(temp(`${page.replace(/\W/g, "-")}-${i}.ts`, fence.body));
          }
        }
      }
      const config = temp(
        "tsconfig.json",
        JSON.stringify({
          extends: relative(HERE, join(ROOT, "tsconfig.json")),
          compilerOptions: { noEmit: true },
          include: files.map((f) => relative(HERE, f)),
        }),
      );
      const result = await run(process.execPath, [tsc, "-p", config], { cwd: ROOT }).then(
        () => "",
        (error: { stdout?: string }) => error.stdout ?? String(error),
      );
      expect(result).toBe("");
    },
  );

  it("its first example runs and prints what the README shows", { timeout: 60_000 }, async () => {
    const file = temp("readme-run.ts", main!.body);
    const { stdout } = await run(process.execPath, ["--import", "tsx", file], { cwd: ROOT });
    const normalise = (text: string) =>
      text
        .trim()
        .split("\n")
        .map((line) => line.replace(/\d+ ms\b/g, "N ms"));
    expect(output, "no output block after the first example").toBeDefined();
    expect(normalise(stdout)).toEqual(normalise(output!.body));
    const wallMs = Number(/ok in (\d+) ms/.exec(stdout)?.[1]);
    expect(wallMs).toBeGreaterThanOrEqual(450);
    expect(wallMs).toBeLessThan(1_400); // the slowest call, not the sum
  });

  it("links every docs page, the guarantees, the architecture, the changelog and CONTRIBUTING", () => {
    const pages = [
      "executor",
      "outcomes",
      "batching",
      "langgraph",
      "journals",
      "threads",
      "observability",
      "dashboard",
      "cli",
      "faq",
      "GUARANTEES",
      "architecture",
    ];
    for (const page of pages) expect(readme).toContain(`](docs/${page}.md)`);
    for (const file of ["CHANGELOG.md", "CONTRIBUTING.md", "LICENSE"]) {
      expect(readme).toContain(`](${file})`);
    }
    expect(readme).toContain("npm run docs");
    expect(readme).toContain("npm install && npm run demo");
    expect(readme).toContain("npm test");
  });
});

describe("the links of the user docs", () => {
  it.each(userDocs())("%s: every relative link and anchor resolves", (page) => {
    const markdown = readFileSync(join(ROOT, page), "utf8");
    const broken: string[] = [];
    for (const match of prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split("#", 2) as [string, string | undefined];
      const file = path === "" ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path);
      if (!existsSync(file)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor !== undefined && anchor !== "" && file.endsWith(".md")) {
        if (!anchors(readFileSync(file, "utf8")).has(anchor)) {
          broken.push(`${target}: no heading with that anchor`);
        }
      } else if (anchor === undefined && statSync(file).isDirectory() && !path.endsWith("/")) {
        broken.push(`${target}: a folder; end the link with "/"`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("each docs page starts with a title and ends with links to its examples", () => {
    for (const page of userDocs().filter((p) => p.startsWith("docs/"))) {
      if (/docs\/(GUARANTEES|architecture)\.md$/.test(page)) continue;
      const markdown = readFileSync(join(ROOT, page), "utf8");
      expect(markdown, page).toMatch(/^# \S/);
      const last = markdown.slice(markdown.lastIndexOf("\n## "));
      expect(last, `${page}: its last section links the examples of its area`).toMatch(
        /\]\(\.\.\/examples\//,
      );
    }
  });
});

describe("the user docs hold no notes for the people who build Volley", () => {
  const NOTES: ReadonlyArray<readonly [RegExp, string]> = [
    [/\bissues?\s*#?\d+/i, "an issue number"],
    [/(?<![-\w])sessions?(?![-\w])/i, "a session"],
    [/\bworktrees?\b/i, "a worktree"],
    [/\bthe lead\b/i, "the lead"],
    [/\b(helper|lead)'?s? (session|branch|task)\b/i, "a helper"],
    [/\bTODO\b|\bFIXME\b/, "a to-do"],
  ];
  const examples = existsSync(join(ROOT, "examples"))
    ? readdirSync(join(ROOT, "examples"), { recursive: true })
        .map(String)
        .filter((f) => statSync(join(ROOT, "examples", f)).isFile())
        .map((f) => `examples/${f}`)
    : [];

  it.each([...userDocs(), ...examples])("%s", (file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    const found: string[] = [];
    for (const [pattern, what] of NOTES) {
      const match = pattern.exec(text);
      if (match) {
        const line = text.slice(0, match.index).split("\n").length;
        found.push(`line ${line}: ${what} (${JSON.stringify(match[0])})`);
      }
    }
    expect(found).toEqual([]);
  });
});
