import { HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import { MemorySaver } from "@langchain/langgraph";
import {
  ToolInvocationError,
  createAgent,
  createMiddleware,
  type AgentMiddleware,
} from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryJournal, createExecutor, type AnyTool } from "../../src/core/index.js";
import { volleyMiddleware, type VolleyMiddlewareOptions } from "../../src/langgraph/index.js";
import { ScriptedChatModel, type ScriptedTurn } from "./scripted-model.js";

type Position = "none" | "first" | "last";

/** A middleware outside or inside Volley's that notes the error its handler rejected with. */
function observer(seen: unknown[]): AgentMiddleware {
  return createMiddleware({
    name: "Observer",
    wrapToolCall: async (request, handler) => {
      try {
        return await handler(request);
      } catch (error) {
        seen.push(error);
        throw error;
      }
    },
  });
}

/**
 * Runs one turn of `calls` on an agent with `tools`, Volley's middleware placed `position`
 * relative to an observer (`none`: no Volley, langchain's own behaviour, the control).
 */
async function run(
  tools: StructuredToolInterface[],
  calls: ScriptedTurn["calls"],
  position: Position,
  options?: VolleyMiddlewareOptions,
  executorOptions: { timeoutMs?: number } = {},
) {
  const seen: unknown[] = [];
  const volley = volleyMiddleware(
    createExecutor({ tools: tools as readonly AnyTool[], ...executorOptions }),
    options,
  );
  const middleware =
    position === "none"
      ? [observer(seen)]
      : position === "first"
        ? [volley, observer(seen)]
        : [observer(seen), volley];
  const agent = createAgent({
    model: new ScriptedChatModel([{ calls }, { text: "ok" }]),
    tools,
    middleware,
  });
  try {
    const out = await agent.invoke({ messages: [new HumanMessage("go")] });
    const answers = out.messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    return { answers, seen, error: undefined };
  } catch (error) {
    return { answers: [], seen, error };
  }
}

/** A message's text up to the stack frames (which differ with the path a call took). */
function withoutFrames(content: unknown): string {
  return String(content).split(/\n\s+at /)[0]!;
}

const lookup = tool(async ({ query }) => `found ${query}`, {
  name: "lookup",
  description: "Looks something up",
  schema: z.object({ query: z.string() }),
});
const jsonLookup = tool(async (args: unknown) => `found ${JSON.stringify(args)}`, {
  name: "json_lookup",
  description: "Takes a JSON-schema input",
  schema: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
});

