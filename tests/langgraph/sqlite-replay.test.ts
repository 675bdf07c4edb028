import { join } from "node:path";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Annotation, Command, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor } from "../../src/core/index.js";
import { SqliteJournal } from "../../src/journal/index.js";
import { VolleyToolNode } from "../../src/langgraph/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";

describe("VolleyToolNode replaying from a SQLite journal", () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => (dir = makeTempDir("lg-replay")));
  afterEach(() => dir.remove());

  it("answers exactly as the first run did: artifacts, status and Commands survive JSON", async () => {
    const runs = { chart: 0, mood: 0, fail: 0 };
    const chart = tool(
      async ({ n }) => {
        runs.chart++;
        return [`chart of ${n}`, { points: [1, 2, n] }];
      },
      {
        name: "chart",
        description: "Draws a chart",
        schema: z.object({ n: z.number() }),
        responseFormat: "content_and_artifact",
      },
    );
    const setMood = tool(
      async ({ mood }, config) => {
        runs.mood++;
        return new Command({
          update: {
            mood,
            messages: [
              new ToolMessage({ content: `mood is ${mood}`, tool_call_id: config.toolCall!.id! }),
            ],
          },
        });
      },
      { name: "set_mood", description: "Sets the mood", schema: z.object({ mood: z.string() }) },
    );
    const fail = tool(
      async () => {
        runs.fail++;
        throw new Error("no luck");
      },
      { name: "fail", description: "Fails", schema: z.object({}) },
    );
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      mood: Annotation<string>({ reducer: (_a, b) => b, default: () => "calm" }),
    });
    const journal = new SqliteJournal(join(dir.path, "journal.db"));
    const executor = createExecutor({ tools: [chart, setMood, fail], journal });
    const graph = new StateGraph(State)
      .addNode("tools", new VolleyToolNode(executor))
      .addEdge(START, "tools")
      .compile();
    const input = {
      messages: [
        new AIMessage({
          id: "ai-1",
          content: "",
          tool_calls: [
            { id: "c", name: "chart", args: { n: 3 }, type: "tool_call" as const },
            { id: "m", name: "set_mood", args: { mood: "happy" }, type: "tool_call" as const },
            { id: "f", name: "fail", args: {}, type: "tool_call" as const },
          ],
        }),
      ],
    };
    const config = { configurable: { thread_id: "sqlite-replay" } };
    const shape = (state: typeof State.State) => ({
      mood: state.mood,
      answers: state.messages
        .filter((m) => ToolMessage.isInstance(m))
        .map((m) => [m.tool_call_id, m.content, m.status, m.artifact]),
    });
    const first = shape(await graph.invoke(input, config));
    const second = shape(await graph.invoke(input, config));
    expect(runs).toEqual({ chart: 1, mood: 1, fail: 1 });
    expect(second).toEqual(first);
    expect(first.mood).toBe("happy");
    expect(first.answers).toEqual([
      ["c", "chart of 3", "success", { points: [1, 2, 3] }],
      ["m", "mood is happy", undefined, undefined],
      ["f", "Error: no luck\n Please fix your mistakes.", "error", undefined],
    ]);
    await executor.close();
    await journal.close();
  });
});
