import { setTimeout as wait } from "node:timers/promises";
import { QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type CallProgressEvent } from "../../src/index.js";
import { bullmqBackend, startWorker, type VolleyWorker } from "../../src/bullmq/index.js";
import { toolQueueName } from "../../src/bullmq/protocol.js";
import { redisMissing, startRedis, type RedisServer } from "../helpers/redis-server.js";

const missing = redisMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

/** Reports `steps` times, `everyMs` apart (0: all at once, in a tight loop), then returns. */
const steps = defineTool({
  name: "steps",
  description: "Reports its progress step by step",
  schema: z.object({ steps: z.number(), everyMs: z.number() }),
  idleTimeoutMs: 1_000,
  run: async ({ steps: n, everyMs }, ctx) => {
    for (let i = 1; i <= n; i++) {
      if (everyMs > 0) await wait(everyMs);
      ctx.progress({ progress: i, total: n, message: `step ${i}` });
    }
    return n;
  },
});

/** Reports once, then goes quiet past its idle timeout. */
const stalls = defineTool({
  name: "stalls",
  description: "Reports once, then hangs",
  schema: z.object({}),
  idleTimeoutMs: 200,
  run: async (_args, ctx) => {
    ctx.progress({ message: "started" });
    await wait(5_000, undefined, { signal: ctx.signal });
  },
});

const tools = [steps, stalls];

describe.skipIf(missing !== undefined)("bullmqBackend: a worker's progress reports", () => {
  let redis: RedisServer;
  let worker: VolleyWorker;
  const queue = "volley-progress";

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startWorker({ connection: redis.url, queue, tools, concurrency: 1 });
  }, 30_000);

  afterAll(async () => {
    await worker?.close({ graceMs: 1_000 });
    await redis?.stop();
  });

  it("come to the caller's call:progress listeners, in order and before the outcome", async () => {
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    const seen: Array<CallProgressEvent | "finished"> = [];
    executor.on("call:progress", (e) => seen.push(e));
    executor.on("call:finished", () => seen.push("finished"));
    try {
      const report = await executor.execute([
        { id: "a", name: "steps", args: { steps: 3, everyMs: 30 } },
      ]);
      expect(report.outcomes[0]).toMatchObject({ status: "ok", value: 3 });
      expect(seen.at(-1)).toBe("finished");
      const reports = seen.slice(0, -1) as CallProgressEvent[];
      expect(reports.map((e) => e.progress)).toEqual([1, 2, 3]);
      expect(reports[2]).toMatchObject({
        callId: "a",
        tool: "steps",
        attempt: 1,
        progress: 3,
        total: 3,
        message: "step 3",
      });
    } finally {
      await executor.close();
    }
  }, 30_000);

  it("merge while one is on its way, the latest winning: the last always comes", async () => {
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    const progress: number[] = [];
    executor.on("call:progress", (e) => progress.push(e.progress!));
    try {
      const report = await executor.execute([
        { id: "b", name: "steps", args: { steps: 1_000, everyMs: 0 } },
      ]);
      expect(report.outcomes[0]).toMatchObject({ status: "ok", value: 1_000 });
      expect(progress.at(-1)).toBe(1_000);
      expect(progress.length).toBeLessThan(10);
      expect([...progress].sort((x, y) => x - y)).toEqual(progress);
    } finally {
      await executor.close();
    }
  }, 30_000);

  it("are not sent when no caller listens", async () => {
    const events = new QueueEvents(toolQueueName(queue, "steps"), {
      connection: { url: redis.url },
    });
    let sent = 0;
    events.on("progress", () => sent++);
    await events.waitUntilReady();
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      const report = await executor.execute([
        { id: "c", name: "steps", args: { steps: 3, everyMs: 10 } },
      ]);
      expect(report.outcomes[0]).toMatchObject({ status: "ok" });
      // The reader has read past the job's own events once the outcome came; give it a moment.
      await wait(200);
      expect(sent).toBe(0);
    } finally {
      await executor.close();
      await events.close();
    }
  }, 30_000);

  it("leave the idle timeout to the worker: a call waiting in the queue is not idle, a tool gone quiet is", async () => {
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    const heard: string[] = [];
    executor.on("call:progress", (e) => heard.push(e.callId));
    try {
      // The worker runs one at a time: "e" waits about 1.2 s in the queue, past its idle timeout.
      const report = await executor.execute([
        { id: "d", name: "steps", args: { steps: 12, everyMs: 100 } },
        { id: "e", name: "steps", args: { steps: 2, everyMs: 50 } },
        { id: "f", name: "stalls", args: {} },
      ]);
      const [d, e, f] = report.outcomes;
      expect(d).toMatchObject({ status: "ok", value: 12 });
      expect(e).toMatchObject({ status: "ok", value: 2 });
      expect(f).toMatchObject({ status: "error", error: { kind: "timeout" } });
      expect(heard).toContain("f");
    } finally {
      await executor.close();
    }
  }, 30_000);
});
