/**
 * The streaming soak (`npm run soak`): one `collect: false` batch of a million mixed calls (ok,
 * failing, timing out: tools that sleep a little past a short `timeoutMs`, one honouring its
 * signal and one ignoring it), read by a consumer slower than the tools. Every 100,000 outcomes
 * it prints the heap after a forced GC and the outcomes the batch holds unread; at the end a
 * markdown summary. It exits 1 when a check fails:
 *
 * - the heap after GC grows by at most 10 MB from the 100,000th outcome to the last; and at every
 *   sample in between, less what a Set of the ids read so far costs (admission keeps one, to
 *   refuse a repeated id, until the batch's last call is read: ~20 MB for a million ids, which
 *   the soak measures before the batch starts), it grows by at most 10 MB too;
 * - the outcomes held unread never exceed the batch's window (what admission pauses on), nor
 *   do the calls started and not yet read (running, or finished and unread);
 * - no `MaxListenersExceededWarning` (nor any other process warning);
 * - every call has exactly one outcome, of the kind its tool makes.
 *
 * Run it with `node --expose-gc --import tsx bench/soak.ts`; `SOAK_CALLS` sets the calls
 * (default 1,000,000).
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { z } from "zod";
import { createExecutor, defineTool, type Outcome } from "../src/index.js";

const TOTAL = Number(process.env["SOAK_CALLS"] ?? 1_000_000);
const SAMPLE_EVERY = 100_000;
/** The reader lets the event loop turn once every this many outcomes: slower than the tools. */
const READ_BURST = 64;
const HEAP_LIMIT_MB = 10;
const CONCURRENCY = 64;
/** A streamed batch's window: max(1,024, 2 × concurrency) (features/batch-limits.ts). */
const WINDOW = Math.max(1_024, 2 * CONCURRENCY);
const TIMEOUT_MS = 5;
const SLEEP_MS = 40;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("The soak needs a forced GC: run it with node --expose-gc (npm run soak).");
  process.exit(2);
}

const warnings: Error[] = [];
process.on("warning", (warning) => warnings.push(warning));

const empty = z.object({});
/** Attempts started, across the tools (no retries: one per call that ran). */
let attempts = 0;
const ok = defineTool({
  name: "ok",
  description: "",
  schema: empty,
  run: () => ++attempts,
});
const fail = defineTool({
  name: "fail",
  description: "",
  schema: empty,
  run: () => {
    attempts++;
    throw new Error("boom");
  },
});
/** Sleeps past its timeout, and stops when its signal aborts. */
const slow = defineTool({
  name: "slow",
  description: "",
  schema: empty,
  timeoutMs: TIMEOUT_MS,
  run: (_args, { signal }) =>
    new Promise<number>((resolve) => {
      attempts++;
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", stop);
        resolve(1);
      }, SLEEP_MS);
      const stop = (): void => clearTimeout(timer);
      signal.addEventListener("abort", stop, { once: true });
    }),
});
/** Sleeps past its timeout and ignores its signal: abandoned, and counted so. */
const stubborn = defineTool({
  name: "stubborn",
  description: "",
  schema: empty,
  timeoutMs: TIMEOUT_MS,
  run: () => {
    attempts++;
    return new Promise<number>((resolve) => setTimeout(() => resolve(1), SLEEP_MS));
  },
});

/** Of every 100 calls: 1 slow, 1 stubborn (timeouts), 8 failing, 90 ok. */
function toolFor(i: number): string {
  const r = i % 100;
  if (r === 0) return "slow";
  if (r === 1) return "stubborn";
  if (r < 10) return "fail";
  return "ok";
}
/**
 * The kinds a tool's outcome may have. A sleeper may beat its timeout when the event loop lags
 * by more than the margin (its timer and the timeout's then fire in one turn): counted, not failed.
 */
const expectedKinds = (name: string): readonly string[] =>
  name === "ok" ? ["ok"] : name === "fail" ? ["tool_error"] : ["timeout", "ok"];

const args = {};
const calls = Array.from({ length: TOTAL }, (_, i) => ({ id: `c${i}`, name: toolFor(i), args }));

const executor = createExecutor({ tools: [ok, fail, slow, stubborn], concurrency: CONCURRENCY });
let abandoned = 0;
executor.on("call:abandoned", () => abandoned++);

const mb = (bytes: number): string => (bytes / 1_048_576).toFixed(1);
function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** Where the soak samples: every SAMPLE_EVERY outcomes. */
const points = Array.from(
  { length: Math.floor(TOTAL / SAMPLE_EVERY) },
  (_, i) => (i + 1) * SAMPLE_EVERY,
);

