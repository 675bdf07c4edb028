/**
 * `npx tsx bench/bullmq.ts [--quick] [--runs N] [--workers 1,2] [--only raw|volley] [--no-trips] [--commands] [--prof DIR]`:
 * no-op calls through `volley/bullmq` against raw BullMQ on the same Redis, in the same run.
 * Throughput with 1 and 2 worker processes (concurrency 50 each), and the idle round trip (one
 * call at a time) at p50 and p99. Raw BullMQ adds a job and waits for its `completed` event;
 * Volley runs `execute([call])` on an executor with `bullmqBackend()`. Prints markdown on stdout,
 * progress on stderr.
 *
 * `--runs N` repeats each pair N times and reports the medians (the ratio is the median of the
 * runs' ratios). `--prof DIR` runs the worker processes under `node --cpu-prof`, writing their
 * profiles to DIR (profile the caller with `node --cpu-prof --import tsx bench/bullmq.ts`).
 * `--commands` prints the Redis commands per call of each run (`INFO commandstats`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { bullmqBackend } from "../src/bullmq/index.js";
import { createExecutor } from "../src/index.js";
import { startRedis } from "../tests/helpers/redis-server.js";
import { noop } from "./bullmq-worker.js";

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const quick = argv.includes("--quick");
const RUNS = Number(flag("--runs") ?? 1);
const WORKERS = (flag("--workers") ?? "1,2").split(",").map(Number);
const ONLY = flag("--only");
const PROF = flag("--prof");
const COMMANDS = argv.includes("--commands");
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
      [
        ...(PROF === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${PROF}`]),
        "--import",
        "tsx",
        workerScript,
        mode,
        url,
        queue,
        String(CONCURRENCY),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.setEncoding("utf8").on("data", (d: string) => d.includes("ready") && resolve());
      child.once("exit", (code) => reject(new Error(`${mode} worker exited ${code}`)));
    });
  }
  const stop = async () => {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? once(c, "exit") : undefined)));
  };
  /** The workers' CPU time since they were ready, summed (ms). */
  const cpu = async () => {
    const each = children.map(
      (child) =>
        new Promise<number>((resolve) => {
          const onData = (d: string) => {
            const ms = /cpu (\S+)/.exec(d)?.[1];
            if (ms === undefined) return;
            child.stdout!.off("data", onData);
            resolve(Number(ms));
          };
          child.stdout!.on("data", onData);
          child.kill("SIGUSR2");
        }),
    );
    return (await Promise.all(each)).reduce((a, b) => a + b, 0);
  };
  return { stop, cpu };
}

/** Redis's calls per command so far (`INFO commandstats`). */
async function commandCalls(url: string): Promise<Map<string, number>> {
  const client = new Redis(url);
  try {
    const info = await client.info("commandstats");
    const calls = new Map<string, number>();
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
    return calls;
  } finally {
    client.disconnect();
  }
}

