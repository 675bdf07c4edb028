/**
 * Overhead: what each contender costs per call, for batches of N = 1, 8, 100 and 10,000 no-op
 * calls (1 and 8 are what agents send; 10,000 shows the cost per call once fixed costs vanish).
 * Each contender runs in its own child process; rounds interleave them (see `harness.ts`).
 */
import pLimit from "p-limit";
import { spawnSamplers, type SamplerSpec } from "./child-sampler.js";
import {
  CORE_ENV,
  langchainTool,
  loadCore,
  makeCalls,
  noop,
  toolNodeBatch,
  volleyTool,
} from "./fixtures.js";
import {
  fmtMicros,
  fmtRatio,
  markdownTable,
  measureInterleaved,
  median,
  microsPerCall,
  pairedRatio,
  quantile,
  relativeMad,
  type BenchConfig,
  type Measured,
  type Samples,
} from "./harness.js";
import type { ScenarioTable } from "./scenario.js";
import type { TargetRow } from "./targets.js";

/** Batch sizes. */
export const OVERHEAD_SIZES = [1, 8, 100, 10_000] as const;

/** The batch sizes agents really send: the targets against p-limit are at these. */
export const SMALL_SIZES = [1, 8] as const;

/** Volley native may cost at most this many times p-limit's CPU at {@link SMALL_SIZES}. */
export const SMALL_VS_P_LIMIT = 1.5;

/** p-limit's concurrency in the overhead comparison. */
export const P_LIMIT_CONCURRENCY = 16;

/** Contenders, by id, with their labels in the tables. */
export const OVERHEAD_LABELS = {
  "promise-all": "raw `Promise.all`",
  "p-limit": `\`p-limit(${P_LIMIT_CONCURRENCY})\``,
  toolnode: "LangGraph `ToolNode`",
  volley: "Volley, native tools",
  "volley-lc": "Volley, `@langchain/core` tools",
} as const;

type Id = keyof typeof OVERHEAD_LABELS;

/** The contenders measured again on the `--baseline` core. */
const BASELINE_IDS = ["volley", "volley-lc"] as const;

/** The overhead scenarios (run inside the children). */
export const OVERHEAD_SCENARIOS: ScenarioTable = {
  "promise-all": async (n) => {
    const calls = makeCalls(n);
    return async () => (await Promise.all(calls.map((c) => noop(c.args)))).length;
  },
  "p-limit": async (n) => {
    const calls = makeCalls(n);
    const limit = pLimit(P_LIMIT_CONCURRENCY);
    return async () => (await Promise.all(calls.map((c) => limit(() => noop(c.args))))).length;
  },
  toolnode: async (n) => toolNodeBatch(noop, n),
  // Volley as a user gets it: executor defaults (concurrency 64, timeoutMs 120 000), args
  // validated by the zod schema, one executor reused across batches.
  volley: async (n) => {
    const calls = makeCalls(n);
    const { createExecutor } = await loadCore();
    const executor = createExecutor({ tools: [await volleyTool(noop)] });
    return async () => (await executor.execute(calls)).counts.ok;
  },
  "volley-lc": async (n) => {
    const calls = makeCalls(n);
    const { createExecutor } = await loadCore();
    const executor = createExecutor({ tools: [await langchainTool(noop)] });
    return async () => (await executor.execute(calls)).counts.ok;
  },
};

/** What the overhead section found. */
export interface OverheadResult {
  readonly markdown: string;
  readonly targets: TargetRow[];
  /** Median CPU µs per call, by contender and N. */
  readonly micros: Record<Id, Record<number, number>>;
  /** Median wall-clock µs per call, by contender and N. */
  readonly wall: Record<Id, Record<number, number>>;
}

/** Runs the overhead section. */
export async function runOverhead(
  config: BenchConfig,
  root: string,
  log: (line: string) => void,
): Promise<OverheadResult> {
  const ids = Object.keys(OVERHEAD_LABELS) as Id[];
  const specs: SamplerSpec[] = [...ids];
  if (config.baselineCore !== undefined) {
    const env = { [CORE_ENV]: config.baselineCore };
    for (const id of BASELINE_IDS) specs.push({ scenario: id, name: `${id}@base`, env });
  }
  const samplers = await spawnSamplers("overhead", specs, root);
  let measured: Measured;
  try {
    measured = await measureInterleaved(samplers, OVERHEAD_SIZES, config, log);
  } finally {
    for (const s of samplers) s.close();
  }
  return summarizeOverhead(measured, config);
}

