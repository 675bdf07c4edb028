import { join } from "node:path";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent, createMiddleware, fakeModel, humanInTheLoopMiddleware } from "langchain";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, isApprovalDecisionError, type Policy } from "../../src/core/index.js";
import { SqliteJournal } from "../../src/journal/index.js";
import { volleyMiddleware, type HITLRequest } from "../../src/langgraph/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { captureWarnings } from "../helpers/warnings.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** LangChain tools that count the times they really ran, and the executor's policies for them. */
function toolbox() {
  const runs = { read: 0, search: 0, remove: 0, pay: 0 };
  const finished: string[] = [];
  const read = tool(
    async ({ path }) => {
      await sleep(200);
      runs.read++;
      finished.push("read");
      return `contents of ${path}`;
    },
    { name: "read", description: "Reads a file", schema: z.object({ path: z.string() }) },
  );
  const search = tool(
    async ({ q }) => {
      runs.search++;
      finished.push("search");
      return `found ${q}`;
    },
    { name: "search", description: "Searches", schema: z.object({ q: z.string() }) },
  );
  const remove = tool(
    async ({ path }) => {
      runs.remove++;
      return `removed ${path}`;
    },
    { name: "remove", description: "Deletes a file", schema: z.object({ path: z.string() }) },
  );
  const pay = tool(
    async ({ amount }) => {
      runs.pay++;
      return `paid ${amount}`;
    },
    { name: "pay", description: "Pays", schema: z.object({ amount: z.number().max(100) }) },
  );
  const policies: Record<string, Policy> = {
    remove: { needsApproval: true },
    pay: { needsApproval: { allowedDecisions: ["approve", "edit"], description: "Money" } },
  };
  return { tools: [read, remove, search, pay], policies, runs, finished };
}

const calls = [
  { id: "r1", name: "read", args: { path: "notes.txt" } },
  { id: "d1", name: "remove", args: { path: "old.txt" } },
  { id: "s1", name: "search", args: { q: "volley" } },
  { id: "p1", name: "pay", args: { amount: 40 } },
];

function script() {
  return fakeModel().respondWithTools(calls).respond(new AIMessage("All done."));
}

function answers(messages: readonly BaseMessage[]): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const m of messages) {
    if (ToolMessage.isInstance(m)) out[m.tool_call_id] = [m.content, m.status];
  }
  return out;
}

function interruptsOf(result: unknown): { id?: string; value: HITLRequest }[] {
  return (result as { __interrupt__?: { id?: string; value: HITLRequest }[] }).__interrupt__ ?? [];
}

const expectedRequest: HITLRequest = {
  actionRequests: [
    {
      name: "remove",
      args: { path: "old.txt" },
      description:
        'Tool execution requires approval\n\nTool: remove\nArgs: {\n  "path": "old.txt"\n}',
    },
    { name: "pay", args: { amount: 40 }, description: "Money" },
  ],
  reviewConfigs: [
    { actionName: "remove", allowedDecisions: ["approve", "edit", "reject"] },
    { actionName: "pay", allowedDecisions: ["approve", "edit"] },
  ],
};

