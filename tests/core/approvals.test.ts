import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CancelledError,
  MemoryJournal,
  createExecutor,
  defineTool,
  type ApprovalDecision,
  type ApprovalRequest,
  type Approver,
  type ErrorOutcome,
  type Outcome,
} from "../../src/index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tools() {
  const ran: string[] = [];
  const read = defineTool({
    name: "read",
    description: "Reads a file",
    schema: z.object({ path: z.string() }),
    run: async ({ path }) => {
      await sleep(40);
      ran.push(`read ${path}`);
      return `contents of ${path}`;
    },
  });
  const remove = defineTool({
    name: "remove",
    description: "Deletes a file",
    schema: z.object({ path: z.string().min(1) }),
    needsApproval: true,
    run: ({ path }) => {
      ran.push(`remove ${path}`);
      return `removed ${path}`;
    },
  });
  return { read, remove, ran };
}

const calls = [
  { id: "r1", name: "read", args: { path: "a" } },
  { id: "d1", name: "remove", args: { path: "b" } },
  { id: "r2", name: "read", args: { path: "c" } },
  { id: "d2", name: "remove", args: { path: "d" } },
];

function errorOf(outcome: Outcome | undefined): ErrorOutcome["error"] {
  expect(outcome?.status).toBe("error");
  return (outcome as ErrorOutcome).error;
}

describe("needsApproval without an approver", () => {
  it("ends the call rejected, naming what to pass, and runs the others", async () => {
    const { read, remove, ran } = tools();
    const executor = createExecutor({ tools: [read, remove] });
    const report = await executor.execute(calls);
    expect(ran.sort()).toEqual(["read a", "read c"]);
    const error = errorOf(report.outcomes[1]);
    expect(error.kind).toBe("rejected");
    expect(error.data).toEqual({ approval: "required" });
    expect(error.message).toContain('Call "d1" to "remove" needs approval');
    expect(error.message).toContain("execute(calls, { approve })");
    expect(report.outcomes[0]!.status).toBe("ok");
    expect(report.outcomes[1]!.approval).toBeUndefined();
  });
});

