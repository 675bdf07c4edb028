import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../../src/index.js";
import {
  bullmqBackend,
  clusterSource,
  startWorker,
  type VolleyWorker,
} from "../../src/bullmq/index.js";
import { postgresMissing, startPostgres, type PostgresServer } from "../helpers/postgres-server.js";
import { echo, fail } from "./fixtures/tools.js";

/** Two tools: each BullMQ object on Postgres has connections of its own, and the server few. */
const tools = [echo, fail];

const missing = postgresMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

describe.skipIf(missing !== undefined)(
  "the cluster's dashboard source on BullMQ's Postgres backend",
  () => {
    let server: PostgresServer;
    let worker: VolleyWorker;
    const queue = "pg-cluster";
    const connectionErrors: string[] = [];

    beforeAll(async () => {
      server = await startPostgres();
      worker = await startWorker({
        connection: server.connectionString,
        queue,
        tools,
        id: "pg-w1",
        heartbeatMs: 200,
        onError: (error) => connectionErrors.push(error.message),
      });
    }, 60_000);
    afterAll(async () => {
      await worker?.close({ graceMs: 1_000 });
      await server?.stop();
    });

    it("sees the worker's calls, with the worker, and bounds the events kept in the database", async () => {
      const source = await clusterSource({
        connection: server.connectionString,
        queue,
        discoveryMs: 500,
        onError: (error) => connectionErrors.push(error.message),
      });
      const finished: { callId: string; worker: string; status: string }[] = [];
      source.on("call:finished", (e) =>
        finished.push({ callId: e.callId, worker: e.worker, status: e.outcome.status }),
      );
      const executor = createExecutor({
        tools,
        backend: bullmqBackend({ connection: server.connectionString, queue }),
      });
      try {
        expect(source.workers().map((w) => w.id)).toEqual(["pg-w1"]);
        await executor.execute([
          { id: "a", name: "echo", args: { text: "pg" } },
          { id: "b", name: "fail", args: {} },
        ]);
        await expect.poll(() => finished.length).toBe(2);
        expect(finished.sort((x, y) => x.callId.localeCompare(y.callId))).toEqual([
          { callId: "a", worker: "pg-w1", status: "ok" },
          { callId: "b", worker: "pg-w1", status: "error" },
        ]);
        await expect.poll(() => source.stats().finished).toBe(2);
        // BullMQ's Postgres backend trims a queue's events to the length its settings give.
        const client = new pg.Client({ connectionString: server.connectionString });
        await client.connect();
        try {
          const { rows } = await client.query<{ value: string }>(
            "SELECT value FROM bullmq.meta WHERE queue = $1 AND field = 'opts.maxLenEvents'",
            [`${queue}.%events`],
          );
          expect(rows.map((r) => Number(r.value))).toEqual([500]);
        } finally {
          await client.end();
        }
      } finally {
        await executor.close();
        await source.close();
      }
    }, 60_000);
  },
);
