/**
 * Makespan: 1,000 calls that each sleep 50 ms, unlimited and at concurrency 100, against the
 * ideal (50 ms; 500 ms = 10 waves). Overhead that delays starts or finishes shows up as a ratio
 * above 1. With `--baseline`, Volley unlimited also runs on that commit's core.
 */
import pLimit from "p-limit";
import { spawnSamplers, type SamplerSpec } from "./child-sampler.js";
import {
  CORE_ENV,
  loadCore,
  makeCalls,
  sleeper,
  SLEEP_MS,
  toolNodeBatch,
  volleyTool,
} from "./fixtures.js";
import {
  fmtRatio,
  markdownTable,
  measureInterleaved,
  median,
  quantile,
  relativeMad,
  type BenchConfig,
  type Measured,
} from "./harness.js";
import type { ScenarioTable } from "./scenario.js";
import type { TargetRow } from "./targets.js";

/** Calls per batch. */
export const MAKESPAN_CALLS = 1_000;

/** The limited runs' concurrency. */
export const MAKESPAN_CONCURRENCY = 100;

/** Contenders: label, and the concurrency the ideal is computed for. */
export const MAKESPAN_CONTENDERS = {
  volley: { label: "Volley, unlimited", concurrency: Infinity },
  "promise-all": { label: "raw `Promise.all`, unlimited", concurrency: Infinity },
  toolnode: { label: "LangGraph `ToolNode`, unlimited (reference)", concurrency: Infinity },
  "volley-100": { label: "Volley, concurrency 100", concurrency: MAKESPAN_CONCURRENCY },
  "p-limit-100": { label: "`p-limit(100)`", concurrency: MAKESPAN_CONCURRENCY },
} as const;

type Id = keyof typeof MAKESPAN_CONTENDERS;

/** With `--baseline`: Volley unlimited again, on that commit's core. */
export const MAKESPAN_BASE = "volley@base";

/** The makespan scenarios (run inside the children). */
export const MAKESPAN_SCENARIOS: ScenarioTable = {
  "promise-all": async (n) => {
    const calls = makeCalls(n);
    return async () => (await Promise.all(calls.map((c) => sleeper(c.args)))).length;
  },
  "p-limit-100": async (n) => {
    const calls = makeCalls(n);
    const limit = pLimit(MAKESPAN_CONCURRENCY);
    return async () => (await Promise.all(calls.map((c) => limit(() => sleeper(c.args))))).length;
  },
  toolnode: async (n) => toolNodeBatch(sleeper, n),
  volley: async (n) => {
    const calls = makeCalls(n);
    const { createExecutor } = await loadCore();
    const executor = createExecutor({ tools: [await volleyTool(sleeper)], concurrency: Infinity });
    return async () => (await executor.execute(calls)).counts.ok;
  },
  "volley-100": async (n) => {
    const calls = makeCalls(n);
    const { createExecutor } = await loadCore();
    const executor = createExecutor({
      tools: [await volleyTool(sleeper)],
      concurrency: MAKESPAN_CONCURRENCY,
    });
    return async () => (await executor.execute(calls)).counts.ok;
  },
};

/** The ideal makespan of `calls` sleeps of `SLEEP_MS` at `concurrency` (ms). */
export function idealMakespan(calls: number, concurrency: number): number {
  return Math.ceil(calls / Math.min(calls, concurrency)) * SLEEP_MS;
}

/** What the makespan section found. */
export interface MakespanResult {
  readonly markdown: string;
  readonly targets: TargetRow[];
  /** Median ratio to the ideal, by contender (and `volley@base` with `--baseline`). */
  readonly ratios: Record<Id, number> & Partial<Record<typeof MAKESPAN_BASE, number>>;
}

/** Runs the makespan section. */
export async function runMakespan(
  config: BenchConfig,
  root: string,
  log: (line: string) => void,
): Promise<MakespanResult> {
  const specs: SamplerSpec[] = Object.keys(MAKESPAN_CONTENDERS);
  if (config.baselineCore !== undefined) {
    const env = { [CORE_ENV]: config.baselineCore };
    specs.push({ scenario: "volley", name: MAKESPAN_BASE, env });
  }
  const samplers = await spawnSamplers("makespan", specs, root);
  let measured: Measured;
  try {
    // One batch per sample: a makespan is the time of one batch. The warm-up is long (5 s): with
    // 1.5 s (~30 batches) Volley's unlimited makespan still read 1.07–1.10, settling at ~1.04.
    measured = await measureInterleaved(
      samplers,
      [MAKESPAN_CALLS],
      { ...config, warmupMs: config.quick ? 1_000 : 5_000, warmupBatches: 2, fixedReps: 1 },
      log,
    );
  } finally {
    for (const s of samplers) s.close();
  }
  return summarizeMakespan(measured, config);
}

