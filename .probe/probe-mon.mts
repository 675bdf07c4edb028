import { createExecutor, defineTool } from "/work/wt-audit-rest/src/core/index.ts";
import { attachLogger } from "/work/wt-audit-rest/src/logging/index.ts";
import { attachTracing } from "/work/wt-audit-rest/src/tracing/index.ts";
import { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { z } from "zod";
const echo = defineTool({ name: "echo", description: "x", schema: z.any(), run: (a: any) => a });
const ex = createExecutor({ tools: [echo], retry: false });
const lines: any[] = [];
const sink = { debug() {}, info(o: any) { lines.push(o); }, warn(o: any) { lines.push(o); } };
attachLogger(ex, sink);
const args = JSON.parse('{"__proto__": {"password": "hunter2", "x": 1}, "nested": [{"apiKey": "k"}], "headers": {"Authorization": "Bearer abc"}, "privateKey": "PEM", "client_secret": "s"}');
await ex.execute([{ id: "a", name: "echo", args }]);
console.log(JSON.stringify(lines[0].args), "|", JSON.stringify(lines[1].result));
// throwing logger
const ex2 = createExecutor({ tools: [echo], retry: false });
attachLogger(ex2, { debug() {}, info() { throw new Error("logger down"); }, warn() { throw new Error("logger down"); } });
process.on("warning", (w) => console.log("warning:", w.message.slice(0, 100)));
const r2 = await ex2.execute([{ id: "a", name: "echo", args: { x: 1 } }]);
console.log("throwing logger batch:", r2.counts);
// throwing exporter
const exporter = { export() { throw new Error("exporter down"); }, shutdown: async () => {} };
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter as any)] });
const ex3 = createExecutor({ tools: [echo], retry: false });
const h = attachTracing(ex3, provider.getTracer("t"));
const r3 = await ex3.execute([{ id: "a", name: "echo", args: { x: 1 } }, { id: "b", name: "echo", args: { x: 2 } }]);
console.log("throwing exporter batch:", r3.counts);
h.detach(); h.detach();
// memory: many batches with tracing attached, batch spans map cleared?
const mem = new InMemorySpanExporter();
const p2 = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(mem)] });
const ex4 = createExecutor({ tools: [echo], retry: false });
attachTracing(ex4, p2.getTracer("t"));
const r4 = await ex4.execute([{ id: "a", name: "echo", args: {} }, { id: "a", name: "echo", args: {} }, { id: "c", name: "nope", args: {} }]);
console.log(r4.outcomes.map((o: any) => o.id + ":" + o.status + ":" + (o.error?.kind ?? "")), mem.getFinishedSpans().map((s) => s.name + " " + s.attributes["gen_ai.tool.call.id"]));
