import { join } from "node:path";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import { DynamicStructuredTool, tool } from "@langchain/core/tools";
import { MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { z as z3 } from "zod/v3";
import { createExecutor, defineTool, type ErrorOutcome } from "../../src/core/index.js";
import { VolleyToolNode, toolMessageError } from "../../src/langgraph/index.js";
import { answerFailure } from "../../src/langgraph/tool-messages.js";
import { makeTempDir } from "../helpers/temp-dir.js";

type Call = Omit<LangChainToolCall, "type">;

function aiMessage(...calls: Call[]): AIMessage {
  return new AIMessage({
    id: "ai",
    content: "",
    tool_calls: calls.map((c) => ({ ...c, type: "tool_call" as const })),
  });
}

async function answersOf(node: ToolNode, ...calls: Call[]): Promise<ToolMessage[]> {
  const out = (await node.invoke({ messages: [aiMessage(...calls)] })) as {
    messages: ToolMessage[];
  };
  return out.messages;
}

const search = tool(async ({ query }: { query: string }) => `found ${query}`, {
  name: "search",
  description: "Searches",
  schema: z.object({ query: z.string() }),
});

/** A LangChain tool, a call of it, and what to compare: each runs under ToolNode and Volley's. */
const toolNodeCases: Array<[string, () => DynamicStructuredTool, Call]> = [
  ["an unknown tool", () => search, { id: "c1", name: "nope", args: {} }],
  [
    "a tool that throws an Error",
    () =>
      tool(
        async () => {
          throw new Error("the index is offline");
        },
        { name: "t", description: "throws", schema: z.object({}) },
      ),
    { id: "c1", name: "t", args: {} },
  ],
  [
    "a tool that throws a TypeError",
    () =>
      tool(
        async () => {
          throw new TypeError("cannot read the page");
        },
        { name: "t", description: "throws", schema: z.object({}) },
      ),
    { id: "c1", name: "t", args: {} },
  ],
  [
    "a tool that throws an Error with no message",
    () =>
      tool(
        async () => {
          throw new Error();
        },
        { name: "t", description: "throws", schema: z.object({}) },
      ),
    { id: "c1", name: "t", args: {} },
  ],
  ["bad arguments, zod 4 schema", () => search, { id: "c1", name: "search", args: { query: 42 } }],
  [
    "bad arguments, zod 3 schema, nested",
    () =>
      tool(async () => "ok", {
        name: "t",
        description: "takes numbers",
        schema: z3.object({ items: z3.array(z3.number()), label: z3.string() }),
      }),
    { id: "c1", name: "t", args: { items: [1, "x"] } },
  ],
  [
    "bad arguments, JSON schema",
    () =>
      tool(async () => "ok", {
        name: "t",
        description: "JSON schema",
        schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
      }),
    { id: "c1", name: "t", args: { q: 1 } },
  ],
  [
    "bad arguments, verboseParsingErrors",
    () =>
      new DynamicStructuredTool({
        name: "t",
        description: "verbose",
        schema: z.object({ query: z.string() }),
        verboseParsingErrors: true,
        func: async () => "ok",
      }),
    { id: "c1", name: "t", args: { query: 1 } },
  ],
];

describe("error answers: the failures ToolNode has, in ToolNode's words", () => {
  it.each(toolNodeCases)("%s", async (_label, make, call) => {
    const [reference] = await answersOf(new ToolNode([make()]), call);
    const [ours] = await answersOf(new VolleyToolNode([make()]), call);
    expect(ours!.content).toBe(reference!.content);
    expect(ours!.status).toBe("error");
    expect(ours!.name).toBe(reference!.name);
    expect(ours!.tool_call_id).toBe(reference!.tool_call_id);
  });

  it("handleToolErrors: false throws what ToolNode throws for arguments the executor refused first", async () => {
    const call = { id: "c1", name: "search", args: { query: 42 } };
    const caught = (node: ToolNode) =>
      answersOf(node, call).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
    const reference = await caught(new ToolNode([search], { handleToolErrors: false }));
    const ours = await caught(new VolleyToolNode([search], { handleToolErrors: false }));
    expect(ours?.constructor.name).toBe("ToolInputParsingException");
    expect(ours?.constructor).toBe(reference?.constructor);
    expect(ours?.message).toBe(reference?.message);
  });

  it("a defineTool() tool, which ToolNode cannot run, answers in the same voice with Volley's account", async () => {
    const lookup = defineTool({
      name: "lookup",
      description: "Looks up",
      schema: z.object({ query: z.string() }),
      run: ({ query }) => {
        if (query === "fail") throw new Error("lookup failed for fail");
        return query;
      },
    });
    const [failed, bad] = await answersOf(
      new VolleyToolNode([lookup]),
      { id: "f", name: "lookup", args: { query: "fail" } },
      { id: "b", name: "lookup", args: { query: 1 } },
    );
    expect(failed!.content).toBe("Error: lookup failed for fail\n Please fix your mistakes.");
    expect(bad!.content).toBe(
      'Error: Invalid arguments for tool "lookup" in call "b": query: Invalid input: expected string, received number\n Please fix your mistakes.',
    );
  });
});

function failedOutcome(
  error: ErrorOutcome["error"],
  fields: Partial<Pick<ErrorOutcome, "startedAt" | "attempts">> = {},
): ErrorOutcome {
  return {
    id: "c1",
    index: 0,
    name: "search",
    status: "error",
    error,
    startedAt: fields.startedAt === undefined ? 1 : fields.startedAt,
    durationMs: 5,
    attempts: fields.attempts ?? 1,
  };
}

const searchCall: LangChainToolCall = { id: "c1", name: "search", args: {} };

function defaultText(outcome: ErrorOutcome): unknown {
  return answerFailure(true, outcome, searchCall, undefined).content;
}

describe("error answers: Volley's own kinds say what happened to the call", () => {
  it.each<[string, ErrorOutcome, string]>([
    [
      "timeout",
      failedOutcome({ kind: "timeout", message: "…", data: { timeoutMs: 2_000 } }),
      'The tool "search" timed out after 2 s; the call did not finish.',
    ],
    [
      "timeout, retried",
      failedOutcome({ kind: "timeout", message: "…", data: { timeoutMs: 1_500 } }, { attempts: 3 }),
      'The tool "search" timed out after 1.5 s; the call did not finish (it was tried 3 times).',
    ],
    [
      "timeout, limit unknown",
      failedOutcome({ kind: "timeout", message: "…" }),
      'The tool "search" timed out; the call did not finish.',
    ],
    [
      "deadline, while running",
      failedOutcome({ kind: "deadline", message: "Batch deadline of 100ms passed" }),
      'The tool "search" was stopped: the time budget for this step ran out before the call finished.',
    ],
    [
      "deadline, before it started",
      failedOutcome({ kind: "deadline", message: "…" }, { startedAt: null }),
      'The tool "search" did not run: the time budget for this step ran out before the call could start.',
    ],
    [
      "cancelled, while running",
      failedOutcome({ kind: "cancelled", message: "Cancelled by the caller" }),
      'The call to "search" was cancelled before it finished; it returned no result.',
    ],
    [
      "cancelled, before it started",
      failedOutcome({ kind: "cancelled", message: "…" }, { startedAt: null }),
      'The call to "search" was cancelled before it started; it did not run.',
    ],
    [
      "rejected",
      failedOutcome(
        { kind: "rejected", message: 'Circuit open for tool "search" after 5 failures' },
        { startedAt: null },
      ),
      'The call to "search" was refused and did not run: Circuit open for tool "search" after 5 failures. Try again later.',
    ],
    [
      "crashed",
      failedOutcome({ kind: "crashed", message: "The worker thread … exited (code 1)" }),
      'The tool "search" crashed while running; the call did not finish. Calling it again may work.',
    ],
    [
      "invalid_call",
      failedOutcome(
        { kind: "invalid_call", message: 'Call 1 repeats the id "c1" of an earlier call' },
        { startedAt: null },
      ),
      'Call 1 repeats the id "c1" of an earlier call. The call was not run; send it again as a well-formed tool call.',
    ],
  ])("%s", (_label, outcome, text) => {
    expect(defaultText(outcome)).toBe(text);
  });

  it("a real timeout names its limit", async () => {
    const slow = defineTool({
      name: "slow",
      description: "Waits for its signal",
      schema: z.object({}),
      timeoutMs: 50,
      run: (_args, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason as Error));
        }),
    });
    const [answer] = await answersOf(new VolleyToolNode([slow]), {
      id: "s",
      name: "slow",
      args: {},
    });
    expect(answer!.content).toBe('The tool "slow" timed out after 50 ms; the call did not finish.');
    expect(toolMessageError(answer)).toMatchObject({ kind: "timeout", data: { timeoutMs: 50 } });
  });

  it("a call the deadline caught in the queue did not run", async () => {
    const slow = defineTool({
      name: "slow",
      description: "Waits for its signal",
      schema: z.object({}),
      concurrency: 1,
      run: (_args, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason as Error));
        }),
    });
    const answers = await answersOf(
      new VolleyToolNode([slow], { deadlineMs: 50 }),
      { id: "a", name: "slow", args: {} },
      { id: "b", name: "slow", args: {} },
    );
    expect(answers.map((a) => a.content)).toEqual([
      'The tool "slow" was stopped: the time budget for this step ran out before the call finished.',
      'The tool "slow" did not run: the time budget for this step ran out before the call could start.',
    ]);
  });
});