/** Turns samples into tables and target rows (separate from measuring, for the smoke test). */
export function summarizeOverhead(
  measured: Measured,
  config: Pick<BenchConfig, "runs"> & { readonly baseline?: string | undefined },
): OverheadResult {
  const ids = Object.keys(OVERHEAD_LABELS) as Id[];
  // With --baseline, the same contenders on the other core, as extra rows.
  const base = BASELINE_IDS.map((id) => `${id}@base` as const).filter((n) =>
    measured.samples.has(n),
  );
  const ref = `\`${config.baseline ?? "baseline"}\``;
  const label = (name: string): string =>
    name in OVERHEAD_LABELS
      ? OVERHEAD_LABELS[name as Id]
      : `${OVERHEAD_LABELS[name.replace(/@base$/, "") as Id]}, core of ${ref}`;
  const sizeHeader = OVERHEAD_SIZES.map((n) => `N = ${n.toLocaleString("en-US")}`);
  const us = (basis: Samples, id: string, n: number): number[] =>
    basis
      .get(id)!
      .get(n)!
      .map((ms) => microsPerCall(ms, n));
  const mediansOf = (basis: Samples) =>
    Object.fromEntries(
      ids.map((id) => [
        id,
        Object.fromEntries(OVERHEAD_SIZES.map((n) => [n, median(us(basis, id, n))])),
      ]),
    ) as Record<Id, Record<number, number>>;
  const micros = mediansOf(measured.cpu);
  const wall = mediansOf(measured.samples);
  const costTable = (title: string, basis: Samples) =>
    markdownTable(
      [title, ...sizeHeader],
      [...ids, ...base].map((id) => [
        label(id),
        ...OVERHEAD_SIZES.map((n) => {
          const xs = us(basis, id, n);
          return `${fmtMicros(median(xs))} ±${Math.round(relativeMad(xs) * 100)}%`;
        }),
      ]),
    );

  /** Per-round ratios `a ÷ b` at `n` (samples of one round ran back to back). */
  const perRound = (basis: Samples, a: string, b: string, n: number): number[] => {
    const bs = basis.get(b)!.get(n)!;
    return basis
      .get(a)!
      .get(n)!
      .map((x, i) => x / bs[i]!);
  };
  const ratio = (a: string, b: string, n: number, basis: Samples = measured.cpu): number =>
    pairedRatio(basis.get(a)!.get(n)!, basis.get(b)!.get(n)!);
  const pLimit = `\`p-limit(${P_LIMIT_CONCURRENCY})\``;
  const small = SMALL_SIZES.join(" and ");
  const ratioRows: Array<[string, string, string]> = [
    ["`ToolNode` ÷ Volley native (speed-up)", "toolnode", "volley"],
    ["Volley native ÷ `ToolNode` (target ≤ 0.04 at 10,000)", "volley", "toolnode"],
    ["Volley `@langchain/core` ÷ `ToolNode` (target ≤ 1)", "volley-lc", "toolnode"],
    ["Volley native ÷ raw `Promise.all`", "volley", "promise-all"],
    [`Volley native ÷ ${pLimit} (target ≤ ${SMALL_VS_P_LIMIT} at ${small})`, "volley", "p-limit"],
    ["`p-limit` ÷ raw `Promise.all`", "p-limit", "promise-all"],
    ["Volley `@langchain/core` ÷ Volley native", "volley-lc", "volley"],
    ...base.map((b): [string, string, string] => {
      const id = b.replace(/@base$/, "");
      const target = id === "volley" ? " (target ≤ 1 at 10,000)" : "";
      return [`${label(id)} ÷ the same on ${ref}${target}`, id, b];
    }),
  ];
  const ratioTable = (title: string, basis: Samples) =>
    markdownTable(
      [title, ...sizeHeader],
      ratioRows.map(([label, a, b]) => [
        label,
        ...OVERHEAD_SIZES.map((n) =>
          fmtRatio(ratio(a, b, n, basis), a === "volley" && b === "toolnode" ? 3 : undefined),
        ),
      ]),
    );

  const big = 10_000;
  const lcWorst = Math.max(...OVERHEAD_SIZES.map((n) => ratio("volley-lc", "toolnode", n)));
  /** The interquartile range of the per-round CPU ratios, for the measured column. */
  const iqr = (a: string, b: string, n: number): string => {
    const xs = perRound(measured.cpu, a, b, n);
    return `IQR ${fmtRatio(quantile(xs, 0.25), 2)}–${fmtRatio(quantile(xs, 0.75), 2)}`;
  };
  const cpuUs = (id: string, n: number): string => fmtMicros(median(us(measured.cpu, id, n)));
  const targets: TargetRow[] = [
    {
      target: "Volley native ≤ 2 µs per call at N = 10,000",
      measured: `${fmtMicros(micros.volley[big]!)} µs CPU (${fmtMicros(wall.volley[big]!)} µs wall)`,
      pass: micros.volley[big]! <= 2,
      profile: ["overhead", "volley", big],
    },
    {
      target: "Volley native ≤ 1/25 of `ToolNode` at N = 10,000 (ratio ≤ 0.04)",
      measured: `${fmtRatio(ratio("volley", "toolnode", big), 3)} (1/${fmtRatio(ratio("toolnode", "volley", big), 1)})`,
      pass: ratio("volley", "toolnode", big) <= 0.04,
      profile: ["overhead", "volley", big],
    },
    {
      target: "Volley with `@langchain/core` tools no slower than `ToolNode` (every N)",
      measured: `worst ratio ${fmtRatio(lcWorst)}`,
      pass: lcWorst <= 1,
      profile: ["overhead", "volley-lc", 100],
    },
    ...SMALL_SIZES.map((n): TargetRow => ({
      target: `Volley native ≤ ${SMALL_VS_P_LIMIT}× ${pLimit} in CPU at N = ${n} (Volley's defaults: timeouts armed)`,
      measured: `${fmtRatio(ratio("volley", "p-limit", n))} (${iqr("volley", "p-limit", n)}; ${cpuUs("volley", n)} vs ${cpuUs("p-limit", n)} µs)`,
      pass: ratio("volley", "p-limit", n) <= SMALL_VS_P_LIMIT,
      profile: ["overhead", "volley", n],
    })),
  ];
  if (base.includes("volley@base")) {
    targets.push({
      target: `Volley native at N = 10,000 ≤ 1.0× the core of ${ref} (CPU)`,
      measured: `${fmtRatio(ratio("volley", "volley@base", big), 3)} (${iqr("volley", "volley@base", big)}; ${cpuUs("volley", big)} vs ${cpuUs("volley@base", big)} µs)`,
      pass: ratio("volley", "volley@base", big) <= 1,
      profile: ["overhead", "volley", big],
    });
  }

  const markdown = [
    "## Overhead",
    "",
    `No-op tools (\`async ({ x }) => "ok"\`, schema \`z.object({ x: z.number() })\`), one batch of N calls at a time; ` +
      `each contender in its own child process, warmed up, then ${config.runs} interleaved rounds; ` +
      "a sample repeats its batch until it has run long enough to time, and is divided by the calls it ran. " +
      "N = 1 and 8 are the batches agents really send; N = 10,000 shows the cost per call once the fixed costs are spread out." +
      (base.length > 0
        ? ` The rows marked "core of ${ref}" run the same scenarios on that commit's \`src/core\`, in the same rounds.`
        : ""),
    "",
    costTable("CPU µs per call (median ± spread)", measured.cpu),
    "",
    costTable("wall-clock µs per call (median ± spread)", measured.samples),
    "",
    ratioTable("ratio of CPU time (median of per-round ratios)", measured.cpu),
    "",
    ratioTable("ratio of wall-clock time (median of per-round ratios)", measured.samples),
    "",
    "- Volley runs with its defaults (concurrency 64, `timeoutMs` 120 000), so every call is validated by " +
      "zod and armed with a timeout; `@langchain/core` tools are validated by Volley and again by `tool.invoke()`.",
    "- `ToolNode` is invoked as a graph would: `toolNode.invoke({ messages: [aiMessage] })`, the AIMessage carrying N `tool_calls`.",
    "- CPU time is the child's user + system time over the sample (every thread, so GC helpers count); it is what " +
      "the targets use, because on a shared machine wall time also counts the time other processes held the core. " +
      "On an idle machine the two agree within a few per cent.",
    "- ± spread is the median absolute deviation of the samples, relative to the median. A ratio is the median of " +
      "the per-round ratios; the targets also give their interquartile range (IQR): a verdict whose threshold lies " +
      "inside it is one that noise could flip.",
  ].join("\n");
  return { markdown, targets, micros, wall };
}
