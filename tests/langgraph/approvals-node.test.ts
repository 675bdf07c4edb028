import { join } from "node:path";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createReactAgent, toolsCondition } from "@langchain/langgraph/prebuilt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  defineTool,
  isApprovalDecisionError,
  type Executor,
} from "../../src/core/index.js";
import { SqliteJournal } from "../../src/journal/index.js";
import {
  ParallelToolState,
  VolleyToolNode,
  parallelToolNode,
  type HITLRequest,
  type HITLResponse,
} from "../../src/langgraph/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { ScriptedChatModel } from "./scripted-model.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The tools, each counting the times it really ran (its side effects). */
function toolbox() {
  const runs = { read: 0, search: 0, remove: 0, pay: 0 };
  const read = tool(
    async ({ path }) => {
      await sleep(150);
      runs.read++;
      return `contents of ${path}`;
    },
    { name: "read", description: "Reads a file", schema: z.object({ path: z.string() }) },
  );
  const search = defineTool({
    name: "search",
    description: "Searches",
    schema: z.object({ q: z.string() }),
    run: async ({ q }) => {
      await sleep(20);
      runs.search++;
      return `found ${q}`;
    },
  });
  const remove = defineTool({
    name: "remove",
    description: "Deletes a file",
    schema: z.object({ path: z.string().min(1) }),
    needsApproval: true,
    run: ({ path }) => {
      runs.remove++;
      return `removed ${path}`;
    },
  });
  const pay = tool(
    async ({ amount }) => {
      runs.pay++;
      return `paid ${amount}`;
    },
    { name: "pay", description: "Pays", schema: z.object({ amount: z.number().max(100) }) },
  );
  const policies = {
    pay: {
      needsApproval: { allowedDecisions: ["approve", "edit"] as const, description: "Money" },
    },
  };
  return { tools: [read, search, remove, pay], policies, runs };
}

const turn = {
  calls: [
    { id: "r1", name: "read", args: { path: "notes.txt" } },
    { id: "d1", name: "remove", args: { path: "old.txt" } },
    { id: "s1", name: "search", args: { q: "volley" } },
    { id: "p1", name: "pay", args: { amount: 40 } },
  ],
};

function graphOf(executor: Executor, checkpointer: SqliteSaver, model: ScriptedChatModel) {
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", async (s) => ({ messages: [await model.invoke(s.messages)] }))
    .addNode("tools", new VolleyToolNode(executor))
    .addEdge(START, "agent")
    .addConditionalEdges("agent", toolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile({ checkpointer });
}

function answers(messages: readonly BaseMessage[]): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const m of messages) {
    if (ToolMessage.isInstance(m)) out[m.tool_call_id] = [m.content, m.status];
  }
  return out;
}

function interruptOf(result: unknown): { id?: string; value: HITLRequest }[] {
  return (result as { __interrupt__?: { id?: string; value: HITLRequest }[] }).__interrupt__ ?? [];
}