describe("error answers: the messages option", () => {
  const throwing = tool(
    async () => {
      throw new RangeError("out of range");
    },
    { name: "t", description: "throws", schema: z.object({}) },
  );

  it("replaces the text of the kinds it names, with a string or a function, and keeps the rest", async () => {
    const seen: unknown[] = [];
    const node = new VolleyToolNode([throwing], {
      messages: {
        unknown_tool: "There is no such tool.",
        tool_error: (outcome, call, error) => {
          seen.push([outcome.error.kind, call.id, error?.name]);
          return `${call.name} failed: ${error?.message}`;
        },
      },
    });
    const answers = await answersOf(
      node,
      { id: "a", name: "t", args: {} },
      { id: "b", name: "nope", args: {} },
      { id: "c", name: "t", args: { extra: 1 } },
    );
    expect(answers.map((a) => a.content)).toEqual([
      "t failed: out of range",
      "There is no such tool.",
      "t failed: out of range",
    ]);
    expect(seen).toEqual([
      ["tool_error", "a", "RangeError"],
      ["tool_error", "c", "RangeError"],
    ]);
    // The text changes what the model reads; the outcome error beside it stays Volley's.
    expect(toolMessageError(answers[1])?.kind).toBe("unknown_tool");
  });

  it("is checked at construction: an object of strings or functions, by error kind", () => {
    expect(() => new VolleyToolNode([throwing], { messages: "x" as never })).toThrow(
      new TypeError(
        'Expected VolleyToolNode option messages to be an object of texts by error kind, got `"x"` (string)',
      ),
    );
    expect(() => new VolleyToolNode([throwing], { messages: { timout: "slow" } as never })).toThrow(
      /^Unknown option "timout" for VolleyToolNode option messages; did you mean "timeout"\?/,
    );
    expect(() => new VolleyToolNode([throwing], { messages: { timeout: 3 } as never })).toThrow(
      new TypeError(
        "Expected VolleyToolNode option messages.timeout to be a string or a function (outcome, call, error) => string, got `3` (number)",
      ),
    );
  });

  it("a function that returns no string fails the step with a TypeError that names it", async () => {
    const node = new VolleyToolNode([throwing], {
      messages: { tool_error: () => undefined as never },
    });
    await expect(answersOf(node, { id: "a", name: "t", args: {} })).rejects.toThrow(
      "Expected the messages.tool_error function to return a string, got `undefined`",
    );
  });

  it("a handleToolErrors function's answers carry the outcome error too", async () => {
    const node = new VolleyToolNode([throwing], { handleToolErrors: () => "handled" });
    const [answer] = await answersOf(node, { id: "a", name: "t", args: {} });
    expect(answer!.content).toBe("handled");
    expect(toolMessageError(answer)).toMatchObject({
      kind: "tool_error",
      message: "out of range",
      data: { name: "RangeError" },
    });
  });
});

