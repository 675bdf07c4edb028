/**
 * Profiles one scenario with `node --cpu-prof` (in a child running `profile.ts --child`) and
 * reads the profile: the functions with the most self time, and the files they are in. The
 * profile stays in `$TMPDIR/volley-prof-*` for DevTools.
 *
 * Self time, not total: it names where the CPU actually was, so that what to optimise is clear.
 * Shares are of busy time (idle excluded); startup (module loading) is in the profile too.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "./harness.js";
import { promisify } from "node:util";

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
    .filter((e) => e.fn !== "(idle)")
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

const PROFILE_CLI = fileURLToPath(new URL("./profile.ts", import.meta.url));

/** A profile's tables, as markdown. */
export interface ProfileReport {
  readonly markdown: string;
  /** The `.cpuprofile`, for DevTools. */
  readonly file: string;
}

/** Profiles `seconds` of back-to-back batches of one scenario and tabulates its self time. */
export async function profileScenario(
  section: string,
  scenario: string,
  n: number,
  seconds: number,
  top = 30,
): Promise<ProfileReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "volley-prof-"));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      "--import",
      "tsx",
      PROFILE_CLI,
      "--child",
      section,
      scenario,
      String(n),
      String(seconds),
    ],
    { cwd: ROOT },
  );
  const name = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (name === undefined) throw new Error(`No profile was written to ${dir}`);
  const file = path.join(dir, name);
  const rows = selfTimes(JSON.parse(readFileSync(file, "utf8")) as CpuProfile);
  const fmt = (r: SelfTime): string[] => [
    `${(r.share * 100).toFixed(1)}%`,
    r.ms.toFixed(0),
    r.fn ? `\`${r.fn}\`` : "",
    `\`${r.where}\``,
  ];
  const markdown = [
    `\`${section}/${scenario}\`, N = ${n}, ${seconds} s of batches (${stdout.trim()}); shares are of busy time, ` +
      "module loading at startup included.",
    "",
    markdownTable(["self", "ms", "function", "where"], rows.slice(0, top).map(fmt), [
      "r",
      "r",
      "l",
      "l",
    ]),
    "",
    markdownTable(
      ["self", "ms", "file"],
      selfTimeByFile(rows)
        .slice(0, Math.ceil(top / 2))
        .map((r) => fmt(r).filter((_, i) => i !== 2)),
      ["r", "r", "l"],
    ),
  ].join("\n");
  return { markdown, file };
}
