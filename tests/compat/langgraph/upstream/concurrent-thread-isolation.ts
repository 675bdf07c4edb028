// Ported from langchain-ai/langgraphjs, libs/langgraph-core/src/tests/concurrent-thread-isolation.test.ts
// at commit f8bdf16d4fe23a79e945ea5dc6f86bbf09abb77d: the test that builds a ToolNode
// ("concurrent invokes keep checkpoint state isolated on a singleton graph"), unchanged. The
// file's other test checks a private helper of the package (ensureLangGraphConfig) and is not
// ported. Only the imports differ: `ToolNode` comes from ../subject.js, the rest from the
// packages' public entry points (whose Node entry initialises AsyncLocalStorage, as upstream's
// initializeAsyncLocalStorageSingleton() call does).
import { describe, it, expect } from "vitest";
import { MemorySaver } from "@langchain/langgraph-checkpoint";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import { AIMessage, BaseMessage, HumanMessage } from "@langchain/core/messages";
import { Annotation, StateGraph } from "@langchain/langgraph";
import { END, START } from "@langchain/langgraph";
import { ToolNode } from "../subject.js";
import { getCurrentTaskInput } from "@langchain/langgraph";


const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

const AgentState = Annotation.Root({
  messages: Annotation<BaseMessage[]>({
    reducer: (left, right) => left.concat(right),
    default: () => [],
  }),
  customer: Annotation<string>({
    reducer: (_, right) => right,
    default: () => "",
  }),
});

/**
 * Singleton compiled graphs shared across concurrent `invoke()` calls with
 * different `thread_id` values must not leak state, metadata, or task input
 * between threads.
 */
describe("concurrent thread isolation", () => {

  it("concurrent invokes keep checkpoint state isolated on a singleton graph", async () => {
    const checkpointer = new MemorySaver();
    const sharedBound = {
      metadata: { graph_id: "agent" },
      configurable: { ls_agent_type: "chatbot" },
    };

    const recordCustomer = tool(
      async (
        input: { name: string },
        runtime: ToolRuntime<typeof AgentState.State>
      ) => {
        return `recorded:${input.name}:thread=${runtime.config.configurable?.thread_id}`;
      },
      {
        name: "record_customer",
        description: "Record customer name.",
        schema: {
          type: "object",
          properties: { name: { type: "string" } },
          required: ["name"],
        },
      }
    );

    const callTools = new ToolNode([recordCustomer]);

    const callModel = async () => {
      await delay(50);
      const threadId = getCurrentTaskInput<{ customer: string }>().customer;
      return {
        messages: [
          new AIMessage({
            content: "",
            tool_calls: [
              {
                name: "record_customer",
                args: { name: threadId },
                id: `call-${threadId}`,
              },
            ],
          }),
        ],
      };
    };

    // Singleton graph — mirrors production `createAgent()` pattern.
    const graph = new StateGraph(AgentState)
      .addNode("agent", callModel)
      .addNode("tools", callTools)
      .addEdge(START, "agent")
      .addEdge("agent", "tools")
      .addEdge("tools", END)
      .compile({ checkpointer })
      .withConfig(sharedBound);

    const threads = ["customer-a", "customer-b", "customer-c", "customer-d"];

    const results = await Promise.all(
      threads.map((customer) =>
        graph.invoke(
          {
            messages: [new HumanMessage(`Order for ${customer}`)],
            customer,
          },
          { configurable: { thread_id: customer } }
        )
      )
    );

    for (let i = 0; i < threads.length; i += 1) {
      const customer = threads[i];
      const result = results[i];
      const toolMessage = result.messages.find(
        (m) => m.getType() === "tool"
      );
      expect(toolMessage?.content).toBe(`recorded:${customer}:thread=${customer}`);

      const checkpoint = await checkpointer.getTuple({
        configurable: { thread_id: customer },
      });
      const savedCustomer = (
        checkpoint?.checkpoint.channel_values as { customer?: string }
      )?.customer;
      expect(savedCustomer).toBe(customer);
    }

    // Bound config must remain untouched after concurrent invocations.
    expect(sharedBound.metadata).toEqual({ graph_id: "agent" });
    expect(sharedBound.configurable).toEqual({ ls_agent_type: "chatbot" });
  });
});
