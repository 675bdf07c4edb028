/**
 * Batch-processing benchmarks: fair sharing across tenants, and longest-expected-first (LPT)
 * ordering. Prints a markdown table. `npx tsx bench/batching.ts [--quick]`.
 *
 * Fairness: tenant A floods the executor; tenant B then sends 5 calls. B's time is compared with
 * its time on an idle executor, with tenants (weighted fair queuing) and without (one FIFO line).
 *
 * LPT: 200 calls at concurrency 8, listed shortest first: 190 to a 20 ms tool, 10 to a 500 ms
 * tool, after a warm-up batch so that Volley has learned the durations (none are declared). The
 * makespan is given as a ratio to the lower bound max(max t, Σt / k), for Volley and for
 * p-limit's FIFO on the same calls.
 */
import pLimit from "p-limit";
import { createExecutor, defineTool, type Executor, type ToolCall } from "../src/index.js";

const quick = process.argv.includes("--quick");

const schema = { safeParse: (v: unknown) => ({ success: true as const, data: v }) };
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

const work = defineTool({
  name: "work",
  description: "waits args.ms",
  schema,
  run: async (args: unknown, { signal }) => sleep((args as { ms: number }).ms, signal),
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// ─── fairness ──────────────────────────────────────────────────────────────

const FLOOD = quick ? 3_000 : 10_000;
const CONCURRENCY = 64;

async function timeOfB(executor: Executor, tenants: boolean): Promise<number> {
  const calls = Array.from({ length: 5 }, (_, i) => ({
    id: `b${i}`,
    name: "work",
    args: { ms: 20 },
  }));
  const started = performance.now();
  await executor.execute(calls, tenants ? { tenant: "B" } : {});
  return performance.now() - started;
}

async function fairness(tenants: boolean): Promise<{ alone: number; flooded: number }> {
  const alone: number[] = [];
  const flooded: number[] = [];
  for (let round = 0; round < 3; round++) {
    const idle = createExecutor({ tools: [work], concurrency: CONCURRENCY });
    alone.push(await timeOfB(idle, tenants));
    await idle.close();
    const busy = createExecutor({ tools: [work], concurrency: CONCURRENCY });
    // Warm up, so that A's calls and B's carry the same learned estimate: only the queue
    // discipline differs between the two rows.
    await busy.execute([{ id: "warm", name: "work", args: { ms: 20 } }]);
    const flood = Array.from({ length: FLOOD }, (_, i) => ({
      id: `a${i}`,
      name: "work",
      args: { ms: 15 + (i % 11) },
    }));
    const a = busy.execute(flood, { collect: false, ...(tenants && { tenant: "A" }) });
    await sleep(200);
    flooded.push(await timeOfB(busy, tenants));
    a.cancel("benchmark over");
    await busy.close();
  }
  return { alone: median(alone), flooded: median(flooded) };
}

// ─── longest expected first ────────────────────────────────────────────────

const SHORT_MS = 20;
const LONG_MS = 500;
const K = 8;
const durations = [...Array<number>(190).fill(SHORT_MS), ...Array<number>(10).fill(LONG_MS)];
const lowerBound = Math.max(Math.max(...durations), durations.reduce((a, b) => a + b, 0) / K);

async function volleyMakespan(): Promise<number> {
  const short = defineTool({
    name: "short",
    description: "20 ms",
    schema,
    run: (_args: unknown, { signal }) => sleep(SHORT_MS, signal),
  });
  const long = defineTool({
    name: "long",
    description: "500 ms",
    schema,
    run: (_args: unknown, { signal }) => sleep(LONG_MS, signal),
  });
  const executor = createExecutor({ tools: [short, long], concurrency: K });
  // Warm-up: the executor learns both tools' durations.
  await executor.execute([
    { id: "w1", name: "short", args: {} },
    { id: "w2", name: "long", args: {} },
  ]);
  const calls: ToolCall[] = durations.map((ms, i) => ({
    id: `c${i}`,
    name: ms === LONG_MS ? "long" : "short",
    args: {},
  }));
  const started = performance.now();
  await executor.execute(calls);
  const makespan = performance.now() - started;
  await executor.close();
  return makespan;
}

async function fifoMakespan(): Promise<number> {
  const limit = pLimit(K);
  const started = performance.now();
  await Promise.all(durations.map((ms) => limit(() => sleep(ms))));
  return performance.now() - started;
}

// ─── report ────────────────────────────────────────────────────────────────

const fair = await fairness(true);
const fifo = await fairness(false);
const runs = quick ? 1 : 3;
const volley: number[] = [];
const plimit: number[] = [];
for (let i = 0; i < runs; i++) {
  volley.push(await volleyMakespan());
  plimit.push(await fifoMakespan());
}
const lptVolley = median(volley) / lowerBound;
const lptFifo = median(plimit) / lowerBound;
const fairRatio = fair.flooded / fair.alone;
const fifoRatio = fifo.flooded / fifo.alone;

const f = (n: number, digits = 2): string => n.toFixed(digits);
console.log(`| row | measure | Volley | baseline | target |
| --- | --- | --- | --- | --- |
| fairness | B's 5 calls while A floods ${FLOOD.toLocaleString("en")} (concurrency ${CONCURRENCY}), × B alone | **${f(fairRatio)}×** (${f(fair.flooded, 0)} ms vs ${f(fair.alone, 0)} ms) | one FIFO line: ${f(fifoRatio)}× (${f(fifo.flooded, 0)} ms) | ≤ 2× |
| LPT | makespan of 190 × ${SHORT_MS} ms + 10 × ${LONG_MS} ms at k=${K}, listed shortest first, ÷ lower bound ${f(lowerBound, 0)} ms | **${f(lptVolley)}** (${f(median(volley), 0)} ms, learned estimates) | p-limit FIFO: ${f(lptFifo)} (${f(median(plimit), 0)} ms) | ≤ 1.10 |

Median of ${runs === 1 ? "1 run" : `${runs} runs`} (fairness: of 3)${quick ? ", --quick" : ""}. The fairness baseline is the same executor without tenants, where B waits behind A's queue.`);
