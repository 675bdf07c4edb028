import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createExecutor, type Outcome } from "../../src/index.js";
import { bullmqBackend } from "../../src/bullmq/index.js";
import { childTracker, runTs, type TsChild } from "../helpers/child-process.js";
import { redisMissing, startRedis, type RedisServer } from "../helpers/redis-server.js";
import { allTools } from "./fixtures/tools.js";

const missing = redisMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "src/cli/bin.ts");
const fixtureWorker = join(import.meta.dirname, "fixtures/worker.ts");
const toolsModule = join(import.meta.dirname, "fixtures/tools.ts");
const children = childTracker();

const ready = (child: TsChild, what: RegExp) =>
  child.waitFor((lines) => lines.some((l) => what.test(l)), 30_000);

describe.skipIf(missing !== undefined)("a cluster: one caller, workers in other processes", () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);
  afterEach(() => children.killAll());
  afterAll(() => redis?.stop());

  it("runs 5,000 calls on two `volley worker` processes: one outcome each, both workers used, and each exits 0 on SIGTERM", async () => {
    const queue = "five-thousand";
    const start = (id: string) =>
      children.track(
        runTs(bin, {}, [
          "worker",
          ...["--redis", redis.url, "--queue", queue, "--tools", toolsModule],
          ...["--concurrency", "50", "--id", id],
        ]),
      );
    const workers = [start("w1"), start("w2")];
    await Promise.all(workers.map((w) => ready(w, /^volley worker w\d: queue/)));
    const executor = createExecutor({
      tools: allTools,
      concurrency: 200,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      const calls = Array.from({ length: 5_000 }, (_, i) => ({
        id: `c${i}`,
        name: "echo",
        args: { text: `t${i}` },
      }));
      const report = await executor.execute(calls, { deadlineMs: 120_000 });
      expect(report.outcomes).toHaveLength(5_000);
      const ids = new Set(report.outcomes.map((o) => o.id));
      expect(ids.size).toBe(5_000);
      const failed = report.outcomes.filter((o) => o.status === "error");
      expect(failed.slice(0, 3)).toEqual([]);
      const pids = new Map<number, number>();
      for (const o of report.outcomes as Outcome[]) {
        if (o.status !== "ok") continue;
        const { pid, text } = o.value as { pid: number; text: string };
        expect(text).toBe(`t${o.id.slice(1)}`);
        pids.set(pid, (pids.get(pid) ?? 0) + 1);
      }
      expect([...pids.keys()].sort()).toEqual(workers.map((w) => w.process.pid).sort());
      for (const count of pids.values()) expect(count).toBeGreaterThan(250);
    } finally {
      await executor.close();
    }
    for (const w of workers) w.process.kill("SIGTERM");
    for (const w of workers) {
      const exit = await w.exited;
      expect(exit.code, exit.stderr).toBe(0);
      expect(w.lines.at(-1)).toMatch(/stopped; answered \d+/);
    }
  }, 180_000);

  it("a worker killed mid-call: the restarted job ends crashed, or runs again on another worker if its tool is idempotent; one outcome each", async () => {
    const queue = "kill";
    const env = { REDIS_URL: redis.url, QUEUE: queue };
    const first = children.track(runTs(fixtureWorker, env));
    await ready(first, /^ready/);
    const executor = createExecutor({
      tools: allTools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      const batch = executor.execute([
        { id: "plain", name: "sleep", args: { ms: 4_000 } },
        { id: "safe", name: "nap", args: { ms: 4_000, tag: "again" } },
      ]);
      // Both calls run on the first worker before the second starts.
      await first.waitFor((lines) =>
        ["plain", "safe"].every((id) => lines.includes(`started ${id}`)),
      );
      const second = children.track(runTs(fixtureWorker, env));
      await ready(second, /^ready/);
      first.process.kill("SIGKILL");
      const report = await batch;
      const byId = new Map(report.outcomes.map((o) => [o.id, o]));
      expect(report.outcomes).toHaveLength(2);
      expect(byId.get("plain")).toMatchObject({
        status: "error",
        error: { kind: "crashed", message: expect.stringContaining("not idempotent") },
      });
      expect(byId.get("safe")).toMatchObject({
        status: "ok",
        value: { tag: "again", pid: second.process.pid },
      });
    } finally {
      await executor.close();
    }
  }, 60_000);

  it("a worker killed with calls taken but not started: those run on another worker; the one that started ends crashed, saying it may have run", async () => {
    const queue = "kill-waiting";
    const env = { REDIS_URL: redis.url, QUEUE: queue };
    const first = children.track(runTs(fixtureWorker, env));
    await ready(first, /^ready/);
    const executor = createExecutor({
      tools: allTools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      // The first worker takes all three (its concurrency is 8) and runs one at a time.
      const ids = ["w1", "w2", "w3"];
      const batch = executor.execute(
        ids.map((id) => ({ id, name: "one_at_a_time", args: { ms: 1_500 } })),
      );
      await first.waitFor((lines) => lines.some((l) => l.startsWith("started ")));
      // Long enough for the two that wait to be marked so in Redis (the next turn of its loop).
      await new Promise((r) => setTimeout(r, 300));
      first.process.kill("SIGKILL");
      const startedOnFirst = first.lines.filter((l) => l.startsWith("started "));
      expect(startedOnFirst).toHaveLength(1);
      const ranFirst = startedOnFirst[0]!.slice("started ".length);
      const second = children.track(runTs(fixtureWorker, env));
      await ready(second, /^ready/);
      const report = await batch;
      expect(report.outcomes).toHaveLength(3);
      for (const outcome of report.outcomes) {
        if (outcome.id === ranFirst) {
          expect(outcome).toMatchObject({
            status: "error",
            error: {
              kind: "crashed",
              message: expect.stringMatching(/may have started.*not idempotent/),
            },
          });
        } else {
          expect(outcome).toMatchObject({ status: "ok", value: { pid: second.process.pid } });
        }
      }
      // The ones that ran again never started on the first worker.
      const startedOnSecond = second.lines.filter((l) => l.startsWith("started "));
      expect(startedOnSecond.sort()).toEqual(
        ids.filter((id) => id !== ranFirst).map((id) => `started ${id}`),
      );
    } finally {
      await executor.close();
    }
  }, 60_000);

  it("a call for a known tool whose worker is late with its heartbeats waits for it, not unknown_tool", async () => {
    const queue = "late-heartbeat";
    // Heartbeats every 200 ms: the caller counts the worker gone 1 s after the last one.
    const worker = children.track(runTs(fixtureWorker, { REDIS_URL: redis.url, QUEUE: queue }));
    await ready(worker, /^ready/);
    const executor = createExecutor({
      tools: allTools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      const first = await executor.execute([{ id: "before", name: "echo", args: { text: "a" } }]);
      expect(first.outcomes[0]).toMatchObject({ status: "ok" });
      // A stopped process is a worker whose heartbeats are late: past its 1 s, then back.
      worker.process.kill("SIGSTOP");
      await new Promise((r) => setTimeout(r, 1_300));
      const batch = executor.execute([{ id: "late", name: "echo", args: { text: "b" } }]);
      await new Promise((r) => setTimeout(r, 400));
      worker.process.kill("SIGCONT");
      const report = await batch;
      expect(report.outcomes[0]).toMatchObject({
        status: "ok",
        value: { text: "b", pid: worker.process.pid },
      });
    } finally {
      worker.process.kill("SIGCONT");
      await executor.close();
    }
  }, 60_000);

  it("on SIGTERM a worker finishes the call it runs, then exits 0", async () => {
    const queue = "term";
    const env = { REDIS_URL: redis.url, QUEUE: queue, GRACE_MS: "10000" };
    const worker = children.track(runTs(fixtureWorker, env));
    await ready(worker, /^ready/);
    const executor = createExecutor({
      tools: allTools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      const batch = executor.execute([{ id: "s", name: "sleep", args: { ms: 1_500 } }]);
      await worker.waitFor((lines) => lines.includes("started s"));
      worker.process.kill("SIGTERM");
      const report = await batch;
      expect(report.outcomes[0]).toMatchObject({ status: "ok", value: { slept: 1_500 } });
      const exit = await worker.exited;
      expect(exit.code, exit.stderr).toBe(0);
      expect(worker.lines.at(-1)).toMatch(/"answered":1/);
    } finally {
      await executor.close();
    }
  }, 60_000);

  it("`volley worker` prints its URL without the password, and refuses bad input with exit 2", async () => {
    const secured = await startRedis({ password: "hunter2-Secret" });
    try {
      const worker = children.track(
        runTs(bin, {}, ["worker", "--redis", secured.url, "--queue", "pw", "--tools", toolsModule]),
      );
      const lines = await ready(worker, /^volley worker .*: queue "pw"/);
      expect(lines.join("\n")).toContain("redis://:***@127.0.0.1");
      expect(lines.join("\n")).not.toContain("hunter2");
      worker.process.kill("SIGTERM");
      const exit = await worker.exited;
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.stderr).not.toContain("hunter2");
    } finally {
      await secured.stop();
    }
    const bad = children.track(runTs(bin, {}, ["worker", "--queue", "q", "--tools", toolsModule]));
    const exit = await bad.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain("volley worker needs one of --redis <url> or --postgres <url>");
  }, 60_000);
});
