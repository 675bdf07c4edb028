/**
 * `npx tsx bench/threads.ts [--quick]`: CPU-bound tool calls inline against `volley/threads`.
 *
 * Eight calls of a hash loop (~200 ms each, calibrated on this machine) run in one batch, inline
 * and in worker threads; the script reports the wall time, the speedup, and the event loop's
 * delay during the batch (`perf_hooks.monitorEventLoopDelay`). Then how long a runaway tool
 * takes to be killed, and how long a fresh thread takes to start. Prints markdown on stdout,
 * progress on stderr.
 *
 * This file is also the tools module the threads load (`module: import.meta.url`), so its
 * top level only defines tools; the bench runs when it is the main script.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { availableParallelism, loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";
import { Piscina } from "piscina";
import { z } from "zod";
import { createExecutor, defineTool, type Executor, type Report } from "../src/index.js";
import { threadBackend } from "../src/threads/index.js";

/** Pure CPU: hashes a 32-byte buffer `rounds` times. */
function hashLoop(rounds: number): string {
  let digest: Buffer = Buffer.alloc(32);
  for (let i = 0; i < rounds; i++) digest = createHash("sha256").update(digest).digest();
  return digest.toString("hex");
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const schema = z.object({ rounds: z.number().int().min(1) });

/** Like most tools, async: it yields once, then computes without awaiting. */
const run = async ({ rounds }: { rounds: number }): Promise<string> => {
  await yieldToLoop();
  return hashLoop(rounds);
};

export const hashInline = defineTool({
  name: "hash_inline",
  description: "Hash loop, on the event loop",
  schema,
  run,
});

export const hashWorker = defineTool({
  name: "hash_worker",
  description: "Hash loop, in a worker thread",
  schema,
  isolation: "worker",
  module: import.meta.url,
  run,
});

export const spinWorker = defineTool({
  name: "spin_worker",
  description: "An infinite loop that ignores its signal",
  schema: z.object({}),
  isolation: "worker",
  module: import.meta.url,
  run: () => {
    for (;;) {
      // burn
    }
  },
});

/** For the raw piscina baseline, this file is also a piscina task file. */
export default function hashTask(rounds: number): string {
  return hashLoop(rounds);
}

interface BatchFigures {
  readonly wallMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const log = (line: string): void => void process.stderr.write(`threads: ${line}\n`);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** Rounds of the hash loop that take about `targetMs` here. */
function calibrate(targetMs: number): number {
  hashLoop(20_000); // warm the JIT
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    hashLoop(20_000);
    samples.push(20_000 / (performance.now() - started));
  }
  return Math.max(1, Math.round(median(samples) * targetMs));
}

/** Times `batch()` and the event loop's delay while it runs. */
async function measure(batch: () => Promise<void>): Promise<BatchFigures> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  // The histogram records from its second tick on: let the first one pass before the batch.
  await new Promise((resolve) => setTimeout(resolve, 3));
  const started = performance.now();
  await batch();
  const wallMs = performance.now() - started;
  // The histogram samples on a timer: let it fire once more, to see a loop blocked until now.
  await new Promise((resolve) => setTimeout(resolve, 2));
  histogram.disable();
  return { wallMs, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
}

function volleyBatch(executor: Executor, tool: string, calls: number, rounds: number) {
  const list = Array.from({ length: calls }, (_, i) => ({
    id: `c${i}`,
    name: tool,
    args: { rounds },
  }));
  return async (): Promise<void> => {
    const report: Report = await executor.execute(list);
    if (report.counts.ok !== calls) {
      throw new Error(`${tool}: ${report.counts.error} of ${calls} calls failed`);
    }
  };
}

/** Runs the bench and returns its markdown. */
export async function runThreadsBench(quick: boolean): Promise<string> {
  const calls = 8;
  const callMs = quick ? 100 : 200;
  const runs = quick ? 2 : Number(process.env["RUNS"] ?? 5);
  const threads = availableParallelism();
  const rounds = calibrate(callMs);
  log(`${rounds} rounds ≈ ${callMs} ms per call; ${threads} threads; ${runs} runs`);

  const load = loadavg()[0]!;
  const backend = threadBackend({ threads });
  // The ceiling: the same work on a bare piscina pool of the same size, without Volley.
  const raw = new Piscina<number, string>({
    filename: import.meta.url,
    minThreads: threads,
    maxThreads: threads,
    execArgv: ["--require", createRequire(import.meta.url).resolve("tsx/cjs")],
  });
  await Promise.all(Array.from({ length: threads }, () => raw.run(1)));
  const executor = createExecutor({
    tools: [hashInline, hashWorker, spinWorker],
    backends: { worker: backend },
    retry: false,
  });

  // A cold start: the first attempt waits for the thread and the tools module.
  const coldStarted = performance.now();
  await executor.execute(
    Array.from({ length: threads }, (_, i) => ({
      id: `w${i}`,
      name: "hash_worker",
      args: { rounds: 1 },
    })),
  );
  const coldMs = performance.now() - coldStarted;

  const inline: BatchFigures[] = [];
  const worker: BatchFigures[] = [];
  const bare: BatchFigures[] = [];
  const rawBatch = async (): Promise<void> => {
    await Promise.all(Array.from({ length: calls }, () => raw.run(rounds)));
  };
  for (let i = 0; i < runs; i++) {
    inline.push(await measure(volleyBatch(executor, "hash_inline", calls, rounds)));
    worker.push(await measure(volleyBatch(executor, "hash_worker", calls, rounds)));
    bare.push(await measure(rawBatch));
    log(
      `run ${i + 1}: inline ${ms(inline[i]!.wallMs)} ms, worker ${ms(worker[i]!.wallMs)} ms, piscina ${ms(bare[i]!.wallMs)} ms; loop p99 ${ms(inline[i]!.p99Ms)} / ${ms(worker[i]!.p99Ms)} ms`,
    );
  }
  await raw.destroy();

  // A runaway tool: how long from its timeout to its outcome, and to a working thread again.
  const kills: number[] = [];
  const recoveries: number[] = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const started = performance.now();
    const report = await executor.execute([
      { id: "spin", name: "spin_worker", args: {}, timeoutMs: 200 },
    ]);
    kills.push(performance.now() - started);
    const kind = report.outcomes[0]?.status === "error" ? report.outcomes[0].error.kind : "ok";
    if (kind !== "timeout") throw new Error(`spin ended ${kind}, not timeout`);
    const again = performance.now();
    await executor.execute([{ id: "after", name: "hash_worker", args: { rounds: 1 } }]);
    recoveries.push(performance.now() - again);
  }
  await executor.close();

  const med = (rows: BatchFigures[], key: keyof BatchFigures) => median(rows.map((r) => r[key]));
  // Each run's ratio against the inline batch run just before it, then the median: on a shared
  // machine the CPU on offer drifts between runs, less so within one.
  const ratio = (rows: BatchFigures[]) => median(rows.map((r, i) => inline[i]!.wallMs / r.wallMs));
  const speedup = ratio(worker);
  const bareSpeedup = ratio(bare);
  const workerP99 = med(worker, "p99Ms");
  const mark = (ok: boolean) => (ok ? "met" : "missed");
  const lines = [
    `${calls} calls of a hash loop (~${callMs} ms each, ${rounds} SHA-256 rounds) in one batch, inline and in ${threads} worker threads (\`threadBackend()\`, sized to the cores), with a bare piscina pool of the same size as the ceiling. Medians of ${runs} runs (a speedup is the median of each run's ratio to the inline batch just before it)${quick ? " (--quick)" : ""}; loop delay is \`monitorEventLoopDelay\` during the batch. Load average at the start: ${load.toFixed(1)} on ${availableParallelism()} cores (the speedup needs idle cores).`,
    "",
    "| mode | wall (ms) | speedup | loop delay p99 (ms) | loop delay max (ms) |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| inline | ${ms(med(inline, "wallMs"))} | 1.00× | ${ms(med(inline, "p99Ms"))} | ${ms(med(inline, "maxMs"))} |`,
    `| worker (volley/threads) | ${ms(med(worker, "wallMs"))} | ${speedup.toFixed(2)}× | ${ms(workerP99)} | ${ms(med(worker, "maxMs"))} |`,
    `| bare piscina (ceiling) | ${ms(med(bare, "wallMs"))} | ${bareSpeedup.toFixed(2)}× | ${ms(med(bare, "p99Ms"))} | ${ms(med(bare, "maxMs"))} |`,
    "",
    "| figure | value | target |",
    "| --- | ---: | --- |",
    `| speedup, worker vs inline | ${speedup.toFixed(2)}× | ≥ 1.7× on 2 cores: ${mark(speedup >= 1.7)} |`,
    `| event-loop delay p99 with workers | ${ms(workerP99)} ms | ≤ 20 ms: ${mark(workerP99 <= 20)} |`,
    `| infinite loop with \`timeoutMs: 200\`: outcome after (median) | ${ms(median(kills))} ms | \`timeout\` within 400 ms: ${mark(median(kills) < 400)} |`,
    `| first call after the kill (thread replaced) | ${ms(median(recoveries))} ms | — |`,
    `| cold start: first calls on ${threads} new threads, from source via tsx | ${ms(coldMs)} ms | — |`,
  ];
  return lines.join("\n");
}

if (
  isMainThread &&
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === process.argv[1]
) {
  runThreadsBench(process.argv.includes("--quick")).then(
    (markdown) => {
      process.stdout.write(`${markdown}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`threads bench failed: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
