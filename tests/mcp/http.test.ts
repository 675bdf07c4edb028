import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor, type Outcome } from "volley";
import { mcpTools } from "volley/mcp";
import { connectHttp, type Connected } from "./fixtures/connect.js";
import { startHttpFixture, type HttpFixture } from "./fixtures/http-server.js";

const byId = (outcomes: readonly Outcome[]) => new Map(outcomes.map((o) => [o.id, o]));

describe("volley/mcp over Streamable HTTP, against an McpServer on a loopback port", () => {
  let fixture: HttpFixture;
  let server: Connected;

  beforeAll(async () => {
    fixture = await startHttpFixture();
    server = await connectHttp(fixture.url);
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await fixture?.close();
  });

  it("a timeout reaches the server within 100 ms, with only its kind as the reason", async () => {
    const executor = createExecutor({ tools: await mcpTools(server.client) });
    try {
      const [outcome] = (
        await executor.execute([
          { id: "t", name: "wait", args: { id: "http-timeout", ms: 10_000 }, timeoutMs: 250 },
        ])
      ).outcomes;
      expect(outcome).toMatchObject({ status: "error", error: { kind: "timeout" } });
      await expect
        .poll(() => fixture.records.cancellations.find((c) => c.id === "http-timeout"))
        .toBeDefined();
      const seen = fixture.records.cancellations.find((c) => c.id === "http-timeout")!;
      const lag = seen.at - (outcome!.startedAt! + outcome!.durationMs);
      expect(lag).toBeGreaterThanOrEqual(-20);
      expect(lag).toBeLessThan(100);
      expect(seen.reason).toBe("timeout");
    } finally {
      await executor.close();
    }
  });

  it("keeps the server's concurrency across tools and batches; each tool's own limit on top", async () => {
    fixture.records.maxOverlap = 0;
    fixture.records.busyMaxOverlap = 0;
    const executor = createExecutor({
      tools: await mcpTools(server.client, {
        name: "limited",
        concurrency: 3,
        tools: { busy: { concurrency: 2 } },
      }),
    });
    try {
      const busy = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({
          id: `${prefix}${i}`,
          name: "busy",
          args: { ms: 60 },
        }));
      const waits = Array.from({ length: 4 }, (_, i) => ({
        id: `w${i}`,
        name: "wait",
        args: { id: `limit-${i}`, ms: 60 },
      }));
      const started = performance.now();
      const reports = await Promise.all([
        executor.execute([...busy(6, "a"), ...waits]),
        executor.execute(busy(6, "b")),
      ]);
      const wall = performance.now() - started;
      for (const report of reports) {
        expect(report.outcomes.every((o) => o.status === "ok")).toBe(true);
      }
      // busy alone never ran more than 2 at once (its own limit), and with the waits, never
      // more than 3 calls ran on the server.
      expect(fixture.records.busyMaxOverlap).toBe(2);
      expect(fixture.records.maxOverlap).toBe(3);
      expect(executor.stats().upstreams?.["mcp:limited"]).toBeDefined();
      // 16 calls of 60 ms, at most 3 at a time: at least 6 rounds.
      expect(wall).toBeGreaterThanOrEqual(5 * 60);
    } finally {
      await executor.close();
    }
  });

  it("opens the server's breaker on failures: then every tool's calls end rejected at once", async () => {
    const executor = createExecutor({
      tools: await mcpTools(server.client, {
        name: "breaking",
        circuitBreaker: { failures: 3, cooldownMs: 60_000 },
      }),
    });
    try {
      for (let i = 0; i < 3; i++) {
        const [failed] = (
          await executor.execute([{ id: `f${i}`, name: "fail", args: { message: "down" } }])
        ).outcomes;
        expect(failed).toMatchObject({ status: "error", error: { kind: "tool_error" } });
      }
      const started = performance.now();
      const report = await executor.execute([
        { id: "echo", name: "echo", args: { text: "hi" } },
        { id: "add", name: "add", args: { a: 1, b: 2 } },
      ]);
      expect(performance.now() - started).toBeLessThan(100);
      for (const outcome of report.outcomes) {
        expect(outcome).toMatchObject({
          status: "error",
          startedAt: null,
          error: { kind: "rejected" },
        });
      }
    } finally {
      await executor.close();
    }
  });

  it("progress over HTTP resets the idle timeout too, set in the executor's policies", async () => {
    const executor = createExecutor({
      tools: await mcpTools(server.client),
      policies: { heartbeat: { idleTimeoutMs: 200 } },
    });
    try {
      const report = await executor.execute([
        { id: "beating", name: "heartbeat", args: { id: "h1", everyMs: 50, forMs: 600 } },
        {
          id: "silent",
          name: "heartbeat",
          args: { id: "h2", everyMs: 50, forMs: 3_000, silentAfterMs: 100 },
        },
      ]);
      const got = byId(report.outcomes);
      expect(got.get("beating")).toMatchObject({ status: "ok" });
      expect(got.get("silent")).toMatchObject({
        status: "error",
        error: { kind: "timeout", data: { idleTimeoutMs: 200 } },
      });
    } finally {
      await executor.close();
    }
  });
});

describe("volley/mcp when the HTTP server goes away", () => {
  it("a call running as it stops ends at its timeout; later calls end crashed at once", async () => {
    const fixture = await startHttpFixture("vanishing");
    const server = await connectHttp(fixture.url);
    const executor = createExecutor({ tools: await mcpTools(server.client), timeoutMs: 800 });
    try {
      const running = executor.execute([
        { id: "w", name: "wait", args: { id: "gone", ms: 10_000 } },
      ]);
      setTimeout(() => void fixture.close(), 100);
      const [cut] = (await running).outcomes;
      // A broken stream is not a closed connection to the SDK (it may resume): the timeout ends it.
      expect(cut).toMatchObject({ status: "error", error: { kind: "timeout" } });
      const started = performance.now();
      const [after] = (await executor.execute([{ id: "e", name: "echo", args: { text: "x" } }]))
        .outcomes;
      expect(after).toMatchObject({
        status: "error",
        error: { kind: "crashed", data: { name: "McpCallError" } },
      });
      expect(after?.status === "error" && after.error.message).toContain("could not be reached");
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await executor.close();
      await server.close();
    }
  });
});