describe("the batch's approver", () => {
  it("is asked once, with every waiting call, after all the others were delivered", async () => {
    const { read, remove } = tools();
    const executor = createExecutor({ tools: [read, remove] });
    const seen: string[] = [];
    const asked: ApprovalRequest[][] = [];
    const batch = executor.execute(calls, {
      approve: (requests) => {
        seen.push("approver");
        asked.push([...requests]);
        return requests.map(() => ({ type: "approve" }) as const);
      },
    });
    for await (const outcome of batch) seen.push(outcome.id);
    expect(seen).toEqual(["r1", "r2", "approver", "d1", "d2"]);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toEqual([
      {
        callId: "d1",
        index: 1,
        name: "remove",
        args: { path: "b" },
        description: 'Tool execution requires approval\n\nTool: remove\nArgs: {\n  "path": "b"\n}',
        allowedDecisions: ["approve", "edit", "reject"],
      },
      expect.objectContaining({ callId: "d2", index: 3 }),
    ]);
    const report = await batch;
    expect(report.results).toMatchObject({ d1: "removed b", d2: "removed d" });
    expect(report.outcomes[1]!.approval).toBe("approved");
    expect(report.outcomes[0]!.approval).toBeUndefined();
  });

  it("runs approved calls, edited ones with the new arguments, and rejects the rest", async () => {
    const { read, remove, ran } = tools();
    const executor = createExecutor({ tools: [read, remove] });
    const three = [...calls, { id: "d3", name: "remove", args: { path: "e" } }];
    const report = await executor.execute(three, {
      approve: () => [
        { type: "edit", editedAction: { name: "remove", args: { path: "b.bak" } } },
        { type: "reject", message: "keep d" },
        { type: "approve" },
      ],
    });
    expect(ran).toContain("remove b.bak");
    expect(ran).toContain("remove e");
    expect(ran).not.toContain("remove d");
    expect(report.results["d1"]).toBe("removed b.bak");
    expect(report.outcomes[1]!.approval).toBe("edited");
    const rejected = report.outcomes[3]!;
    expect(rejected.approval).toBe("rejected");
    expect(errorOf(rejected)).toEqual({
      kind: "rejected",
      message: "keep d",
      data: { approval: "rejected", message: "keep d" },
    });
    expect(report.outcomes[4]!.approval).toBe("approved");
  });

  it("checks edited arguments against the schema, as any call's", async () => {
    const { remove, ran } = tools();
    const executor = createExecutor({ tools: [remove] });
    const report = await executor.execute([{ id: "d", name: "remove", args: { path: "x" } }], {
      approve: () => [{ type: "edit", editedAction: { name: "remove", args: { path: "" } } }],
    });
    const error = errorOf(report.outcomes[0]);
    expect(error.kind).toBe("invalid_args");
    expect(error.message).toContain("as the reviewer edited them");
    expect(report.outcomes[0]!.approval).toBe("edited");
    expect(ran).toEqual([]);
  });

  it("refuses an answer that does not fit its requests, naming what is wrong", async () => {
    const { remove, ran } = tools();
    const executor = createExecutor({ tools: [remove] });
    const two = [
      { id: "a", name: "remove", args: { path: "1" } },
      { id: "b", name: "remove", args: { path: "2" } },
    ];
    const cases: Array<[unknown, RegExp]> = [
      [[{ type: "approve" }], /Expected 2 decision\(s\) in decisions.*got 1/],
      [[{ type: "approve" }, { type: "maybe" }], /decisions\[1\]\.type .*"maybe"/],
      [[{ type: "approve" }, "yes"], /decisions\[1\] .*to be a decision/],
      [
        [{ type: "approve" }, { type: "edit", editedAction: { name: "rm", args: {} } }],
        /an edit may change the arguments, not the tool/,
      ],
      [[{ type: "edit" }, { type: "approve" }], /decisions\[0\]\.editedAction .*\{ name, args \}/],
      [[{ type: "reject", message: 3 }, { type: "approve" }], /decisions\[0\]\.message/],
      [{ decisions: [] }, /Expected decisions to be an array/],
    ];
    for (const [answer, message] of cases) {
      const report = await executor.execute(two, { approve: () => answer as ApprovalDecision[] });
      for (const outcome of report.outcomes) {
        const error = errorOf(outcome);
        expect(error.kind).toBe("rejected");
        expect(error.data).toMatchObject({ name: "ApprovalDecisionError", approval: "invalid" });
        expect(error.message).toMatch(message);
      }
    }
    expect(ran).toEqual([]);
  });

  it("refuses a decision its tool does not allow", async () => {
    const ran: string[] = [];
    const pay = defineTool({
      name: "pay",
      description: "Pays",
      schema: z.object({ amount: z.number() }),
      needsApproval: { allowedDecisions: ["approve", "reject"], description: "Sends money" },
      run: ({ amount }) => void ran.push(`pay ${amount}`),
    });
    const executor = createExecutor({ tools: [pay] });
    let asked: readonly ApprovalRequest[] = [];
    const report = await executor.execute([{ id: "p", name: "pay", args: { amount: 5 } }], {
      approve: (requests) => {
        asked = requests;
        return [{ type: "edit", editedAction: { name: "pay", args: { amount: 1 } } }];
      },
    });
    expect(asked[0]).toMatchObject({
      description: "Sends money",
      allowedDecisions: ["approve", "reject"],
    });
    expect(errorOf(report.outcomes[0]).message).toMatch(
      /decisions\[0\] \(for call "p" to "pay"\) is "edit", which its review config does not allow \(allowed: approve, reject\)/,
    );
    expect(ran).toEqual([]);
  });

  it("ends the waiting calls with what a throwing approver threw", async () => {
    const { remove } = tools();
    const executor = createExecutor({ tools: [remove] });
    const one = [{ id: "d", name: "remove", args: { path: "x" } }];
    const plain = await executor.execute(one, {
      approve: () => {
        throw new Error("reviewer away");
      },
    });
    expect(errorOf(plain.outcomes[0])).toMatchObject({
      kind: "rejected",
      data: { approval: "failed", name: "Error" },
    });
    expect(errorOf(plain.outcomes[0]).message).toContain("reviewer away");
    const volley = await executor.execute(one, {
      approve: async () => {
        throw new CancelledError("gone");
      },
    });
    expect(errorOf(volley.outcomes[0]).kind).toBe("cancelled");
  });
});

