/**
 * Overhead of the observers on the core: 10,000 no-op calls in one batch, with none attached,
 * attached then detached, and each of logging, metrics and tracing attached (median of several
 * interleaved runs, a garbage collection before each).
 * Run: `node --expose-gc --import tsx tests/metrics/observer-overhead.ts [runs]`.
 */
import { context, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import pino from "pino";
import { Registry } from "prom-client";
import { createExecutor, defineTool, type Executor } from "../../src/index.js";
import { attachLogger } from "../../src/logging/index.js";
import { attachMetrics } from "../../src/metrics/index.js";
import { attachTracing } from "../../src/tracing/index.js";

const CALLS = 10_000;
const RUNS = Number(process.argv[2] ?? 15);

const noop = defineTool({
  name: "noop",
  description: "Does nothing",
  // The lightest schema the core accepts, so that the observers' share shows.
  schema: { safeParse: (value: unknown) => ({ success: true as const, data: value }) },
  run: () => 1,
});
const calls = Array.from({ length: CALLS }, (_, i) => ({
  id: `c${i}`,
  name: "noop",
  args: { i, apiKey: "k" },
}));

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const sdkTracer: Tracer = new BasicTracerProvider({
  spanProcessors: [
    new SimpleSpanProcessor({
      export: (_spans, done) => done({ code: 0 }),
      shutdown: () => Promise.resolve(),
    }),
  ],
}).getTracer("bench");
const devNull = pino.destination({ dest: "/dev/null", sync: true });
const asyncNull = pino.destination({ dest: "/dev/null", sync: false, minLength: 8192 });
const batchTracer: Tracer = new BasicTracerProvider({
  spanProcessors: [
    new BatchSpanProcessor(
      {
        export: (_spans, done) => done({ code: 0 }),
        shutdown: () => Promise.resolve(),
      },
      { maxQueueSize: 100_000, maxExportBatchSize: 512 },
    ),
  ],
}).getTracer("bench");

type Setup = (executor: Executor) => void;
const configs: Record<string, Setup> = {
  none: () => {},
  "attached then detached": (e) => {
    attachLogger(e, pino(devNull)).detach();
    attachMetrics(e, { registry: new Registry() }).detach();
    attachTracing(e, sdkTracer).detach();
  },
  logging: (e) => void attachLogger(e, pino(devNull)),
  "logging (level silent)": (e) => void attachLogger(e, pino({ level: "silent" }, devNull)),
  "logging (async dest)": (e) => void attachLogger(e, pino(asyncNull)),
  metrics: (e) => void attachMetrics(e, { registry: new Registry() }),
  "tracing (API only, no SDK)": (e) => void attachTracing(e, trace.getTracer("noop")),
  "tracing (SDK, recording)": (e) => void attachTracing(e, sdkTracer),
  "tracing (SDK, batch processor)": (e) => void attachTracing(e, batchTracer),
  "all three": (e) => {
    attachLogger(e, pino(devNull));
    attachMetrics(e, { registry: new Registry() });
    attachTracing(e, sdkTracer);
  },
};

async function once(setup: Setup): Promise<number> {
  const executor = createExecutor({ tools: [noop] });
  setup(executor);
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  const report = await executor.execute(calls);
  const ms = performance.now() - t0;
  if (report.counts.ok !== CALLS) throw new Error("a call failed");
  return ms;
}

const samples: Record<string, number[]> = Object.fromEntries(
  Object.keys(configs).map((k) => [k, []]),
);
for (const setup of Object.values(configs)) await once(setup); // warm up
for (let run = 0; run < RUNS; run++) {
  // Interleaved, so that the machine's noise spreads over every configuration alike.
  for (const [name, setup] of Object.entries(configs)) samples[name]!.push(await once(setup));
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const base = median(samples["none"]!);
console.log(`${CALLS} no-op calls, median of ${RUNS} runs (node ${process.version})`);
console.log("| observers | median ms per batch | µs per call | vs none | fastest ms |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  console.log(
    `| ${name} | ${m.toFixed(1)} | ${((m * 1000) / CALLS).toFixed(2)} | ×${(m / base).toFixed(2)} | ${Math.min(...xs).toFixed(1)} |`,
  );
}
