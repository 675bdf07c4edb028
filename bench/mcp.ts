/**
 * `npx tsx bench/mcp.ts [--quick]`: the overhead per call of `volley/mcp` against calling
 * `client.callTool()` directly, on the same McpServer, in the same run: in this process (the
 * SDK's InMemoryTransport, where the protocol costs least and Volley's share shows most), then
 * over stdio to a child process (this file, run with `--serve`), as most servers are reached.
 *
 * Each round sends 100 calls of a no-op tool at once: directly with `Promise.all` over
 * `callTool()`, and through an executor with `mcpTools()` (Ajv-checked arguments, a cancellable
 * request, progress as heartbeat, a per-server limit of 100). Rounds of the two alternate, after
 * a warm-up, and the medians are compared. Prints markdown on stdout, progress on stderr.
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
import { createExecutor } from "../src/index.js";
import { mcpTools } from "../src/mcp/index.js";

const quick = process.argv.includes("--quick");
const PARALLEL = 100;
const log = (line: string): void => void process.stderr.write(`mcp: ${line}\n`);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function benchServer(): McpServer {
  const server = new McpServer({ name: "bench", version: "1.0.0" });
  server.registerTool(
    "noop",
    { description: "Answers at once", inputSchema: { i: z.number().int(), tag: z.string() } },
    ({ i }) => ({ content: [{ type: "text", text: String(i) }] }),
  );
  return server;
}

/** Times `rounds` rounds of each way, alternating, after `warmup` of each: medians (ms). */
async function compare(client: Client, warmup: number, rounds: number) {
  const executor = createExecutor({
    tools: await mcpTools(client, { concurrency: PARALLEL }),
    concurrency: Number.POSITIVE_INFINITY,
  });
  const calls = Array.from({ length: PARALLEL }, (_, i) => ({
    id: `c${i}`,
    name: "noop",
    args: { i, tag: "bench" },
  }));
  const direct = async (): Promise<number> => {
    const started = performance.now();
    await Promise.all(
      calls.map((call) => client.callTool({ name: call.name, arguments: call.args })),
    );
    return performance.now() - started;
  };
  const volley = async (): Promise<number> => {
    const started = performance.now();
    const report = await executor.execute(calls);
    const wall = performance.now() - started;
    if (report.counts.ok !== PARALLEL) {
      throw new Error(
        `only ${report.counts.ok} of ${PARALLEL} ok: ${JSON.stringify(report.errors)}`,
      );
    }
    return wall;
  };
  for (let i = 0; i < warmup; i++) {
    await direct();
    await volley();
  }
  const times = { direct: [] as number[], volley: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    // Alternating which goes first, so that neither always runs on a warmer or busier loop.
    if (i % 2 === 0) {
      times.direct.push(await direct());
      times.volley.push(await volley());
    } else {
      times.volley.push(await volley());
      times.direct.push(await direct());
    }
  }
  await executor.close();
  return { direct: median(times.direct), volley: median(times.volley) };
}

if (process.argv.includes("--serve")) {
  await benchServer().connect(new StdioServerTransport());
} else {
  const rows: string[] = [];
  const perCall = (ms: number): string => ((ms * 1_000) / PARALLEL).toFixed(1);
  const row = (transport: string, rounds: number, r: { direct: number; volley: number }) =>
    rows.push(
      `| ${transport} | ${rounds} | ${r.direct.toFixed(2)} | ${r.volley.toFixed(2)} | ${perCall(r.direct)} | ${perCall(r.volley)} | +${perCall(r.volley - r.direct)} | **${(r.volley / r.direct).toFixed(2)}×** |`,
    );

  const memoryRounds = quick ? 30 : 300;
  log(`in-process server: ${memoryRounds} rounds of each`);
  const server = benchServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const memory = new Client({ name: "bench", version: "1.0.0" });
  await memory.connect(clientSide);
  row(
    "in-process (InMemoryTransport)",
    memoryRounds,
    await compare(memory, quick ? 10 : 50, memoryRounds),
  );
  await memory.close();
  await server.close();

  const stdioRounds = quick ? 20 : 100;
  log(`stdio child process: ${stdioRounds} rounds of each`);
  const stdio = new Client({ name: "bench", version: "1.0.0" });
  await stdio.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", fileURLToPath(import.meta.url), "--serve"],
      stderr: "inherit",
    }),
  );
  row("stdio (child process)", stdioRounds, await compare(stdio, quick ? 5 : 20, stdioRounds));
  await stdio.close();

  console.log(`${PARALLEL} calls at once of a no-op tool on one McpServer, medians of alternating rounds after a warm-up; load average ${loadavg()[0]!.toFixed(2)} at the end.

| transport | rounds | direct, batch (ms) | volley/mcp, batch (ms) | direct per call (µs) | volley/mcp per call (µs) | added per call (µs) | ratio (target ≤ 1.2×) |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}`);
}
