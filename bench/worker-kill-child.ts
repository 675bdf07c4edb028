/**
 * A worker process of the worker-kill trials (`worker-kill-trials.ts`). Spawned as
 * `node --import tsx bench/worker-kill-child.ts` with `WORKER_KILL_REDIS` and `WORKER_KILL_LOG`
 * set; prints `loaded` once its modules are in. Each stdin line `queue <name>` closes the worker
 * it runs (if any) and starts one on that cluster (`startWorker` with the trials' tools and short
 * locks), then prints `ready <name>`, so that one process serves trial after trial. When stdin
 * ends it closes its worker and exits 0. The parent SIGKILLs it mid-call.
 */
import { createInterface } from "node:readline";
import { startWorker, type VolleyWorker } from "../src/bullmq/index.js";
import {
  LOCK_DURATION_MS,
  STALLED_INTERVAL_MS,
  logLine,
  workerKillTools,
} from "./worker-kill-tools.js";

const connection = process.env["WORKER_KILL_REDIS"]!;
let worker: VolleyWorker | undefined;

async function serve(queue: string): Promise<void> {
  const old = worker;
  worker = undefined;
  await old?.close({ graceMs: 1_000 });
  const next = await startWorker({
    connection,
    queue,
    tools: [...workerKillTools],
    concurrency: 8,
    lockDurationMs: LOCK_DURATION_MS,
    stalledIntervalMs: STALLED_INTERVAL_MS,
    heartbeatMs: 200,
    publishEvents: false,
  });
  next.executor.on("call:queued", (e) => logLine(`taken ${process.pid} ${e.callId}`));
  worker = next;
  console.log(`ready ${queue}`);
}

let chain = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const [command, queue] = line.split(" ");
  if (command === "queue" && queue !== undefined) chain = chain.then(() => serve(queue));
});
lines.on("close", () => {
  chain = chain.then(async () => {
    await worker?.close({ graceMs: 1_000 });
    process.exit(0);
  });
});
console.log("loaded");
