import { HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, END, START, StateGraph, interrupt, type Interrupt } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { createAgent } from "langchain";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/core/index.js";
import {
  ParallelToolState,
  parallelToolNode,
  volleyMiddleware,
} from "../../src/langgraph/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { ScriptedChatModel } from "./scripted-model.js";

type Runs = Record<string, number>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function interruptsOf(out: unknown): Interrupt[] {
  return (out as { __interrupt__?: Interrupt[] }).__interrupt__ ?? [];
}

function answers(messages: readonly BaseMessage[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of messages) if (ToolMessage.isInstance(m)) out[m.tool_call_id] = m.content;
  return out;
}

describe("interrupts from tools, with a SQLite checkpointer", () => {
  let dir: ReturnType<typeof makeTempDir>;
  const open: Database.Database[] = [];
  beforeEach(() => (dir = makeTempDir("call-interrupts-nodes")));
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
    dir.remove();
  });

  function checkpointer(): SqliteSaver {
    const db = new Database(join(dir.path, "checkpoints.db"));
    open.push(db);
    return new SqliteSaver(db);
  }

  it("parallelToolNode: each call asks under its own id, gets its own answer, and finished calls run once", async () => {
    const runs: Runs = {};
    const ask = defineTool({
      name: "ask",
      description: "Asks a human",
      schema: z.object({ who: z.string(), delayMs: z.number() }),
      run: async ({ who, delayMs }) => {
        runs[who] = (runs[who] ?? 0) + 1;
        await sleep(delayMs);
        return `${who}: ${String(interrupt({ who }))}`;
      },
    });
    const work = defineTool({
      name: "work",
      description: "Works",
      schema: z.object({}),
      run: async () => {
        runs["work"] = (runs["work"] ?? 0) + 1;
        return "worked";
      },
    });
    // A fresh graph and executor each time: only the checkpoint carries over.
    const graph = () =>
      new StateGraph(ParallelToolState)
        .addNode("tools", parallelToolNode(createExecutor({ tools: [ask, work] })))
        .addEdge(START, "tools")
        .addEdge("tools", END)
        .compile({ checkpointer: checkpointer() });
    const config = { configurable: { thread_id: "parallel" } };
    const first = interruptsOf(
      await graph().invoke(
        {
          pending_tools: [
            { id: "a", tool_name: "ask", args: { who: "a", delayMs: 50 } },
            { id: "b", tool_name: "ask", args: { who: "b", delayMs: 0 } },
            { id: "w", tool_name: "work", args: {} },
          ],
        },
        config,
      ),
    );
    expect(first.map((i) => i.value)).toEqual([{ who: "a" }, { who: "b" }]);
    expect(first[0]!.id).not.toBe(first[1]!.id);

    const out = await graph().invoke(
      new Command({ resume: { [first[1]!.id!]: "to b", [first[0]!.id!]: "to a" } }),
      config,
    );
    expect(out.results).toEqual({ a: "a: to a", b: "b: to b", w: "worked" });
    expect(out.errors).toEqual({});
    expect(runs).toEqual({ a: 2, b: 2, work: 1 });
  });

  it("createAgent with volleyMiddleware: each call is a task of its own, so the same holds", async () => {
    const runs: Runs = {};
    const asking = (name: string, delayMs: number) =>
      tool(
        async () => {
          runs[name] = (runs[name] ?? 0) + 1;
          await sleep(delayMs);
          const first = interrupt({ tool: name, n: 0 });
          const second = name === "a" ? ` + ${String(interrupt({ tool: name, n: 1 }))}` : "";
          return `${name}: ${String(first)}${second}`;
        },
        { name, description: `Asks (${name})`, schema: z.object({}) },
      );
    const work = tool(
      async () => {
        runs["w"] = (runs["w"] ?? 0) + 1;
        return "w done";
      },
      { name: "w", description: "Works", schema: z.object({}) },
    );
    const tools = [asking("a", 50), asking("b", 0), work];
    const model = new ScriptedChatModel([
      { calls: ["a", "b", "w"].map((name) => ({ id: `call_${name}`, name, args: {} })) },
      { text: "done" },
    ]);
    const agent = () =>
      createAgent({
        model,
        tools,
        middleware: [volleyMiddleware(createExecutor({ tools }))],
        checkpointer: checkpointer(),
      });
    const config = { configurable: { thread_id: "agent" } };
    // LangGraph gathers the tasks' interrupts in the order they asked.
    const first = interruptsOf(
      await agent().invoke({ messages: [new HumanMessage("go")] }, config),
    ).sort((x, y) => String(x.value.tool).localeCompare(String(y.value.tool)));
    expect(first.map((i) => i.value)).toEqual([
      { tool: "a", n: 0 },
      { tool: "b", n: 0 },
    ]);
    expect(first[0]!.id).not.toBe(first[1]!.id);

    const second = interruptsOf(
      await agent().invoke(
        new Command({ resume: { [first[1]!.id!]: "b1", [first[0]!.id!]: "a1" } }),
        config,
      ),
    );
    expect(second.map((i) => i.value)).toEqual([{ tool: "a", n: 1 }]);
    const out = await agent().invoke(new Command({ resume: "a2" }), config);
    expect(answers(out.messages)).toEqual({
      call_a: "a: a1 + a2",
      call_b: "b: b1",
      call_w: "w done",
    });
    expect(runs).toEqual({ a: 3, b: 2, w: 1 });
  });
});
