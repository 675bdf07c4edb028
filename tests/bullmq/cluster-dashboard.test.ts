import { join } from "node:path";
import { QueueEvents } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../../src/index.js";
import {
  bullmqBackend,
  clusterSource,
  startWorker,
  type ClusterEvents,
  type ClusterSource,
  type VolleyWorker,
} from "../../src/bullmq/index.js";
import type { DashboardSource } from "../../src/dashboard/index.js";
import { childTracker, runTs } from "../helpers/child-process.js";
import { redisMissing, startRedis, type RedisServer } from "../helpers/redis-server.js";
import { allTools as tools } from "./fixtures/tools.js";

const missing = redisMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

const fixtureWorker = join(import.meta.dirname, "fixtures/worker.ts");
const children = childTracker();

/** Every event a source emitted, by name, in order. */
function record(source: ClusterSource) {
  const seen: { name: string; event: Record<string, unknown> }[] = [];
  const offs = (
    ["batch:started", "call:started", "call:progress", "call:finished", "batch:finished"] as const
  ).map((name) =>
    source.on(name, (event: ClusterEvents[typeof name]) =>
      seen.push({ name, event: event as unknown as Record<string, unknown> }),
    ),
  );
  return { seen, stop: () => offs.forEach((off) => off()) };
}

/** The raw messages of the events queue, as workers publish them. */
async function rawEvents(url: string, queue: string) {
  const reader = new QueueEvents(`${queue}.%events`, {
    connection: { url, maxRetriesPerRequest: null },
  });
  const messages: string[] = [];
  (reader.on as (event: string, listener: (args: { data?: string }) => void) => void)(
    "volley:events",
    (args) => messages.push(args.data ?? ""),
  );
  await reader.waitUntilReady();
  // Its first read must reach the server before anything is published.
  await new Promise((r) => setTimeout(r, 300));
  return { messages, close: () => reader.close() };
}

