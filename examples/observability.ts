/**
 * One executor with every observer attached: JSON logs through pino, Prometheus metrics through
 * prom-client, OpenTelemetry spans, and the live dashboard (which serves those same metrics at
 * /metrics). It runs one batch (a retry that recovers, a call to a tool that does not exist),
 * prints what each observer saw, then closes everything.
 *
 * Run: npx tsx examples/observability.ts
 * Peers: zod, pino, prom-client, @opentelemetry/api, @opentelemetry/sdk-trace-base
 * Expect: 4 calls: 3 ok, 1 failed
 *
 * Add `--serve` to keep the dashboard up, with a batch every 2 seconds, until Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import pino from "pino";
import { Registry } from "prom-client";
import { createExecutor, defineTool } from "volley";
import { attachDashboard } from "volley/dashboard";
import { attachLogger } from "volley/logging";
import { attachMetrics, METRIC_NAMES } from "volley/metrics";
import { attachTracing } from "volley/tracing";
import { z } from "zod";

const search = defineTool({
  name: "search",
  description: "Searches the web",
  schema: z.object({ query: z.string() }),
  run: async ({ query }) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return `results for ${query}`;
  },
});

// Fails its first attempt, as a busy API would; the retry recovers.
const weather = defineTool({
  name: "weather",
  description: "Looks up the weather",
  schema: z.object({ city: z.string() }),
  retry: { maxAttempts: 3, initialInterval: 100 },
  run: async ({ city }, { attempt }) => {
    if (attempt === 1) throw new Error("503 Service Unavailable");
    return `sunny in ${city}`;
  },
});

await using executor = createExecutor({ tools: [search, weather] });

// Logs: one JSON line per event. At "warn", only retries and failures are written.
using _logs = attachLogger(executor, pino({ level: "warn" }));

// Metrics on a registry of our own, which the dashboard serves at /metrics too.
const registry = new Registry();
using _metrics = attachMetrics(executor, { registry });

// Traces: an in-memory exporter stands in for your OTLP exporter.
const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
using _tracing = attachTracing(executor, provider.getTracer("observability-example"));

// The dashboard, on a free port of 127.0.0.1, behind a token.
const token = randomBytes(18).toString("base64url");
await using dashboard = await attachDashboard(executor, { port: 0, token, metrics: registry });
console.log(`Dashboard: ${dashboard.url}?token=${token}`);

const calls = [
  { id: "call_1", name: "search", args: { query: "parallel tool calls" } },
  { id: "call_2", name: "search", args: { query: "server-sent events" } },
  { id: "call_3", name: "weather", args: { city: "Lisbon" } },
  { id: "call_4", name: "summarize", args: { text: "a tool the model made up" } },
];
const report = await executor.execute(calls);
const failed = report.outcomes.filter((o) => o.status === "error").length;
console.log(
  `${calls.length} calls: ${calls.length - failed} ok, ${failed} failed in ${Math.round(report.wallMs)} ms`,
);

console.log("\nMetrics (from the registry):");
const text = await registry.metrics();
for (const line of text.split("\n")) {
  if (line.startsWith(METRIC_NAMES.calls) || line.startsWith(METRIC_NAMES.retries)) {
    console.log(`  ${line}`);
  }
}

console.log("\nSpans:");
for (const span of spans.getFinishedSpans()) {
  const error = span.attributes["error.type"];
  console.log(`  ${span.name}${error === undefined ? "" : ` (error.type=${String(error)})`}`);
}

if (process.argv.includes("--serve")) {
  console.log(`\nServing ${dashboard.url}?token=${token} until Ctrl-C`);
  const timer = setInterval(() => void executor.execute(calls), 2_000);
  await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  clearInterval(timer);
}
await provider.shutdown();
