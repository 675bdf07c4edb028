/**
 * Memory: peak RSS with 100,000 calls queued at concurrency 100, per queued call. Each probe is a
 * fresh child process with `--expose-gc` (see `memory-probe.ts`), so baselines are clean; with
 * `--baseline`, the Volley probe also runs on that commit's core, in the same rounds.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CORE_ENV } from "./fixtures.js";
import {
  fmtBytes,
  fmtRatio,
  markdownTable,
  median,
  pairedRatio,
  quantile,
  roundOrder,
  type BenchConfig,
} from "./harness.js";
import type { MemoryProbeResult } from "./memory-probe.js";
import type { TargetRow } from "./targets.js";

const PROBE = fileURLToPath(new URL("./memory-probe.ts", import.meta.url));
const run = promisify(execFile);

/** Calls queued at once. */
export const MEMORY_CALLS = 100_000;

/** The concurrency they are queued behind. */
export const MEMORY_CONCURRENCY = 100;

/** Contenders, by probe id. */
export const MEMORY_LABELS = {
  volley: "Volley (report collected: the default)",
  "volley-stream": "Volley, `collect: false` (outcomes streamed)",
  "p-limit": "`p-limit(100)` + `Promise.all`",
} as const;

type Contender = keyof typeof MEMORY_LABELS;

/** With `--baseline`: the Volley probe (defaults) again, on that commit's core. */
export const MEMORY_BASE = "volley@base";

/** A contender, or the Volley probe on the baseline core. */
export type MemoryId = Contender | typeof MEMORY_BASE;

/** Per queued call, the medians over the probes of one contender (bytes). */
export interface MemoryFigures {
  readonly peakPerCall: number;
  readonly queuedPerCall: number;
  readonly heapPerCall: number;
  readonly probes: number;
  /** Peak RSS per call of each probe, in the order of the rounds (for per-round ratios). */
  readonly peaks: readonly number[];
}

/** What the memory section found. */
export interface MemoryResult {
  readonly markdown: string;
  readonly targets: TargetRow[];
  readonly figures: Partial<Record<MemoryId, MemoryFigures>>;
}

/** Runs one probe in a fresh child, with extra environment (another core) if given. */
export async function probe(
  contender: string,
  root: string,
  env?: Readonly<Record<string, string>>,
): Promise<MemoryProbeResult> {
  const { stdout } = await run(
    process.execPath,
    [
      "--expose-gc",
      "--import",
      "tsx",
      PROBE,
      contender,
      String(MEMORY_CALLS),
      String(MEMORY_CONCURRENCY),
    ],
    {
      cwd: root,
      maxBuffer: 1 << 20,
      env: env === undefined ? process.env : { ...process.env, ...env },
    },
  );
  const line = stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as MemoryProbeResult;
}

/** Per-call figures from a contender's probes. */
export function memoryFigures(probes: readonly MemoryProbeResult[]): MemoryFigures {
  const each = (f: (p: MemoryProbeResult) => number): number[] => probes.map((p) => f(p) / p.calls);
  const peaks = each((p) => p.peakRss - p.baselineRss);
  return {
    peakPerCall: median(peaks),
    queuedPerCall: median(each((p) => p.queuedRss - p.baselineRss)),
    heapPerCall: median(each((p) => p.retainedHeap)),
    probes: probes.length,
    peaks,
  };
}

/**
 * Runs the memory section: rounds of one probe per contender, one after another (in the order
 * of `roundOrder`, as the other sections do). With `--baseline`, the Volley probe runs on the
 * baseline core too, in the same rounds.
 */
