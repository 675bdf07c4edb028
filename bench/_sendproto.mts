import { Annotation, END, Send, START, StateGraph, MemorySaver } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { AIMessage } from "@langchain/core/messages";
import { MessagesAnnotation } from "@langchain/langgraph";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const double = tool(async ({ i }: { i: number }) => i * 2, { name: "double", description: "d", schema: z.object({ i: z.number() }) });
const State = Annotation.Root({
  calls: Annotation<{ id: string; name: string; args: { i: number } }[]>,
  results: Annotation<[string, unknown][]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const n = Number(process.argv[2] ?? 1000);
const mode = process.argv[3] ?? "sqlite";
const calls = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, name: "double", args: { i } }));
const g = new StateGraph(State)
  .addNode("tool", async (s: { call: (typeof calls)[number] }) => ({ results: [[s.call.id, await double.invoke(s.call.args)]] as [string, unknown][] }))
  .addConditionalEdges(START, (s) => s.calls.map((c) => new Send("tool", { call: c })))
  .addEdge("tool", END);
const dir = mkdtempSync(join(tmpdir(), "sendproto-"));
const cp = mode === "sqlite" ? SqliteSaver.fromConnString(join(dir, "cp.db")) : mode === "memory" ? new MemorySaver() : undefined;
const app = g.compile({ checkpointer: cp });
let t = performance.now();
const out = await app.invoke({ calls }, { configurable: { thread_id: "t1" }, recursionLimit: 100 });
console.log("send", mode, n, (performance.now() - t).toFixed(0), "ms", out.results.length);
const tn = new StateGraph(MessagesAnnotation).addNode("tools", new ToolNode([double])).addEdge(START, "tools").addEdge("tools", END).compile();
t = performance.now();
const o2 = await tn.invoke({ messages: [new AIMessage({ content: "", tool_calls: calls.map((c) => ({ ...c, type: "tool_call" as const })) })] });
console.log("toolnode", n, (performance.now() - t).toFixed(0), "ms", o2.messages.length);
