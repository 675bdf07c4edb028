/**
 * `npm run bench [-- --quick] [--runs N] [--only overhead,makespan,memory,extras] [--out file]
 * [--baseline <git ref>] [--no-profile]`
 *
 * Runs Volley side by side with raw `Promise.all`, p-limit and LangGraph's `ToolNode` on this
 * machine, in one run, and writes `bench/RESULTS.md`: the machine, the versions, the tables, the
 * ratios and the targets. With `--baseline`, another commit's core is measured in the same rounds.
 * Then it runs the other areas' bench scripts and appends them. See `bench/README.md`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runExtras, type ExtraResult } from "./extras.js";
import {
  gitRevision,
  machineInfo,
  packageVersions,
  parseBenchArgs,
  type BenchConfig,
} from "./harness.js";
import { runMakespan } from "./makespan.js";
import { runMemory } from "./memory.js";
import { runOverhead } from "./overhead.js";
import { profileScenario } from "./profile-report.js";
import { renderResults } from "./results.js";
import { targetsTable, type TargetRow } from "./targets.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = [
  "volley",
  "@langchain/core",
  "@langchain/langgraph",
  "p-limit",
  "zod",
  "tsx",
  "typescript",
] as const;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Section {
  readonly name: "overhead" | "makespan" | "memory";
  readonly run: (
    config: BenchConfig,
    root: string,
    log: (line: string) => void,
  ) => Promise<{ markdown: string; targets: TargetRow[] }>;
}

const SECTIONS: readonly Section[] = [
  { name: "overhead", run: runOverhead },
  { name: "makespan", run: runMakespan },
  { name: "memory", run: runMemory },
];

/** The short commit hash a git ref names (so that the results name a commit, not `HEAD`). */
function resolveCommit(root: string, ref: string): string {
  return execFileSync(
    "git",
    ["rev-parse", "--short", "--verify", "--end-of-options", `${ref}^{commit}`],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  )
    .toString()
    .trim();
}

/**
 * Extracts `src/core` of a git ref into a temporary directory (a package of `"type": "module"`,
 * so that tsx loads it as ESM) and returns the path of its `index.ts`. The directory is removed
 * when the run exits.
 */
function extractCore(root: string, ref: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "volley-bench-base-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const archive = execFileSync("git", ["archive", "--format=tar", ref, "src/core"], {
    cwd: root,
    maxBuffer: 64 << 20,
  });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
  return path.join(dir, "src", "core", "index.ts");
}

/** Profiles what the missed targets point at (each scenario once), as a markdown section. */
async function profileMisses(
  targets: readonly TargetRow[],
  seconds: number,
  log: (line: string) => void,
): Promise<string | undefined> {
  const wanted = new Map<string, readonly [string, string, number]>();
  for (const t of targets) {
    if (!t.pass && t.profile !== undefined) wanted.set(t.profile.join("/"), t.profile);
  }
  if (wanted.size === 0) return undefined;
  const parts = [
    "## Where the time goes (profiles for the missed targets)",
    "",
    "`node --cpu-prof`, self time per function; rerun one with `npx tsx bench/profile.ts <section> <scenario> <N>`.",
  ];
  for (const [section, scenario, n] of wanted.values()) {
    log(`profiling ${section}/${scenario} at N=${n}…`);
    try {
      const report = await profileScenario(section, scenario, n, seconds, 20);
      parts.push("", `### \`${scenario}\`, N = ${n.toLocaleString("en-US")}`, "", report.markdown);
    } catch (error) {
      parts.push("", `Profiling ${section}/${scenario} failed: ${(error as Error).message}`);
    }
  }
  return parts.join("\n");
}

async function main(): Promise<number> {
  let config: BenchConfig;
  try {
    config = parseBenchArgs(process.argv.slice(2), ROOT);
  } catch (error) {
    log(`${(error as Error).message}`);
    return 2;
  }
  const wants = (name: string): boolean => config.only === undefined || config.only.has(name);
  if (config.baseline !== undefined) {
    try {
      const commit = resolveCommit(ROOT, config.baseline);
      config = { ...config, baseline: commit, baselineCore: extractCore(ROOT, commit) };
      log(`baseline: the core of ${commit} (${config.baselineCore})`);
    } catch (error) {
      log(`--baseline ${config.baseline}: ${(error as Error).message}`);
      return 2;
    }
  }
  const before = machineInfo();
  const started = new Date();
  const t0 = performance.now();
  log(
    `volley bench${config.quick ? " --quick" : ""}: ${config.runs} runs per figure, ${before.cores} cores, load ${before.loadAverage}`,
  );

  const bodies: string[] = [];
  const targets: TargetRow[] = [];
  const timings: Array<[string, number]> = [];
  let failed = false;
  for (const section of SECTIONS) {
    if (!wants(section.name)) continue;
    log(`${section.name}…`);
    const sectionStart = performance.now();
    try {
      const result = await section.run(config, ROOT, log);
      bodies.push(result.markdown);
      targets.push(...result.targets);
    } catch (error) {
      failed = true;
      log(`${section.name} failed: ${(error as Error).stack ?? String(error)}`);
      bodies.push(
        `## ${section.name}\n\nThis section failed:\n\n\`\`\`\n${(error as Error).message}\n\`\`\``,
      );
    }
    timings.push([section.name, (performance.now() - sectionStart) / 1000]);
    log(`  (${timings.at(-1)![1].toFixed(1)} s)`);
  }
  let extras: { markdown: string; results: ExtraResult[] } | undefined;
  if (wants("extras")) {
    const extrasStart = performance.now();
    extras = await runExtras(ROOT, config.quick, log);
    if (extras.results.some((r) => !r.ok)) failed = true;
    timings.push(["extras", (performance.now() - extrasStart) / 1000]);
  }
  let profiles: string | undefined;
  if (!config.noProfile) profiles = await profileMisses(targets, config.quick ? 3 : 6, log);
  const after = machineInfo();
  const totalSeconds = (performance.now() - t0) / 1000;

  const doc = renderResults({
    config,
    started,
    before,
    after,
    revision: gitRevision(ROOT),
    versions: packageVersions(ROOT, PACKAGES),
    targets,
    bodies,
    extras: extras?.markdown,
    profiles,
    timings,
    totalSeconds,
  });
  writeFileSync(config.out, doc);
  log(`wrote ${config.out} in ${totalSeconds.toFixed(1)} s`);
  if (targets.length > 0) log(`\n${targetsTable(targets)}`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
