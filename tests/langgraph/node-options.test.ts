import { describe, expect, it } from "vitest";
import { createExecutor } from "../../src/core/index.js";
import { VolleyToolNode, parallelToolNode, volleyMiddleware } from "../../src/langgraph/index.js";

const executor = createExecutor({ tools: [] });

/** The three entry points, each as a function of (its first argument, its options). */
const makers = {
  parallelToolNode: (source: unknown, options?: unknown) =>
    parallelToolNode(source as never, options as never),
  VolleyToolNode: (source: unknown, options?: unknown) =>
    new VolleyToolNode(source as never, options as never),
  volleyMiddleware: (source: unknown, options?: unknown) =>
    volleyMiddleware(source as never, options as never),
} as const;

function messageOf(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error("expected a TypeError");
}

describe("the options the LangGraph nodes and the middleware share: one wording", () => {
  it.each(["parallelToolNode", "VolleyToolNode", "volleyMiddleware"] as const)(
    "%s words a bad batchId in the shared voice",
    (where) => {
      expect(messageOf(() => makers[where](executor, { batchId: "fixed" }))).toBe(
        `Expected ${where} option batchId to be false or a function, got \`"fixed"\` (string)`,
      );
    },
  );

  it.each(["VolleyToolNode", "volleyMiddleware"] as const)(
    "%s words a bad handleToolErrors in the shared voice",
    (where) => {
      expect(messageOf(() => makers[where](executor, { handleToolErrors: "yes" }))).toBe(
        `Expected ${where} option handleToolErrors to be a boolean or a function, got \`"yes"\` (string)`,
      );
    },
  );

  it.each(["parallelToolNode", "VolleyToolNode"] as const)(
    "%s words a bad deadlineMs, its options and its executor in the shared voice",
    (where) => {
      expect(messageOf(() => makers[where](executor, { deadlineMs: -1 }))).toBe(
        `Expected ${where} option deadlineMs to be a number of milliseconds ≥ 0 or Infinity, got \`-1\` (number)`,
      );
      expect(messageOf(() => makers[where](executor, { deadlineMs: NaN }))).toMatch(
        /got `NaN` \(number\)$/,
      );
      expect(messageOf(() => makers[where](executor, null))).toBe(
        `Expected ${where} options to be an object, got \`null\``,
      );
      expect(messageOf(() => makers[where](42))).toBe(
        `Expected ${where}'s first argument to be an executor from createExecutor() or an array of tools, got \`42\` (number)`,
      );
      expect(messageOf(() => makers[where]([{ name: "x" }]))).toBe(
        `Expected ${where} tools[0] to be a tool made by defineTool() or a @langchain/core tool, got \`{ name: "x" }\` (object)`,
      );
      expect(messageOf(() => makers[where](executor, { executor: { concurrency: 2 } }))).toMatch(
        new RegExp(
          `^Expected ${where} option executor to be undefined when given an executor .*, got \`{ concurrency: 2 }\` \\(object\\)$`,
        ),
      );
    },
  );

  it("volleyMiddleware words a missing executor in the shared voice", () => {
    expect(messageOf(() => makers.volleyMiddleware([]))).toBe(
      "Expected volleyMiddleware's first argument to be an executor from createExecutor() (register the agent's tools with it), got `[]` (array of 0)",
    );
  });

  it("accepts what each accepted before", () => {
    const ok = [
      { batchId: false },
      { batchId: () => "b" },
      { deadlineMs: 0 },
      { deadlineMs: Infinity },
      { handleToolErrors: false },
      { handleToolErrors: () => "handled" },
    ];
    for (const options of ok) {
      expect(() => makers.VolleyToolNode(executor, options)).not.toThrow();
    }
    for (const options of ok.slice(0, 4)) {
      expect(() => makers.parallelToolNode(executor, options)).not.toThrow();
    }
    for (const options of [...ok.slice(0, 2), ...ok.slice(4), { batchId: null }]) {
      expect(() => makers.volleyMiddleware(executor, options)).not.toThrow();
    }
  });
});
