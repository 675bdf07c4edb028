import { QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/program.js";
import type { CliIo } from "../../src/cli/run-command.js";
import { createExecutor } from "../../src/index.js";
import { bullmqBackend, startWorker, type VolleyWorker } from "../../src/bullmq/index.js";
import { redisMissing, startRedis, type RedisServer } from "../helpers/redis-server.js";
import { allTools as tools } from "../bullmq/fixtures/tools.js";
import { runCli } from "./run-cli.js";

const missing = redisMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

interface Snapshot {
  totals: { finished: number; ok: number; failed: number };
  tools: { tool: string; calls: number }[];
  calls: { batchId: string; id: string; status: string; worker: string | null }[];
}

/** Standard output and error in memory, and the signal Ctrl-C would abort. */
function io(): CliIo & { out: () => string; err: () => string; stop: (why: string) => void } {
  let out = "";
  let err = "";
  const interrupt = new AbortController();
  return {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    signal: interrupt.signal,
    out: () => out,
    err: () => err,
    stop: (why) => interrupt.abort(why),
  };
}

const urlOf = (text: string) => /serving at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text)?.[1];

describe("volley dashboard: bad input", () => {
  it("exits 2 without --queue, or with neither or both of --redis and --postgres", async () => {
    const noQueue = await runCli(["dashboard", "--redis", "redis://127.0.0.1:1"]);
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toMatch(/required option '-q, --queue <name>' not specified/);
    const neither = await runCli(["dashboard", "--queue", "tools"]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain(
      "volley dashboard needs one of --redis <url> or --postgres <url>",
    );
    const both = await runCli([
      "dashboard",
      ...["--queue", "tools", "--redis", "redis://127.0.0.1:1"],
      ...["--postgres", "postgres://127.0.0.1:1/x"],
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("volley dashboard needs one of --redis");
  }, 60_000);

  it("exits 2 for a bad queue name, a bad port, or a host that is not loopback without a token", async () => {
    const colon = io();
    expect(await main(["dashboard", "--redis", "redis://127.0.0.1:1", "-q", "a:b"], colon)).toBe(2);
    expect(colon.err()).toMatch(/^volley: Expected clusterSource's queue to be a non-empty name/);
    const port = io();
    expect(
      await main(["dashboard", "--redis", "redis://127.0.0.1:1", "-q", "t", "--port", "x"], port),
    ).toBe(2);
    expect(port.err()).toMatch(/Expected a port from 0 to 65535, got "x"/);
  });
});

describe.skipIf(missing !== undefined)("volley dashboard --redis", () => {
  let redis: RedisServer;
  let worker: VolleyWorker;
  const queue = "cli-cluster";

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startWorker({ connection: redis.url, queue, tools, id: "cli-w1" });
  }, 30_000);
  afterAll(async () => {
    await worker?.close({ graceMs: 1_000 });
    await redis?.stop();
  });

  it("serves /snapshot.json with the cluster's calls and their worker, and exits 0 when stopped", async () => {
    const streams = io();
    const code = main(
      ["dashboard", "--redis", redis.url, "--queue", queue, "--port", "0"],
      streams,
    );
    await expect.poll(() => urlOf(streams.out()), { timeout: 20_000 }).toBeDefined();
    const url = urlOf(streams.out())!;
    expect(streams.out()).toMatch(
      /queue "cli-cluster" on redis:\/\/127\.0\.0\.1:\d+\/?, 1 worker \(cli-w1\)/,
    );
    const executor = createExecutor({
      tools,
      backend: bullmqBackend({ connection: redis.url, queue }),
    });
    try {
      const report = await executor.execute(
        [
          { id: "a", name: "echo", args: { text: "one" } },
          { id: "b", name: "fail", args: {} },
        ],
        { batchId: "from-the-cli" },
      );
      expect(report.counts).toMatchObject({ ok: 1, error: 1 });
      const snapshot = async () => (await (await fetch(`${url}snapshot.json`)).json()) as Snapshot;
      await expect.poll(async () => (await snapshot()).calls.length).toBe(2);
      const got = await snapshot();
      expect(got.calls.map((c) => [c.batchId, c.id, c.status, c.worker]).sort()).toEqual([
        ["from-the-cli", "a", "ok", "cli-w1"],
        ["from-the-cli", "b", "error", "cli-w1"],
      ]);
      expect(got.tools.find((t) => t.tool === "echo")).toMatchObject({ calls: 1 });
      expect(got.totals).toMatchObject({ finished: 2, ok: 1, failed: 1 });
    } finally {
      await executor.close();
      streams.stop("SIGTERM");
    }
    expect(await code).toBe(0);
    expect(streams.out()).toMatch(/volley dashboard: stopped \(SIGTERM\)\n$/);
    expect(streams.err()).toBe("");
    // It closed: nothing listens there any more.
    await expect(fetch(`${url}snapshot.json`)).rejects.toThrow();
  }, 60_000);

  it("`volley worker` publishes its calls for the dashboard, unless --no-publish-events", async () => {
    const published = async (flags: string[]) => {
      const name = `flags-${flags.length}`;
      const reader = new QueueEvents(`${name}.%events`, {
        connection: { url: redis.url, maxRetriesPerRequest: null },
      });
      const messages: string[] = [];
      (reader.on as (event: string, listener: (args: { data?: string }) => void) => void)(
        "volley:events",
        (args) => messages.push(args.data ?? ""),
      );
      await reader.waitUntilReady();
      await new Promise((r) => setTimeout(r, 300));
      const streams = io();
      const code = main(
        [
          "worker",
          ...["--redis", redis.url, "--queue", name, "--tools", "tests/bullmq/fixtures/tools.ts"],
          ...["--id", "flagged", ...flags],
        ],
        streams,
      );
      await expect.poll(() => streams.out(), { timeout: 20_000 }).toMatch(/queue "flags-/);
      const executor = createExecutor({
        tools,
        backend: bullmqBackend({ connection: redis.url, queue: name }),
      });
      try {
        await executor.execute([{ id: "x", name: "echo", args: { text: "t" } }]);
        // Several heartbeats (one a second): a publishing worker sends its stats with each.
        await new Promise((r) => setTimeout(r, 1_500));
      } finally {
        await executor.close();
        streams.stop("SIGTERM");
      }
      expect(await code).toBe(0);
      await reader.close();
      return messages;
    };
    const loud = await published([]);
    expect(loud.some((m) => m.includes('"call:finished"'))).toBe(true);
    expect(await published(["--no-publish-events"])).toEqual([]);
  }, 60_000);

  it("prints the URL of the queues without their password, and exits 0 on Ctrl-C and on SIGTERM", async () => {
    const secured = await startRedis({ password: "hunter2-Secret" });
    try {
      const run = await runCli(
        ["dashboard", "--redis", secured.url, "--queue", queue, "--port", "0"],
        { interruptWhen: "serving at", interruptOn: "stdout", killAfterMs: 30_000 },
      );
      const printed = run.stdout;
      expect(printed).toContain("redis://:***@127.0.0.1");
      expect(printed).not.toContain("hunter2");
      expect(run.stderr).not.toContain("hunter2");
      // Ctrl-C closes the server in order.
      expect(run.code, run.stderr).toBe(0);
      const terminated = await runCli(
        ["dashboard", "--redis", secured.url, "--queue", queue, "--port", "0"],
        {
          interruptWhen: "serving at",
          interruptOn: "stdout",
          interruptSignal: "SIGTERM",
          killAfterMs: 30_000,
        },
      );
      expect(terminated.code, terminated.stderr).toBe(0);
    } finally {
      await secured.stop();
    }
  }, 60_000);
});
