/**
 * The shared benchmark harness: statistics, the interleaved measuring loop, machine facts and
 * markdown. Everything here is pure or takes its samplers as arguments, so the smoke test in
 * `tests/bench/` can drive it in-process without spawning anything.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** How hard a run measures. */
export interface BenchConfig {
  /** `--quick`: fewer, shorter samples (the whole run under a minute). */
  readonly quick: boolean;
  /** Samples per scenario and size; the median of these is reported (≥ 5). */
  readonly runs: number;
  /** Warm-up per scenario and size before the first sample (ms of work, at least three batches). */
  readonly warmupMs: number;
  /** Each overhead sample repeats its batch until it has run about this long (ms). */
  readonly sampleMs: number;
  /** Which sections to run (`--only overhead,makespan`); all by default. */
  readonly only: ReadonlySet<string> | undefined;
  /** Where the results go. @default bench/RESULTS.md */
  readonly out: string;
  /**
   * `--baseline <git ref>`: also measure that commit's `src/core` in the same rounds, side by side
   * (overhead, memory, and Volley's unlimited makespan); `run.ts` resolves it to a short hash.
   */
  readonly baseline: string | undefined;
  /** `--no-profile`: skip profiling the missed targets. */
  readonly noProfile: boolean;
  /** Path of the baseline core's `index.ts`, once `run.ts` has extracted it. */
  readonly baselineCore?: string;
}

/** Sections `run.ts` knows, in the order it runs them. */
export const SECTIONS = ["overhead", "makespan", "memory", "extras"] as const;

/**
 * Parses `run.ts`'s arguments: `--quick`, `--runs N`, `--only a,b`, `--out file`, `--baseline ref`,
 * `--no-profile`. A flag that takes a value refuses a missing one, and one that is another flag
 * (`--baseline --quick` would otherwise look for a commit named `--quick`).
 */
export function parseBenchArgs(argv: readonly string[], root: string): BenchConfig {
  let quick = false;
  let runs: number | undefined;
  let only: Set<string> | undefined;
  let out = path.join(root, "bench", "RESULTS.md");
  let baseline: string | undefined;
  let noProfile = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--") || v === "") {
        throw new TypeError(
          `Expected a value after ${arg}, got ${v === undefined ? "nothing" : `"${v}"`}`,
        );
      }
      return v;
    };
    if (arg === "--quick") quick = true;
    else if (arg === "--runs") {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 5) {
        throw new TypeError(`Expected --runs to be an integer ≥ 5 (medians need it), got ${v}`);
      }
      runs = v;
    } else if (arg === "--only") {
      only = new Set(value().split(","));
      for (const s of only) {
        if (!(SECTIONS as readonly string[]).includes(s)) {
          throw new TypeError(`Unknown section "${s}" in --only: expected ${SECTIONS.join(", ")}`);
        }
      }
    } else if (arg === "--out") out = path.resolve(value());
    else if (arg === "--baseline") baseline = value();
    else if (arg === "--no-profile") noProfile = true;
    else {
      throw new TypeError(
        `Unknown argument "${arg}": expected --quick, --runs, --only, --out, --baseline, --no-profile`,
      );
    }
  }
  return {
    quick,
    runs: runs ?? (quick ? 5 : 11),
    warmupMs: quick ? 300 : 2_000,
    sampleMs: quick ? 40 : 250,
    only,
    out,
    baseline,
    noProfile,
  };
}

// ─── statistics ───────────────────────────────────────────────────────────────

/** The median; `NaN` for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The `q` quantile (0…1) by linear interpolation; `NaN` for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * The median of the per-round ratios `a[i] / b[i]`. Samples of the same round ran back to back,
 * so pairing them cancels the drift of a noisy machine better than a ratio of two medians.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new TypeError(`Expected samples of equal length, got ${a.length} and ${b.length}`);
  }
  return median(a.map((x, i) => x / b[i]!));
}

/** Spread of samples as the relative median absolute deviation (0.05 = 5 %). */
export function relativeMad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m))) / m;
}

