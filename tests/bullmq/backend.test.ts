import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor, type Outcome } from "../../src/index.js";
import {
  bullmqBackend,
  remoteTools,
  startWorker,
  type VolleyWorker,
} from "../../src/bullmq/index.js";
import { redisMissing, startRedis, type RedisServer } from "../helpers/redis-server.js";
import { aborts, allTools as tools, solo, soloRuns } from "./fixtures/tools.js";

const missing = redisMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

const byId = (outcomes: readonly Outcome[]) => new Map(outcomes.map((o) => [o.id, o]));

describe.skipIf(missing !== undefined)("bullmqBackend with a worker, on Redis", () => {
  let redis: RedisServer;
  let worker: VolleyWorker;
  const queue = "volley-test";

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startWorker({ connection: redis.url, queue, tools, concurrency: 8 });
  }, 30_000);

  afterAll(async () => {
    await worker?.close({ graceMs: 1_000 });
    await redis?.stop();
  });

  it("runs calls on the worker, with the caller's outcomes and context", async () => {
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      const report = await executor.execute(
        [
          { id: "a", name: "echo", args: { text: "hi" } },
          { id: "b", name: "fail", args: {} },
          { id: "c", name: "fail", args: { final: true } },
          { id: "d", name: "echo", args: { text: 5 } },
          { id: "e", name: "slow_timeout", args: {} },
        ],
        { batchId: "batch-1" },
      );
      const got = byId(report.outcomes);
      expect(got.get("a")).toMatchObject({
        status: "ok",
        value: { text: "hi", pid: process.pid, attempt: 1, idempotencyKey: "batch-1:a" },
      });
      expect(got.get("b")).toMatchObject({
        status: "error",
        error: { kind: "tool_error", message: "upstream said 503", data: { code: "E503" } },
      });
      expect(got.get("c")).toMatchObject({
        status: "error",
        error: { kind: "tool_error", message: "no such user", data: { userId: 7 } },
      });
      expect(got.get("d")).toMatchObject({ status: "error", error: { kind: "invalid_args" } });
      expect(got.get("e")).toMatchObject({ status: "error", error: { kind: "timeout" } });
    } finally {
      await executor.close();
    }
  }, 30_000);

  it("ends a call for a tool no live worker runs unknown_tool, quickly", async () => {
    const executor = createExecutor({
      tools: remoteTools(["nobody_runs_this"]),
      backend: bullmqBackend({ connection: redis.url, queue, discoveryMs: 500 }),
    });
    try {
      const started = Date.now();
      const report = await executor.execute([{ id: "x", name: "nobody_runs_this", args: {} }]);
      expect(report.outcomes[0]).toMatchObject({
        status: "error",
        error: { kind: "unknown_tool", message: expect.stringContaining("nobody_runs_this") },
      });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await executor.close();
    }
  }, 30_000);

  it("carries a cancel to the worker: the tool's signal aborts within 100 ms", async () => {
    const executor = createExecutor({
      tools: remoteTools(["sleep"]),
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      // Warm: connections and discovery out of the way.
      await executor.execute([{ id: "w", name: "sleep", args: { ms: 1 } }]);
      const batch = executor.execute([{ id: "s", name: "sleep", args: { ms: 20_000 } }]);
      await new Promise((r) => setTimeout(r, 300));
      aborts.length = 0;
      const cancelledAt = Date.now();
      batch.cancel("enough");
      const report = await batch;
      expect(report.outcomes[0]).toMatchObject({ status: "error", error: { kind: "cancelled" } });
      const deadline = Date.now() + 2_000;
      while (aborts.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      expect(aborts.length).toBe(1);
      expect(aborts[0]! - cancelledAt).toBeLessThan(100);
    } finally {
      await executor.close();
    }
  }, 30_000);

  it("refuses arguments over maxArgsBytes unsent, and a result over the worker's maxResultBytes, without breaking the queue", async () => {
    const small = await startWorker({
      connection: redis.url,
      queue: "sizes",
      tools,
      maxResultBytes: 1_000,
    });
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue: "sizes", maxArgsBytes: 2_000 }),
    });
    try {
      const report = await executor.execute([
        { id: "args", name: "echo", args: { text: "y".repeat(5_000) } },
        { id: "result", name: "big", args: { bytes: 5_000 } },
        { id: "fine", name: "big", args: { bytes: 10 } },
      ]);
      const got = byId(report.outcomes);
      expect(got.get("args")).toMatchObject({
        status: "error",
        error: {
          kind: "rejected",
          message: expect.stringContaining("over bullmqBackend's maxArgsBytes (2000)"),
        },
      });
      expect(got.get("result")).toMatchObject({
        status: "error",
        error: {
          kind: "tool_error",
          message: expect.stringContaining("over the worker's maxResultBytes (1000)"),
        },
      });
      expect(got.get("fine")).toMatchObject({ status: "ok", value: "x".repeat(10) });
    } finally {
      await executor.close();
      await small.close();
    }
  }, 30_000);

  it("runs identical calls of an idempotent tool from two callers once (BullMQ deduplication)", async () => {
    const make = () =>
      createExecutor({ tools, backend: bullmqBackend({ connection: redis.url, queue }) });
    const [one, two] = [make(), make()];
    try {
      // Both callers ready first (their workers found, their reply readers running), so that
      // under load the second call is not sent after the first one's job has already finished:
      // BullMQ dedupes identical jobs while one is in flight.
      await Promise.all(
        [one, two].map((e, i) =>
          e.execute([{ id: "warm", name: "counted", args: { key: `warm-${i}`, ms: 1 } }]),
        ),
      );
      const call = { id: "k", name: "counted", args: { key: "same", ms: 1_000 } };
      const [a, b] = await Promise.all([one.execute([call]), two.execute([call])]);
      expect(a.outcomes[0]).toMatchObject({ status: "ok" });
      expect(b.outcomes[0]).toMatchObject({ status: "ok" });
      const runs = (o: Outcome) => (o as { value: { runs: number } }).value.runs;
      expect(runs(a.outcomes[0]!)).toBe(runs(b.outcomes[0]!));
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  }, 30_000);

  it("checks its options: a TypeError that names the option", () => {
    expect(() => bullmqBackend({ connection: redis.url, queue: "a:b" })).toThrow(
      /bullmqBackend's queue to be a non-empty name without ":"/,
    );
    expect(() => bullmqBackend({ connection: "http://x", queue: "q" })).toThrow(
      /redis:\/\/, rediss:\/\/ or postgres:\/\/ URL.*got a http:\/\/ URL/,
    );
    expect(() => bullmqBackend({ connection: redis.url, queue: "q", slots: 0 })).toThrow(
      /bullmqBackend's slots/,
    );
    expect(() =>
      bullmqBackend({ connection: redis.url, queue: "q", discoverMs: 5 } as never),
    ).toThrow(/Unknown option "discoverMs"/);
  });

  it("close(): a job taken but not started goes back to its queue for another worker; past the grace period a running call ends crashed", async () => {
    const q = "handback";
    const first = await startWorker({ connection: redis.url, queue: q, tools, concurrency: 1 });
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue: q }),
    });
    try {
      const active = async (n: number) => {
        const until = Date.now() + 10_000;
        while (first.stats().active < n && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 10));
        }
        expect(first.stats().active).toBe(n);
      };
      // One call runs in the worker's single slot; the other is taken and waits for the slot.
      const running = executor.execute([{ id: "runs", name: "sleep", args: { ms: 3_000 } }]);
      await active(1);
      const waiting = executor.execute([
        { id: "waits", name: "nap", args: { ms: 100, tag: "moved" } },
      ]);
      await active(2);
      const batch = Promise.all([running, waiting]).then(([a, b]) => ({
        outcomes: [...a.outcomes, ...b.outcomes],
      }));
      const second = await startWorker({ connection: redis.url, queue: q, tools, concurrency: 1 });
      try {
        await first.close({ graceMs: 300 });
        const report = await batch;
        const got = byId(report.outcomes);
        expect(got.get("waits")).toMatchObject({ status: "ok", value: { tag: "moved" } });
        expect(got.get("runs")).toMatchObject({
          status: "error",
          error: { kind: "crashed", message: expect.stringContaining("grace period") },
        });
        expect(first.stats().handedBack).toBe(1);
      } finally {
        await second.close({ graceMs: 1_000 });
      }
    } finally {
      await executor.close();
    }
  }, 30_000);

  it("clusterLimits: a tool's concurrency holds across every worker, with BullMQ's global concurrency", async () => {
    const overlap = async (clusterLimits: boolean, q: string) => {
      const workers = await Promise.all(
        [1, 2].map(() =>
          startWorker({
            connection: redis.url,
            queue: q,
            tools: [solo],
            concurrency: 1,
            clusterLimits,
          }),
        ),
      );
      const executor = createExecutor({
        tools: remoteTools(["solo"]),
        backend: bullmqBackend({ connection: redis.url, queue: q }),
      });
      try {
        soloRuns.length = 0;
        const calls = Array.from({ length: 6 }, (_, i) => ({
          id: `s${i}`,
          name: "solo",
          args: {},
        }));
        const report = await executor.execute(calls);
        expect(report.counts.ok).toBe(6);
        let most = 0;
        for (const [start] of soloRuns) {
          most = Math.max(most, soloRuns.filter(([s, e]) => s <= start && start < e).length);
        }
        return most;
      } finally {
        await executor.close();
        await Promise.all(workers.map((w) => w.close({ graceMs: 1_000 })));
      }
    };
    expect(await overlap(false, "solo-free")).toBe(2);
    expect(await overlap(true, "solo-cluster")).toBe(1);
  }, 30_000);
});
