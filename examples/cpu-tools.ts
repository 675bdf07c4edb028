/**
 * A tools module of CPU-bound tools for worker threads: each thread loads this module and finds
 * a tool in it by name. Used by examples/worker-threads.ts; `volley run` runs its tools in
 * threads as they are (see docs/threads.md).
 *
 * Keep the top level free of work and side effects: it runs in every thread, and in the main
 * thread too where its tools are imported.
 */
import { defineTool } from "volley";
import { z } from "zod";

/** Counts the primes below `below`, the slow way: pure CPU, no await. */
function countPrimes(below: number): number {
  let count = 0;
  for (let n = 2; n < below; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

export const primes = defineTool({
  name: "primes",
  description: "Count the prime numbers below a bound",
  schema: z.object({ below: z.number().int().min(2).max(50_000_000) }),
  isolation: "worker", // run in a worker thread …
  module: import.meta.url, // … that loads the tool from this module
  timeoutMs: 5_000, // past it, the thread is terminated: the loop really stops
  run: ({ below }) => countPrimes(below),
});
