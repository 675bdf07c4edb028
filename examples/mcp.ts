/**
 * MCP tools in parallel: a small MCP server (here in this process, over the SDK's in-memory
 * transport; in production a child process over stdio, or a URL over Streamable HTTP) serves
 * two tools, and an executor runs six calls of them at once, at most two at a time on that
 * server, with a timeout that cancels the slow one on the server too.
 *
 * Run: npx tsx examples/mcp.ts
 * Peers: @modelcontextprotocol/sdk, ajv, zod
 * Expect: 6 MCP calls: 5 ok, 1 timeout; at most 2 at once on server "dictionary"
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createExecutor } from "volley";
import { mcpTools } from "volley/mcp";
import { z } from "zod";

// The server: what a third party would run. It counts how many calls overlap, and notes the
// cancellations it is sent.
const server = new McpServer({ name: "dictionary", version: "1.0.0" });
let running = 0;
let mostAtOnce = 0;
const cancelled: string[] = [];
server.registerTool(
  "define",
  {
    description: "Define a word",
    inputSchema: { word: z.string() },
    annotations: { readOnlyHint: true },
  },
  async ({ word }) => {
    mostAtOnce = Math.max(mostAtOnce, ++running);
    await sleep(100);
    running--;
    return { content: [{ type: "text", text: `${word}: a word` }] };
  },
);
server.registerTool(
  "etymology",
  { description: "Trace a word's history (slow)", inputSchema: { word: z.string() } },
  async ({ word }, { signal }) => {
    mostAtOnce = Math.max(mostAtOnce, ++running);
    signal.addEventListener("abort", () => cancelled.push(`${word} (${String(signal.reason)})`));
    await sleep(5_000, undefined, { signal }).catch(() => undefined);
    running--;
    return { content: [{ type: "text", text: `${word}: from Old English` }] };
  },
);

// The client side: connect, then turn the server's tools into Volley tools.
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await server.connect(serverSide);
const client = new Client({ name: "example-agent", version: "1.0.0" });
await client.connect(clientSide);

const tools = await mcpTools(client, {
  concurrency: 2, // at most 2 calls at once on this server, whichever tools
  tools: { etymology: { timeoutMs: 300 } },
});
await using executor = createExecutor({ tools });

const words = ["volley", "serve", "rally", "smash", "lob"];
const report = await executor.execute([
  ...words.map((word) => ({ id: word, name: "define", args: { word } })),
  { id: "history", name: "etymology", args: { word: "volley" } },
]);

for (const outcome of report.outcomes) {
  console.log(
    outcome.status === "ok"
      ? `${outcome.id}: ${String(outcome.value)}`
      : `${outcome.id}: ${outcome.error.kind} (${outcome.error.message})`,
  );
}
const ok = report.outcomes.filter((o) => o.status === "ok").length;
const timedOut = report.outcomes.filter((o) => o.status === "error" && o.error.kind === "timeout");
console.log(`Server was told to cancel: ${cancelled.join(", ") || "nothing"}`);
console.log(
  `${report.outcomes.length} MCP calls: ${ok} ok, ${timedOut.length} timeout; at most ${mostAtOnce} at once on server "dictionary"`,
);
await client.close();
