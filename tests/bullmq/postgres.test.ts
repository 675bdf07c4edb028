import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../../src/index.js";
import { bullmqBackend, startWorker, type VolleyWorker } from "../../src/bullmq/index.js";
import { postgresMissing, startPostgres, type PostgresServer } from "../helpers/postgres-server.js";
import { aborts, reporter, tools } from "./fixtures/tools.js";

const missing = postgresMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

describe.skipIf(missing !== undefined)("bullmqBackend on BullMQ's Postgres backend", () => {
  let server: PostgresServer;
  let worker: VolleyWorker;
  const connectionErrors: string[] = [];
  const queue = "pg-tools";

  beforeAll(async () => {
    server = await startPostgres();
    // Connection errors are collected, so that the last test can assert there were none.
    worker = await startWorker({
      connection: server.connectionString,
      queue,
      tools: [...tools, reporter],
      onError: (error) => connectionErrors.push(error.message),
    });
  }, 60_000);
  afterAll(async () => {
    await worker?.close({ graceMs: 1_000 });
    await server?.stop();
  });

  it("runs calls, returns errors as thrown, and carries a cancel to the worker", async () => {
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: server.connectionString, queue }),
    });
    try {
      const report = await executor.execute([
        { id: "a", name: "echo", args: { text: "pg" } },
        { id: "b", name: "fail", args: {} },
      ]);
      expect(report.outcomes[0]).toMatchObject({ status: "ok", value: { text: "pg" } });
      expect(report.outcomes[1]).toMatchObject({
        status: "error",
        error: { kind: "tool_error", message: "upstream said 503" },
      });
      const batch = executor.execute([{ id: "s", name: "sleep", args: { ms: 20_000 } }]);
      await new Promise((r) => setTimeout(r, 500));
      aborts.length = 0;
      const cancelledAt = Date.now();
      batch.cancel("enough");
      expect((await batch).outcomes[0]).toMatchObject({ error: { kind: "cancelled" } });
      const until = Date.now() + 5_000;
      while (aborts.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      expect(aborts.length).toBe(1);
      // Postgres's LISTEN/NOTIFY carries the cancel; looser than Redis's 100 ms.
      expect(aborts[0]! - cancelledAt).toBeLessThan(1_000);
    } finally {
      await executor.close();
    }
  }, 60_000);

  it("brings the worker's progress reports back as call:progress events, before the outcome", async () => {
    const executor = createExecutor({
      tools: [reporter],
      backend: bullmqBackend({ connection: server.connectionString, queue }),
    });
    const seen: Array<number | "finished"> = [];
    executor.on("call:progress", (e) => seen.push(e.progress!));
    executor.on("call:finished", () => seen.push("finished"));
    try {
      const report = await executor.execute([{ id: "p", name: "reporter", args: { steps: 3 } }]);
      expect(report.outcomes[0]).toMatchObject({ status: "ok", value: 3 });
      expect(seen).toEqual([1, 2, 3, "finished"]);
    } finally {
      await executor.close();
    }
  }, 60_000);

  it("leaves no connection open on the server once the executors and the worker are closed", async () => {
    await worker.close({ graceMs: 1_000 });
    // A session ends on the server a moment after its client hangs up.
    let sessions = await clientSessions(server);
    for (const until = Date.now() + 5_000; sessions.length > 0 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 100));
      sessions = await clientSessions(server);
    }
    expect(sessions).toEqual([]);
    expect(connectionErrors).toEqual([]);
  }, 30_000);
});

/** The server's client sessions, other than the one asking. */
async function clientSessions(server: PostgresServer): Promise<string[]> {
  const client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; query: string }>(
      "select pid, left(query, 80) as query from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
    );
    return rows.map((row) => `${row.pid}: ${row.query}`);
  } finally {
    await client.end();
  }
}
