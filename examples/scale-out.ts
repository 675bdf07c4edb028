/**
 * Scale-out on BullMQ: a caller's executor sends its calls to Redis, and workers (here two, in
 * this process; in production one per machine, `volley worker`) run them. The outcomes are the
 * same as on one machine: values, typed errors, timeouts and cancels, and a tool's progress
 * reports come back as the caller's `call:progress` events.
 *
 * Set REDIS_URL to use your Redis; without it, the example starts a throwaway redis-server on a
 * free loopback port (Debian's `redis-server` package).
 *
 * Run: npx tsx examples/scale-out.ts
 * Peers: zod, bullmq, ioredis
 * Expect: 20 calls on 2 workers
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createConnection, createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createExecutor, defineTool } from "volley";
import { bullmqBackend, startWorker } from "volley/bullmq";
import { z } from "zod";

const lookup = defineTool({
  name: "lookup",
  description: "Look a word up",
  schema: z.object({ word: z.string() }),
  timeoutMs: 2_000,
  run: async ({ word }, { signal }) => {
    await sleep(50, undefined, { signal });
    return `${word}: found`;
  },
});
const crawl = defineTool({
  name: "crawl",
  description: "Crawl a few pages, reporting each",
  schema: z.object({ pages: z.number().int().positive() }),
  run: async ({ pages }, ctx) => {
    for (let page = 1; page <= pages; page++) {
      await sleep(20, undefined, { signal: ctx.signal });
      ctx.progress({ progress: page, total: pages, message: `page ${page}` });
    }
    return pages;
  },
});
const tools = [lookup, crawl];

const { url, stop } = await redis();
const queue = "example-tools";
// Each worker would run on its own machine: `volley worker --redis $REDIS_URL --queue ... --tools ...`.
const workers = await Promise.all(
  ["worker-a", "worker-b"].map((id) =>
    startWorker({ connection: url, queue, tools, concurrency: 4, id }),
  ),
);

const executor = createExecutor({
  tools,
  backend: bullmqBackend({ connection: url, queue }),
});
const ranBy = new Map<string, number>();
for (const worker of workers) {
  worker.executor.on("call:finished", () => ranBy.set(worker.id, (ranBy.get(worker.id) ?? 0) + 1));
}

const calls = Array.from({ length: 20 }, (_, i) => ({
  id: `call_${i}`,
  name: "lookup",
  args: { word: `word${i}` },
}));
const report = await executor.execute([...calls, { id: "bad", name: "lookup", args: {} }]);
// Arguments are checked against the schema here, before anything is sent.
const bad = report.outcomes.at(-1)!;
if (bad.status === "error") console.log(`bad: ${bad.error.kind}: ${bad.error.message}`);
console.log(`${report.counts.ok} calls on ${ranBy.size} workers:`, Object.fromEntries(ranBy));

// Reports made on a worker are sent back only while the caller listens.
const off = executor.on("call:progress", (e) =>
  console.log(`${e.callId}: ${e.message} (${e.progress}/${e.total})`),
);
await executor.execute([{ id: "crawl", name: "crawl", args: { pages: 3 } }]);
off();

await executor.close();
await Promise.all(workers.map((w) => w.close()));
await stop();

/** REDIS_URL, or a throwaway server for this example only. */
async function redis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env["REDIS_URL"];
  if (given !== undefined) return { url: given, stop: async () => {} };
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  child.once("error", () => {
    console.error("Set REDIS_URL, or install redis-server (apt-get install redis-server)");
    process.exit(1);
  });
  // Ready once it takes connections.
  for (let tries = 0; ; tries++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.end();
        resolve(true);
      }).once("error", () => resolve(false));
    });
    if (up) break;
    if (tries > 100) throw new Error("redis-server did not start");
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill();
      await once(child, "exit");
    },
  };
}