describe.skipIf(missing !== undefined)("the cluster's dashboard source, on Redis", () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);
  afterEach(() => children.killAll());
  afterAll(() => redis?.stop());

  it("sees both workers' calls with their worker, batch and call ids, sums their stats, and drops a worker that closes", async () => {
    const queue = "two-workers";
    const start = (id: string) =>
      startWorker({ connection: redis.url, queue, tools, id, concurrency: 2, heartbeatMs: 100 });
    const w1 = await start("w1");
    let w2: VolleyWorker | undefined = await start("w2");
    const source = await clusterSource({ connection: redis.url, queue, discoveryMs: 300 });
    // It is what the dashboard reads.
    const asDashboardSource: DashboardSource = source;
    const { seen } = record(source);
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      expect(source.workers().map((w) => w.id)).toEqual(expect.arrayContaining(["w1", "w2"]));
      expect(asDashboardSource.toolNames).toEqual(expect.arrayContaining(["echo", "sleep"]));
      const calls = ["a", "b", "c", "d"].map((id) => ({
        id,
        name: "sleep",
        args: { ms: 1_500 },
      }));
      const batch = executor.execute(calls, { batchId: "cluster-batch" });
      // Four calls, two on each worker: running there, and summed here.
      await expect.poll(() => source.stats().running).toBe(4);
      expect(source.stats().tools["sleep"]).toMatchObject({ running: 4 });
      expect(
        source
          .workers()
          .map((w) => w.stats?.running)
          .sort(),
      ).toEqual([2, 2]);
      expect(source.stats().batches).toBe(1);
      const report = await batch;
      expect(report.outcomes.every((o) => o.status === "ok")).toBe(true);

      await expect.poll(() => seen.filter((s) => s.name === "call:finished").length).toBe(4);
      const started = seen.filter((s) => s.name === "call:started").map((s) => s.event);
      expect(started.map((e) => e["callId"]).sort()).toEqual(["a", "b", "c", "d"]);
      expect(new Set(started.map((e) => e["batchId"]))).toEqual(new Set(["cluster-batch"]));
      expect(new Set(started.map((e) => e["worker"]))).toEqual(new Set(["w1", "w2"]));
      expect(started.map((e) => e["index"]).sort()).toEqual([0, 1, 2, 3]);
      const finished = seen.filter((s) => s.name === "call:finished").map((s) => s.event);
      for (const e of finished) {
        const starter = started.find((s) => s["callId"] === e["callId"])!;
        expect(e).toMatchObject({
          batchId: "cluster-batch",
          worker: starter["worker"],
          outcome: { id: e["callId"], status: "ok", attempts: 1 },
        });
      }
      // One batch: started at its first call, finished once its calls have been done a while.
      await expect
        .poll(() => seen.filter((s) => s.name === "batch:finished").map((s) => s.event))
        .toEqual([
          {
            batchId: "cluster-batch",
            wallMs: expect.any(Number),
            counts: { total: 4, ok: 4, error: 0, byKind: {} },
          },
        ]);
      expect(seen.filter((s) => s.name === "batch:started")).toHaveLength(1);
      const batchStart = seen.find((s) => s.name === "batch:started")!.event;
      const wallMs = seen.find((s) => s.name === "batch:finished")!.event["wallMs"] as number;
      expect(wallMs).toBeGreaterThanOrEqual(1_400);
      expect(wallMs).toBeLessThan(10_000);
      expect(batchStart["batchId"]).toBe("cluster-batch");
      await expect.poll(() => source.stats().running).toBe(0);
      expect(source.stats()).toMatchObject({ finished: 4, ok: 4, failed: 0, batches: 0 });

      // A worker that closes drops out at once; what it finished still counts.
      await w2.close({ graceMs: 1_000 });
      w2 = undefined;
      await expect.poll(() => source.workers().map((w) => w.id)).toEqual(["w1"]);
      expect(source.stats()).toMatchObject({ finished: 4, ok: 4, concurrency: 2 });
      // Its calls had all ended: none is made up as crashed.
      expect(finished.every((e) => (e["outcome"] as { status: string }).status === "ok")).toBe(
        true,
      );
      expect(seen.filter((s) => s.name === "call:finished")).toHaveLength(4);
    } finally {
      await executor.close();
      await source.close();
      await w2?.close({ graceMs: 1_000 });
      await w1.close({ graceMs: 1_000 });
    }
  }, 60_000);

  it("relays neither the calls' arguments nor their results' values", async () => {
    const queue = "private";
    const raw = await rawEvents(redis.url, queue);
    const worker = await startWorker({ connection: redis.url, queue, tools, heartbeatMs: 100 });
    const source = await clusterSource({ connection: redis.url, queue, discoveryMs: 300 });
    const { seen } = record(source);
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      const secret = "the-secret-text-123";
      const report = await executor.execute([
        { id: "p", name: "echo", args: { text: secret } },
        { id: "q", name: "fail", args: {} },
      ]);
      expect(report.outcomes[0]).toMatchObject({ status: "ok", value: { text: secret } });
      await expect.poll(() => seen.filter((s) => s.name === "call:finished").length).toBe(2);
      expect(raw.messages.length).toBeGreaterThan(0);
      expect(raw.messages.join("\n")).not.toContain(secret);
      expect(JSON.stringify(seen)).not.toContain(secret);
      const started = seen.find((s) => s.name === "call:started" && s.event["callId"] === "p")!;
      expect(started.event["args"]).toBeUndefined();
      const ok = seen.find((s) => s.name === "call:finished" && s.event["callId"] === "p")!;
      expect(ok.event["outcome"]).not.toHaveProperty("value");
      // A failure keeps what the dashboard shows: its kind and message, not its data.
      const failed = seen.find((s) => s.name === "call:finished" && s.event["callId"] === "q")!;
      expect(failed.event["outcome"]).toMatchObject({
        status: "error",
        error: { kind: "tool_error", message: "upstream said 503" },
      });
      expect((failed.event["outcome"] as { error: object }).error).not.toHaveProperty("data");
    } finally {
      await executor.close();
      await source.close();
      await worker.close({ graceMs: 1_000 });
      await raw.close();
    }
  }, 60_000);

  it("publishEvents: false publishes nothing; the worker is still known, without stats", async () => {
    const queue = "quiet";
    const raw = await rawEvents(redis.url, queue);
    const worker = await startWorker({
      connection: redis.url,
      queue,
      tools,
      id: "quiet-1",
      heartbeatMs: 100,
      publishEvents: false,
    });
    const source = await clusterSource({ connection: redis.url, queue, discoveryMs: 300 });
    const { seen } = record(source);
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      const report = await executor.execute([{ id: "x", name: "echo", args: { text: "t" } }]);
      expect(report.outcomes[0]!.status).toBe("ok");
      // Several heartbeats: a publishing worker would have sent its stats with each.
      await new Promise((r) => setTimeout(r, 600));
      expect(raw.messages).toEqual([]);
      expect(seen).toEqual([]);
      expect(source.workers()).toEqual([
        expect.objectContaining({ id: "quiet-1", tools: expect.arrayContaining(["echo"]) }),
      ]);
      expect(source.workers()[0]!.stats).toBeUndefined();
      expect(source.stats()).toMatchObject({ running: 0, finished: 0 });
    } finally {
      await executor.close();
      await source.close();
      await worker.close({ graceMs: 1_000 });
      await raw.close();
    }
  }, 60_000);

  /** A worker in a child process (heartbeats every 200 ms, 1 s locks), a source, a caller. */
  async function dyingWorker(queue: string) {
    const child = children.track(runTs(fixtureWorker, { REDIS_URL: redis.url, QUEUE: queue }));
    await child.waitFor((lines) => lines.some((l) => l.startsWith("ready")), 30_000);
    const source = await clusterSource({ connection: redis.url, queue, discoveryMs: 500 });
    const { seen } = record(source);
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    const id = source.workers().find((w) => w.announcement?.pid === child.process.pid)?.id;
    expect(id).toBeDefined();
    const batch = executor.execute([{ id: "long", name: "sleep", args: { ms: 20_000 } }], {
      batchId: "dies-batch",
      deadlineMs: 15_000,
    });
    await expect.poll(() => seen.some((s) => s.name === "call:started")).toBe(true);
    child.process.kill("SIGKILL");
    const heir = () =>
      startWorker({
        connection: redis.url,
        queue,
        tools,
        id: "heir",
        heartbeatMs: 100,
        stalledIntervalMs: 300,
      });
    const ends = () =>
      seen.filter((s) => s.name === "call:finished").map((s) => s.event as Record<string, unknown>);
    const crashed = (worker: string) =>
      expect.objectContaining({
        batchId: "dies-batch",
        callId: "long",
        worker,
        outcome: expect.objectContaining({
          status: "error",
          error: expect.objectContaining({ kind: "crashed" }),
        }),
      });
    const close = async () => {
      await executor.close();
      await source.close();
    };
    return { id: id!, source, batch, heir, ends, crashed, close };
  }

  it("ends the calls of a worker that died crashed once its heartbeats stop, and not again when another worker answers for it", async () => {
    const dying = await dyingWorker("dies-first");
    let heir: VolleyWorker | undefined;
    try {
      const killedAt = Date.now();
      // Its heartbeats came every 200 ms: gone once 5 of them are missed.
      await expect.poll(() => dying.ends()).toEqual([dying.crashed(dying.id)]);
      expect(Date.now() - killedAt).toBeLessThan(8_000);
      expect(dying.source.workers()).toEqual([]);
      expect(dying.source.stats().running).toBe(0);
      const said = dying.ends()[0]!["outcome"] as { error: { message: string } };
      expect(said.error.message).toMatch(/^Worker .+ left while it ran this call/);
      // Then another worker finds the job stalled and answers it: the caller hears of it.
      heir = await dying.heir();
      expect((await dying.batch).outcomes[0]).toMatchObject({ error: { kind: "crashed" } });
      await new Promise((r) => setTimeout(r, 500));
      expect(dying.ends()).toHaveLength(1);
    } finally {
      await dying.close();
      await heir?.close({ graceMs: 1_000 });
    }
  }, 60_000);

  it("ends the calls of a worker that died crashed once, when another worker answers for it first", async () => {
    const dying = await dyingWorker("heir-first");
    const heir = await dying.heir();
    try {
      expect((await dying.batch).outcomes[0]).toMatchObject({ error: { kind: "crashed" } });
      await expect.poll(() => dying.source.workers().map((w) => w.id)).toEqual(["heir"]);
      await new Promise((r) => setTimeout(r, 500));
      // Whichever came first, the call ended once.
      expect(dying.ends()).toHaveLength(1);
      expect([dying.crashed("heir"), dying.crashed(dying.id)]).toContainEqual(dying.ends()[0]);
    } finally {
      await dying.close();
      await heir.close({ graceMs: 1_000 });
    }
  }, 60_000);

  it("keeps reading when a listener throws, and says so through onError", async () => {
    const queue = "throwing";
    const worker = await startWorker({ connection: redis.url, queue, tools, heartbeatMs: 100 });
    const errors: string[] = [];
    const source = await clusterSource({
      connection: redis.url,
      queue,
      discoveryMs: 300,
      onError: (error) => errors.push(error.message),
    });
    source.on("call:started", () => {
      throw new Error("listener bug");
    });
    const { seen } = record(source);
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      await executor.execute([
        { id: "1", name: "echo", args: { text: "a" } },
        { id: "2", name: "echo", args: { text: "b" } },
      ]);
      await expect.poll(() => seen.filter((s) => s.name === "call:finished").length).toBe(2);
      expect(seen.filter((s) => s.name === "call:started")).toHaveLength(2);
      expect(errors).toContain("clusterSource: a listener of call:started threw: listener bug");
    } finally {
      await executor.close();
      await source.close();
      await worker.close({ graceMs: 1_000 });
    }
  }, 60_000);

  it("checks its options: a TypeError that names the option", async () => {
    const connection = redis.url;
    await expect(clusterSource({ connection, queue: "a:b" })).rejects.toThrow(
      /clusterSource's queue to be a non-empty name without ":"/,
    );
    await expect(
      clusterSource({ connection, queue: "q", discoveryMs: -1 } as never),
    ).rejects.toThrow(/clusterSource's discoveryMs/);
    await expect(clusterSource({ connection, queue: "q", onError: 5 } as never)).rejects.toThrow(
      /clusterSource's onError to be a function/,
    );
    await expect(clusterSource({ connection, queue: "q", discovery: 5 } as never)).rejects.toThrow(
      /Unknown option "discovery" for clusterSource; did you mean "discoveryMs"/,
    );
    await expect(clusterSource({ queue: "q" } as never)).rejects.toThrow(
      /clusterSource's connection/,
    );
    await expect(clusterSource({ connection: "http://x", queue: "q" })).rejects.toThrow(TypeError);
    await expect(
      startWorker({ connection, queue: "q", tools, publishEvents: "yes" } as never),
    ).rejects.toThrow(/startWorker's publishEvents to be a boolean/);
  });
});