export async function runMemory(
  config: BenchConfig,
  root: string,
  log: (line: string) => void,
): Promise<MemoryResult> {
  // A probe takes ~3 s: quick mode runs one per contender and skips the streaming variant; the
  // full run takes the median of five.
  const ids: MemoryId[] = (Object.keys(MEMORY_LABELS) as Contender[]).filter(
    (id) => !config.quick || id !== "volley-stream",
  );
  if (config.baselineCore !== undefined) ids.push(MEMORY_BASE);
  const rounds = config.quick ? 1 : 5;
  const results = new Map<MemoryId, MemoryProbeResult[]>(ids.map((id) => [id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const id of roundOrder(ids, round)) {
      const result =
        id === MEMORY_BASE
          ? await probe("volley", root, { [CORE_ENV]: config.baselineCore! })
          : await probe(id, root);
      results.get(id)!.push(result);
    }
  }
  const figures = Object.fromEntries(
    ids.map((id) => [id, memoryFigures(results.get(id)!)]),
  ) as Partial<Record<MemoryId, MemoryFigures>>;
  for (const id of ids) {
    log(`  ${id}: peak ${fmtBytes(figures[id]!.peakPerCall)} per queued call`);
  }
  return summarizeMemory(figures, config);
}

/** Turns figures into the table and target rows. */
export function summarizeMemory(
  figures: Partial<Record<MemoryId, MemoryFigures>>,
  config: { readonly baseline?: string | undefined } = {},
): MemoryResult {
  const ref = `\`${config.baseline ?? "baseline"}\``;
  const labels: Record<MemoryId, string> = {
    ...MEMORY_LABELS,
    [MEMORY_BASE]: `${MEMORY_LABELS.volley}, core of ${ref}`,
  };
  const ids = ([...Object.keys(MEMORY_LABELS), MEMORY_BASE] as MemoryId[]).filter(
    (id) => figures[id] !== undefined,
  );
  const table = markdownTable(
    [
      `${MEMORY_CALLS.toLocaleString("en-US")} calls at concurrency ${MEMORY_CONCURRENCY}, per call`,
      "peak RSS",
      "RSS once queued",
      "heap once queued (after GC)",
      "probes",
    ],
    ids.map((id) => [
      labels[id],
      fmtBytes(figures[id]!.peakPerCall),
      fmtBytes(figures[id]!.queuedPerCall),
      fmtBytes(figures[id]!.heapPerCall),
      String(figures[id]!.probes),
    ]),
  );
  const v = figures.volley!;
  const targets: TargetRow[] = [
    {
      target: "Memory ≤ 1 KB of peak RSS per queued call (Volley, defaults)",
      measured: `${fmtBytes(v.peakPerCall)} (p-limit: ${fmtBytes(figures["p-limit"]!.peakPerCall)})`,
      pass: v.peakPerCall <= 1024,
    },
  ];
  const b = figures[MEMORY_BASE];
  let baseNote: string[] = [];
  if (b !== undefined) {
    // Probes of one round ran back to back: pair them, as the overhead ratios do.
    const r = pairedRatio(v.peaks, b.peaks);
    const perRound = v.peaks.map((p, i) => p / b.peaks[i]!);
    // With a few probes, the spread of the per-round ratios says how far noise moves the verdict.
    const iqr =
      perRound.length >= 3
        ? `IQR ${fmtRatio(quantile(perRound, 0.25), 2)}–${fmtRatio(quantile(perRound, 0.75), 2)}; `
        : "";
    const probes = `${v.probes} probe${v.probes === 1 ? "" : "s"} each`;
    targets.push({
      target: `Memory per queued call (peak RSS, defaults) ≤ 1.0× the core of ${ref}`,
      measured:
        `${fmtRatio(r, 3)} (${iqr}${fmtBytes(v.peakPerCall)} vs ${fmtBytes(b.peakPerCall)}; ` +
        `heap ${fmtBytes(v.heapPerCall)} vs ${fmtBytes(b.heapPerCall)}; ${probes})`,
      pass: r <= 1,
    });
    baseNote = [
      `- The row "core of ${ref}" is the same Volley probe on that commit's \`src/core\`, in the same rounds; ` +
        "the target compares peak RSS per call as the median of per-round ratios.",
    ];
  }
  const markdown = [
    "## Memory",
    "",
    "Each probe is a fresh `node --expose-gc` child: warm-up, build the 100,000 calls, full GC, baseline RSS; " +
      "then queue them all at once behind a limit of 100 (each call holds its slot ~1 ms) and sample RSS until " +
      "the batch is done. Figures are (RSS − baseline) ÷ 100,000, the median over the probes.",
    "",
    table,
    "",
    "- Peak RSS includes the outcomes a collected report keeps, and garbage not yet collected; " +
      "the heap column is what a full GC leaves right after queueing, the closest figure to the cost of a queued call itself.",
    ...baseNote,
  ].join("\n");
  return { markdown, targets, figures };
}
