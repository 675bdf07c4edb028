import { join } from "node:path";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import {
  Annotation,
  Command,
  MessagesAnnotation,
  START,
  Send,
  StateGraph,
} from "@langchain/langgraph";
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

  it("replays a Command for the parent graph (a handoff) to the parent graph, and a Send's timeout", async () => {
    let runs = 0;
    const handoff = tool(
      async (_args, config) => {
        runs++;
        return new Command({
          graph: Command.PARENT,
          goto: "billing",
          update: {
            messages: [
              new ToolMessage({ content: "handed off", tool_call_id: config.toolCall!.id! }),
            ],
          },
        });
      },
      { name: "handoff", description: "Hands off", schema: z.object({}) },
    );
    const fanOut = tool(
      async () => {
        runs++;
        return new Command({
          graph: Command.PARENT,
          goto: [new Send("worker", { n: 1 }, { timeout: 5_000 })],
        });
      },
      { name: "fan_out", description: "Fans out", schema: z.object({}) },
    );
    const journal = new SqliteJournal(join(dir.path, "journal.db"));
    const node = new VolleyToolNode(createExecutor({ tools: [handoff, fanOut], journal }));
    const input = {
      messages: [
        new AIMessage({
          id: "ai-h",
          content: "",
          tool_calls: [
            { id: "h", name: "handoff", args: {}, type: "tool_call" as const },
            { id: "s", name: "fan_out", args: {}, type: "tool_call" as const },
          ],
        }),
      ],
    };
    const config = { configurable: { thread_id: "handoff" } };
    const shape = (out: unknown) =>
      (out as Command[]).map((c) => ({
        graph: c.graph,
        goto: (c.goto as Array<string | Send>).map((g) =>
          typeof g === "string" ? g : { node: g.node, args: g.args, timeout: g.timeout },
        ),
      }));
    const first = shape(await node.invoke(input, config));
    const second = shape(await node.invoke(input, config));
    expect(runs).toBe(2);
    expect(first[0]).toEqual({ graph: Command.PARENT, goto: ["billing"] });
    expect(first[1]!.graph).toBe(Command.PARENT);
    expect(second).toEqual(first);
    await journal.close();
  });
});
