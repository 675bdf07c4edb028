import { HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor } from "../../src/core/index.js";
import { volleyMiddleware } from "../../src/langgraph/index.js";
import { ScriptedChatModel } from "./scripted-model.js";

const timers: NodeJS.Timeout[] = [];
afterEach(() => {
  for (const timer of timers.splice(0)) clearTimeout(timer);
});

/** A tool that takes 10 s whatever its signal says, and notes whether its signal aborted. */
function tenSecondTool(seen: { aborted: number; started: number }) {
  return tool(
    async (_args, config) => {
      seen.started++;
      config?.signal?.addEventListener("abort", () => void seen.aborted++, { once: true });
      await new Promise((resolve) => timers.push(setTimeout(resolve, 10_000)));
      return "finished";
    },
    { name: "slow", description: "Takes ten seconds", schema: z.object({}) },
  );
}

const reason = new Error("stop now");

type Abort =
  "createAgent({ signal })" | "the invoke config's signal" | "the invoke config's timeout";

/**
 * Runs an agent whose turn calls the 10 s tool twice on an executor of one slot (so the second
 * call is still queued), aborts it after about a second the way `how` says, and measures when
 * the run rejects.
 */
async function abortAfterASecond(how: Abort, position: "alone" | "first" | "last") {
  const seen = { aborted: 0, started: 0 };
  const slow = tenSecondTool(seen);
  const controller = new AbortController();
  // A retry after the abort would wait 5 s first: the run's time would show it.
  const executor = createExecutor({
    tools: [slow],
    concurrency: 1,
    retry: { maxAttempts: 3, initialInterval: 5_000 },
  });
  let retries = 0;
  executor.on("call:retry", () => void retries++);
  const volley = volleyMiddleware(executor);
  const other = {
    [Symbol.for("AgentMiddleware")]: true,
    name: "Other",
    wrapToolCall: (request: unknown, handler: (r: unknown) => unknown) => handler(request),
  } as unknown as typeof volley;
  const middleware =
    position === "alone" ? [volley] : position === "first" ? [volley, other] : [other, volley];
  const agent = createAgent({
    model: new ScriptedChatModel([
      {
        calls: [
          { id: "a", name: "slow", args: {} },
          { id: "b", name: "slow", args: {} },
        ],
      },
      { text: "done" },
    ]),
    tools: [slow],
    middleware,
    ...(how === "createAgent({ signal })" ? { signal: controller.signal } : {}),
  });
  const config =
    how === "the invoke config's signal"
      ? { signal: controller.signal }
      : how === "the invoke config's timeout"
        ? { timeout: 1_000 }
        : {};
  const started = performance.now();
  if (how !== "the invoke config's timeout") {
    timers.push(setTimeout(() => controller.abort(reason), 1_000));
  }
  const error: unknown = await agent.invoke({ messages: [new HumanMessage("go")] }, config).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, elapsedMs: performance.now() - started, seen, retries };
}

describe("volleyMiddleware ends the agent's tool calls when the run is aborted", () => {
  const cases: Array<[Abort, "alone" | "first" | "last"]> = [
    ["createAgent({ signal })", "alone"],
    ["createAgent({ signal })", "first"],
    ["createAgent({ signal })", "last"],
    ["the invoke config's signal", "alone"],
    ["the invoke config's signal", "last"],
    ["the invoke config's timeout", "alone"],
  ];
  it.each(cases)(
    "%s, the middleware %s: the run rejects long before the 10 s tool ends, its signal aborted",
    async (how, position) => {
      const { error, elapsedMs, seen, retries } = await abortAfterASecond(how, position);
      // The abort's own reason, as the run rejects without Volley.
      if (how === "the invoke config's timeout") expect(error).toBeInstanceOf(Error);
      else expect(error).toBe(reason);
      // Generous: the abort comes at 1 s; a run that waited for the tool would take 10 s.
      expect(elapsedMs).toBeLessThan(5_000);
      expect(seen.started).toBe(1);
      expect(seen.aborted).toBe(1);
      expect(retries).toBe(0);
    },
  );

  it("a signal already aborted ends the run before any tool starts", async () => {
    const seen = { aborted: 0, started: 0 };
    const slow = tenSecondTool(seen);
    const agent = createAgent({
      model: new ScriptedChatModel([{ calls: [{ id: "a", name: "slow", args: {} }] }]),
      tools: [slow],
      middleware: [volleyMiddleware(createExecutor({ tools: [slow] }))],
      signal: AbortSignal.abort(new Error("never")),
    });
    await expect(agent.invoke({ messages: [new HumanMessage("go")] })).rejects.toThrow("never");
    expect(seen.started).toBe(0);
  });
});