describe("error answers: the outcome error travels with the message", () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir("error-answers");
  });
  afterEach(() => dir.remove());

  it("toolMessageError reads it back, and nothing from other messages", async () => {
    const [failed, ok] = await answersOf(
      new VolleyToolNode([search]),
      { id: "a", name: "nope", args: {} },
      { id: "b", name: "search", args: { query: "x" } },
    );
    expect(toolMessageError(failed)).toEqual({
      kind: "unknown_tool",
      message: 'Unknown tool "nope" in call "a" (known tools: search)',
    });
    expect(toolMessageError(ok)).toBeUndefined();
    expect(ok!.response_metadata).toEqual({});
    expect(toolMessageError(new HumanMessage("hi"))).toBeUndefined();
    expect(toolMessageError(null)).toBeUndefined();
    expect(toolMessageError({ response_metadata: { volley_error: { kind: "oops" } } })).toBe(
      undefined,
    );
  });

  it("survives a SQLite checkpoint, read back by another saver, beside ToolNode's own fields", async () => {
    const file = join(dir.path, "checkpoints.db");
    const build = (saver: SqliteSaver) =>
      new StateGraph(MessagesAnnotation)
        .addNode("tools", new VolleyToolNode(createExecutor({ tools: [search] })))
        .addEdge(START, "tools")
        .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t1" } };
    const writer = SqliteSaver.fromConnString(file);
    await build(writer).invoke(
      { messages: [aiMessage({ id: "a", name: "nope", args: {} })] },
      config,
    );
    const reader = SqliteSaver.fromConnString(file);
    const state = await build(reader).getState(config);
    const answer = (state.values as { messages: unknown[] }).messages.find((m) =>
      ToolMessage.isInstance(m),
    ) as ToolMessage;
    expect(answer.content).toBe('Error: Tool "nope" not found.\n Please fix your mistakes.');
    expect(toolMessageError(answer)).toMatchObject({ kind: "unknown_tool" });
    // The fields a provider turns into the model's input are ToolNode's, unchanged.
    const [reference] = await answersOf(new ToolNode([search]), {
      id: "a",
      name: "nope",
      args: {},
    });
    expect([answer.content, answer.tool_call_id, answer.name, answer.additional_kwargs]).toEqual([
      reference!.content,
      reference!.tool_call_id,
      reference!.name,
      reference!.additional_kwargs,
    ]);
  });
});
