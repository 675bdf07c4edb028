/**
 * Progress from worker threads: a CPU-bound tool reports each file it finishes through
 * `ctx.progress()`. The reports reach this thread as `call:progress` events, and each one restarts
 * the tool's `idleTimeoutMs`, so the call that hangs ends `timeout` a second after its last report
 * and its thread is terminated, while the other runs to the end.
 *
 * Run: npx tsx examples/threads-progress.ts
 * Peers: zod, piscina
 * Expect: stuck: timeout
 */
import { createExecutor } from "volley";
import { threadBackend } from "volley/threads";
import { checksum } from "./threads-progress-tools.js";

const worker = threadBackend({ threads: 2 });
await using executor = createExecutor({ tools: [checksum], backends: { worker } });
// Starts the threads and loads the tools module in each: the idle timer starts with the attempt.
await worker.warm();

executor.on("call:progress", (e) => {
  console.log(`${e.callId.padEnd(6)} ${e.progress}/${e.total}  ${e.message}`);
});

const report = await executor.execute([
  { id: "all", name: "checksum", args: { files: 5 } },
  { id: "stuck", name: "checksum", args: { files: 5, hangAt: 3 } },
]);
for (const outcome of report.outcomes) {
  const shown = outcome.status === "ok" ? outcome.value : outcome.error.message;
  const status = outcome.status === "ok" ? "ok" : outcome.error.kind;
  console.log(`${outcome.id}: ${status} after ${Math.round(outcome.durationMs)} ms  ${shown}`);
}
console.log(`Threads terminated: ${worker.stats().killed}`);
