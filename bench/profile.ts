/**
 * `tsx bench/profile.ts [overhead|makespan] [scenario] [N] [seconds]` — profiles one scenario with
 * `node --cpu-prof` and prints the functions with the most self time, and the files they are in.
 * Default: `overhead volley 10000 5`. The profile stays in `$TMPDIR/volley-prof-*` for DevTools.
 *
 * Self time, not total: it names where the CPU actually was, so that what to optimise is clear.
 * Shares are of busy time (idle excluded); startup (module loading) is in the profile too.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "./harness.js";
import type { ScenarioTable } from "./scenario.js";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One line of the self-time table. */
export interface SelfTime {
  readonly fn: string;
  readonly where: string;
  readonly ms: number;
  readonly share: number;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Self time per function (by name and location), largest first. */
export function selfTimes(profile: CpuProfile, root = ROOT): SelfTime[] {
  const byNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFn = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    // Shares are of the time the CPU was busy: idle time says nothing about the code.
    if (functionName !== "(idle)") total += us;
    const file = url.startsWith("file://") ? fileURLToPath(url) : url;
    const fn = functionName || "(anonymous)";
    // Under tsx, TypeScript files report line 1: find the definition in the source instead.
    const line =
      lineNumber === 0 && file.endsWith(".ts")
        ? (locate(file, functionName) ?? "1")
        : String(lineNumber + 1);
    const where = file
      ? `${path.relative(root, file).replace(/^node_modules\//, "")}:${line}`
      : "(native)";
    const key = `${fn} ${where}`;
    const entry = byFn.get(key) ?? { fn, where, us: 0 };
    entry.us += us;
    byFn.set(key, entry);
  }
  return [...byFn.values()]
    .map((e) => ({ fn: e.fn, where: e.where, ms: e.us / 1000, share: e.us / total }))
    .sort((a, b) => b.ms - a.ms);
}

const sources = new Map<string, string[]>();

/**
 * Where a function or method named `name` is defined in a TypeScript file: its line, or its
 * lines joined by `|` when several definitions share the name (a profile cannot tell them apart).
 */
export function locate(file: string, name: string): string | undefined {
  if (!name) return undefined;
  let lines = sources.get(file);
  if (lines === undefined) {
    try {
      lines = readFileSync(file, "utf8").split("\n");
    } catch {
      lines = [];
    }
    sources.set(file, lines);
  }
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/^(get|set) /, "");
  const definition = new RegExp(
    `^\\s*(?:export\\s+)?(?:(?:async|static|get|set|private|protected|public|readonly|function)\\s+)*\\*?${escaped}\\s*(?:<[^>]*>)?\\(|^\\s*(?:export\\s+)?(?:const|let|readonly)?\\s*${escaped}\\s*[:=]`,
  );
  const found: number[] = [];
  lines.forEach((l, i) => {
    // Interface members end in ";": they are declarations, not code.
    if (definition.test(l) && !l.trimEnd().endsWith(";")) found.push(i + 1);
  });
  return found.length > 0 ? found.join("|") : undefined;
}

/** Self time summed per file. */
export function selfTimeByFile(rows: readonly SelfTime[]): SelfTime[] {
  const byFile = new Map<string, SelfTime>();
  for (const r of rows) {
    const file = r.where.replace(/:\d+$/, "");
    const prev = byFile.get(file);
    byFile.set(file, {
      fn: "",
      where: file,
      ms: (prev?.ms ?? 0) + r.ms,
      share: (prev?.share ?? 0) + r.share,
    });
  }
  return [...byFile.values()].sort((a, b) => b.ms - a.ms);
}

async function child(section: string, scenario: string, n: number, seconds: number) {
  const table: ScenarioTable =
    section === "makespan"
      ? (await import("./makespan.js")).MAKESPAN_SCENARIOS
      : (await import("./overhead.js")).OVERHEAD_SCENARIOS;
  const factory = table[scenario];
  if (factory === undefined) throw new TypeError(`Unknown scenario "${scenario}"`);
  const fn = await factory(n);
  const end = performance.now() + seconds * 1000;
  let batches = 0;
  while (performance.now() < end) {
    await fn();
    batches++;
  }
  console.log(`${batches} batches of ${n}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    await child(args[1]!, args[2]!, Number(args[3]), Number(args[4]));
    return;
  }
  const [section = "overhead", scenario = "volley", n = "10000", seconds = "5"] = args;
  const dir = mkdtempSync(path.join(os.tmpdir(), "volley-prof-"));
  const out = execFileSync(
    process.execPath,
    [
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--child",
      section,
      scenario,
      n,
      seconds,
    ],
    { cwd: ROOT },
  ).toString();
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error(`No profile was written to ${dir}`);
  const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
  const rows = selfTimes(profile);
  const fmt = (r: SelfTime): string[] => [
    `${(r.share * 100).toFixed(1)}%`,
    r.ms.toFixed(0),
    r.fn ? `\`${r.fn}\`` : "",
    `\`${r.where}\``,
  ];
  console.log(`# ${section}/${scenario}, N = ${n}, ${seconds} s: ${out.trim()}`);
  console.log(`Profile: ${path.join(dir, file)}\n`);
  console.log(
    markdownTable(["self", "ms", "function", "where"], rows.slice(0, 30).map(fmt), [
      "r",
      "r",
      "l",
      "l",
    ]),
  );
  console.log("");
  console.log(
    markdownTable(
      ["self", "ms", "file"],
      selfTimeByFile(rows)
        .slice(0, 15)
        .map((r) => fmt(r).filter((_, i) => i !== 2)),
      ["r", "r", "l"],
    ),
  );
}

await main();
