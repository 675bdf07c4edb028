/**
 * A worker process of `bench/bullmq.ts`: `raw` is a plain BullMQ Worker with a no-op processor,
 * `volley` is `startWorker()` with a no-op tool. Prints "ready" once it takes jobs, stops on
 * SIGTERM, and on SIGUSR2 prints "cpu <ms>": its CPU time since it was ready.
 */
import { fileURLToPath } from "node:url";
import { Worker } from "bullmq";
import { z } from "zod";
import { startWorker } from "../src/bullmq/index.js";
import { defineTool } from "../src/index.js";

export const noop = defineTool({
  name: "noop",
  description: "Does nothing",
  schema: z.object({ i: z.number() }),
  run: ({ i }) => i,
});

const [mode, url, queue, concurrency] = process.argv.slice(2) as [string, string, string, string];
// Also the tools module of the bench's caller, which imports `noop` only.
const main = process.argv[1] === fileURLToPath(import.meta.url);
/** Prints the CPU time used since `ready`, when the bench asks. */
function reportCpuFromNow(): void {
  const since = process.cpuUsage();
  process.on("SIGUSR2", () => {
    const used = process.cpuUsage(since);
    console.log(`cpu ${(used.user + used.system) / 1_000}`);
  });
}
if (!main) {
  // Imported for its tool.
} else if (mode === "raw") {
  const worker = new Worker(queue, async (job) => (job.data as { i: number }).i, {
    connection: { url, maxRetriesPerRequest: null },
    concurrency: Number(concurrency),
  });
  await worker.waitUntilReady();
  reportCpuFromNow();
  console.log("ready");
  process.once("SIGTERM", () => void worker.close().then(() => process.exit(0)));
} else {
  const worker = await startWorker({
    connection: url,
    queue,
    tools: [noop],
    concurrency: Number(concurrency),
  });
  reportCpuFromNow();
  console.log("ready");
  process.once("SIGTERM", () => void worker.close().then(() => process.exit(0)));
}
