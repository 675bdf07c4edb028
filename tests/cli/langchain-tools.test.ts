import { ToolInputParsingException } from "@langchain/core/tools";
import { describe, expect, it, vi } from "vitest";

describe("volley run --tools with LangChain tools", () => {
  it("teaches the executor LangChain's input-parsing errors (invalid_args), as volley/langgraph does", async () => {
    vi.resetModules();
    const { classifyError } = await import("../../src/core/engine/classify.js");
    const { loadTools } = await import("../../src/cli/load-tools.js");
    const error = new ToolInputParsingException(
      "Received tool input did not match expected schema",
    );
    expect(classifyError(error, "shout").kind).toBe("tool_error");
    await loadTools("tests/cli/fixtures/lc-tools.mjs");
    expect(classifyError(error, "shout").kind).toBe("invalid_args");
  });

  it("leaves the core alone for a module of defineTool() tools only", async () => {
    vi.resetModules();
    const { classifyError } = await import("../../src/core/engine/classify.js");
    const { loadTools } = await import("../../src/cli/load-tools.js");
    await loadTools("tests/cli/fixtures/tools.ts");
    expect(classifyError(new ToolInputParsingException("bad"), "t").kind).toBe("tool_error");
  });
});
