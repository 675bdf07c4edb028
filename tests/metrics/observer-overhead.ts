/**
 * Overhead of the observers on the core: 10,000 no-op calls in one batch, with none attached,
 * attached then detached, and each of logging, metrics and tracing attached. CPU time (user +
 * system) is measured beside wall time, as it holds steadier on a shared machine; rounds
 * interleave the configurations (no forced garbage collection: it slows the next batch several
 * times over and hides the observers' share).
 * Run: `npx tsx tests/metrics/observer-overhead.ts [rounds]` (default 15).
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
import { measureRounds, type Sample } from "../helpers/overhead-rounds.js";

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

/** One executor per configuration, attached once and reused, as an application would. */
const executors = new Map<string, Executor>(
  Object.entries(configs).map(([name, setup]) => {
    const executor = createExecutor({ tools: [noop] });
    setup(executor);
    return [name, executor];
  }),
);

async function once(executor: Executor): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await executor.execute(calls);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (report.counts.ok !== CALLS) throw new Error("a call failed");
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

await measureRounds({ configs: executors, once, runs: RUNS, calls: CALLS, label: "observers" });
