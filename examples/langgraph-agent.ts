/**
 * A LangGraph ReAct agent whose tool calls run through Volley: bounded (4 at once), with a
 * timeout and retries per tool, journaled to SQLite and checkpointed by LangGraph's SqliteSaver,
 * so a thread killed mid-batch resumes without running its finished calls again.
 *
 *   npx tsx examples/langgraph-agent.ts            # a full run: 3 turns of 3, 5 and 2 calls
 *   npx tsx examples/langgraph-agent.ts --crash    # dies (SIGKILL) after 2 calls of turn 2
 *   npx tsx examples/langgraph-agent.ts --resume   # resumes that thread: graph.invoke(null, config)
 *
 * The model is scripted, so the example runs offline. To use a real chat model, pass any model
 * that has `bindTools` as `llm` (e.g. `new ChatOpenAI({ model: "gpt-4o-mini" })` from
 * `@langchain/openai`, or `new ChatAnthropic(...)`): createReactAgent binds `tools.tools` to it.
 * Set VOLLEY_DIR to choose where the databases live (default: the OS temp dir).
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from "@langchain/core/language_models/chat_models";
import {
  AIMessage,
  HumanMessage,
  ToolMessage,
  type AIMessageChunk,
  type BaseMessage,
} from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { z } from "zod";
import { createExecutor, defineTool } from "../src/index.js";
import { SqliteJournal } from "../src/journal/index.js";
import { VolleyToolNode } from "../src/langgraph/index.js";

const mode = process.argv.includes("--resume")
  ? "resume"
  : process.argv.includes("--crash")
    ? "crash"
    : "run";
const dir = process.env["VOLLEY_DIR"] ?? tmpdir();
const journalFile = join(dir, "volley-agent-journal.db");
const checkpointFile = join(dir, "volley-agent-checkpoints.db");
if (mode !== "resume") {
  for (const file of [journalFile, checkpointFile]) {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  }
}

// ─── tools: a LangChain tool and a Volley tool, side by side ─────────────────

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), {
      once: true,
    });
  });

/** A plain `@langchain/core` tool: Volley accepts it as it is. */
const search = tool(
  async ({ query }, config) => {
    console.log(`  ran search("${query}")`);
    await sleep(query.includes("slow") ? 1_500 : 150, config?.signal);
    return `Top result for "${query}"`;
  },
  {
    name: "search",
    description: "Searches the web",
    schema: z.object({ query: z.string().describe("what to look for") }),
  },
);

/** A Volley tool, with its own policy: at most 2 at once, 2 s per attempt, 3 attempts. */
let flakyFirst = true;
const fetchPage = defineTool({
  name: "fetch_page",
  description: "Fetches a web page",
  schema: z.object({ url: z.string().url() }),
  concurrency: 2,
  timeoutMs: 2_000,
  retry: { maxAttempts: 3, initialInterval: 100 },
  run: async ({ url }, { signal, attempt }) => {
    console.log(`  ran fetch_page("${url}"), attempt ${attempt}`);
    await sleep(200, signal);
    if (flakyFirst) {
      flakyFirst = false;
      throw new Error("503 Service Unavailable");
    }
    return `<html>${url}</html>`;
  },
});

// ─── a scripted chat model (swap in a real one: see the header) ──────────────

type Call = { id: string; name: string; args: Record<string, unknown> };
const script: Call[][] = [
  [
    { id: "s1", name: "search", args: { query: "volley tool calls" } },
    { id: "s2", name: "search", args: { query: "langgraph toolnode" } },
    { id: "f1", name: "fetch_page", args: { url: "https://example.com/a" } },
  ],
  [
    { id: "s3", name: "search", args: { query: "parallel agents" } },
    { id: "s4", name: "search", args: { query: "bounded concurrency" } },
    { id: "s5", name: "search", args: { query: "slow archive" } },
    { id: "f2", name: "fetch_page", args: { url: "https://example.com/b" } },
    { id: "f3", name: "fetch_page", args: { url: "https://example.com/c" } },
  ],
  [
    { id: "s6", name: "search", args: { query: "durable resume" } },
    { id: "f4", name: "fetch_page", args: { url: "https://example.com/d" } },
  ],
];

/** Answers turn n with script[n]: n is the number of AIMessages so far, so it survives a restart. */
class ScriptedModel extends BaseChatModel {
  _llmType(): string {
    return "scripted";
  }

  override bindTools(
    _tools: BindToolsInput[],
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, BaseChatModelCallOptions> {
    return this as unknown as Runnable<
      BaseLanguageModelInput,
      AIMessageChunk,
      BaseChatModelCallOptions
    >;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const turn = messages.filter((m) => AIMessage.isInstance(m)).length;
    const calls = script[turn] ?? [];
    const message = new AIMessage({
      id: `turn-${turn}`,
      content: calls.length > 0 ? "" : "I have what I need.",
      tool_calls: calls.map((c) => ({ ...c, type: "tool_call" as const })),
    });
    return { generations: [{ text: String(message.content), message }] };
  }
}

// ─── the agent ────────────────────────────────────────────────────────────────

const journal = new SqliteJournal(journalFile);
const executor = createExecutor({ tools: [search, fetchPage], concurrency: 4, journal });
const turnTwo = new Set(script[1]!.map((call) => call.id));
let finishedInTurnTwo = 0;
executor.on("call:finished", ({ outcome }) => {
  const how = outcome.replayed === true ? "replayed from the journal" : outcome.status;
  console.log(`  ${outcome.id} finished: ${how}`);
  // --crash: die once 2 calls of turn 2 are journaled (the event fires after the write).
  if (mode === "crash" && turnTwo.has(outcome.id) && ++finishedInTurnTwo === 2) {
    console.log("  … killed (SIGKILL) mid-batch; run with --resume");
    process.kill(process.pid, "SIGKILL");
  }
});
executor.on("call:retry", (e) =>
  console.log(`  ${e.callId} retries in ${Math.round(e.delayMs)}ms`),
);

const agent = createReactAgent({
  llm: new ScriptedModel({}),
  tools: new VolleyToolNode(executor),
  checkpointer: SqliteSaver.fromConnString(checkpointFile),
});
const config = { configurable: { thread_id: "example-thread" }, maxConcurrency: 8 };

const started = performance.now();
const final =
  mode === "resume"
    ? await agent.invoke(null, config) // the LangGraph way to resume a thread
    : await agent.invoke({ messages: [new HumanMessage("Research parallel tool calls")] }, config);
console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(2)} s:`);
for (const message of final.messages) {
  if (ToolMessage.isInstance(message)) {
    console.log(`  ${message.tool_call_id} → ${String(message.content)} (${message.status})`);
  }
}
console.log(`  answer: ${String(final.messages.at(-1)?.content)}`);
await executor.close();
await journal.close();
