import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor } from "../../src/core/index.js";
import { SqliteJournal, TRANSIENT_KINDS } from "../../src/journal/index.js";
import { VolleyToolNode, volleyMiddleware } from "../../src/langgraph/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { ScriptedChatModel } from "./scripted-model.js";

/**
 * createAgent runs each tool call as a task of its own, and when one fails LangGraph aborts the
 * step's other tasks, and drops what they were doing. A sibling call that is still running must
 * finish all the same and be journaled, so that a retry of the run does not do its work again.
 */
describe("volleyMiddleware: a failing call never cancels its running siblings", () => {
  let dir: ReturnType<typeof makeTempDir>;
  let journal: SqliteJournal;
  beforeEach(() => {
    dir = makeTempDir("sibling-failure");
    // A tool's error is run again on a retry, not replayed.
    journal = new SqliteJournal({
      path: join(dir.path, "j.db"),
      transientKinds: [...TRANSIENT_KINDS, "tool_error"],
    });
  });
  afterEach(async () => {
    await journal.close();
    dir.remove();
  });

  it.each(["default", "handleToolErrors: false"] as const)(
    "%s: the slow sibling finishes once, its signal never aborted, and a retry runs only the failed call",
    async (mode) => {
      const seen = { slowRuns: 0, slowAborted: 0, boomRuns: 0 };
      let boomFails = true;
      const slow = tool(
        async (_args, config) => {
          config?.signal?.addEventListener("abort", () => void seen.slowAborted++, { once: true });
          await new Promise((resolve) => setTimeout(resolve, 300));
          seen.slowRuns++;
          return "slow finished";
        },
        { name: "slow", description: "Takes 300 ms", schema: z.object({}) },
      );
      const boom = tool(
        async () => {
          seen.boomRuns++;
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (boomFails) throw new Error("boom");
          return "boom fixed";
        },
        { name: "boom", description: "Fails the first time", schema: z.object({}) },
      );
      const executor = createExecutor({ tools: [slow, boom], journal });
      const agent = createAgent({
        model: new ScriptedChatModel([
          {
            calls: [
              { id: "s", name: "slow", args: {} },
              { id: "b", name: "boom", args: {} },
            ],
          },
          { text: "done" },
        ]),
        tools: [slow, boom],
        middleware: [
          volleyMiddleware(executor, mode === "default" ? {} : { handleToolErrors: false }),
        ],
        checkpointer: new MemorySaver(),
      });
      const config = { configurable: { thread_id: `sibling-${mode}` } };
      await expect(agent.invoke({ messages: [new HumanMessage("go")] }, config)).rejects.toThrow(
        "boom",
      );
      // LangGraph has let go of the sibling's task; Volley still runs the call to its end.
      await executor.onIdle();
      expect(seen.slowRuns).toBe(1);
      expect(seen.slowAborted).toBe(0);

      boomFails = false;
      const result = await agent.invoke(null, config);
      const answers = result.messages.filter((m) => ToolMessage.isInstance(m));
      expect(answers.map((m) => [m.tool_call_id, m.content]).sort()).toEqual([
        ["b", "boom fixed"],
        ["s", "slow finished"],
      ]);
      expect(seen.slowRuns).toBe(1);
      expect(seen.boomRuns).toBe(2);
      await executor.close();
    },
  );

  it("VolleyToolNode: a node failing in the same step lets the node's running calls finish", async () => {
    const seen = { slowRuns: 0, slowAborted: 0, failRuns: 0 };
    let nodeFails = true;
    const slow = tool(
      async (_args, config) => {
        config?.signal?.addEventListener("abort", () => void seen.slowAborted++, { once: true });
        await new Promise((resolve) => setTimeout(resolve, 300));
        seen.slowRuns++;
        return "slow finished";
      },
      { name: "slow", description: "Takes 300 ms", schema: z.object({}) },
    );
    const executor = createExecutor({ tools: [slow], journal });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", () => ({
        messages: [
          new AIMessage({ content: "", tool_calls: [{ id: "s", name: "slow", args: {} }] }),
        ],
      }))
      .addNode("tools", new VolleyToolNode(executor))
      .addNode("other", async () => {
        seen.failRuns++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (nodeFails) throw new Error("other failed");
        return {};
      })
      .addEdge(START, "agent")
      .addEdge("agent", "tools")
      .addEdge("agent", "other")
      .addEdge("tools", END)
      .addEdge("other", END)
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "sibling-node" } };
    await expect(graph.invoke({ messages: [new HumanMessage("go")] }, config)).rejects.toThrow(
      "other failed",
    );
    await executor.onIdle();
    expect(seen.slowRuns).toBe(1);
    expect(seen.slowAborted).toBe(0);

    nodeFails = false;
    const result = await graph.invoke(null, config);
    const answers = result.messages.filter((m) => ToolMessage.isInstance(m));
    expect(answers.map((m) => m.content)).toEqual(["slow finished"]);
    expect(seen.slowRuns).toBe(1);
    expect(seen.failRuns).toBe(2);
    await executor.close();
  });
});
