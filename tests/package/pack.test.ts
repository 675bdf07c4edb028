import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import {
  EXAMPLES,
  ROOT,
  importedSpecifiers,
  runnableExamples,
  type ExampleHeader,
} from "../examples/headers.js";

/**
 * The package as a user gets it: `npm pack` of a clean copy of the repository, installed from
 * the tarball into fresh projects that have only what each example declares. Run with CI=true, a
 * registry that cannot be reached fails these tests; elsewhere they are skipped with a message.
 */

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  killAfterMs = 180_000,
): Promise<Run> {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", npm_config_update_notifier: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const said = (r: Run): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** npm's words for "the registry could not be reached". */
const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|ENOTCACHED/;

/** The version of `name` the repository has installed: the one in the npm cache, the one tested. */
function installedVersion(name: string): string {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"),
  ) as { version: string };
  return manifest.version;
}

let work = "";
let tarball = "";
/** Why the registry could not be used, when it could not. */
let offline: string | undefined;

/** Makes a project with the tarball and `packages` installed; `undefined` when offline. */
async function project(name: string, packages: readonly string[]): Promise<string | undefined> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `volley-pack-${name}`, private: true, type: "module" }),
  );
  const specs = packages.map((p) => `${p}@${installedVersion(p)}`);
  // --ignore-scripts: a native peer's own build is not what is tested here (see below).
  const npm = await run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      tarball,
      ...specs,
    ],
    dir,
  );
  if (npm.code !== 0) {
    if (OFFLINE.test(npm.stderr)) {
      offline ??= npm.stderr.trim().split("\n").slice(0, 3).join(" ");
      return undefined;
    }
    throw new Error(`npm install failed in ${dir}:\n${said(npm)}`);
  }
  // better-sqlite3 compiles its addon at install time, which takes a minute: take the one the
  // repository built for this Node and this version instead.
  if (packages.includes("better-sqlite3")) {
    cpSync(
      join(ROOT, "node_modules/better-sqlite3/build"),
      join(dir, "node_modules/better-sqlite3/build"),
      { recursive: true },
    );
  }
  cpSync(EXAMPLES, join(dir, "examples"), { recursive: true });
  return dir;
}

/** Skips the test when the registry could not be reached, and fails it in CI. */
function needRegistry(ctx: TestContext, dir: string | undefined): asserts dir is string {
  if (dir !== undefined) return;
  if (process.env["CI"]) throw new Error(`The npm registry could not be reached: ${offline}`);
  console.warn(`Skipped: the npm registry could not be reached (${offline})`);
  ctx.skip();
}

/** The files of the repository as a fresh clone has them. */
function trackedFiles(): Promise<string[]> {
  return run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT).then(
    (r) => {
      if (r.code !== 0) throw new Error(`git ls-files failed:\n${said(r)}`);
      return r.stdout.split("\0").filter((f) => f.length > 0 && existsSync(join(ROOT, f)));
    },
  );
}

