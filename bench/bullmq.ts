/**
 * `npx tsx bench/bullmq.ts [--quick]`: no-op calls through `volley/bullmq` against raw BullMQ on
 * the same Redis, in the same run. Throughput with 1 and 2 worker processes (concurrency 50
 * each), and the idle round trip (one call at a time) at p50 and p99. Raw BullMQ adds a job and
 * waits for its `completed` event; Volley runs `execute([call])` on an executor with
 * `bullmqBackend()`. Prints markdown on stdout, progress on stderr.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { bullmqBackend } from "../src/bullmq/index.js";
import { createExecutor } from "../src/index.js";
import { startRedis } from "../tests/helpers/redis-server.js";
import { noop } from "./bullmq-worker.js";

const quick = process.argv.includes("--quick");
const JOBS = quick ? 2_000 : 20_000;
const TRIPS = quick ? 200 : 2_000;
const CONCURRENCY = 50;
const log = (line: string) => void process.stderr.write(`${line}\n`);
const workerScript = fileURLToPath(new URL("./bullmq-worker.ts", import.meta.url));

async function startWorkers(mode: "raw" | "volley", url: string, queue: string, n: number) {
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", workerScript, mode, url, queue, String(CONCURRENCY)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.setEncoding("utf8").on("data", (d: string) => d.includes("ready") && resolve());
      child.once("exit", (code) => reject(new Error(`${mode} worker exited ${code}`)));
    });
  }
  return async () => {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? once(c, "exit") : undefined)));
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Result {
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
}

async function raw(url: string, queue: string, workers: number, trips: boolean): Promise<Result> {
  const stop = await startWorkers("raw", url, queue, workers);
  const connection = { url, maxRetriesPerRequest: null };
  // BullMQ trims its event stream to 10,000 entries by default; each job writes several, so a
  // reader that falls behind would lose `completed` events, and the count would never be reached.
  const q = new Queue(queue, { connection, streams: { events: { maxLen: JOBS * 10 } } });
  await q.waitUntilReady();
  // A fresh queue: read its stream from the start, so that no early event is missed.
  const events = new QueueEvents(queue, { connection, lastEventId: "0" });
  await events.waitUntilReady();
  try {
    const opts = { removeOnComplete: true, removeOnFail: true };
    let done = 0;
    let finish!: () => void;
    let fail!: (error: Error) => void;
    const all = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
    let last = performance.now();
    const onCompleted = () => {
      last = performance.now();
      if (++done === JOBS) finish();
    };
    events.on("completed", onCompleted);
    // A run that stops making progress fails, saying how far it got, instead of hanging the bench.
    const watchdog = setInterval(() => {
      if (performance.now() - last > 30_000) {
        fail(new Error(`raw BullMQ: no job completed for 30 s, after ${done} of ${JOBS}`));
      }
    }, 1_000);
    const started = performance.now();
    await Promise.all(Array.from({ length: JOBS }, (_, i) => q.add("noop", { i }, opts)));
    await all.finally(() => clearInterval(watchdog));
    const throughput = JOBS / ((performance.now() - started) / 1_000);
    events.off("completed", onCompleted);
    const times: number[] = [];
    if (trips) {
      for (let i = 0; i < TRIPS; i++) {
        const t = performance.now();
        const job = await q.add("noop", { i }, { removeOnComplete: 100, removeOnFail: 100 });
        await job.waitUntilFinished(events);
        times.push(performance.now() - t);
      }
    }
    times.sort((a, b) => a - b);
    return { throughput, p50: percentile(times, 50) ?? NaN, p99: percentile(times, 99) ?? NaN };
  } finally {
    await Promise.all([q.close(), events.close()]);
    await stop();
  }
}

async function volley(
  url: string,
  queue: string,
  workers: number,
  trips: boolean,
): Promise<Result> {
  const stop = await startWorkers("volley", url, queue, workers);
  const executor = createExecutor({
    tools: [noop],
    concurrency: Number.POSITIVE_INFINITY,
    backend: bullmqBackend({ connection: url, queue }),
  });
  try {
    await executor.execute([{ id: "warm", name: "noop", args: { i: 0 } }]);
    const calls = Array.from({ length: JOBS }, (_, i) => ({
      id: `c${i}`,
      name: "noop",
      args: { i },
    }));
    const started = performance.now();
    const report = await executor.execute(calls, { collect: false });
    if (report.counts.ok !== JOBS) throw new Error(`only ${report.counts.ok} of ${JOBS} ok`);
    const throughput = JOBS / ((performance.now() - started) / 1_000);
    const times: number[] = [];
    if (trips) {
      for (let i = 0; i < TRIPS; i++) {
        const t = performance.now();
        await executor.execute([{ id: `t${i}`, name: "noop", args: { i } }]);
        times.push(performance.now() - t);
      }
    }
    times.sort((a, b) => a - b);
    return { throughput, p50: percentile(times, 50) ?? NaN, p99: percentile(times, 99) ?? NaN };
  } finally {
    await executor.close();
    await stop();
  }
}

const redis = await startRedis();
try {
  const rows: string[] = [];
  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");
  for (const workers of [1, 2]) {
    const trips = workers === 1;
    log(`bullmq: raw BullMQ, ${workers} worker process(es)`);
    const r = await raw(redis.url, `raw-${workers}`, workers, trips);
    log(`bullmq: volley/bullmq, ${workers} worker process(es)`);
    const v = await volley(redis.url, `volley-${workers}`, workers, trips);
    rows.push(
      `| ${workers} | ${Math.round(r.throughput)} | ${Math.round(v.throughput)} | ${(v.throughput / r.throughput).toFixed(2)}× | ${trips ? `${fmt(r.p50)} / ${fmt(r.p99)}` : "–"} | ${trips ? `${fmt(v.p50)} / ${fmt(v.p99)}` : "–"} | ${trips ? `+${fmt(v.p50 - r.p50)}` : "–"} |`,
    );
  }
  console.log(`${JOBS} no-op calls per run, worker concurrency ${CONCURRENCY}, Redis on loopback; round trips: ${TRIPS} calls one at a time.

| worker processes | raw BullMQ jobs/s | volley/bullmq calls/s | ratio (target ≥ 0.8×) | raw round trip p50 / p99 (ms) | volley round trip p50 / p99 (ms) | added at p50 (ms, target ≤ 0.5) |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}`);
} finally {
  await redis.stop();
}