describe("VolleyToolNode with calls that need approval, on a SQLite checkpointer", () => {
  let dir: ReturnType<typeof makeTempDir>;
  let savers: SqliteSaver[];
  const saver = (): SqliteSaver => {
    const s = SqliteSaver.fromConnString(join(dir.path, "checkpoints.db"));
    savers.push(s);
    return s;
  };
  beforeEach(() => {
    dir = makeTempDir("approvals-node");
    savers = [];
  });
  afterEach(() => {
    for (const s of savers) s.db.close();
    dir.remove();
  });

  it("runs the others at once, asks once for all, and runs nothing twice on resume", async () => {
    const { tools, policies, runs } = toolbox();
    const executor = createExecutor({ tools, policies });
    const model = new ScriptedChatModel([turn, { text: "done" }]);
    const graph = graphOf(executor, saver(), model);
    const config = { configurable: { thread_id: "t1" } };

    const first = await graph.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    // The auto-approved calls finished before the interrupt; the others did not run.
    expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 0 });
    const interrupts = interruptOf(first);
    expect(interrupts).toHaveLength(1);
    expect(interrupts[0]!.value).toEqual({
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
    } satisfies HITLRequest);

    const resume: HITLResponse = {
      decisions: [
        { type: "reject", message: "Keep old.txt, it is the only copy." },
        { type: "edit", editedAction: { name: "pay", args: { amount: 25 } } },
      ],
    };
    const out = await graph.invoke(new Command({ resume }), config);
    expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 1 });
    expect(answers(out.messages)).toEqual({
      r1: ["contents of notes.txt", "success"],
      d1: ["Keep old.txt, it is the only copy.", "error"],
      s1: ["found volley", "success"],
      p1: ["paid 25", "success"],
    });
    // The model got every answer, in its call order, before its next turn.
    const seen = model.seen[1]!.filter((m) => ToolMessage.isInstance(m)) as ToolMessage[];
    expect(seen.map((m) => m.tool_call_id)).toEqual(["r1", "d1", "s1", "p1"]);
    expect(out.messages.at(-1)).toBeInstanceOf(AIMessage);
  });

  it("resumes in a new process from a SQLite journal: the finished calls are replayed, not run", async () => {
    const { tools, policies, runs } = toolbox();
    const journal = new SqliteJournal(join(dir.path, "journal.db"));
    const config = { configurable: { thread_id: "t2" } };
    const script = [turn, { text: "done" }];
    const before = graphOf(
      createExecutor({ tools, policies, journal }),
      saver(),
      new ScriptedChatModel(script),
    );
    await before.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 0 });

    // Another executor, another checkpointer connection: nothing in memory survives.
    const model = new ScriptedChatModel([{ text: "done" }]);
    const after = graphOf(createExecutor({ tools, policies, journal }), saver(), model);
    const out = await after.invoke(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }] } }),
      config,
    );
    expect(runs).toEqual({ read: 1, search: 1, remove: 1, pay: 1 });
    expect(answers(out.messages)).toMatchObject({ d1: ["removed old.txt", "success"] });
    await journal.close();
  });

  it("resumes in a new process without a journal: the task's checkpoint keeps the finished calls", async () => {
    const { tools, policies, runs } = toolbox();
    const config = { configurable: { thread_id: "t3" } };
    const before = graphOf(
      createExecutor({ tools, policies }),
      saver(),
      new ScriptedChatModel([turn]),
    );
    await before.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    const after = graphOf(
      createExecutor({ tools, policies }),
      saver(),
      new ScriptedChatModel([{ text: "done" }]),
    );
    const out = await after.invoke(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }] } }),
      config,
    );
    expect(runs).toEqual({ read: 1, search: 1, remove: 1, pay: 1 });
    expect(answers(out.messages)).toMatchObject({ r1: ["contents of notes.txt", "success"] });
  });

  it("in a new process, a corrected resume goes through after a malformed one was refused", async () => {
    const { tools, policies, runs } = toolbox();
    const config = { configurable: { thread_id: "t3b" } };
    const first = graphOf(
      createExecutor({ tools, policies }),
      saver(),
      new ScriptedChatModel([turn]),
    );
    await first.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    const error: unknown = await first
      .invoke(new Command({ resume: { decisions: [] } }), config)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isApprovalDecisionError(error), String(error)).toBe(true);
    // Another executor, another connection: nothing of the refusal is in memory.
    const later = graphOf(
      createExecutor({ tools, policies }),
      saver(),
      new ScriptedChatModel([{ text: "done" }]),
    );
    const out = await later.invoke(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }] } }),
      config,
    );
    expect(runs).toEqual({ read: 1, search: 1, remove: 1, pay: 1 });
    expect(answers(out.messages)).toMatchObject({
      d1: ["removed old.txt", "success"],
      p1: ["paid 40", "success"],
    });
  });

  it("refuses a malformed resume with an ApprovalDecisionError, and a corrected one then resumes", async () => {
    const { tools, policies, runs } = toolbox();
    const graph = graphOf(
      createExecutor({ tools, policies }),
      saver(),
      new ScriptedChatModel([turn, { text: "done" }]),
    );
    const config = { configurable: { thread_id: "t4" } };
    await graph.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    const bad: Array<[unknown, RegExp]> = [
      [{ decisions: [{ type: "approve" }] }, /Expected 2 decision\(s\) .*got 1/],
      ["yes", /expected the resume value to be \{ decisions: \[\.\.\.\] \}/],
      [
        { decisions: [{ type: "approve" }, { type: "reject" }] },
        /decisions\[1\] \(for call "p1" to "pay"\) is "reject", which its review config does not allow/,
      ],
      [
        { decisions: [{ type: "approve" }, { type: "ok" }] },
        /decisions\[1\]\.type .*"approve", "edit" or "reject", got .*"ok"/,
      ],
    ];
    for (const [resume, message] of bad) {
      const error: unknown = await graph.invoke(new Command({ resume }), config).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isApprovalDecisionError(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 0 });
    const out = await graph.invoke(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }] } }),
      config,
    );
    expect(runs).toEqual({ read: 1, search: 1, remove: 1, pay: 1 });
    expect(out.messages.at(-1)!.content).toBe("done");
  });

  it("checks edited arguments against the tool's schema", async () => {
    const { tools, policies, runs } = toolbox();
    const graph = graphOf(
      createExecutor({ tools, policies }),
      saver(),
      new ScriptedChatModel([turn, { text: "done" }]),
    );
    const config = { configurable: { thread_id: "t5" } };
    await graph.invoke({ messages: [new HumanMessage("tidy up")] }, config);
    const out = await graph.invoke(
      new Command({
        resume: {
          decisions: [
            { type: "approve" },
            { type: "edit", editedAction: { name: "pay", args: { amount: 1000 } } },
          ],
        },
      }),
      config,
    );
    expect(runs.pay).toBe(0);
    const [content, status] = answers(out.messages)["p1"]!;
    expect(status).toBe("error");
    expect(String(content)).toMatch(/as the reviewer edited them/);
  });
});

