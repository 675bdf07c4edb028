import { createExecutor, defineTool } from "../src/core/index.ts";
import { attachDashboard } from "../src/dashboard/index.ts";
import { z } from "zod";
import http from "node:http";
const tools = [defineTool({ name: "echo", description: "x", schema: z.any(), run: (a: any) => a })];
const ex = createExecutor({ tools, retry: false, concurrency: 256 });
const d = await attachDashboard(ex, { port: 0 });
console.log(d.url);
// connect 34 clients
const statuses: number[] = [];
const reqs: http.ClientRequest[] = [];
let bytes = 0;
for (let i = 0; i < 34; i++) {
  await new Promise<void>((res) => {
    const r = http.get(d.url + "events", (resp) => { statuses.push(resp.statusCode!); resp.on("data", (c) => { bytes += c.length; }); res(); });
    reqs.push(r);
  });
}
console.log("statuses", statuses.filter((s) => s === 200).length, statuses.filter((s) => s === 503).length);
// destroy half mid-stream
for (const r of reqs.slice(0, 16)) r.destroy();
global.gc?.();
const h0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
for (let b = 0; b < 100; b++) {
  await ex.execute(Array.from({ length: 1000 }, (_, i) => ({ id: `c${i}`, name: i % 100 === 0 ? `made_up_${b}_${i}` : "echo", args: { i, blob: "x".repeat(200) } })));
}
global.gc?.();
const h1 = process.memoryUsage().heapUsed;
console.log("100k calls in", Math.round(performance.now() - t0), "ms; heap MB", (h0 / 1e6).toFixed(1), "->", (h1 / 1e6).toFixed(1), "bytes streamed", bytes);
const snap = await (await fetch(d.url + "snapshot.json")).json() as any;
console.log("snapshot tools", snap.tools.map((t: any) => t.tool), "batches", snap.batches.length, "calls", snap.calls.length, "size", JSON.stringify(snap).length);
const c0 = performance.now();
await d.close();
console.log("closed in", Math.round(performance.now() - c0));
for (const r of reqs) r.destroy();