/** Turns samples into the table and target rows. */
export function summarizeMakespan(
  measured: Measured,
  config: Pick<BenchConfig, "runs"> & { readonly baseline?: string | undefined },
): MakespanResult {
  type Row = Id | typeof MAKESPAN_BASE;
  const hasBase = measured.samples.has(MAKESPAN_BASE);
  const ref = `\`${config.baseline ?? "baseline"}\``;
  // The baseline row goes right under Volley's own unlimited row.
  const ids: Row[] = (Object.keys(MAKESPAN_CONTENDERS) as Id[]).flatMap((id): Row[] =>
    id === "volley" && hasBase ? [id, MAKESPAN_BASE] : [id],
  );
  const ms = (id: Row): number[] => measured.samples.get(id)!.get(MAKESPAN_CALLS)!;
  const contender = (id: Row) =>
    id === MAKESPAN_BASE
      ? { ...MAKESPAN_CONTENDERS.volley, label: `Volley, unlimited, core of ${ref}` }
      : MAKESPAN_CONTENDERS[id];
  const ideal = (id: Row): number => idealMakespan(MAKESPAN_CALLS, contender(id).concurrency);
  const ratios = Object.fromEntries(
    ids.map((id) => [id, median(ms(id).map((v) => v / ideal(id)))]),
  ) as MakespanResult["ratios"];
  const table = markdownTable(
    ["1,000 calls × 50 ms", "ideal", "makespan (median)", "ratio to ideal", "± spread"],
    ids.map((id) => [
      contender(id).label,
      `${ideal(id)} ms`,
      `${median(ms(id)).toFixed(1)} ms`,
      fmtRatio(ratios[id]!, 3),
      `${(relativeMad(ms(id)) * 100).toFixed(1)}%`,
    ]),
  );
  // Two estimates of the gap: the difference of the medians, and the median of per-round
  // differences (which cancels drift between rounds), with the spread of those differences. At
  // this scale the noise is as large as the 0.01 threshold, so the verdict takes the larger.
  const gap = (a: Row, b: Row): { d: number; paired: number; iqr: number } => {
    const diffs = ms(a).map((v, i) => v / ideal(a) - ms(b)[i]! / ideal(b));
    const paired = median(diffs);
    return {
      d: Math.max(ratios[a]! - ratios[b]!, paired),
      paired,
      iqr: quantile(diffs, 0.75) - quantile(diffs, 0.25),
    };
  };
  const unlimited = gap("volley", "promise-all");
  const limited = gap("volley-100", "p-limit-100");
  const dUnlimited = unlimited.d;
  const dLimited = limited.d;
  const signed = (d: number): string => `${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(3)}`;
  const sign = (g: { paired: number; iqr: number }): string =>
    `per round ${signed(g.paired)}, IQR ${g.iqr.toFixed(3)}`;
  const targets: TargetRow[] = [
    {
      target: "Makespan unlimited: Volley within 0.01 of raw `Promise.all`",
      measured: `${fmtRatio(ratios.volley, 3)} vs ${fmtRatio(ratios["promise-all"], 3)} (${sign(unlimited)})`,
      pass: Math.abs(dUnlimited) <= 0.01 || dUnlimited < 0,
      // Sleeping batches profile as idle time: the executor's cost per call is the overhead's.
      profile: ["overhead", "volley", 10_000],
    },
    {
      target: "Makespan at concurrency 100: Volley within 0.01 of `p-limit(100)`",
      measured: `${fmtRatio(ratios["volley-100"], 3)} vs ${fmtRatio(ratios["p-limit-100"], 3)} (${sign(limited)})`,
      pass: Math.abs(dLimited) <= 0.01 || dLimited < 0,
      profile: ["overhead", "volley", 10_000],
    },
  ];
  const markdown = [
    "## Makespan",
    "",
    `${MAKESPAN_CALLS.toLocaleString("en-US")} calls that each sleep ${SLEEP_MS} ms (\`setTimeout\`, no signal), one batch per sample, ` +
      `${config.runs} interleaved rounds after a warm-up, each contender in its own child process. ` +
      "Ideal: 50 ms unlimited, 500 ms (10 waves) at concurrency 100.",
    "",
    table,
    "",
    "- Volley runs with `timeoutMs` at its default (120 000), so every call also arms a timeout.",
    ...(hasBase
      ? [
          `- "core of ${ref}" is Volley unlimited on that commit's \`src/core\`, in the same rounds: ` +
            `this tree's ratio minus that one, ${sign(gap("volley", MAKESPAN_BASE))}.`,
        ]
      : []),
    "- The verdict takes the larger of two estimates of the gap: the difference of the medians, and the median " +
      "of per-round differences (Volley − `Promise.all` or `p-limit(100)` in the same round). IQR is the interquartile range of the " +
      "per-round differences: a gap within about one IQR of 0.01 is a verdict that noise could flip. " +
      "A Volley ratio below the other's counts as within the target.",
    "- Scale: unlimited, 0.01 of ratio is 0.5 ms for 1,000 calls, so it allows 0.5 µs per call of work on the " +
      "critical path (starting all calls before the last sleep begins, settling them after); at concurrency 100 " +
      "it is 5 ms over ten waves, 5 µs per call.",
  ].join("\n");
  return { markdown, targets, ratios };
}
