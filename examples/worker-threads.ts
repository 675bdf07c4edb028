/**
 * Worker threads: a CPU-bound tool runs in a pool of threads while an I/O tool stays inline, in
 * one batch. The event loop stays free, so the inline calls finish on time and timers fire.
 *
 * Run: npx tsx examples/worker-threads.ts
 * Peers: zod, piscina
 * Expect: Executed 8 tools
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { createExecutor, defineTool } from "volley";
import { threadBackend } from "volley/threads";
import { z } from "zod";
import { primes } from "./cpu-tools.js";

// An I/O tool (a stand-in for an HTTP request): it waits, so it runs inline, the default.
const lookup = defineTool({
  name: "lookup",
  description: "Look a word up",
  schema: z.object({ word: z.string() }),
  run: async ({ word }, { signal }) => {
    await sleep(300, undefined, { signal });
    return `${word}: found`;
  },
});

// Tools with isolation: "worker" run on backends.worker; the others stay inline.
const worker = threadBackend({ threads: 2 });
await using executor = createExecutor({ tools: [primes, lookup], backends: { worker } });
// Starts the threads and loads cpu-tools.ts in each, so the first calls do not wait for that.
await worker.warm();

const calls = [
  ...[1, 2, 3, 4].map((i) => ({ id: `primes_${i}`, name: "primes", args: { below: 1_000_000 } })),
  ...["alpha", "beta", "gamma", "delta"].map((word) => ({
    id: `lookup_${word}`,
    name: "lookup",
    args: { word },
  })),
];

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const batch = executor.execute(calls);
for await (const outcome of batch) {
  const shown = outcome.status === "ok" ? String(outcome.value) : outcome.error.message;
  const ms = String(Math.round(outcome.durationMs)).padStart(5);
  console.log(`${outcome.id.padEnd(13)} ${ms} ms  ${shown}`);
}
loop.disable();
const report = await batch;

const cpuMs = report.outcomes
  .filter((o) => o.name === "primes")
  .reduce((sum, o) => sum + Math.round(o.durationMs), 0);
console.log(`Executed ${report.outcomes.length} tools in ${(report.wallMs / 1000).toFixed(2)} s`);
console.log(
  `The prime counts computed for ${cpuMs} ms in 2 threads; the event loop's longest stall meanwhile: ${Math.round(loop.max / 1e6)} ms`,
);