describe("volleyMiddleware with calls that need approval, in createAgent on a SQLite checkpointer", () => {
  let dir: ReturnType<typeof makeTempDir>;
  let savers: SqliteSaver[];
  const saver = (): SqliteSaver => {
    const s = SqliteSaver.fromConnString(join(dir.path, "checkpoints.db"));
    savers.push(s);
    return s;
  };
  beforeEach(() => {
    dir = makeTempDir("approvals-mw");
    savers = [];
  });
  afterEach(() => {
    for (const s of savers) s.db.close();
    dir.remove();
  });

  for (const version of ["v2", "v1"] as const) {
    it(`${version}: one interrupt for the turn, after the other calls finished; nothing runs twice`, async () => {
      const { tools, policies, runs, finished } = toolbox();
      const executor = createExecutor({ tools, policies });
      const agent = createAgent({
        model: script(),
        tools,
        middleware: [volleyMiddleware(executor)],
        checkpointer: saver(),
        version,
      });
      const config = { configurable: { thread_id: `mw-${version}` } };
      const first = await agent.invoke({ messages: [new HumanMessage("tidy up")] }, config);
      const interrupts = interruptsOf(first);
      expect(interrupts).toHaveLength(1);
      expect(interrupts[0]!.value).toEqual(expectedRequest);
      // The slow auto-approved call finished before the interrupt came back.
      expect(finished.sort()).toEqual(["read", "search"]);
      expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 0 });

      const out = await agent.invoke(
        new Command({
          resume: {
            decisions: [
              { type: "reject", message: "Keep old.txt." },
              { type: "edit", editedAction: { name: "pay", args: { amount: 25 } } },
            ],
          },
        }),
        config,
      );
      expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 1 });
      expect(answers(out.messages)).toEqual({
        r1: ["contents of notes.txt", "success"],
        d1: ["Keep old.txt.", "error"],
        s1: ["found volley", "success"],
        p1: ["paid 25", "success"],
      });
      expect(out.messages.at(-1)!.content).toBe("All done.");
    });
  }

  it("v1: resumes in a new process from a SQLite journal without running finished calls again", async () => {
    const { tools, policies, runs } = toolbox();
    const journal = new SqliteJournal(join(dir.path, "journal.db"));
    const config = { configurable: { thread_id: "mw-journal" } };
    const make = (model: ReturnType<typeof fakeModel>) =>
      createAgent({
        model,
        tools,
        middleware: [volleyMiddleware(createExecutor({ tools, policies, journal }))],
        checkpointer: saver(),
        version: "v1",
      });
    await make(script()).invoke({ messages: [new HumanMessage("tidy up")] }, config);
    expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 0 });
    const out = await make(fakeModel().respond(new AIMessage("All done."))).invoke(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }] } }),
      config,
    );
    expect(runs).toEqual({ read: 1, search: 1, remove: 1, pay: 1 });
    expect(answers(out.messages)["r1"]).toEqual(["contents of notes.txt", "success"]);
    await journal.close();
  });

  it("v1: without a journal, a resume in a new process says which finished calls ran again", async () => {
    const { tools, policies, runs } = toolbox();
    const config = { configurable: { thread_id: "mw-nojournal" } };
    const make = (model: ReturnType<typeof fakeModel>) =>
      createAgent({
        model,
        tools,
        middleware: [volleyMiddleware(createExecutor({ tools, policies }))],
        checkpointer: saver(),
        version: "v1",
      });
    await make(script()).invoke({ messages: [new HumanMessage("tidy up")] }, config);
    using captured = captureWarnings();
    await make(fakeModel().respond(new AIMessage("All done."))).invoke(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }] } }),
      config,
    );
    expect(runs).toEqual({ read: 2, search: 2, remove: 1, pay: 1 });
    expect(captured.warnings.map((w) => w.code)).toEqual(["VOLLEY_APPROVALS"]);
    expect(captured.warnings[0]!.message).toMatch(
      /volleyMiddleware: call\(s\) "r1", "s1" ran again/,
    );
  });

  it("refuses a malformed resume with an ApprovalDecisionError; a corrected one then resumes", async () => {
    const { tools, policies, runs } = toolbox();
    const agent = createAgent({
      model: script(),
      tools,
      middleware: [volleyMiddleware(createExecutor({ tools, policies }))],
      checkpointer: saver(),
    });
    const config = { configurable: { thread_id: "mw-bad" } };
    await agent.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    const error: unknown = await agent
      .invoke(new Command({ resume: { decisions: [{ type: "approve" }] } }), config)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    // createAgent wraps what a middleware throws in its MiddlewareError, with ours as the cause.
    const cause = (error as { cause?: unknown }).cause;
    expect(isApprovalDecisionError(cause), String(error)).toBe(true);
    expect((error as Error).name).toBe("ApprovalDecisionError");
    expect((error as Error).message).toMatch(/Expected 2 decision\(s\) .*calls "d1", "p1".*got 1/);
    expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 0 });
    const out = await agent.invoke(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }] } }),
      config,
    );
    expect(runs).toEqual({ read: 1, search: 1, remove: 1, pay: 1 });
    expect(out.messages.at(-1)!.content).toBe("All done.");
  });

  it("in a new process, a corrected resume goes through after a malformed one was refused", async () => {
    const { tools, policies, runs } = toolbox();
    const config = { configurable: { thread_id: "mw-bad-2" } };
    const make = (model: ReturnType<typeof fakeModel>) =>
      createAgent({
        model,
        tools,
        middleware: [volleyMiddleware(createExecutor({ tools, policies }))],
        checkpointer: saver(),
      });
    const first = make(script());
    await first.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    const error: unknown = await first
      .invoke(
        new Command({ resume: { decisions: [{ type: "maybe" }, { type: "approve" }] } }),
        config,
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isApprovalDecisionError((error as { cause?: unknown }).cause), String(error)).toBe(true);
    const out = await make(fakeModel().respond(new AIMessage("All done."))).invoke(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }] } }),
      config,
    );
    expect(runs).toEqual({ read: 1, search: 1, remove: 1, pay: 1 });
    expect(answers(out.messages)).toMatchObject({ d1: ["removed old.txt", "success"] });
  });

  it("a single call that needs approval interrupts alone, and its resume runs it", async () => {
    const { tools, policies, runs } = toolbox();
    const agent = createAgent({
      model: fakeModel()
        .respondWithTools([{ id: "d", name: "remove", args: { path: "x" } }])
        .respond(new AIMessage("ok")),
      tools,
      middleware: [volleyMiddleware(createExecutor({ tools, policies }))],
      checkpointer: saver(),
    });
    const config = { configurable: { thread_id: "mw-one" } };
    const first = await agent.invoke({ messages: [new HumanMessage("rm x")] }, config);
    expect(interruptsOf(first).map((i) => i.value.actionRequests.length)).toEqual([1]);
    const out = await agent.invoke(
      new Command({ resume: { decisions: [{ type: "approve" }] } }),
      config,
    );
    expect(runs.remove).toBe(1);
    expect(answers(out.messages)).toEqual({ d: ["removed x", "success"] });
  });

  it("when a middleware outside it answers the turn's first approval call, the next one asks for those that came", async () => {
    const { tools, policies, runs } = toolbox();
    const skipD1 = createMiddleware({
      name: "SkipD1",
      wrapToolCall: (request, handler) =>
        request.toolCall.id === "d1"
          ? new ToolMessage({ content: "skipped", tool_call_id: "d1", name: "remove" })
          : handler(request),
    });
    const agent = createAgent({
      model: script(),
      tools,
      middleware: [skipD1, volleyMiddleware(createExecutor({ tools, policies }))],
      checkpointer: saver(),
    });
    const config = { configurable: { thread_id: "mw-skip" } };
    const first = await agent.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    const interrupts = interruptsOf(first);
    expect(interrupts).toHaveLength(1);
    expect(interrupts[0]!.value.actionRequests.map((a) => a.name)).toEqual(["pay"]);
    const out = await agent.invoke(
      new Command({ resume: { decisions: [{ type: "approve" }] } }),
      config,
    );
    expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 1 });
    const answered = answers(out.messages);
    expect(answered["d1"]![0]).toBe("skipped");
    expect(answered["p1"]).toEqual(["paid 40", "success"]);
  });

  it("unlike humanInTheLoopMiddleware, which holds every call of the turn until the human answers", async () => {
    const { tools, runs } = toolbox();
    const agent = createAgent({
      model: script(),
      tools,
      middleware: [
        humanInTheLoopMiddleware({
          interruptOn: { remove: true, pay: { allowedDecisions: ["approve", "edit"] } },
        }),
      ],
      checkpointer: saver(),
    });
    const config = { configurable: { thread_id: "hitl" } };
    const first = await agent.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    expect(interruptsOf(first)).toHaveLength(1);
    // Nothing ran: the auto-approved calls wait for the human too.
    expect(runs).toEqual({ read: 0, search: 0, remove: 0, pay: 0 });
  });
});