/**
 * What a Set of the first k ids costs after GC (bytes), at each sample point: the Set admission
 * keeps of the ids it has read. At the last call it lets the Set go, so the cost there is 0.
 */
function idSetCosts(): Map<number, number> {
  const costs = new Map<number, number>();
  const before = heapAfterGc();
  const ids = new Set<string>();
  let i = 0;
  for (const k of points) {
    for (; i < k; i++) ids.add(calls[i]!.id);
    costs.set(k, k >= TOTAL ? 0 : heapAfterGc() - before);
  }
  return costs;
}
const idSetCost = idSetCosts();

const heapAtStart = heapAfterGc();
const started = performance.now();
const cpuStart = process.cpuUsage();
const batch = executor.execute(calls, { collect: false });
/**
 * The outcomes the batch holds unread, read from its sink (the soak's one peek inside; `NaN`
 * for an engine without it, which the check below then catches through `attempts` alone).
 */
const sink = (batch as unknown as { sink?: { unread?: unknown } }).sink;
const unread = (): number => {
  const n = sink?.unread;
  return typeof n === "number" ? n : Number.NaN;
};

interface Sample {
  outcomes: number;
  heapMb: number;
  /** The heap less the cost of admission's Set of the ids read. */
  netMb: number;
  unread: number;
  elapsedS: number;
}
const samples: Sample[] = [];
const byKind: Record<string, number> = {};
const seen = new Uint8Array(TOTAL);
let read = 0;
let duplicates = 0;
let wrongKind = 0;
let beatTimeout = 0;
let mostUnread = 0;
let mostAhead = 0;

console.log(
  `soak: ${TOTAL.toLocaleString("en")} calls in one collect: false batch, window ${WINDOW}, concurrency ${CONCURRENCY}; reader yields every ${READ_BURST} outcomes`,
);
console.log(
  "| outcomes | heap after GC (MB) | id Set (MB) | heap less id Set (MB) | unread now | most unread | elapsed (s) |",
);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");

for await (const outcome of batch as AsyncIterable<Outcome>) {
  read++;
  const kind = outcome.status === "ok" ? "ok" : outcome.error.kind;
  byKind[kind] = (byKind[kind] ?? 0) + 1;
  if (seen[outcome.index] === 1) duplicates++;
  seen[outcome.index] = 1;
  if (!expectedKinds(outcome.name).includes(kind)) wrongKind++;
  else if (kind === "ok" && outcome.name !== "ok") beatTimeout++;
  const held = unread();
  if (!(held <= mostUnread)) mostUnread = held;
  // Started and not yet read: running, or finished and held unread.
  if (attempts - read > mostAhead) mostAhead = attempts - read;
  if (read % READ_BURST === 0) await nextTurn();
  if (read % SAMPLE_EVERY === 0) {
    const heap = heapAfterGc();
    const ids = idSetCost.get(read) ?? 0;
    const sample: Sample = {
      outcomes: read,
      heapMb: Number(mb(heap)),
      netMb: Number(mb(heap - ids)),
      unread: unread(),
      elapsedS: Number(((performance.now() - started) / 1_000).toFixed(1)),
    };
    samples.push(sample);
    console.log(
      `| ${read.toLocaleString("en")} | ${sample.heapMb.toFixed(1)} | ${mb(ids)} | ${sample.netMb.toFixed(1)} | ${sample.unread} | ${mostUnread} | ${sample.elapsedS.toFixed(1)} |`,
    );
  }
}
const report = await batch;
const wallS = (performance.now() - started) / 1_000;
const cpu = process.cpuUsage(cpuStart);
// Let the stubborn tools' last timers fire, so that their abandoned attempts are all counted.
await new Promise((resolve) => setTimeout(resolve, SLEEP_MS * 4));
await executor.close();
await nextTurn();

const first = samples[0];
const last = samples.at(-1);
/** The heap's growth from the first sample to the last (the brief's check). */
const endGrowthMb = first === undefined ? 0 : last!.heapMb - first.heapMb;
/** The most the heap grew above the first sample at any sample, as measured. */
const rawGrowthMb =
  first === undefined ? 0 : Math.max(...samples.map((s) => s.heapMb)) - first.heapMb;
/** The same, less the id Set at each sample. */
const netGrowthMb =
  first === undefined ? 0 : Math.max(...samples.map((s) => s.netMb)) - first.netMb;
