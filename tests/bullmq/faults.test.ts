import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../../src/index.js";
import { bullmqBackend, redactUrl, startWorker } from "../../src/bullmq/index.js";
import { redisMissing, startRedis, type RedisServer } from "../helpers/redis-server.js";
import { tools } from "./fixtures/tools.js";

const missing = redisMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

const PASSWORD = "s3cret-Pa55";

/** A caller and a worker on one Redis, which the test restarts mid-batch. */
async function restartMidBatch(redis: RedisServer, queue: string) {
  const errors: string[] = [];
  const onError = (e: Error) => errors.push(e.message);
  const worker = await startWorker({ connection: redis.url, queue, tools, onError });
  const executor = createExecutor({
    tools,
    backend: bullmqBackend({ connection: redis.url, queue, auditIntervalMs: 500, onError }),
  });
  try {
    await executor.execute([{ id: "warm", name: "echo", args: { text: "w" } }]);
    const started = Date.now();
    const batch = executor.execute(
      Array.from({ length: 4 }, (_, i) => ({ id: `s${i}`, name: "sleep", args: { ms: 1_500 } })),
      { deadlineMs: 20_000 },
    );
    await new Promise((r) => setTimeout(r, 400));
    await redis.restart();
    const report = await batch;
    return { report, ms: Date.now() - started, errors };
  } finally {
    await executor.close();
    await worker.close({ graceMs: 1_000 });
  }
}

describe.skipIf(missing !== undefined)("bullmq faults", () => {
  describe("Redis restarted mid-batch, with persistence", () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis({ persistence: true, password: PASSWORD });
    }, 30_000);
    afterAll(() => redis?.stop());

    it("completes the batch, and no message holds the password", async () => {
      const { report, errors } = await restartMidBatch(redis, "persist");
      // An error's kind and message, not just its status, so that a failure says what went wrong.
      const ended = report.outcomes.map((o) =>
        o.status === "ok" ? "ok" : `${o.error.kind}: ${o.error.message}`,
      );
      expect(ended).toEqual(["ok", "ok", "ok", "ok"]);
      for (const message of errors) expect(message).not.toContain(PASSWORD);
      expect(redactUrl(redis.url)).not.toContain(PASSWORD);
      expect(redactUrl(redis.url)).toContain("***");
    }, 60_000);
  });

  describe("Redis restarted mid-batch, without persistence", () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    }, 30_000);
    afterAll(() => redis?.stop());

    it("ends the lost calls crashed, saying why, well before the deadline", async () => {
      const { report, ms } = await restartMidBatch(redis, "volatile");
      for (const outcome of report.outcomes) {
        expect(outcome).toMatchObject({
          status: "error",
          error: { kind: "crashed", message: expect.stringContaining("gone from queue") },
        });
      }
      expect(ms).toBeLessThan(15_000);
    }, 60_000);
  });
});