/** How many batches one sample repeats, so that it runs about `sampleMs`. */
export function repsFor(msPerBatch: number, sampleMs: number): number {
  if (!(msPerBatch > 0)) return 1000;
  return Math.max(1, Math.min(100_000, Math.round(sampleMs / msPerBatch)));
}

// ─── interleaved measuring ────────────────────────────────────────────────────

/** One scenario, measured somewhere (a child process, or in-process in tests). */
export interface Sampler {
  readonly name: string;
  /**
   * Checks that a batch of `n` succeeds, then runs batches for at least `minMs` and at least
   * `minBatches` times; resolves to ms per batch.
   */
  warmUp(n: number, minMs: number, minBatches: number): Promise<number>;
  /** Runs `reps` batches of `n` back to back; resolves to their total wall and CPU time. */
  sample(n: number, reps: number): Promise<SampleTime>;
  /**
   * Resolves once the scenario's process has gone quiet after a sample. V8 keeps sweeping and
   * compiling on helper threads after a batch, and on a 2-core machine that leftover work slowed
   * whichever scenario sampled next (in one test, the same core measured twice read 1.14 or 0.96
   * depending on which copy went first). Optional (in-process samplers have nothing to wait for).
   */
  settle?(): Promise<unknown>;
}

/** What one sample took (ms): wall-clock time, and the CPU time of the whole process (all threads). */
export interface SampleTime {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Milliseconds per batch, one sample per round: `samples.get(scenario).get(n)[round]`. */
export type Samples = Map<string, Map<number, number[]>>;

/** What {@link measureInterleaved} found. */
export interface Measured {
  /** Wall-clock ms per batch. */
  readonly samples: Samples;
  /**
   * CPU ms per batch (user + system, every thread of the child). Unlike wall time it does not
   * grow when other processes take the core, so it is the steadier figure on a shared machine.
   */
  readonly cpu: Samples;
  /** Batches per sample, by scenario and size (for the notes). */
  readonly reps: Map<string, Map<number, number>>;
}

/**
 * The order of round `round`: even rounds rotate the list by `round / 2`, odd rounds run the
 * previous round's order backwards. Over 2 × n rounds, each scenario goes first as often as the
 * others, and runs as often just before a neighbour as just after it, so that whatever one sample
 * leaves behind (a warm or a busy machine) weighs on both sides of a ratio alike.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const start = (round >> 1) % Math.max(1, items.length);
  const order = [...items.slice(start), ...items.slice(0, start)];
  return round % 2 === 0 ? order : order.reverse();
}

/**
 * Measures every scenario at every size in rounds: per size, each scenario warms up, then each
 * round samples every scenario once (in the order of {@link roundOrder}), so that noise from
 * other processes lands on all of them alike; after each sample the scenario settles (see
 * {@link Sampler.settle}). A sample is the mean ms per batch over its repetitions; with
 * `fixedReps` every sample runs that many batches (1 for makespans).
 */
export async function measureInterleaved(
  samplers: readonly Sampler[],
  sizes: readonly number[],
  config: Pick<BenchConfig, "runs" | "warmupMs" | "sampleMs"> & {
    readonly fixedReps?: number;
    /** @default 3 */
    readonly warmupBatches?: number;
  },
  log: (line: string) => void = () => {},
): Promise<Measured> {
  const samples: Samples = new Map(samplers.map((s) => [s.name, new Map()]));
  const cpu: Samples = new Map(samplers.map((s) => [s.name, new Map()]));
  const reps = new Map<string, Map<number, number>>(samplers.map((s) => [s.name, new Map()]));
  for (const n of sizes) {
    for (const s of samplers) {
      const perBatch = await s.warmUp(n, config.warmupMs, config.warmupBatches ?? 3);
      reps.get(s.name)!.set(n, config.fixedReps ?? repsFor(perBatch, config.sampleMs));
      samples.get(s.name)!.set(n, []);
      cpu.get(s.name)!.set(n, []);
    }
    for (let round = 0; round < config.runs; round++) {
      for (const s of roundOrder(samplers, round)) {
        const r = reps.get(s.name)!.get(n)!;
        const time = await s.sample(n, r);
        // Before the next scenario samples, so that it does not pay for this one's leftovers.
        await s.settle?.();
        samples
          .get(s.name)!
          .get(n)!
          .push(time.wallMs / r);
        cpu
          .get(s.name)!
          .get(n)!
          .push(time.cpuMs / r);
      }
    }
    log(
      `  N=${n}: ` +
        samplers.map((s) => `${s.name} ${fmtMs(median(samples.get(s.name)!.get(n)!))}`).join(", "),
    );
  }
  return { samples, cpu, reps };
}

// ─── formatting ───────────────────────────────────────────────────────────────

/** µs with sensible precision: `0.061`, `1.38`, `43.7`, `512`. */
export function fmtMicros(us: number): string {
  if (!Number.isFinite(us)) return "n/a";
  if (us < 0.1) return us.toFixed(3);
  if (us < 10) return us.toFixed(2);
  if (us < 100) return us.toFixed(1);
  return us.toFixed(0);
}

/** ms per batch, for progress lines: `0.0123 ms`, `52.4 ms`. */
export function fmtMs(ms: number): string {
  return ms < 1 ? `${ms.toPrecision(3)} ms` : `${ms.toFixed(1)} ms`;
}

/** µs per call from ms per batch of `n` calls. */
export function microsPerCall(msPerBatch: number, n: number): number {
  return (msPerBatch * 1000) / n;
}

/** A ratio: `×31.2`, `×0.71`, `×1.003`. */
export function fmtRatio(r: number, digits?: number): string {
  if (!Number.isFinite(r)) return "n/a";
  const d = digits ?? (r >= 10 ? 1 : 2);
  return r.toFixed(d);
}

/** Bytes as `812 B`, `4.1 KB`, `37.0 MB` (1 KB = 1024 B). */
export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "n/a";
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${Math.round(bytes)} B`;
  if (abs < 1024 * 1024) return `${(bytes / 1024).toFixed(2)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A markdown table; numbers are right-aligned. */
export function markdownTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  align?: ReadonlyArray<"l" | "r">,
): string {
  for (const [i, row] of rows.entries()) {
    if (row.length !== header.length) {
      throw new TypeError(`Row ${i} has ${row.length} cells, the header ${header.length}`);
    }
  }
  const aligns = align ?? header.map((_, i) => (i === 0 ? "l" : "r"));
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  const rule = aligns.map((a) => (a === "r" ? "---:" : ":---"));
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}

/** `✅` or `❌` with the measured figure. */
export function verdict(pass: boolean): string {
  return pass ? "✅ met" : "❌ missed";
}

// ─── the machine and the versions ─────────────────────────────────────────────

/** What the numbers were measured on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  readonly node: string;
  readonly os: string;
  readonly loadAverage: string;
}

/** The machine, now (load average over 1, 5 and 15 minutes). */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: `${cpus[0]?.model ?? "unknown"}${cpus[0]?.speed ? ` @ ${cpus[0].speed} MHz` : ""}`,
    cores: cpus.length,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB total, ${(os.freemem() / 1024 ** 3).toFixed(1)} GiB free`,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    loadAverage: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" / "),
  };
}

/** The installed version of each package (read from its package.json, not from the lockfile). */
export function packageVersions(root: string, names: readonly string[]): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const name of names) {
    const file =
      name === "volley"
        ? path.join(root, "package.json")
        : path.join(root, "node_modules", name, "package.json");
    try {
      versions[name] = (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    } catch {
      versions[name] = "not installed";
    }
  }
  return versions;
}

/** The commit being measured, with `+dirty` when the tree has changes. */
export function gitRevision(root: string): string {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: root,
    })
      .toString()
      .trim();
    return dirty ? `${rev}+dirty` : rev;
  } catch {
    return "unknown";
  }
}
