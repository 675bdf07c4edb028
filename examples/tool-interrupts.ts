/**
 * Tools that stop to ask a human, several in one batch, with LangGraph's own `interrupt()`.
 * Two calls ask at once and a third just works: the graph stops with both questions, each
 * under an id of its own; one `Command({ resume: { [id]: answer } })` answers both, each answer
 * reaches the call that asked, and the call that had finished does not run again.
 *
 * Run: npx tsx examples/tool-interrupts.ts
 * Peers: @langchain/core, @langchain/langgraph, zod
 * Expect: the lookup ran 1 time(s)
 */
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import {
  Command,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
  interrupt,
  isInterrupted,
} from "@langchain/langgraph";
import { createExecutor } from "volley";
import { VolleyToolNode } from "volley/langgraph";
import { z } from "zod";

// A tool that asks before it acts. The later call asks first: answers go by id, not by order.
const confirm = tool(
  async ({ action, thinkMs }) => {
    await new Promise((resolve) => setTimeout(resolve, thinkMs));
    return `${action}: ${String(interrupt({ question: `May I ${action}?` }))}`;
  },
  {
    name: "confirm",
    description: "Asks a human before acting",
    schema: z.object({ action: z.string(), thinkMs: z.number() }),
  },
);

// A tool with a side effect, counted: it must run once, however many times the graph resumes.
let lookups = 0;
const lookup = tool(
  async ({ query }) => {
    lookups++;
    return `notes on ${query}`;
  },
  { name: "lookup", description: "Looks something up", schema: z.object({ query: z.string() }) },
);

const graph = new StateGraph(MessagesAnnotation)
  .addNode("tools", new VolleyToolNode(createExecutor({ tools: [confirm, lookup] })))
  .addEdge(START, "tools")
  .compile({ checkpointer: new MemorySaver() }); // interrupts need a checkpointer

const config = { configurable: { thread_id: "release-7" } };
const ai = new AIMessage({
  content: "",
  tool_calls: [
    { id: "deploy", name: "confirm", args: { action: "deploy", thinkMs: 50 } },
    { id: "migrate", name: "confirm", args: { action: "migrate", thinkMs: 0 } },
    { id: "notes", name: "lookup", args: { query: "release 7" } },
  ],
});

const paused = await graph.invoke({ messages: [ai] }, config);
const questions = isInterrupted<{ question: string }>(paused) ? paused.__interrupt__ : [];
console.log(`${questions.length} questions, ${new Set(questions.map((q) => q.id)).size} ids:`);
for (const q of questions) console.log(`  ${q.id}: ${q.value?.question}`);

// One answer per question, by its id.
const resume: Record<string, string> = {};
for (const q of questions) {
  resume[q.id!] = q.value!.question.includes("deploy") ? "yes" : "not today";
}
const done = await graph.invoke(new Command({ resume }), config);
for (const m of done.messages) {
  if (ToolMessage.isInstance(m)) console.log(`${m.tool_call_id} -> ${String(m.content)}`);
}
console.log(`the lookup ran ${lookups} time(s)`);