describe('VolleyToolNode under createReactAgent({ version: "v2" }), a Send per call', () => {
  it("still raises one interrupt for the turn, and runs nothing twice", async () => {
    const { tools, policies, runs } = toolbox();
    const dir = makeTempDir("approvals-v2");
    const checkpointer = SqliteSaver.fromConnString(join(dir.path, "c.db"));
    try {
      const agent = createReactAgent({
        llm: new ScriptedChatModel([turn, { text: "done" }]),
        tools: new VolleyToolNode(createExecutor({ tools, policies })),
        checkpointer,
        version: "v2",
      });
      const config = { configurable: { thread_id: "v2" } };
      const first = await agent.invoke({ messages: [new HumanMessage("tidy up")] }, config);
      const interrupts = interruptOf(first);
      expect(interrupts).toHaveLength(1);
      expect(interrupts[0]!.value.actionRequests.map((a) => a.name)).toEqual(["remove", "pay"]);
      expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 0 });
      const out = await agent.invoke(
        new Command({
          resume: {
            decisions: [
              { type: "approve" },
              { type: "edit", editedAction: { name: "pay", args: { amount: 30 } } },
            ],
          },
        }),
        config,
      );
      expect(runs).toEqual({ read: 1, search: 1, remove: 1, pay: 1 });
      expect(answers(out.messages)).toMatchObject({
        d1: ["removed old.txt", "success"],
        p1: ["paid 30", "success"],
      });
    } finally {
      checkpointer.db.close();
      dir.remove();
    }
  });
});

describe("parallelToolNode with calls that need approval", () => {
  it("writes the others' results at once, and the decided ones after the resume", async () => {
    const { tools, policies, runs } = toolbox();
    const dir = makeTempDir("approvals-ptn");
    const checkpointer = SqliteSaver.fromConnString(join(dir.path, "c.db"));
    try {
      const graph = new StateGraph(ParallelToolState)
        .addNode("tools", parallelToolNode(createExecutor({ tools, policies })))
        .addEdge(START, "tools")
        .compile({ checkpointer });
      const config = { configurable: { thread_id: "p" } };
      const first = await graph.invoke({ pending_tools: turn.calls }, config);
      expect(interruptOf(first)[0]!.value.actionRequests.map((a) => a.name)).toEqual([
        "remove",
        "pay",
      ]);
      expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 0 });
      const out = await graph.invoke(
        new Command({ resume: { decisions: [{ type: "reject" }, { type: "approve" }] } }),
        config,
      );
      expect(runs).toEqual({ read: 1, search: 1, remove: 0, pay: 1 });
      expect(out.results).toEqual({
        r1: "contents of notes.txt",
        s1: "found volley",
        p1: "paid 40",
      });
      expect(out.errors).toEqual({
        d1: {
          kind: "rejected",
          message: 'The reviewer rejected call "d1" to "remove"; it did not run',
        },
      });
    } finally {
      checkpointer.db.close();
      dir.remove();
    }
  });
});
