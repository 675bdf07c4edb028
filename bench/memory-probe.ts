/**
 * Child entry of the memory section: `node --expose-gc --import tsx memory-probe.ts <contender>
 * <calls> <concurrency>`. Prints one JSON line (a {@link MemoryProbeResult}) on stdout.
 *
 * After a warm-up it builds the calls, collects garbage and reads the baseline RSS; then it
 * queues every call at once and samples RSS until the batch is done. The calls' own input array
 * exists before the baseline, so only what the scheduler adds per call is counted.
 *
 * The Volley contenders use the core under test: this tree's, or the one `VOLLEY_BENCH_CORE`
 * names (a `--baseline` commit's, see `fixtures.ts`).
 */
import pLimit from "p-limit";
import { argsSchema, loadCore, makeCalls, RESULT, sleep, type Args } from "./fixtures.js";

/** What one probe measured (bytes). */
export interface MemoryProbeResult {
  readonly contender: string;
  readonly calls: number;
  readonly concurrency: number;
  readonly baselineRss: number;
  /** RSS right after every call was queued. */
  readonly queuedRss: number;
  /** Highest RSS sampled while the batch ran. */
  readonly peakRss: number;
  /** Heap still in use right after queueing, after a full collection, above the baseline's. */
  readonly retainedHeap: number;
  readonly wallMs: number;
}

const [contender = "", callsArg = "100000", concurrencyArg = "100"] = process.argv.slice(2);
const calls = Number(callsArg);
const concurrency = Number(concurrencyArg);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("memory-probe.ts needs node --expose-gc");
  process.exit(2);
}

let peak = 0;
const sampleRss = (): void => {
  const rss = process.memoryUsage.rss();
  if (rss > peak) peak = rss;
};
let started = 0;
// Each call holds its slot ~1 ms, so the queue drains over a second or so and RSS is sampled.
const work = async (_args: Args): Promise<string> => {
  if (++started % 1000 === 0) sampleRss();
  await sleep(1);
  return RESULT;
};

type Runner = (input: ReturnType<typeof makeCalls>) => PromiseLike<number>;
/** True once the batch's every call is queued, running or done (Volley admits in slices). */
let admitted = (): boolean => true;
/** Watches an executor's admission for {@link admitted}. */
const watch = (executor: {
  stats(): { queued: number; running: number; finished: number; held: number };
}) => {
  admitted = () => {
    const s = executor.stats();
    return s.queued + s.running + s.finished + s.held >= calls;
  };
};
const { createExecutor, defineTool } = await loadCore();
const runners: Record<string, () => Runner> = {
  volley: () => {
    const executor = createExecutor({
      tools: [defineTool({ name: "noop", description: "", schema: argsSchema, run: work })],
      concurrency,
    });
    watch(executor);
    return async (input) => (await executor.execute(input)).counts.ok;
  },
  "volley-stream": () => {
    const executor = createExecutor({
      tools: [defineTool({ name: "noop", description: "", schema: argsSchema, run: work })],
      concurrency,
    });
    return async (input) => (await executor.execute(input, { collect: false })).counts.ok;
  },
  "p-limit": () => {
    const limit = pLimit(concurrency);
    return async (input) => (await Promise.all(input.map((c) => limit(() => work(c.args))))).length;
  },
};
const make = runners[contender];
if (make === undefined) {
  console.error(`Unknown contender "${contender}": expected ${Object.keys(runners).join(", ")}`);
  process.exit(2);
}
const run = make();

// Warm up: JIT the paths and let V8 size its heap for this kind of work.
for (let i = 0; i < 3; i++) await run(makeCalls(2_000));

const input = makeCalls(calls);
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
gc();
await settle();
gc();
const baselineRss = process.memoryUsage.rss();
const baselineHeap = process.memoryUsage().heapUsed;
peak = baselineRss;

const start = performance.now();
const timer = setInterval(sampleRss, 5);
const done = run(input);
// The executor admits a batch from the next microtask on, a slice of the event loop at a time:
// wait until every call is queued, and `concurrency` of them have started.
await new Promise<void>((resolve) => queueMicrotask(resolve));
while (!admitted()) await settle();
const queuedRss = process.memoryUsage.rss();
sampleRss();
gc();
const retainedHeap = process.memoryUsage().heapUsed - baselineHeap;
const ok = await done;
sampleRss();
clearInterval(timer);
if (ok !== calls) {
  console.error(`${contender}: ${ok} of ${calls} calls succeeded`);
  process.exit(1);
}
const result: MemoryProbeResult = {
  contender,
  calls,
  concurrency,
  baselineRss,
  queuedRss,
  peakRss: peak,
  retainedHeap,
  wallMs: performance.now() - start,
};
console.log(JSON.stringify(result));
