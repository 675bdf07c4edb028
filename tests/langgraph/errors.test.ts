import { ToolInputParsingException } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CancelledError,
  VolleyError,
  createExecutor,
  isCancelledError,
  defineTool,
  isVolleyError,
} from "../../src/index.js";
import { SqliteJournal } from "../../src/journal/index.js";
import {
  InterruptedCallError,
  ToolInputError,
  isInterruptedCallError,
  isToolInputError,
} from "../../src/langgraph/index.js";

describe("InterruptedCallError", () => {
  it("is named for itself, is cancelled, and marks the outcome interrupted", () => {
    const error = new InterruptedCallError("c1");
    expect(error.name).toBe("InterruptedCallError");
    expect(error.kind).toBe("cancelled");
    expect(error.data).toEqual({ interrupted: true });
    expect(error.message).toMatch(/call "c1" interrupted the graph/);
    expect(error).toBeInstanceOf(CancelledError);
    expect(isVolleyError(error)).toBe(true);
  });

  it("has a guard that checks the name, so it works across copies of the library", () => {
    expect(isInterruptedCallError(new InterruptedCallError("c1"))).toBe(true);
    expect(isInterruptedCallError(new CancelledError())).toBe(false);
    expect(
      isInterruptedCallError(Object.assign(new Error("x"), { name: "InterruptedCallError" })),
    ).toBe(false); // not a Volley error
    expect(isCancelledError(new InterruptedCallError("c1"))).toBe(false); // its own name
  });

  it("ends a call cancelled, with its own name and data.interrupted, which no journal records", async () => {
    const journal = new SqliteJournal({ path: ":memory:", transientKinds: [] });
    const t = defineTool({ name: "t", description: "T", schema: z.object({}), run: () => "ran" });
    const executor = createExecutor({ tools: [t], journal, retry: { maxAttempts: 3 } });
    const report = await executor.execute([{ id: "c1", name: "t", args: {} }], {
      batchId: "b1",
      invoke: () => Promise.reject(new InterruptedCallError("c1")),
    });
    expect(report.outcomes[0]).toMatchObject({
      status: "error",
      attempts: 1,
      error: { kind: "cancelled", data: { interrupted: true, name: "InterruptedCallError" } },
    });
    await executor.close();
    expect(await journal.load("b1")).toEqual([]);
    await journal.close();
  });
});

describe("ToolInputError", () => {
  it("is named for itself, is invalid_args, and keeps LangChain's error as its cause", () => {
    const cause = new ToolInputParsingException(
      "Received tool input did not match expected schema",
    );
    const error = new ToolInputError(cause);
    expect(error.name).toBe("ToolInputError");
    expect(error.kind).toBe("invalid_args");
    expect(error.message).toBe(cause.message);
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(VolleyError);
  });

  it("has a guard that checks the name", () => {
    expect(isToolInputError(new ToolInputError(new Error("x")))).toBe(true);
    expect(isToolInputError(new ToolInputParsingException("x"))).toBe(false);
    expect(isToolInputError(new VolleyError("invalid_args", "x"))).toBe(false);
  });
});