describe("volleyMiddleware keeps createAgent's error rules", () => {
  describe.each([
    ["a zod schema (Volley checks the arguments first)", lookup],
    ["a JSON schema (only LangChain checks them)", jsonLookup],
  ])("bad arguments, %s", (_, badTool) => {
    const calls = [{ id: "c1", name: badTool.name, args: { query: 42 } }];

    it.each([
      ["first", undefined],
      ["last", undefined],
      ["first", false],
      ["last", false],
    ] as const)(
      "Volley %s, handleToolErrors %s: langchain's ToolInvocationError, answered in its words",
      async (position, handleToolErrors) => {
        const control = await run([badTool], calls, "none");
        const ours = await run(
          [badTool],
          calls,
          position,
          handleToolErrors === undefined ? undefined : { handleToolErrors },
        );
        expect(control.error).toBeUndefined();
        expect(ours.error).toBeUndefined();
        expect(ours.seen).toHaveLength(1);
        expect(ToolInvocationError.isInstance(ours.seen[0])).toBe(true);
        const [answer] = ours.answers;
        expect(answer!.status).toBe("error");
        expect(withoutFrames(answer!.content)).toBe(withoutFrames(control.answers[0]!.content));
        expect(String(answer!.content)).toMatch(
          new RegExp(`^Error invoking tool '${badTool.name}' with kwargs \\{"query":42\\}`),
        );
      },
    );
  });

  describe("what the tool threw", () => {
    const boom = new RangeError("boom");
    const failing = tool(
      async () => {
        throw boom;
      },
      { name: "failing", description: "Always fails", schema: z.object({}) },
    );
    const calls = [{ id: "c1", name: "failing", args: {} }];

    it.each(["first", "last"] as const)(
      "Volley %s: the middlewares around it see the very error, and the run rejects with it",
      async (position) => {
        const control = await run([failing], calls, "none");
        const ours = await run([failing], calls, position);
        expect(control.error).toBe(boom);
        expect(control.seen).toEqual([boom]);
        expect(ours.error).toBe(boom);
        expect(ours.seen).toEqual([boom]);
      },
    );

    it("replayed from a journal on resume, it fails the run again without running the tool", async () => {
      let runs = 0;
      const once = tool(
        async () => {
          runs++;
          throw new RangeError("boom");
        },
        { name: "failing", description: "Always fails", schema: z.object({}) },
      );
      const executor = createExecutor({ tools: [once], journal: new MemoryJournal() });
      const agent = createAgent({
        model: new ScriptedChatModel([{ calls }, { text: "ok" }]),
        tools: [once],
        middleware: [volleyMiddleware(executor)],
        checkpointer: new MemorySaver(),
      });
      const config = { configurable: { thread_id: "replayed-tool-error" } };
      const first: unknown = await agent
        .invoke({ messages: [new HumanMessage("go")] }, config)
        .catch((e: unknown) => e);
      expect(first).toBeInstanceOf(RangeError);
      const again = (await agent.invoke(null as never, config).catch((e: unknown) => e)) as Error;
      expect(again).toBeInstanceOf(Error);
      expect(again.name).toBe("RangeError");
      expect(again.message).toBe("boom");
      expect(runs).toBe(1);
    });

    it("handleToolErrors: true: Volley answers it with an error message instead", async () => {
      const ours = await run([failing], calls, "last", { handleToolErrors: true });
      expect(ours.error).toBeUndefined();
      expect(ours.answers[0]!.status).toBe("error");
      expect(String(ours.answers[0]!.content)).toContain("boom");
    });

    it("a handler gets what the tool threw and decides", async () => {
      const got: unknown[] = [];
      const ours = await run([failing], calls, "last", {
        handleToolErrors: (error) => {
          got.push(error);
          return `handled ${error.message}`;
        },
      });
      expect(got).toEqual([boom]);
      expect(ours.answers[0]!.content).toBe("handled boom");
    });
  });

  describe("what only Volley has: its limits", () => {
    const hangs = tool(
      async (_args, config) => {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 2_000);
          config?.signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve(undefined);
          });
        });
        return "late";
      },
      { name: "hangs", description: "Takes two seconds", schema: z.object({}) },
    );
    const calls = [{ id: "c1", name: "hangs", args: {} }];

    it("by default a timeout answers with an error message, and the run goes on", async () => {
      const ours = await run([hangs], calls, "last", undefined, { timeoutMs: 50 });
      expect(ours.error).toBeUndefined();
      expect(ours.seen).toEqual([]);
      expect(ours.answers[0]!.status).toBe("error");
      expect(String(ours.answers[0]!.content)).toMatch(
        /^The tool "hangs" timed out after 50 ms; the call did not finish/,
      );
    });

    it("handleToolErrors: false throws it: a ToolCallFailure of kind timeout, which langchain wraps", async () => {
      const ours = await run(
        [hangs],
        calls,
        "first",
        { handleToolErrors: false },
        { timeoutMs: 50 },
      );
      // Thrown by the middleware itself, not from inside it: createAgent's MiddlewareError holds it.
      const error = ours.error as Error & { cause?: Error & { kind?: string } };
      expect(error.name).toBe("ToolTimeoutError");
      expect(error.cause?.kind).toBe("timeout");
      expect(error.cause?.message).toMatch(/timed out after 50ms/);
    });
  });

  it("a tool the agent does not have: createAgent's own answer", async () => {
    const calls = [{ id: "c1", name: "nope", args: {} }];
    const control = await run([lookup], calls, "none");
    for (const position of ["first", "last"] as const) {
      const ours = await run([lookup], calls, position);
      expect(ours.error).toBeUndefined();
      expect(ours.answers[0]!.content).toBe(control.answers[0]!.content);
      expect(ours.answers[0]!.content).toBe(
        "Error: nope is not a valid tool, try one of [lookup].",
      );
    }
  });

  it("refuses a handleToolErrors that is neither a boolean nor a function", () => {
    expect(() =>
      volleyMiddleware(createExecutor({ tools: [] }), { handleToolErrors: "yes" as never }),
    ).toThrow(/option handleToolErrors to be a boolean or a function, got `"yes"`/);
  });
});
