import { HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import {
  Annotation,
  Command,
  END,
  MessagesAnnotation,
  START,
  StateGraph,
  interrupt,
  type BaseCheckpointSaver,
  type Interrupt,
} from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { toolsCondition } from "@langchain/langgraph/prebuilt";
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type AnyTool, type Outcome } from "../../src/core/index.js";
import { SqliteJournal } from "../../src/journal/index.js";
import {
  toolMessageError,
  VolleyToolNode,
  type VolleyToolNodeOptions,
} from "../../src/langgraph/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { captureWarnings } from "../helpers/warnings.js";
import { ScriptedChatModel, type ScriptedTurn } from "./scripted-model.js";

type Runs = Record<string, number>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A tool that asks a human `times` times (LangGraph's own interrupt()), counting its runs. */
function asking(runs: Runs, name: string, { delayMs = 0, times = 1 } = {}) {
  return tool(
    async () => {
      runs[name] = (runs[name] ?? 0) + 1;
      if (delayMs > 0) await sleep(delayMs);
      const answers: unknown[] = [];
      for (let n = 0; n < times; n++) answers.push(interrupt({ tool: name, n }));
      return `${name}: ${answers.join(" + ")}`;
    },
    { name, description: `Asks a human (${name})`, schema: z.object({}) },
  );
}

/** A tool with a side effect and no question, counting its runs. */
function working(runs: Runs, name: string) {
  return tool(
    async () => {
      runs[name] = (runs[name] ?? 0) + 1;
      return `${name} done`;
    },
    { name, description: `Works (${name})`, schema: z.object({}) },
  );
}

/** A tool that throws while `state.broken`, counting its runs. */
function failing(runs: Runs, name: string, state: { broken: boolean }) {
  return tool(
    async () => {
      runs[name] = (runs[name] ?? 0) + 1;
      if (state.broken) throw new Error(`${name} is broken`);
      return `${name} fixed`;
    },
    { name, description: `Fails while broken (${name})`, schema: z.object({}) },
  );
}

function turnOf(...names: string[]): ScriptedTurn {
  return { calls: names.map((name) => ({ id: `call_${name}`, name, args: {} })) };
}

function answers(messages: readonly BaseMessage[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of messages) if (ToolMessage.isInstance(m)) out[m.tool_call_id] = m.content;
  return out;
}

function interruptsOf(out: unknown): Interrupt[] {
  return (out as { __interrupt__?: Interrupt[] }).__interrupt__ ?? [];
}

describe("interrupts from the tools of one VolleyToolNode batch, with a SQLite checkpointer", () => {
  let dir: ReturnType<typeof makeTempDir>;
  const open: Database.Database[] = [];
  const journals: SqliteJournal[] = [];
  beforeEach(() => (dir = makeTempDir("call-interrupts")));
  afterEach(async () => {
    for (const journal of journals.splice(0)) await journal.close();
    for (const db of open.splice(0)) db.close();
    dir.remove();
  });

  /** A fresh checkpointer on the test's database file: as a restarted process would open it. */
  function checkpointer(): BaseCheckpointSaver {
    const db = new Database(join(dir.path, "checkpoints.db"));
    open.push(db);
    return new SqliteSaver(db);
  }

  /**
   * The agent graph, built anew each time (a fresh executor, node and checkpointer): what
   * carries over between invocations is only what the checkpointer (and a journal) keeps. The
   * scripted model is shared, since it stands for a remote model, not for the graph's state.
   */
  function agent(
    model: ScriptedChatModel,
    tools: readonly AnyTool[],
    options: VolleyToolNodeOptions & { journal?: boolean } = {},
  ) {
    const { journal: journaled, ...nodeOptions } = options;
    let journal: SqliteJournal | undefined;
    if (journaled === true) {
      journal = new SqliteJournal(join(dir.path, "journal.db"));
      journals.push(journal);
    }
    const executor = createExecutor({ tools, ...(journal ? { journal } : {}) });
    return new StateGraph(MessagesAnnotation)
      .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
      .addNode("tools", new VolleyToolNode(executor, nodeOptions))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", toolsCondition, ["tools", END])
      .addEdge("tools", "agent")
      .compile({ checkpointer: checkpointer() });
  }

  it.each([
    ["without a journal", false],
    ["with a SQLite journal", true],
  ])(
    "gives each call's interrupt an id of its own, and each resume value reaches the call that asked (%s)",
    async (_label, journal) => {
      const runs: Runs = {};
      // The later call asks first: ids and answers must not depend on who asks first.
      const tools = [asking(runs, "a", { delayMs: 60 }), asking(runs, "b"), working(runs, "w")];
      const model = new ScriptedChatModel([turnOf("a", "b", "w"), { text: "done" }]);
      const config = { configurable: { thread_id: `ids-${String(journal)}` } };

      const first = await agent(model, tools, { journal }).invoke(
        { messages: [new HumanMessage("go")] },
        config,
      );
      const asked = interruptsOf(first);
      expect(asked.map((i) => i.value)).toEqual([
        { tool: "a", n: 0 },
        { tool: "b", n: 0 },
      ]);
      const [idA, idB] = asked.map((i) => i.id);
      expect(idA).toMatch(/^[0-9a-f]{32}$/);
      expect(idB).toMatch(/^[0-9a-f]{32}$/);
      expect(idA).not.toBe(idB);
      // The checkpoint holds the same interrupts under the same ids.
      const paused = await agent(model, tools, { journal }).getState(config);
      expect(paused.tasks.flatMap((t) => t.interrupts.map((i) => i.id))).toEqual([idA, idB]);
      expect(runs).toEqual({ a: 1, b: 1, w: 1 });

      const out = await agent(model, tools, { journal }).invoke(
        new Command({ resume: { [idB!]: "yes to b", [idA!]: "yes to a" } }),
        config,
      );
      expect(interruptsOf(out)).toEqual([]);
      expect(answers(out.messages)).toEqual({
        call_a: "a: yes to a",
        call_b: "b: yes to b",
        call_w: "w done",
      });
      // The calls that asked ran again with their answers; the one that had finished did not.
      expect(runs).toEqual({ a: 2, b: 2, w: 1 });
      expect(out.messages.at(-1)?.content).toBe("done");
    },
  );

  it("Command({ resume: value }) answers a single interrupt, and the finished sibling is replayed, streamed as such", async () => {
    const runs: Runs = {};
    const tools = [working(runs, "w"), asking(runs, "a")];
    const model = new ScriptedChatModel([turnOf("w", "a"), { text: "done" }]);
    const config = { configurable: { thread_id: "single" } };
    const first = await agent(model, tools).invoke({ messages: [new HumanMessage("go")] }, config);
    expect(interruptsOf(first)).toHaveLength(1);

    const streamed: Outcome[] = [];
    const stream = await agent(model, tools, { stream: true }).stream(
      new Command({ resume: "sure" }),
      { ...config, streamMode: "custom" },
    );
    for await (const chunk of stream) streamed.push((chunk as { outcome: Outcome }).outcome);
    const state = await agent(model, tools).getState(config);
    expect(answers(state.values.messages)).toEqual({ call_w: "w done", call_a: "a: sure" });
    expect(runs).toEqual({ w: 1, a: 2 });
    expect(streamed.map((o) => [o.id, o.index, o.replayed === true])).toEqual([
      ["call_w", 0, true],
      ["call_a", 1, false],
    ]);
  });

  it("a call that asks twice gets both answers in order, over two resumes, each interrupt under a new id", async () => {
    const runs: Runs = {};
    const tools = [asking(runs, "a", { times: 2 }), asking(runs, "b"), working(runs, "w")];
    const model = new ScriptedChatModel([turnOf("a", "b", "w"), { text: "done" }]);
    const config = { configurable: { thread_id: "twice" } };
    const first = interruptsOf(
      await agent(model, tools).invoke({ messages: [new HumanMessage("go")] }, config),
    );
    expect(first.map((i) => i.value)).toEqual([
      { tool: "a", n: 0 },
      { tool: "b", n: 0 },
    ]);

    const second = interruptsOf(
      await agent(model, tools).invoke(
        new Command({ resume: { [first[0]!.id!]: "first", [first[1]!.id!]: "b's" } }),
        config,
      ),
    );
    expect(second.map((i) => i.value)).toEqual([{ tool: "a", n: 1 }]);
    expect(first.map((i) => i.id)).not.toContain(second[0]!.id);

    const out = await agent(model, tools).invoke(new Command({ resume: "second" }), config);
    expect(answers(out.messages)).toEqual({
      call_a: "a: first + second",
      call_b: "b: b's",
      call_w: "w done",
    });
    expect(runs).toEqual({ a: 3, b: 2, w: 1 });
  });

  it("a resume that answers some calls finishes those; the others ask again under the same ids", async () => {
    const runs: Runs = {};
    const tools = [asking(runs, "a"), asking(runs, "b"), working(runs, "w")];
    const model = new ScriptedChatModel([turnOf("a", "b", "w"), { text: "done" }]);
    const config = { configurable: { thread_id: "partial" } };
    const first = interruptsOf(
      await agent(model, tools).invoke({ messages: [new HumanMessage("go")] }, config),
    );
    const [idA, idB] = first.map((i) => i.id!);

    const second = interruptsOf(
      await agent(model, tools).invoke(new Command({ resume: { [idB!]: "b first" } }), config),
    );
    expect(second).toEqual([{ id: idA, value: { tool: "a", n: 0 } }]);

    const out = await agent(model, tools).invoke(
      new Command({ resume: { [idA!]: "a later" } }),
      config,
    );
    expect(answers(out.messages)).toEqual({
      call_a: "a: a later",
      call_b: "b: b first",
      call_w: "w done",
    });
    // b finished on the first resume and was not run on the second.
    expect(runs).toEqual({ a: 3, b: 2, w: 1 });
  });

  it("one value for several waiting calls goes to the first in call order; the others ask again", async () => {
    const runs: Runs = {};
    const tools = [asking(runs, "a", { delayMs: 40 }), asking(runs, "b")];
    const model = new ScriptedChatModel([turnOf("a", "b"), { text: "done" }]);
    const config = { configurable: { thread_id: "one-for-two" } };
    const first = interruptsOf(
      await agent(model, tools).invoke({ messages: [new HumanMessage("go")] }, config),
    );
    const second = interruptsOf(
      await agent(model, tools).invoke(new Command({ resume: "for whoever" }), config),
    );
    expect(second).toEqual([first[1]]);
    const out = await agent(model, tools).invoke(new Command({ resume: "for b" }), config);
    expect(answers(out.messages)).toEqual({ call_a: "a: for whoever", call_b: "b: for b" });
    expect(runs).toEqual({ a: 2, b: 3 });
  });

  it("handleToolErrors false: a thrown failure loses neither the siblings' results nor the answers given", async () => {
    const runs: Runs = {};
    const broken = { broken: true };
    const tools = [asking(runs, "a"), working(runs, "w"), failing(runs, "f", broken)];
    const model = new ScriptedChatModel([turnOf("a", "w", "f"), { text: "done" }]);
    const config = { configurable: { thread_id: "thrown" } };
    const options = { handleToolErrors: false };

    // The question goes out first: the failure is thrown once no call waits for an answer.
    const first = await agent(model, tools, options).invoke(
      { messages: [new HumanMessage("go")] },
      config,
    );
    const [asked] = interruptsOf(first);
    expect(asked?.value).toEqual({ tool: "a", n: 0 });

    await expect(
      agent(model, tools, options).invoke(
        new Command({ resume: { [asked!.id!]: "granted" } }),
        config,
      ),
    ).rejects.toThrow("f is broken");
    expect(runs).toEqual({ a: 2, w: 1, f: 2 });

    // Run the thread again once the failing tool works: the finished calls answer from the
    // checkpoint (the answered question too), and only the failed call runs.
    broken.broken = false;
    const out = await agent(model, tools, options).invoke(null, config);
    expect(answers(out.messages)).toEqual({
      call_a: "a: granted",
      call_w: "w done",
      call_f: "f fixed",
    });
    expect(runs).toEqual({ a: 2, w: 1, f: 3 });
  });

  it("handleToolErrors true: a failure answered with a message is final, and not run again on resume", async () => {
    const runs: Runs = {};
    const tools = [asking(runs, "a"), failing(runs, "f", { broken: true })];
    const model = new ScriptedChatModel([turnOf("a", "f"), { text: "done" }]);
    const config = { configurable: { thread_id: "answered" } };
    await agent(model, tools).invoke({ messages: [new HumanMessage("go")] }, config);
    const out = await agent(model, tools).invoke(new Command({ resume: "ok" }), config);
    const got = answers(out.messages);
    expect(got["call_a"]).toBe("a: ok");
    expect(String(got["call_f"])).toMatch(/f is broken/);
    expect(runs).toEqual({ a: 2, f: 1 });
  });

  it("a node LangGraph retries in the same step does not run its finished calls again", async () => {
    const runs: Runs = {};
    let failures = 1;
    const flaky = tool(
      async () => {
        runs["f"] = (runs["f"] ?? 0) + 1;
        if (failures-- > 0) throw new Error("once");
        return "f fine";
      },
      { name: "f", description: "Fails once", schema: z.object({}) },
    );
    const tools = [working(runs, "w"), flaky];
    const model = new ScriptedChatModel([turnOf("w", "f"), { text: "done" }]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
      .addNode(
        "tools",
        new VolleyToolNode(createExecutor({ tools }), { handleToolErrors: false }),
        {
          retryPolicy: { maxAttempts: 2, initialInterval: 1, jitter: false },
        },
      )
      .addEdge(START, "agent")
      .addConditionalEdges("agent", toolsCondition, ["tools", END])
      .addEdge("tools", "agent")
      .compile({ checkpointer: checkpointer() });
    const out = await graph.invoke(
      { messages: [new HumanMessage("go")] },
      { configurable: { thread_id: "retried" } },
    );
    expect(answers(out.messages)).toEqual({ call_w: "w done", call_f: "f fine" });
    expect(runs).toEqual({ w: 1, f: 2 });
  });

  it("a defineTool() tool and a tool that runs a subgraph: the subgraph's interrupt keeps its own id", async () => {
    const runs: Runs = {};
    const Sub = Annotation.Root({ q: Annotation<string>(), a: Annotation<string>() });
    const sub = new StateGraph(Sub)
      .addNode("ask", (state) => {
        runs["subnode"] = (runs["subnode"] ?? 0) + 1;
        return { a: String(interrupt({ sub: state.q })) };
      })
      .addEdge(START, "ask")
      .compile();
    const viaSub = tool(
      async ({ q }, config) => {
        runs["viasub"] = (runs["viasub"] ?? 0) + 1;
        return `sub: ${(await sub.invoke({ q }, config)).a}`;
      },
      { name: "viasub", description: "Runs a subgraph", schema: z.object({ q: z.string() }) },
    );
    const own = defineTool({
      name: "own",
      description: "A Volley tool that asks",
      schema: z.object({}),
      run: async () => {
        runs["own"] = (runs["own"] ?? 0) + 1;
        return `own: ${String(interrupt({ own: true }))}`;
      },
    });
    const tools = [viaSub, own, working(runs, "w")];
    const turn = {
      calls: [{ id: "call_sub", name: "viasub", args: { q: "Q" } }, ...turnOf("own", "w").calls!],
    };
    const model = new ScriptedChatModel([turn, { text: "done" }]);
    const config = { configurable: { thread_id: "nested" } };
    const first = interruptsOf(
      await agent(model, tools).invoke({ messages: [new HumanMessage("go")] }, config),
    );
    expect(first.map((i) => i.value)).toEqual([{ sub: "Q" }, { own: true }]);
    // Answer the Volley tool by id: the subgraph still waits, under the same id.
    const second = interruptsOf(
      await agent(model, tools).invoke(
        new Command({ resume: { [first[1]!.id!]: "mine" } }),
        config,
      ),
    );
    expect(second).toEqual([first[0]]);
    // The subgraph takes a single value too.
    const out = await agent(model, tools).invoke(new Command({ resume: "from sub" }), config);
    expect(answers(out.messages)).toEqual({
      call_sub: "sub: from sub",
      call_own: "own: mine",
      call_w: "w done",
    });
    expect(runs).toEqual({ viasub: 3, subnode: 3, own: 2, w: 1 });
  });

  it("a finished call whose value JSON cannot carry is not kept, with a warning, and runs again", async () => {
    const runs: Runs = {};
    const big = defineTool({
      name: "big",
      description: "Answers with a BigInt",
      schema: z.object({}),
      run: async () => {
        runs["big"] = (runs["big"] ?? 0) + 1;
        return 10n;
      },
    });
    const tools = [big, asking(runs, "a")];
    const model = new ScriptedChatModel([turnOf("big", "a"), { text: "done" }]);
    const config = { configurable: { thread_id: "bigint" } };
    using captured = captureWarnings();
    await agent(model, tools).invoke({ messages: [new HumanMessage("go")] }, config);
    expect(captured.warnings.map((w) => [w.code, w.message])).toEqual([
      ["VOLLEY_LANGGRAPH", expect.stringMatching(/call "call_big" cannot be kept/)],
    ]);
    const out = await agent(model, tools).invoke(new Command({ resume: "ok" }), config);
    expect(answers(out.messages)).toEqual({ call_big: "10", call_a: "a: ok" });
    expect(runs).toEqual({ big: 2, a: 2 });
  });

  it("a repeated call id answers invalid_call on every run, and the first call with that id resumes", async () => {
    const runs: Runs = {};
    const tools = [asking(runs, "a"), working(runs, "w")];
    const turn = {
      calls: [
        { id: "dup", name: "a", args: {} },
        { id: "dup", name: "w", args: {} },
        { id: "call_w", name: "w", args: {} },
      ],
    };
    const model = new ScriptedChatModel([turn, { text: "done" }]);
    const config = { configurable: { thread_id: "dup" } };
    const first = interruptsOf(
      await agent(model, tools).invoke({ messages: [new HumanMessage("go")] }, config),
    );
    expect(first).toHaveLength(1);
    const out = await agent(model, tools).invoke(new Command({ resume: "fine" }), config);
    const messages = out.messages.filter((m) => ToolMessage.isInstance(m));
    const said = (m: ToolMessage) => toolMessageError(m)?.kind ?? String(m.content);
    expect(messages.map((m) => [m.tool_call_id, m.status, said(m)])).toEqual([
      ["dup", "success", "a: fine"],
      ["dup", "error", "invalid_call"],
      ["call_w", "success", "w done"],
    ]);
    expect(runs).toEqual({ a: 2, w: 1 });
  });
});
