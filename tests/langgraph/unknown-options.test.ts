import { InMemoryStore } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { createExecutor } from "../../src/core/index.js";
import {
  StoreJournal,
  VolleyToolNode,
  graphBatchId,
  parallelToolNode,
  volleyMiddleware,
} from "../../src/langgraph/index.js";

const executor = createExecutor({ tools: [] });

describe("volley/langgraph refuses unknown option keys, naming the nearest known one", () => {
  it.each<[string, () => unknown, string]>([
    [
      "parallelToolNode",
      () => parallelToolNode(executor, { deadline: 5 } as never),
      'Unknown option "deadline" for parallelToolNode; did you mean "deadlineMs"? Known options: executor, deadlineMs, priority, batchId, stream.',
    ],
    [
      "parallelToolNode's executor options",
      () => parallelToolNode([], { executor: { concurency: 2 } } as never),
      'Unknown option "concurency" for parallelToolNode option executor; did you mean "concurrency"?',
    ],
    [
      "VolleyToolNode",
      () => new VolleyToolNode(executor, { handleToolError: false } as never),
      'Unknown option "handleToolError" for VolleyToolNode; did you mean "handleToolErrors"?',
    ],
    [
      "VolleyToolNode's executor options",
      () => new VolleyToolNode([], { executor: { retry: { maxAttempt: 3 } } } as never),
      'Unknown option "maxAttempt" for retry; did you mean "maxAttempts"?',
    ],
    [
      "volleyMiddleware",
      () => volleyMiddleware(executor, { batchID: false } as never),
      'Unknown option "batchID" for volleyMiddleware; did you mean "batchId"? Known options: name, handleToolErrors, batchId.',
    ],
    [
      "graphBatchId's key",
      () => graphBatchId({ configurable: { thread_id: "t" } }, [], { messageID: "m" } as never),
      'Unknown option "messageID" for graphBatchId; did you mean "messageId"?',
    ],
    [
      "StoreJournal",
      () => new StoreJournal(new InMemoryStore(), { namepace: ["a"] } as never),
      'Unknown option "namepace" for StoreJournal; did you mean "namespace"? Known options: transientKinds, namespace, maxBatchSize, pageSize.',
    ],
  ])("%s", (_label, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });

  it("accepts LangGraph ToolNode's own options on VolleyToolNode", () => {
    const node = new VolleyToolNode(executor, {
      name: "tools",
      tags: ["a"],
      handleToolErrors: true,
    });
    expect(node.name).toBe("tools");
  });

  it("middleware options that are not an object throw", () => {
    expect(() => volleyMiddleware(executor, null as never)).toThrow(
      /Expected volleyMiddleware options to be an object, got `null`/,
    );
  });
});