describe("needsApproval as a predicate", () => {
  it("asks only for the calls it says need it, with the parsed arguments", async () => {
    const ran: string[] = [];
    const seen: unknown[] = [];
    const write = defineTool({
      name: "write",
      description: "Writes",
      schema: z.object({ path: z.string(), force: z.boolean().default(false) }),
      needsApproval: (args, ctx) => {
        seen.push([args, ctx]);
        return args.path.startsWith("/etc");
      },
      run: ({ path }) => void ran.push(path),
    });
    const executor = createExecutor({ tools: [write] });
    const asked: string[] = [];
    const report = await executor.execute(
      [
        { id: "a", name: "write", args: { path: "/tmp/x" } },
        { id: "b", name: "write", args: { path: "/etc/passwd" } },
      ],
      {
        approve: (requests) => {
          asked.push(...requests.map((r) => r.callId));
          return [{ type: "reject" }];
        },
      },
    );
    expect(asked).toEqual(["b"]);
    expect(ran).toEqual(["/tmp/x"]);
    expect(seen[0]).toEqual([
      { path: "/tmp/x", force: false },
      { callId: "a", name: "write" },
    ]);
    expect(errorOf(report.outcomes[1]).message).toBe(
      'The reviewer rejected call "b" to "write"; it did not run',
    );
  });

  it("may answer asynchronously; a predicate that throws keeps its call from running", async () => {
    const ran: string[] = [];
    const act = defineTool({
      name: "act",
      description: "Acts",
      schema: z.object({ n: z.number() }),
      needsApproval: async ({ n }) => {
        await sleep(10);
        if (n === 3) throw new Error("policy store down");
        return n === 2;
      },
      run: ({ n }) => void ran.push(`act ${n}`),
    });
    const executor = createExecutor({ tools: [act] });
    const approve = (requests: readonly ApprovalRequest[]) =>
      requests.map(() => ({ type: "approve" }) as const);
    const report = await executor.execute(
      [1, 2, 3].map((n) => ({ id: `c${n}`, name: "act", args: { n } })),
      { approve },
    );
    expect(ran.sort()).toEqual(["act 1", "act 2"]);
    expect(report.outcomes[1]!.approval).toBe("approved");
    expect(errorOf(report.outcomes[2])).toMatchObject({
      kind: "rejected",
      data: { approval: "failed" },
    });
    expect(errorOf(report.outcomes[2]).message).toContain("policy store down");
  });
});

describe("needsApproval on a LangChain tool, through the executor's policies", () => {
  it("applies as on a Volley tool", async () => {
    let runs = 0;
    const send = tool(async ({ to }) => (runs++, `sent to ${to}`), {
      name: "send_email",
      description: "Sends an email",
      schema: z.object({ to: z.string() }),
    });
    const executor = createExecutor({
      tools: [send],
      policies: { send_email: { needsApproval: ({ to }) => String(to).endsWith("@ceo.com") } },
    });
    const report = await executor.execute(
      [
        { id: "a", name: "send_email", args: { to: "x@y.com" } },
        { id: "b", name: "send_email", args: { to: "boss@ceo.com" } },
      ],
      {
        approve: () => [
          { type: "edit", editedAction: { name: "send_email", args: { to: "pa@ceo.com" } } },
        ],
      },
    );
    expect(report.results).toMatchObject({ a: "sent to x@y.com", b: "sent to pa@ceo.com" });
    expect(runs).toBe(2);
  });
});