const examples = runnableExamples();
/** Examples that declare the same peers share one install. */
const groups = new Map<string, ExampleHeader[]>();
for (const example of examples) {
  const key = [...example.peers!].sort().join(" ");
  groups.set(key, [...(groups.get(key) ?? []), example]);
}
const installs = new Map<string, Promise<string | undefined>>();
let bare: Promise<string | undefined>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "volley-pack-"));
  // Pack a clean copy, so that the build runs from the sources alone (no stale dist/) and the
  // repository's own dist/ is left alone.
  const copy = join(work, "repo");
  for (const file of await trackedFiles()) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
  const pack = await run("npm", ["pack", "--json", "--pack-destination", work], copy);
  expect(pack.code, said(pack)).toBe(0);
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as { filename: string }[];
  tarball = join(work, info!.filename);

  // Two installs at a time, each with only what its examples declare (and tsx, to run .ts).
  const limit = pLimit(2);
  let n = 0;
  for (const [key, members] of groups) {
    installs.set(
      key,
      limit(() => project(`example-${++n}`, [...members[0]!.peers!, "tsx"])),
    );
  }
  bare = limit(() => project("bare", []));
  await Promise.all([...installs.values(), bare]);
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("makes a tarball with dist/, the page, LICENSE, README and CHANGELOG, and no sources or tests", async () => {
    const list = await run("tar", ["tzf", tarball], work);
    const files = list.stdout.split("\n").filter((f) => f.length > 0);
    for (const file of [
      "package/package.json",
      "package/LICENSE",
      "package/README.md",
      "package/CHANGELOG.md",
      "package/dist/index.js",
      "package/dist/index.d.ts",
      "package/dist/cli/bin.js",
      "package/dist/threads/worker.js",
      "package/dist/dashboard/page/index.html",
    ]) {
      expect(files).toContain(file);
    }
    const stray = files.filter(
      (f) => !/^package\/(package\.json|LICENSE|README\.md|CHANGELOG\.md|dist\/.+)$/.test(f),
    );
    expect(stray).toEqual([]);
    expect(files.filter((f) => /\.map$|\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("the examples import only subpaths the package exports", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    const subpaths = Object.keys(manifest.exports).filter((s) => s !== "./package.json");
    const covered = new Set<string>();
    for (const example of examples) {
      for (const s of importedSpecifiers(join(EXAMPLES, example.file))) {
        if (s === "volley" || s.startsWith("volley/")) covered.add(s.replace(/^volley/, "."));
      }
    }
    // Subpaths no example imports yet are still loaded from the install, below.
    expect([...covered].filter((s) => !subpaths.includes(s))).toEqual([]);
  });
});

describe("each example, run against the installed tarball with only its declared peers", () => {
  for (const [key, members] of groups) {
    for (const example of members) {
      it(`${example.file} (peers: ${key || "none"})`, async (ctx) => {
        const dir = await installs.get(key)!;
        needRegistry(ctx, dir);
        const result = await run(
          process.execPath,
          ["--import", "tsx", join("examples", example.file)],
          dir,
          60_000,
        );
        expect(result.code, said(result)).toBe(0);
        expect(result.stdout, said(result)).toContain(example.expect);
      }, 90_000);
    }
  }

  it("the volley bin runs a .ts tools module with a calls file", async (ctx) => {
    const key = [...groups.keys()].find((k) => k.split(" ").includes("zod"));
    expect(key, "an example whose only peer is zod").toBeDefined();
    const dir = await installs.get(key!)!;
    needRegistry(ctx, dir);
    const result = await run(
      join(dir, "node_modules/.bin/volley"),
      ["run", "--tools", "examples/tools.ts", "--calls", "examples/calls.json", "--no-progress"],
      dir,
      60_000,
    );
    // 1: the batch ran and one call failed, as the calls file means it to; 2 would be bad input.
    expect(result.code, said(result)).toBe(1);
    expect(result.stdout, said(result)).toContain("Fast result for: task 1");
    expect(result.stdout, said(result)).toContain("Error: Simulated failure");
  }, 90_000);
});

describe("the tarball alone, with no optional peer installed", () => {
  it("imports the core, and each subpath without its peer says what to install", async (ctx) => {
    const dir = await bare;
    needRegistry(ctx, dir);
    writeFileSync(
      join(dir, "check.mjs"),
      `const out = {};
for (const s of ["volley", "volley/langgraph", "volley/journal", "volley/threads", "volley/logging", "volley/metrics", "volley/tracing", "volley/dashboard", "volley/bullmq", "volley/mcp", "volley/ai-sdk"]) {
  try { out[s] = Object.keys(await import(s)).length + " exports"; } catch (e) { out[s] = e.message; }
}
const { SqliteJournal, PostgresJournal } = await import("volley/journal");
try { new SqliteJournal("x.db"); } catch (e) { out.SqliteJournal = e.message; }
try { new PostgresJournal({ connectionString: "postgres://localhost/x" }); } catch (e) { out.PostgresJournal = e.message; }
const { bullmqBackend } = await import("volley/bullmq");
try { bullmqBackend({ connection: "redis://127.0.0.1:1", queue: "q" }); } catch (e) { out.bullmqBackend = e.message; }
const { createExecutor } = await import("volley");
const { attachDashboard } = await import("volley/dashboard");
const executor = createExecutor({ tools: [] });
const dashboard = await attachDashboard(executor, { port: 0 });
for (const path of ["/", "/metrics"]) {
  const res = await fetch(new URL(path, dashboard.url));
  out[path] = res.status + " " + (await res.text()).slice(0, 300);
}
await dashboard.close();
await executor.close();
console.log(JSON.stringify(out));
`,
    );
    const result = await run(process.execPath, ["check.mjs"], dir, 60_000);
    expect(result.code, said(result)).toBe(0);
    const out = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Record<string, string>;
    expect(out["volley"]).toMatch(/^\d+ exports$/);
    const needs = (who: string, pkg: string) =>
      `${who} needs the package "${pkg}": npm install ${pkg}`;
    expect(out["volley/langgraph"]).toBe(needs("volley/langgraph", "@langchain/langgraph"));
    expect(out["volley/threads"]).toBe(needs("volley/threads", "piscina"));
    expect(out["volley/metrics"]).toBe(needs("volley/metrics", "prom-client"));
    expect(out["volley/tracing"]).toBe(needs("volley/tracing", "@opentelemetry/api"));
    // These load their peers when used, not when imported; logging is given its logger.
    const lazy = [
      "volley/journal",
      "volley/logging",
      "volley/dashboard",
      "volley/bullmq",
      "volley/ai-sdk",
    ];
    for (const s of lazy) {
      expect(out[s], s).toMatch(/^\d+ exports$/);
    }
    expect(out["SqliteJournal"]).toContain(
      'SqliteJournal needs the package "better-sqlite3": npm install better-sqlite3',
    );
    expect(out["PostgresJournal"]).toBe(needs("PostgresJournal", "pg"));
    expect(out["bullmqBackend"]).toBe(
      'volley/bullmq needs the package "bullmq": npm install bullmq ioredis',
    );
    expect(out["/"]).toMatch(/^200 /);
    expect(out["/metrics"]?.trimEnd()).toBe(
      "501 Metrics need prom-client: npm install prom-client",
    );
  }, 90_000);

  it("runs `volley demo` with no peer: the core sections run, the LangGraph one says what to install", async (ctx) => {
    const dir = await bare;
    needRegistry(ctx, dir);
    const result = await run(join(dir, "node_modules/.bin/volley"), ["demo"], dir, 60_000);
    expect(result.code, said(result)).toBe(0);
    expect(result.stdout).toMatch(/Executed 4 tools in \d\.\d\d seconds/);
    expect(result.stdout).toContain("npm install @langchain/langgraph");
    // Said once: the loader's message already names the install.
    expect(result.stdout.match(/@langchain\/langgraph/g)?.length, result.stdout).toBe(2);
  }, 90_000);
});

describe("with every peer installed, each subpath loads from the tarball", () => {
  it("imports every subpath export", async (ctx) => {
    // The examples cover most subpaths; this catches one they do not yet import.
    const peers = Object.keys(
      (
        JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
          peerDependencies: Record<string, string>;
        }
      ).peerDependencies,
    );
    const dir = await project("all-peers", peers);
    needRegistry(ctx, dir);
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    const specifiers = Object.keys(manifest.exports)
      .filter((s) => s !== "./package.json")
      .map((s) => s.replace(/^\./, "volley"));
    writeFileSync(
      join(dir, "check.mjs"),
      `for (const s of ${JSON.stringify(specifiers)}) console.log(s, Object.keys(await import(s)).length);\n`,
    );
    const result = await run(process.execPath, ["check.mjs"], dir, 60_000);
    expect(result.code, said(result)).toBe(0);
    for (const s of specifiers) expect(result.stdout).toMatch(new RegExp(`^${s} [1-9]\\d*$`, "m"));
  }, 180_000);
});
