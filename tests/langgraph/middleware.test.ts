import { HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver, interrupt } from "@langchain/langgraph";
import { MIDDLEWARE_BRAND, createAgent, createMiddleware } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryJournal, createExecutor } from "../../src/core/index.js";
import { toolMessageError, volleyMiddleware } from "../../src/langgraph/index.js";
import { Probe, lookupTool } from "./probe.js";
import { ScriptedChatModel, threeTurns } from "./scripted-model.js";

function toolMessages(messages: readonly unknown[]): ToolMessage[] {
  return messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
}

describe("volleyMiddleware in createAgent", () => {
  it("is what langchain's createMiddleware builds: its brand, a name and wrapToolCall", () => {
    const ours = volleyMiddleware(createExecutor({ tools: [] })) as unknown as Record<
      PropertyKey,
      unknown
    >;
    const theirs = createMiddleware({
      name: "x",
      wrapToolCall: (r, h) => h(r),
    }) as unknown as Record<PropertyKey, unknown>;
    expect(ours[MIDDLEWARE_BRAND]).toBe(true);
    expect(theirs[MIDDLEWARE_BRAND]).toBe(true);
    expect(ours["name"]).toBe("VolleyMiddleware");
    expect(typeof ours["wrapToolCall"]).toBe("function");
  });

  it("holds one executor's limit across the agent's parallel calls (3 turns, 2–5 calls a turn)", async () => {
    const probe = new Probe();
    const lookup = lookupTool(probe, 30);
    const executor = createExecutor({ tools: [lookup], concurrency: 2 });
    let started = 0;
    executor.on("call:started", () => void started++);
    const model = new ScriptedChatModel(threeTurns());
    const agent = createAgent({ model, tools: [lookup], middleware: [volleyMiddleware(executor)] });
    const out = await agent.invoke({ messages: [new HumanMessage("go")] });
    const answers = toolMessages(out.messages);
    expect(answers).toHaveLength(10);
    for (const answer of answers) {
      expect(answer.status).not.toBe("error");
      expect(answer.content).toMatch(/^found turn \d call \d$/);
    }
    expect(probe.maxInFlight).toBeLessThanOrEqual(2);
    expect(probe.maxInFlight).toBe(2);
    expect(started).toBe(10);
    expect(out.messages.at(-1)!.content).toBe("all done");
  });

  it("without it, the agent runs all of a turn's calls at once", async () => {
    const probe = new Probe();
    const lookup = lookupTool(probe, 30);
    const agent = createAgent({ model: new ScriptedChatModel(threeTurns()), tools: [lookup] });
    await agent.invoke({ messages: [new HumanMessage("go")] });
    expect(probe.maxInFlight).toBe(5);
  });

  it("applies the executor's timeout (the tool's signal aborts) and retries", async () => {
    const probe = new Probe();
    let flakyRuns = 0;
    const flaky = tool(
      async ({ query }) => {
        if (++flakyRuns === 1) throw new Error("transient");
        return `steady ${query}`;
      },
      { name: "flaky", description: "Fails once", schema: z.object({ query: z.string() }) },
    );
    const slow = lookupTool(probe, 2_000);
    const executor = createExecutor({
      tools: [slow, flaky],
      timeoutMs: 100,
      retry: { maxAttempts: 2, initialInterval: 10 },
    });
    const retries: string[] = [];
    executor.on("call:retry", (e) => void retries.push(`${e.callId}:${e.error.kind}`));
    const model = new ScriptedChatModel([
      {
        calls: [
          { id: "slow", name: "lookup", args: { query: "forever" } },
          { id: "flaky", name: "flaky", args: { query: "x" } },
        ],
      },
      { text: "ok" },
    ]);
    const agent = createAgent({
      model,
      tools: [slow, flaky],
      middleware: [volleyMiddleware(executor)],
    });
    const started = performance.now();
    const out = await agent.invoke({ messages: [new HumanMessage("go")] });
    expect(performance.now() - started).toBeLessThan(1_500);
    const byId = new Map(toolMessages(out.messages).map((m) => [m.tool_call_id, m]));
    expect(byId.get("flaky")!.content).toBe("steady x");
    expect(byId.get("slow")!.status).toBe("error");
    expect(byId.get("slow")!.content).toBe(
      'The tool "lookup" timed out after 100 ms; the call did not finish (it was tried 2 times).',
    );
    expect(toolMessageError(byId.get("slow"))).toMatchObject({
      kind: "timeout",
      data: { timeoutMs: 100 },
    });
    expect(probe.aborted).toBe(2);
    expect(retries.sort()).toEqual(["flaky:tool_error", "slow:timeout"]);
  });

  it("answers a tool the executor does not know with an error, and refuses a non-executor", async () => {
    const probe = new Probe();
    const lookup = lookupTool(probe, 5);
    const executor = createExecutor({ tools: [] });
    const model = new ScriptedChatModel([
      { calls: [{ id: "a", name: "lookup", args: { query: "x" } }] },
      { text: "ok" },
    ]);
    const agent = createAgent({ model, tools: [lookup], middleware: [volleyMiddleware(executor)] });
    const out = await agent.invoke({ messages: [new HumanMessage("go")] });
    const [answer] = toolMessages(out.messages);
    expect(answer!.status).toBe("error");
    expect(answer!.content).toBe('Error: Tool "lookup" not found.\n Please fix your mistakes.');
    expect(toolMessageError(answer)?.message).toContain('Unknown tool "lookup"');
    expect(probe.totalRuns).toBe(0);
    expect(() => volleyMiddleware([lookup] as never)).toThrow(TypeError);
  });

  it("lets interrupt() through; with a journal, a resume does not re-run finished calls", async () => {
    const probe = new Probe();
    const lookup = lookupTool(probe, 5);
    const approve = tool(
      async ({ action }) => `${action}: ${String(interrupt({ question: `may I ${action}?` }))}`,
      { name: "approve", description: "Asks a human", schema: z.object({ action: z.string() }) },
    );
    const executor = createExecutor({ tools: [lookup, approve], journal: new MemoryJournal() });
    const model = new ScriptedChatModel([
      {
        calls: [
          { id: "q", name: "approve", args: { action: "deploy" } },
          { id: "l", name: "lookup", args: { query: "docs" } },
        ],
      },
      { text: "done" },
    ]);
    const agent = createAgent({
      model,
      tools: [lookup, approve],
      middleware: [volleyMiddleware(executor)],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "mw-interrupt" } };
    const first = await agent.invoke({ messages: [new HumanMessage("go")] }, config);
    const pause = (first as { __interrupt__?: Array<{ value: unknown }> }).__interrupt__;
    expect(pause?.[0]?.value).toEqual({ question: "may I deploy?" });
    const resumed = await agent.invoke(new Command({ resume: "yes" }), config);
    const byId = new Map(toolMessages(resumed.messages).map((m) => [m.tool_call_id, m.content]));
    expect(byId.get("q")).toBe("deploy: yes");
    expect(byId.get("l")).toBe("found docs");
    expect(probe.runs.get("docs")).toBe(1);
  });
});
