import type { BenchConfig, MachineInfo } from "./harness.js";
import { targetsTable, type TargetRow } from "./targets.js";

/** Everything RESULTS.md is made of. */
export interface ResultsInput {
  readonly config: BenchConfig;
  readonly started: Date;
  readonly before: MachineInfo;
  readonly after: MachineInfo;
  readonly revision: string;
  readonly versions: Record<string, string>;
  readonly targets: readonly TargetRow[];
  readonly bodies: readonly string[];
  readonly extras: string | undefined;
  /** Profiles of the missed targets. */
  readonly profiles?: string | undefined;
  /** Seconds per section, in the order they ran. */
  readonly timings: ReadonlyArray<readonly [string, number]>;
  readonly totalSeconds: number;
}

/** RESULTS.md. */
export function renderResults(r: ResultsInput): string {
  const mode = r.config.quick ? "`--quick`" : "full";
  return [
    "# Volley benchmark results",
    "",
    `Written by \`npm run bench${r.config.quick ? " -- --quick" : ""}\` on ${r.started.toISOString()} ` +
      `(${mode} run: medians of ${r.config.runs} samples after a warm-up; ` +
      `${r.totalSeconds.toFixed(0)} s: ${r.timings.map(([name, s]) => `${name} ${s.toFixed(0)} s`).join(", ")}). ` +
      "Do not edit by hand: rerun the bench.",
    "",
    "## Machine",
    "",
    `- CPU: ${r.before.cpu}, ${r.before.cores} cores`,
    `- Memory: ${r.before.memory}`,
    `- Node.js ${r.before.node} on ${r.before.os}`,
    `- Load average (1 / 5 / 15 min): ${r.before.loadAverage} at the start, ${r.after.loadAverage} at the end`,
    `- Commit: ${r.revision}${r.config.baseline ? `, compared with the core of \`${r.config.baseline}\`` : ""}`,
    "",
    `> ${busyNote(r.before, r.after)} The contenders are measured in interleaved rounds, and each ` +
      "ratio is the median of per-round ratios, so that noise lands on all of them alike. The overhead " +
      "figures are CPU time, which other processes inflate far less than wall time.",
    "",
    "## Versions",
    "",
    ...Object.entries(r.versions).map(([name, v]) => `- ${name} ${v}`),
    "",
    "## Targets",
    "",
    r.targets.length > 0 ? targetsTable(r.targets) : "_No target sections ran._",
    "",
    ...r.bodies.flatMap((b) => [b, ""]),
    ...(r.profiles ? [r.profiles, ""] : []),
    ...(r.extras ? [r.extras, ""] : []),
  ].join("\n");
}

/** Says how busy the machine was, from the 1-minute load average at both ends of the run. */
export function busyNote(before: MachineInfo, after: MachineInfo): string {
  const load = Math.max(
    Number(before.loadAverage.split(" / ")[0]),
    Number(after.loadAverage.split(" / ")[0]),
  );
  if (!(load > before.cores)) {
    return `The machine was quiet (1-minute load average ≤ ${load.toFixed(1)} on ${before.cores} cores).`;
  }
  return (
    `The machine was shared and busy (1-minute load average up to ${load.toFixed(1)} on ${before.cores} ` +
    "cores: other engineers' builds and tests), so absolute figures are noisy: rerun when it is quieter."
  );
}
