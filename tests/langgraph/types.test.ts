import { MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import type { ToolNode } from "@langchain/langgraph/prebuilt";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { AIMessage } from "@langchain/core/messages";
import type { AgentMiddleware } from "langchain";
import { describe, expectTypeOf, it } from "vitest";
import { createExecutor, type ErrorKind, type Outcome } from "../../src/core/index.js";
import {
  ParallelToolState,
  VolleyToolNode,
  graphBatchId,
  parallelToolNode,
  volleyMiddleware,
  type ParallelToolUpdate,
  type ToolErrorEntry,
  type ToolOutcomeChunk,
} from "../../src/langgraph/index.js";
import { ScriptedChatModel } from "./scripted-model.js";

describe("the public types of volley/langgraph", () => {
  it("types the state's fields", () => {
    type State = typeof ParallelToolState.State;
    expectTypeOf<State["results"]>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf<State["errors"]>().toEqualTypeOf<Record<string, ToolErrorEntry>>();
    expectTypeOf<ToolErrorEntry["kind"]>().toEqualTypeOf<ErrorKind>();
    expectTypeOf<ToolOutcomeChunk["outcome"]>().toEqualTypeOf<Outcome>();
  });

  it("executes a real AIMessage's tool_calls as they are typed (optional, so maybe undefined)", async () => {
    const executor = createExecutor({ tools: [] });
    const message = new AIMessage({ content: "no tools needed" });
    expectTypeOf(message.tool_calls).toEqualTypeOf<AIMessage["tool_calls"]>();
    const report = await executor.execute(message.tool_calls);
    expectTypeOf(report.counts.total).toEqualTypeOf<number>();
  });

  it("fits where LangGraph expects a node, a ToolNode and a middleware", () => {
    const executor = createExecutor({ tools: [] });
    const node = parallelToolNode(executor);
    expectTypeOf(node).returns.resolves.toEqualTypeOf<ParallelToolUpdate>();
    new StateGraph(ParallelToolState).addNode("tools", node).addEdge(START, "tools").compile();
    const toolNode = new VolleyToolNode(executor);
    expectTypeOf(toolNode).toMatchTypeOf<ToolNode>();
    new StateGraph(MessagesAnnotation).addNode("tools", toolNode).addEdge(START, "tools");
    createReactAgent({ llm: new ScriptedChatModel([]), tools: toolNode });
    expectTypeOf(volleyMiddleware(executor)).toEqualTypeOf<AgentMiddleware>();
    expectTypeOf(graphBatchId).returns.toEqualTypeOf<string | undefined>();
  });
});
