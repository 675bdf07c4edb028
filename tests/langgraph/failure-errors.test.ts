import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/core/index.js";
import { VolleyToolNode, volleyMiddleware } from "../../src/langgraph/index.js";
import { ScriptedChatModel } from "./scripted-model.js";

/** Throws "transient" on its first run, then outlives a 60 ms timeout, ignoring its signal. */
function throwsThenHangs() {
  let runs = 0;
  return tool(
    async () => {
      if (++runs === 1) throw new Error("transient");
      await new Promise((resolve) => setTimeout(resolve, 400));
      return "late";
    },
    { name: "flaky", description: "Fails, then hangs", schema: z.object({}) },
  );
}

const retryThenTimeout = { timeoutMs: 60, retry: { maxAttempts: 2, initialInterval: 1 } };

describe("the error a failure handler gets is the one that ended the call", () => {
  it("VolleyToolNode: a timeout on the last attempt, not what an earlier attempt threw", async () => {
    const seen: string[] = [];
    const node = new VolleyToolNode([throwsThenHangs()], {
      executor: retryThenTimeout,
      handleToolErrors: (error, _call, outcome) => {
        seen.push(`${error.name}:${(error as { kind?: string }).kind}:${outcome.error.kind}`);
        return `handled ${outcome.error.kind}`;
      },
    });
    const input = {
      messages: [
        new AIMessage({
          id: "ai",
          content: "",
          tool_calls: [{ id: "c1", name: "flaky", args: {}, type: "tool_call" }],
        }),
      ],
    };
    const out = (await node.invoke(input)) as { messages: ToolMessage[] };
    expect(out.messages[0]!.content).toBe("handled timeout");
    expect(seen).toEqual(["ToolTimeoutError:timeout:timeout"]);

    const throwing = new VolleyToolNode([throwsThenHangs()], {
      executor: retryThenTimeout,
      handleToolErrors: false,
    });
    await expect(throwing.invoke(input)).rejects.toThrow(/timed out after 60ms/);
  });

  it("volleyMiddleware: the same rule", async () => {
    const flaky = throwsThenHangs();
    const executor = createExecutor({ tools: [flaky], ...retryThenTimeout });
    const seen: string[] = [];
    const model = new ScriptedChatModel([
      { calls: [{ id: "c1", name: "flaky", args: {} }] },
      { text: "ok" },
    ]);
    const agent = createAgent({
      model,
      tools: [flaky],
      middleware: [
        volleyMiddleware(executor, {
          handleToolErrors: (error, _call, outcome) => {
            seen.push(`${error.name}:${outcome.error.kind}`);
            return `handled ${outcome.error.kind}`;
          },
        }),
      ],
    });
    const out = await agent.invoke({ messages: [new HumanMessage("go")] });
    const answer = out.messages.find((m) => ToolMessage.isInstance(m));
    expect(answer?.content).toBe("handled timeout");
    expect(seen).toEqual(["ToolTimeoutError:timeout"]);
  });

  it("keeps the tool's own error when the last attempt threw it", async () => {
    let runs = 0;
    const twice = defineTool({
      name: "twice",
      description: "Fails twice, differently",
      schema: z.object({}),
      retry: { maxAttempts: 2, initialInterval: 1 },
      run: () => {
        throw new RangeError(`attempt ${++runs}`);
      },
    });
    const seen: string[] = [];
    const node = new VolleyToolNode([twice], {
      handleToolErrors: (error) => {
        seen.push(`${error.name}:${error.message}`);
        return "x";
      },
    });
    await node.invoke({
      messages: [
        new AIMessage({
          id: "ai",
          content: "",
          tool_calls: [{ id: "c1", name: "twice", args: {}, type: "tool_call" }],
        }),
      ],
    });
    expect(seen).toEqual(["RangeError:attempt 2"]);
  });
});
