/**
 * Memory: peak RSS with 100,000 calls queued at concurrency 100, per queued call. Each probe is a
 * fresh child process with `--expose-gc` (see `memory-probe.ts`), so baselines are clean.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fmtBytes, markdownTable, median, type BenchConfig } from "./harness.js";
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

type Id = keyof typeof MEMORY_LABELS;

/** Per queued call, the medians over the probes of one contender (bytes). */
export interface MemoryFigures {
  readonly peakPerCall: number;
  readonly queuedPerCall: number;
  readonly heapPerCall: number;
  readonly probes: number;
}

/** What the memory section found. */
export interface MemoryResult {
  readonly markdown: string;
  readonly targets: TargetRow[];
  readonly figures: Partial<Record<Id, MemoryFigures>>;
}

/** Runs one probe in a fresh child. */
export async function probe(contender: string, root: string): Promise<MemoryProbeResult> {
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
    { cwd: root, maxBuffer: 1 << 20 },
  );
  const line = stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as MemoryProbeResult;
}

/** Per-call figures from a contender's probes. */
export function memoryFigures(probes: readonly MemoryProbeResult[]): MemoryFigures {
  const per = (f: (p: MemoryProbeResult) => number): number =>
    median(probes.map((p) => f(p) / p.calls));
  return {
    peakPerCall: per((p) => p.peakRss - p.baselineRss),
    queuedPerCall: per((p) => p.queuedRss - p.baselineRss),
    heapPerCall: per((p) => p.retainedHeap),
    probes: probes.length,
  };
}

/** Runs the memory section: rounds of one probe per contender, one after another. */
export async function runMemory(
  config: BenchConfig,
  root: string,
  log: (line: string) => void,
): Promise<MemoryResult> {
  // A probe takes ~3 s: quick mode runs one per contender and skips the streaming variant; the
  // full run takes the median of five.
  const ids = (Object.keys(MEMORY_LABELS) as Id[]).filter(
    (id) => !config.quick || id !== "volley-stream",
  );
  const rounds = config.quick ? 1 : 5;
  const results = new Map<Id, MemoryProbeResult[]>(ids.map((id) => [id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const id of ids) results.get(id)!.push(await probe(id, root));
  }
  const figures = Object.fromEntries(
    ids.map((id) => [id, memoryFigures(results.get(id)!)]),
  ) as Partial<Record<Id, MemoryFigures>>;
  for (const id of ids) {
    log(`  ${id}: peak ${fmtBytes(figures[id]!.peakPerCall)} per queued call`);
  }
  return summarizeMemory(figures);
}

/** Turns figures into the table and target rows. */
export function summarizeMemory(figures: Partial<Record<Id, MemoryFigures>>): MemoryResult {
  const ids = (Object.keys(MEMORY_LABELS) as Id[]).filter((id) => figures[id] !== undefined);
  const table = markdownTable(
    [
      `${MEMORY_CALLS.toLocaleString("en-US")} calls at concurrency ${MEMORY_CONCURRENCY}, per call`,
      "peak RSS",
      "RSS once queued",
      "heap once queued (after GC)",
      "probes",
    ],
    ids.map((id) => [
      MEMORY_LABELS[id],
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
  ].join("\n");
  return { markdown, targets, figures };
}