/** With `--commands`: prints the Redis commands per call of a run, from `before`. */
async function logCommands(what: string, url: string, before: Map<string, number> | undefined) {
  if (before === undefined) return;
  const after = await commandCalls(url);
  const per = [...after]
    .map(([name, n]) => [name, (n - (before.get(name) ?? 0)) / JOBS] as const)
    .filter(([, n]) => n >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n.toFixed(2)}`);
  log(`bullmq:   ${what} Redis commands per call: ${per.join(", ")}`);
}

/** This process's CPU time since `since` (ms). */
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1_000;
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Result {
  readonly throughput: number;
  /** CPU time per call of the caller and of the workers together (µs), in the throughput run. */
  readonly callerUs: number;
  readonly workerUs: number;
  readonly p50: number;
  readonly p99: number;
}

async function raw(url: string, queue: string, workers: number, trips: boolean): Promise<Result> {
  const { stop, cpu } = await startWorkers("raw", url, queue, workers);
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
    const workerBefore = await cpu();
    const commands = COMMANDS ? await commandCalls(url) : undefined;
    const started = performance.now();
    const usage = process.cpuUsage();
    await Promise.all(Array.from({ length: JOBS }, (_, i) => q.add("noop", { i }, opts)));
    await all.finally(() => clearInterval(watchdog));
    const throughput = JOBS / ((performance.now() - started) / 1_000);
    const callerUs = (cpuMs(usage) * 1_000) / JOBS;
    const workerUs = ((await cpu()) - workerBefore) * (1_000 / JOBS);
    await logCommands("raw", url, commands);
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
    return {
      throughput,
      callerUs,
      workerUs,
      p50: percentile(times, 50) ?? NaN,
      p99: percentile(times, 99) ?? NaN,
    };
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
  const { stop, cpu } = await startWorkers("volley", url, queue, workers);
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
    const workerBefore = await cpu();
    const commands = COMMANDS ? await commandCalls(url) : undefined;
    const started = performance.now();
    const usage = process.cpuUsage();
    const failures = new Map<string, number>();
    const off = executor.on("call:finished", ({ outcome }) => {
      if (outcome.status !== "error") return;
      const what = `${outcome.error.kind}: ${outcome.error.message}`;
      failures.set(what, (failures.get(what) ?? 0) + 1);
    });
    const report = await executor.execute(calls, { collect: false });
    off();
    if (report.counts.ok !== JOBS) {
      const first = [...failures].slice(0, 3).map(([what, n]) => `${n}× ${what}`);
      throw new Error(`only ${report.counts.ok} of ${JOBS} ok: ${first.join("; ")}`);
    }
    const throughput = JOBS / ((performance.now() - started) / 1_000);
    const callerUs = (cpuMs(usage) * 1_000) / JOBS;
    const workerUs = ((await cpu()) - workerBefore) * (1_000 / JOBS);
    await logCommands("volley", url, commands);
    const times: number[] = [];
    if (trips) {
      for (let i = 0; i < TRIPS; i++) {
        const t = performance.now();
        await executor.execute([{ id: `t${i}`, name: "noop", args: { i } }]);
        times.push(performance.now() - t);
      }
    }
    times.sort((a, b) => a - b);
    return {
      throughput,
      callerUs,
      workerUs,
      p50: percentile(times, 50) ?? NaN,
      p99: percentile(times, 99) ?? NaN,
    };
  } finally {
    await executor.close();
    await stop();
  }
}

const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const none: Result = { throughput: NaN, callerUs: NaN, workerUs: NaN, p50: NaN, p99: NaN };

const redis = await startRedis();
try {
  const rows: string[] = [];
  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");
  for (const workers of WORKERS) {
    const trips = workers === 1 && !argv.includes("--no-trips");
    const runs: { r: Result; v: Result }[] = [];
    for (let run = 0; run < RUNS; run++) {
      const tag = `${workers}-${run}`;
      log(`bullmq: raw BullMQ, ${workers} worker process(es), run ${run + 1} of ${RUNS}`);
      const r = ONLY === "volley" ? none : await raw(redis.url, `raw-${tag}`, workers, trips);
      log(`bullmq: volley/bullmq, ${workers} worker process(es), run ${run + 1} of ${RUNS}`);
      const v = ONLY === "raw" ? none : await volley(redis.url, `volley-${tag}`, workers, trips);
      log(
        `bullmq:   raw ${Math.round(r.throughput)}/s, volley ${Math.round(v.throughput)}/s, ratio ${(v.throughput / r.throughput).toFixed(2)}; p50 ${fmt(r.p50)} vs ${fmt(v.p50)} ms; CPU per call (µs) caller ${Math.round(r.callerUs)} vs ${Math.round(v.callerUs)}, workers ${Math.round(r.workerUs)} vs ${Math.round(v.workerUs)}`,
      );
      runs.push({ r, v });
    }
    const m = (pick: (x: { r: Result; v: Result }) => number) => median(runs.map(pick));
    const of = (side: "r" | "v"): Result => ({
      throughput: m((x) => x[side].throughput),
      callerUs: m((x) => x[side].callerUs),
      workerUs: m((x) => x[side].workerUs),
      p50: m((x) => x[side].p50),
      p99: m((x) => x[side].p99),
    });
    const r = of("r");
    const v = of("v");
    const ratio = m((x) => x.v.throughput / x.r.throughput);
    const added = m((x) => x.v.p50 - x.r.p50);
    rows.push(
      `| ${workers} | ${Math.round(r.throughput)} | ${Math.round(v.throughput)} | ${ratio.toFixed(2)}× | ${trips ? `${fmt(r.p50)} / ${fmt(r.p99)}` : "–"} | ${trips ? `${fmt(v.p50)} / ${fmt(v.p99)}` : "–"} | ${trips ? `+${fmt(added)}` : "–"} | ${Math.round(r.callerUs)} / ${Math.round(r.workerUs)} | ${Math.round(v.callerUs)} / ${Math.round(v.workerUs)} |`,
    );
  }
  console.log(`${JOBS} no-op calls per run, worker concurrency ${CONCURRENCY}, Redis on loopback; round trips: ${TRIPS} calls one at a time${RUNS > 1 ? `; medians of ${RUNS} runs` : ""}.

| worker processes | raw BullMQ jobs/s | volley/bullmq calls/s | ratio (target ≥ 0.8×) | raw round trip p50 / p99 (ms) | volley round trip p50 / p99 (ms) | added at p50 (ms, target ≤ 0.5) | raw CPU per call, caller / workers (µs) | volley CPU per call, caller / workers (µs) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}`);
} finally {
  await redis.stop();
}