describe("a batch whose calls wait for a reviewer", () => {
  it("admits the calls behind them under its own concurrency, and starts approved ones as it has room", async () => {
    let inFlight = 0;
    let most = 0;
    const work = defineTool({
      name: "work",
      description: "Works",
      schema: z.object({ n: z.number() }),
      needsApproval: ({ n }) => n % 2 === 0,
      run: async () => {
        most = Math.max(most, ++inFlight);
        await sleep(15);
        inFlight--;
      },
    });
    const executor = createExecutor({ tools: [work] });
    const many = Array.from({ length: 8 }, (_, n) => ({ id: `w${n}`, name: "work", args: { n } }));
    let asked = 0;
    const report = await executor.execute(many, {
      concurrency: 2,
      approve: (requests) => {
        asked = requests.length;
        return requests.map(() => ({ type: "approve" }) as const);
      },
    });
    expect(asked).toBe(4);
    expect(report.counts.ok).toBe(8);
    expect(most).toBeLessThanOrEqual(2);
    expect(executor.stats().held).toBe(0);
  });

  it("streams a big batch (collect: false) whose calls wait, one window at a time", async () => {
    const work = defineTool({
      name: "work",
      description: "Works",
      schema: z.object({ n: z.number() }),
      needsApproval: ({ n }) => n % 10 === 0,
      run: ({ n }) => n,
    });
    const executor = createExecutor({ tools: [work], concurrency: 8 });
    const many = Array.from({ length: 3_000 }, (_, n) => ({
      id: `w${n}`,
      name: "work",
      args: { n },
    }));
    let asked = 0;
    let ok = 0;
    const batch = executor.execute(many, {
      collect: false,
      approve: (requests) => {
        asked += requests.length;
        // By the call, not by its place in the request: how many calls wait together varies.
        return requests.map((r) => (r.index % 20 === 0 ? { type: "approve" } : { type: "reject" }));
      },
    });
    for await (const outcome of batch) if (outcome.status === "ok") ok++;
    const report = await batch;
    expect(asked).toBe(300);
    expect(ok).toBe(2_850);
    expect(report.counts.byKind).toEqual({ rejected: 150 });
    expect(executor.stats()).toMatchObject({ held: 0, queued: 0, running: 0 });
  });

  it("ends them with the batch's deadline, and aborts the approver's signal", async () => {
    const { read, remove } = tools();
    const executor = createExecutor({ tools: [read, remove] });
    let signal: AbortSignal | undefined;
    const never: Approver = (_requests, ctx) => {
      signal = ctx.signal;
      return new Promise(() => undefined);
    };
    const report = await executor.execute(calls, { deadlineMs: 150, approve: never });
    expect(report.outcomes.map((o) => (o.status === "ok" ? "ok" : o.error.kind))).toEqual([
      "ok",
      "deadline",
      "ok",
      "deadline",
    ]);
    expect(signal?.aborted).toBe(true);
    expect(executor.stats().held).toBe(0);
    await executor.onIdle();
  });

  it("journals the decision with the outcome, so a resumed batch replays it as decided", async () => {
    const { read, remove, ran } = tools();
    const journal = new MemoryJournal();
    const executor = createExecutor({ tools: [read, remove], journal });
    const approve: Approver = (requests) => requests.map(() => ({ type: "approve" }));
    await executor.execute(calls, { batchId: "b1", approve });
    expect(ran).toHaveLength(4);
    let asked = 0;
    const again = await executor.execute(calls, {
      batchId: "b1",
      approve: (requests) => ((asked += requests.length), []),
    });
    expect(asked).toBe(0);
    expect(ran).toHaveLength(4);
    expect(again.outcomes[1]).toMatchObject({ replayed: true, approval: "approved" });
  });
});

describe("executor.approvalRequests()", () => {
  it("lists the calls that would wait, in call order, without running anything", async () => {
    const { read, remove, ran } = tools();
    const executor = createExecutor({ tools: [read, remove] });
    const requests = await executor.approvalRequests([
      ...calls,
      { id: "bad", name: "remove", args: { path: "" } },
      { id: "d1", name: "remove", args: { path: "repeat" } },
      { id: "x", name: "nope", args: {} },
      null,
    ]);
    expect(requests.map((r) => [r.callId, r.index])).toEqual([
      ["d1", 1],
      ["d2", 3],
    ]);
    expect(ran).toEqual([]);
    expect(await executor.approvalRequests(undefined)).toEqual([]);
  });
});

describe("needsApproval's checks", () => {
  const base = { name: "t", description: "", schema: z.object({}), run: () => 1 };
  it("refuses a bad value with a TypeError naming it", () => {
    expect(() => defineTool({ ...base, needsApproval: "yes" as never })).toThrow(
      /Expected tool "t".needsApproval to be a boolean, a function/,
    );
    expect(() =>
      defineTool({ ...base, needsApproval: { allowedDecisions: ["approve", "skip" as never] } }),
    ).toThrow(/tool "t".needsApproval.allowedDecisions/);
    expect(() => defineTool({ ...base, needsApproval: { allowedDecisions: [] } })).toThrow(
      /non-empty array/,
    );
    expect(() => defineTool({ ...base, needsApproval: { when: 1 as never } })).toThrow(
      /needsApproval.when/,
    );
    expect(() => defineTool({ ...base, needsApproval: { description: 2 as never } })).toThrow(
      /needsApproval.description/,
    );
    expect(() => defineTool({ ...base, needsAproval: true } as never)).toThrow(
      /Unknown option "needsAproval" for tool "t"; did you mean "needsApproval"\?/,
    );
    expect(() => defineTool({ ...base, needsApproval: { wen: true } as never })).toThrow(
      /Unknown option "wen" for tool "t".needsApproval; did you mean "when"\?/,
    );
    const t = tool(async () => "", { name: "lc", description: "", schema: z.object({}) });
    expect(() =>
      createExecutor({ tools: [t], policies: { lc: { needsApproval: 0 as never } } }),
    ).toThrow(/policies.lc.needsApproval/);
  });

  it("refuses an approve option that is not a function", () => {
    const executor = createExecutor({ tools: [defineTool(base)] });
    expect(() => executor.execute([], { approve: true as never })).toThrow(
      /Expected approve to be a function/,
    );
  });
});
