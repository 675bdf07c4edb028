import { tool, ToolInputParsingException } from "@langchain/core/tools";
import { describe, expect, it, vi } from "vitest";

const jsonSchemaTool = () =>
  tool(async (args: unknown) => `ok ${JSON.stringify(args)}`, {
    name: "js",
    description: "Takes a JSON-schema input",
    schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
  });

const retries = { retry: { maxAttempts: 3, initialInterval: 1 } };

describe("volley/langgraph teaches the core LangChain's input-parsing error", () => {
  it("a plain executor retries it as a tool_error while volley/langgraph is not loaded", async () => {
    vi.resetModules();
    const { createExecutor } = await import("../../src/index.js");
    const report = await createExecutor({ tools: [jsonSchemaTool()], ...retries }).execute([
      { id: "c1", name: "js", args: { q: 1 } },
    ]);
    expect(report.outcomes[0]).toMatchObject({
      status: "error",
      error: { kind: "tool_error" },
      attempts: 3,
    });
  });

  it("loading volley/langgraph registers it: invalid_args, never retried, under a plain executor", async () => {
    vi.resetModules();
    const { createExecutor } = await import("../../src/index.js");
    await import("../../src/langgraph/index.js");
    const report = await createExecutor({ tools: [jsonSchemaTool()], ...retries }).execute([
      { id: "c1", name: "js", args: { q: 1 } },
    ]);
    expect(report.outcomes[0]).toMatchObject({
      status: "error",
      error: {
        kind: "invalid_args",
        message: expect.stringMatching(/did not match expected schema/),
      },
      attempts: 1,
    });
  });

  it("knows it by class, and by its constructor's name when it comes from another copy of @langchain/core", async () => {
    vi.resetModules();
    const { classifyError } = await import("../../src/core/engine/classify.js");
    const { recogniseLangChainErrors } = await import("../../src/langgraph/langchain-errors.js");
    recogniseLangChainErrors(); // again: idempotent
    class Copy extends Error {}
    Object.defineProperty(Copy, "name", { value: "ToolInputParsingException" });
    expect(classifyError(new ToolInputParsingException("bad"), "js").kind).toBe("invalid_args");
    expect(classifyError(new Copy("bad"), "js").kind).toBe("invalid_args");
    expect(classifyError(new Error("bad"), "js").kind).toBe("tool_error");
  });

  it("parallelToolNode: a JSON-schema tool's bad arguments end invalid_args at once", async () => {
    vi.resetModules();
    const { createExecutor } = await import("../../src/index.js");
    const { parallelToolNode } = await import("../../src/langgraph/index.js");
    const executor = createExecutor({ tools: [jsonSchemaTool()], ...retries });
    let retried = 0;
    executor.on("call:retry", () => void retried++);
    const update = await parallelToolNode(executor)({
      pending_tools: [{ id: "c1", name: "js", args: { q: 1 } }],
    });
    expect(update.errors["c1"]?.kind).toBe("invalid_args");
    expect(retried).toBe(0);
  });
});
