import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool, ToolInputParsingException } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/core/index.js";
import { toolMessageError, VolleyToolNode, volleyMiddleware } from "../../src/langgraph/index.js";
import { ScriptedChatModel } from "./scripted-model.js";
// What makes a plain executor classify LangChain's input-parsing errors (the index above loads it
// too; imported here explicitly for the "core:" case below).
import "../../src/langgraph/langchain-errors.js";

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

  describe("bad args of a tool whose schema only LangChain reads (JSON schema)", () => {
    const jsonSchemaTool = () =>
      tool(async (args: unknown) => `ok ${JSON.stringify(args)}`, {
        name: "js",
        description: "Takes a JSON-schema input",
        schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
      });
    const retries = { retry: { maxAttempts: 3, initialInterval: 1 } };

    it("VolleyToolNode: end invalid_args at once, not retried as a tool_error", async () => {
      const executor = createExecutor({ tools: [jsonSchemaTool()], ...retries });
      let retried = 0;
      executor.on("call:retry", () => void retried++);
      const kinds: string[] = [];
      const node = new VolleyToolNode(executor, {
        handleToolErrors: (error, _call, outcome) => {
          kinds.push(outcome.error.kind);
          return `${error.name}: ${error.message}`;
        },
      });
      const out = (await node.invoke({
        messages: [
          new AIMessage({
            id: "ai",
            content: "",
            tool_calls: [{ id: "c1", name: "js", args: { q: 1 }, type: "tool_call" }],
          }),
        ],
      })) as { messages: ToolMessage[] };
      expect(kinds).toEqual(["invalid_args"]);
      expect(retried).toBe(0);
      expect(out.messages[0]!.content).toMatch(/did not match expected schema/);
    });

    it("volleyMiddleware: the same; by default the model reads createAgent's own answer", async () => {
      const js = jsonSchemaTool();
      const agentWith = (options?: { handleToolErrors: true }) => {
        const executor = createExecutor({ tools: [js], ...retries });
        executor.on("call:retry", () => void retried++);
        return createAgent({
          model: new ScriptedChatModel([
            { calls: [{ id: "c1", name: "js", args: { q: 1 } }] },
            { text: "ok" },
          ]),
          tools: [js],
          middleware: [volleyMiddleware(executor, options)],
        });
      };
      let retried = 0;
      const answerOf = async (agent: ReturnType<typeof agentWith>) => {
        const out = await agent.invoke({ messages: [new HumanMessage("go")] });
        return out.messages.find((m) => ToolMessage.isInstance(m));
      };
      // The default: langchain's ToolInvocationError, as createAgent words it.
      const theirs = await answerOf(agentWith());
      expect(theirs?.status).toBe("error");
      expect(String(theirs?.content)).toMatch(
        /^Error invoking tool 'js' with kwargs \{"q":1\} with error: .*did not match expected schema/,
      );
      // handleToolErrors: true: Volley's own answer, with no stack trace.
      const ours = await answerOf(agentWith({ handleToolErrors: true }));
      expect(ours?.status).toBe("error");
      expect(String(ours?.content)).toMatch(
        /^Error: Received tool input did not match expected schema/,
      );
      expect(toolMessageError(ours)?.kind).toBe("invalid_args");
      expect(String(ours?.content)).not.toMatch(/\n\s+at /);
      expect(retried).toBe(0);
    });

    it("handleToolErrors: false rethrows what LangChain threw, so its own recovery applies", async () => {
      const node = new VolleyToolNode(createExecutor({ tools: [jsonSchemaTool()] }), {
        handleToolErrors: false,
      });
      const thrown: unknown = await node
        .invoke({
          messages: [
            new AIMessage({
              id: "ai",
              content: "",
              tool_calls: [{ id: "c1", name: "js", args: { q: 1 }, type: "tool_call" }],
            }),
          ],
        })
        .catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(ToolInputParsingException);

      // createAgent turns its own ToolInvocationError into an error answer: the run goes on.
      const js = jsonSchemaTool();
      const agent = createAgent({
        model: new ScriptedChatModel([
          { calls: [{ id: "c1", name: "js", args: { q: 1 } }] },
          { text: "ok" },
        ]),
        tools: [js],
        middleware: [
          volleyMiddleware(createExecutor({ tools: [js] }), { handleToolErrors: false }),
        ],
      });
      const out = await agent.invoke({ messages: [new HumanMessage("go")] });
      const answer = out.messages.find((m) => ToolMessage.isInstance(m));
      expect(answer?.status).toBe("error");
    });

    // The core knows no LangChain error: volley/langgraph teaches it LangChain's when it loads.
    it("core: a plain executor classifies it invalid_args, not retried, once volley/langgraph is loaded", async () => {
      const executor = createExecutor({ tools: [jsonSchemaTool()], ...retries });
      const report = await executor.execute([{ id: "c1", name: "js", args: { q: 1 } }]);
      const outcome = report.outcomes[0]!;
      expect(outcome.status === "error" && outcome.error.kind).toBe("invalid_args");
      expect(outcome.attempts).toBe(1);
    });
  });
});