const listenerWarnings = warnings.filter((w) => w.name === "MaxListenersExceededWarning");
const timeouts = byKind["timeout"] ?? 0;
const checks: Array<[string, boolean, string]> = [
  [
    "every call has one outcome",
    read === TOTAL && duplicates === 0 && report.counts.total === TOTAL,
    `${read.toLocaleString("en")} read, ${duplicates} duplicated, report total ${report.counts.total.toLocaleString("en")}`,
  ],
  ["each outcome has its tool's kind", wrongKind === 0, `${wrongKind} of another kind`],
  [
    `heap growth ≤ ${HEAP_LIMIT_MB} MB from ${SAMPLE_EVERY.toLocaleString("en")} outcomes to the last`,
    samples.length > 0 && endGrowthMb <= HEAP_LIMIT_MB,
    `${endGrowthMb.toFixed(1)} MB`,
  ],
  [
    `heap growth ≤ ${HEAP_LIMIT_MB} MB at every sample, less admission's id Set`,
    samples.length > 0 && netGrowthMb <= HEAP_LIMIT_MB,
    `most ${netGrowthMb.toFixed(1)} MB (${rawGrowthMb.toFixed(1)} MB with the id Set)`,
  ],
  [
    `outcomes held unread ≤ the window (${WINDOW})`,
    mostUnread <= WINDOW,
    Number.isNaN(mostUnread) ? "the batch has no sink.unread to read" : `most ${mostUnread}`,
  ],
  [
    `calls started and not yet read ≤ the window (${WINDOW})`,
    mostAhead <= WINDOW,
    `most ${mostAhead}`,
  ],
  [
    "no MaxListenersExceededWarning",
    listenerWarnings.length === 0,
    `${listenerWarnings.length} (${warnings.length} process warnings in all)`,
  ],
  ["no other process warning", warnings.length === listenerWarnings.length, `${warnings.length}`],
];
for (const w of warnings) console.error(`warning: ${w.name}: ${w.message}`);

const pct = (n: number): string => `${((100 * n) / TOTAL).toFixed(1)} %`;
const kinds = Object.entries(byKind)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([k, n]) => `${k} ${n.toLocaleString("en")} (${pct(n)})`)
  .join(", ");
console.log("");
console.log(`### Streaming soak: ${TOTAL.toLocaleString("en")} calls, collect: false`);
console.log("");
console.log(
  `One batch, concurrency ${CONCURRENCY}, window ${WINDOW}; the reader lets the event loop turn every ${READ_BURST} outcomes. Tools: 90 % ok, 8 % throw, 2 % sleep ${SLEEP_MS} ms past a ${TIMEOUT_MS} ms timeout (half of them ignore their signal). Node ${process.version}.`,
);
console.log("");
console.log("| measure | value |");
console.log("| --- | ---: |");
console.log(`| wall time | ${wallS.toFixed(1)} s |`);
console.log(`| CPU per call | ${(((cpu.user + cpu.system) / TOTAL) | 0).toString()} µs |`);
console.log(
  `| heap after GC at ${SAMPLE_EVERY.toLocaleString("en")} outcomes (baseline) | ${first?.heapMb.toFixed(1) ?? "–"} MB |`,
);
console.log(`| heap growth to the last sample | ${endGrowthMb.toFixed(1)} MB |`);
console.log(
  `| heap growth at any sample, less the id Set / as measured | ${netGrowthMb.toFixed(1)} / ${rawGrowthMb.toFixed(1)} MB |`,
);
console.log(
  `| heap before the batch (the ${TOTAL.toLocaleString("en")} calls made) | ${mb(heapAtStart)} MB |`,
);
console.log(`| outcomes held unread, most | ${mostUnread} (window ${WINDOW}) |`);
console.log(`| calls started and not yet read, most | ${mostAhead} |`);
console.log(`| outcomes | ${kinds} |`);
console.log(`| abandoned attempts (signal ignored) | ${abandoned.toLocaleString("en")} |`);
console.log(
  `| sleepers that beat their timeout (event-loop lag) | ${beatTimeout.toLocaleString("en")} |`,
);
console.log(`| process warnings | ${warnings.length} |`);
console.log("");
let failed = false;
for (const [name, passed, detail] of checks) {
  console.log(`- ${passed ? "✅" : "❌"} ${name}: ${detail}`);
  if (!passed) failed = true;
}
// Of every 100 calls 2 sleep past their timeout: most of them must time out.
if (TOTAL >= 100 && timeouts < TOTAL / 100) {
  console.log(`- ❌ only ${timeouts} calls timed out: the mix is not what the soak means to test`);
  failed = true;
}
process.exit(failed ? 1 : 0);
