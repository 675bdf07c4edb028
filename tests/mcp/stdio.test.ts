import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createExecutor,
  type Executor,
  type Outcome,
  type ProgressUpdate,
  type ToolContext,
} from "volley";
import { mcpTools } from "volley/mcp";
import { connectStdio, type Connected } from "./fixtures/connect.js";
import type { ServerRecords } from "./fixtures/fixture-server.js";

const byId = (outcomes: readonly Outcome[]) => new Map(outcomes.map((o) => [o.id, o]));

/** When Volley ended a call: its attempt's start plus its duration (epoch ms). */
const endedAt = (o: Outcome) => o.startedAt! + o.durationMs;

/** The server's records, through its `records` tool. */
async function records(executor: Executor): Promise<ServerRecords> {
  const [outcome] = (await executor.execute([{ id: "records", name: "records", args: {} }]))
    .outcomes;
  if (outcome?.status !== "ok") throw new Error(`records failed: ${JSON.stringify(outcome)}`);
  return outcome.value as ServerRecords;
}

describe("volley/mcp over stdio, against an McpServer in a child process", () => {
  let server: Connected;
  let executor: Executor;

  beforeAll(async () => {
    server = await connectStdio();
    executor = createExecutor({
      tools: await mcpTools(server.client, { tools: { heartbeat: { idleTimeoutMs: 200 } } }),
    });
  }, 30_000);

  afterAll(async () => {
    await executor?.close();
    await server?.close();
  });

  it("maps results: structured content, a single text, an image, several blocks", async () => {
    const report = await executor.execute([
      { id: "text", name: "echo", args: { text: "hi" } },
      { id: "structured", name: "add", args: { a: 2, b: 3 } },
      { id: "image", name: "picture", args: {} },
      { id: "two", name: "two_texts", args: {} },
    ]);
    const got = byId(report.outcomes);
    expect(got.get("text")).toMatchObject({ status: "ok", value: "hi" });
    expect(got.get("structured")).toMatchObject({ status: "ok", value: { sum: 5 } });
    expect(got.get("image")).toMatchObject({
      status: "ok",
      value: [{ type: "image", mimeType: "image/png", data: expect.any(String) }],
    });
    expect(got.get("two")).toMatchObject({
      status: "ok",
      value: [
        { type: "text", text: "first" },
        { type: "text", text: "second" },
      ],
    });
  });

  it("ends a result with isError as tool_error, with the server's text and content", async () => {
    const [outcome] = (
      await executor.execute([{ id: "f", name: "fail", args: { message: "disk full" } }])
    ).outcomes;
    expect(outcome).toMatchObject({
      status: "error",
      error: {
        kind: "tool_error",
        message: "disk full",
        data: { name: "McpToolError", content: [{ type: "text", text: "disk full" }] },
      },
    });
  });

  it("checks arguments before sending them: invalid_args with the path of each problem", async () => {
    const [outcome] = (await executor.execute([{ id: "bad", name: "add", args: { a: "two" } }]))
      .outcomes;
    expect(outcome).toMatchObject({ status: "error", startedAt: null });
    if (outcome?.status !== "error") throw new Error("expected an error");
    expect(outcome.error.kind).toBe("invalid_args");
    expect(outcome.error.message).toContain("a: must be number");
    expect(outcome.error.data).toMatchObject({
      issues: expect.arrayContaining([
        { path: "a", message: expect.stringContaining("must be number") },
        { path: "b", message: expect.stringContaining("is required") },
      ]),
    });
  });

  it("a timeout reaches the server as notifications/cancelled within 100 ms, with a bare reason", async () => {
    const [outcome] = (
      await executor.execute([
        { id: "t", name: "wait", args: { id: "timeout-1", ms: 10_000 }, timeoutMs: 300 },
      ])
    ).outcomes;
    expect(outcome).toMatchObject({ status: "error", error: { kind: "timeout" } });
    const seen = (await records(executor)).cancellations.find((c) => c.id === "timeout-1");
    expect(seen).toBeDefined();
    const lag = seen!.at - endedAt(outcome!);
    expect(lag).toBeGreaterThanOrEqual(-20);
    expect(lag).toBeLessThan(100);
    // The server is told the kind, and nothing of the caller's code or state.
    expect(seen!.reason).toBe("timeout");
    expect(seen!.reason).not.toMatch(/Error|at |\/|\\|executor|attempt/);
  });

  it("tells a cancel from a timeout and a deadline, in the outcome and on the server", async () => {
    const batch = executor.execute([
      { id: "c", name: "wait", args: { id: "cancel-1", ms: 10_000 } },
    ]);
    setTimeout(() => batch.cancel(), 150);
    const deadline = executor.execute(
      [{ id: "d", name: "wait", args: { id: "deadline-1", ms: 10_000 } }],
      { deadlineMs: 200 },
    );
    const [cancelled] = (await batch).outcomes;
    const [late] = (await deadline).outcomes;
    expect(cancelled).toMatchObject({ status: "error", error: { kind: "cancelled" } });
    expect(late).toMatchObject({ status: "error", error: { kind: "deadline" } });
    await expect
      .poll(async () => (await records(executor)).cancellations.map((c) => [c.id, c.reason]))
      .toEqual(
        expect.arrayContaining([
          ["cancel-1", "cancelled"],
          ["deadline-1", "deadline"],
        ]),
      );
  });

  it("progress notifications reset idleTimeoutMs; a server that goes silent times out", async () => {
    const report = await executor.execute([
      // Progress every 50 ms for 600 ms, with an idle timeout of 200 ms: it finishes.
      { id: "beating", name: "heartbeat", args: { id: "beat-1", everyMs: 50, forMs: 600 } },
      // Silent after 100 ms: the idle timeout fires about 200 ms after its last progress.
      {
        id: "silent",
        name: "heartbeat",
        args: { id: "silent-1", everyMs: 50, forMs: 3_000, silentAfterMs: 100 },
      },
    ]);
    const got = byId(report.outcomes);
    expect(got.get("beating")).toMatchObject({
      status: "ok",
      value: expect.stringMatching(/^beat/),
    });
    const silent = got.get("silent")!;
    expect(silent).toMatchObject({
      status: "error",
      error: { kind: "timeout", data: { idleTimeoutMs: 200 } },
    });
    expect(silent.durationMs).toBeGreaterThanOrEqual(250);
    expect(silent.durationMs).toBeLessThan(1_500);
    const seen = (await records(executor)).cancellations.find((c) => c.id === "silent-1");
    expect(seen?.reason).toBe("timeout");
  });
  it("a call:progress listener hears the server's progress, with no idle timeout", async () => {
    const plain = createExecutor({ tools: await mcpTools(server.client) });
    try {
      const heard: string[] = [];
      const off = plain.on("call:progress", (e) => void heard.push(e.message ?? ""));
      const report = await plain.execute([
        { id: "b", name: "heartbeat", args: { id: "listened-1", everyMs: 20, forMs: 120 } },
      ]);
      off();
      expect(report.outcomes[0]).toMatchObject({
        status: "ok",
        value: expect.stringMatching(/^beat/),
      });
      expect(heard.length).toBeGreaterThan(0);
      expect(heard[0]).toMatch(/^step /);
    } finally {
      await plain.close();
    }
  });

  it("a context that is not the executor's is heard through its signal, and gets progress", async () => {
    // As a worker's wrapped context, or one made by hand: only the public ToolContext.
    const tools = await mcpTools(server.client);
    const find = (name: string) => tools.find((t) => t.name === name)!;
    const controller = new AbortController();
    const reports: ProgressUpdate[] = [];
    const ctx: ToolContext = {
      signal: controller.signal,
      callId: "plain",
      batchId: "b",
      attempt: 1,
      deadline: Number.POSITIVE_INFINITY,
      idempotencyKey: "b:plain",
      progress: (update) => void reports.push(update ?? {}),
    };
    const beat = await find("heartbeat").run({ id: "plain-beat", everyMs: 20, forMs: 100 }, ctx);
    expect(beat).toMatch(/^beat/);
    expect(reports.length).toBeGreaterThan(0);

    const reason = new Error("stopped by hand");
    const waiting = find("wait").run({ id: "plain-wait", ms: 10_000 }, ctx);
    setTimeout(() => controller.abort(reason), 100);
    await expect(waiting).rejects.toBe(reason);
    await expect
      .poll(async () => (await records(executor)).cancellations.find((c) => c.id === "plain-wait"))
      .toMatchObject({ reason: "cancelled" });
  });
});

describe("volley/mcp when the stdio server dies mid-call", () => {
  it("ends the running call crashed, and later calls too, without hanging", async () => {
    const server = await connectStdio();
    const executor = createExecutor({ tools: await mcpTools(server.client) });
    try {
      const started = performance.now();
      const report = await executor.execute([
        { id: "crash", name: "crash", args: {} },
        { id: "waiting", name: "wait", args: { id: "w", ms: 10_000 } },
      ]);
      const got = byId(report.outcomes);
      for (const id of ["crash", "waiting"]) {
        expect(got.get(id)).toMatchObject({
          status: "error",
          error: { kind: "crashed", data: { name: "McpCallError" } },
        });
      }
      expect(performance.now() - started).toBeLessThan(5_000);
      const [after] = (await executor.execute([{ id: "after", name: "echo", args: { text: "x" } }]))
        .outcomes;
      expect(after).toMatchObject({ status: "error", error: { kind: "crashed" } });
    } finally {
      await executor.close();
      await server.close();
    }
  }, 30_000);
});
