import { afterEach, describe, expect, it } from "vitest";
import { attachDashboard, type CallRecord, type Dashboard } from "../../src/dashboard/index.js";
import { createExecutor } from "../../src/index.js";
import { demoCalls, demoTools } from "./demo.js";
import { SseClient, type SseEvent } from "./http.js";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function start(token?: string): Promise<Dashboard & { executor: ReturnType<typeof make> }> {
  const executor = make();
  const dashboard = await attachDashboard(executor, { port: 0, token, updateIntervalMs: 50 });
  closers.push(
    () => executor.close(),
    () => dashboard.close(),
  );
  return Object.assign(dashboard, { executor });
}
function make() {
  return createExecutor({ tools: demoTools });
}
async function connect(url: string, headers?: Record<string, string>): Promise<SseClient> {
  const client = await SseClient.open(new URL("events", url).href, headers);
  closers.push(() => client.close());
  return client;
}

/** What the page does: upsert each event's calls by key, starting over on a snapshot. */
function replay(events: readonly SseEvent[]): Map<string, CallRecord> {
  const calls = new Map<string, CallRecord>();
  for (const { data } of events) {
    if (data.reset) calls.clear();
    for (const call of data.calls) calls.set(call.id, call);
  }
  return calls;
}

const outcomes = (calls: Map<string, CallRecord>) =>
  Object.fromEntries(
    [...calls].map(([id, c]) => [id, c.kind ? `${c.status}:${c.kind}` : c.status]),
  );

describe("the /events stream", () => {
  it("sends a snapshot, then coalesced updates as the demo batch runs", async () => {
    const dashboard = await start();
    const client = await connect(dashboard.url);
    const first = await client.until(() => true);
    expect(first.event).toBe("snapshot");
    expect(first.data).toMatchObject({ reset: true, batches: [], calls: [] });
    expect(first.data.tools.map((t) => t.tool)).toEqual([
      "fast_tool",
      "slow_tool",
      "flaky_api",
      "web_search",
    ]);

    const batch = dashboard.executor.execute(demoCalls);
    const running = await client.until((e) => e.data.inFlight.count === 4);
    expect(running.event).toBe("update");
    expect(running.data.reset).toBe(false);
    await batch;
    const done = await client.until((e) => e.data.batches.some((b) => b.endedAt !== null));
    expect(done.data.batches[0]).toMatchObject({ id: batch.id, size: 4, ok: 3, failed: 1 });

    expect(outcomes(replay(client.events))).toEqual({
      fast_1: "ok",
      slow_1: "ok",
      fast_2: "ok",
      error_1: "error:tool_error",
    });
    // Events are gathered: far fewer frames than the batch's 14 events.
    expect(client.events.length).toBeLessThanOrEqual(10);
  });

  it("gives a page that joins late the whole picture in its snapshot", async () => {
    const dashboard = await start();
    await dashboard.executor.execute(demoCalls);
    const client = await connect(dashboard.url);
    const snapshot = await client.until((e) => e.event === "snapshot");
    expect(outcomes(replay([snapshot]))).toEqual({
      fast_1: "ok",
      slow_1: "ok",
      fast_2: "ok",
      error_1: "error:tool_error",
    });
    expect(snapshot.data.totals).toMatchObject({ finished: 4, ok: 3, failed: 1, running: 0 });
  });

  it("needs the token when one is set, and sends to every client", async () => {
    const dashboard = await start("stream-token");
    const refused = await connect(dashboard.url);
    expect(refused.status).toBe(401);

    const a = await connect(dashboard.url, { Authorization: "Bearer stream-token" });
    const b = await connect(dashboard.url, {
      Cookie: `volley_dashboard_token_${dashboard.port}=stream-token`,
    });
    expect([a.status, b.status]).toEqual([200, 200]);
    await dashboard.executor.execute(demoCalls.slice(0, 1));
    for (const client of [a, b]) {
      await client.until((e) => e.data.calls.some((c) => c.id === "fast_1" && c.status === "ok"));
    }
  });

  it("ends the streams on close", async () => {
    const dashboard = await start();
    const client = await connect(dashboard.url);
    await client.until((e) => e.event === "snapshot");
    const ended = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (client.ended) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    await dashboard.close();
    await ended;
  });
});
