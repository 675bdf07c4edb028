import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { threadId } from "node:worker_threads";
import { createExecutor, type CallProgressEvent, type Outcome } from "../../src/core/index.js";
import { threadBackend, type ThreadBackend } from "../../src/threads/index.js";
import { progressChannels } from "../../src/threads/thread-backend.js";
import * as tools from "./fixtures/progress-tools.js";
import { executorWith, sleepMs } from "./helpers.js";

const TOOLS = [
  tools.report,
  tools.burst,
  tools.silent,
  tools.badReport,
  tools.late,
  tools.reportThenExit,
];

let backend: ThreadBackend;

beforeAll(async () => {
  backend = threadBackend({
    threads: 2,
    preload: [new URL("./fixtures/progress-tools.ts", import.meta.url)],
  });
  // Start both threads and load the tools module in each before anything is timed.
  await backend.warm();
});

afterAll(async () => {
  await backend.close();
});

/** An executor of the progress tools whose `call:progress` events land in `events`. */
function listened(events: CallProgressEvent[]) {
  const executor = executorWith(TOOLS, backend);
  executor.on("call:progress", (e) => events.push(e));
  return executor;
}

function errorOf(outcome: Outcome | undefined) {
  expect(outcome?.status).toBe("error");
  return outcome?.status === "error" ? outcome.error : undefined;
}

describe("threadBackend: ctx.progress() from a thread", () => {
  it("each report reaches call:progress, in order, with the call's fields and the report's", async () => {
    const events: CallProgressEvent[] = [];
    const before = Date.now();
    const batch = listened(events).execute([
      { id: "x", name: "unknown", args: {} },
      { id: "r", name: "report", args: { everyMs: 20, forMs: 100 } },
    ]);
    const report = await batch;
    const outcome = report.outcomes[1]!;
    expect(outcome.status).toBe("ok");
    expect((outcome as { value: { threadId: number } }).value.threadId).not.toBe(threadId);
    expect(events).toHaveLength(5);
    events.forEach((e, i) => {
      expect(e).toEqual({
        batchId: batch.id,
        callId: "r",
        index: 1,
        tool: "report",
        attempt: 1,
        at: expect.any(Number),
        progress: i * 20,
        total: 100,
        message: `at ${i * 20}`,
      });
      expect(e.at).toBeGreaterThanOrEqual(before);
      if (i > 0) expect(e.at).toBeGreaterThanOrEqual(events[i - 1]!.at);
    });
  });

  it("reports made just before the tool returns all arrive before its outcome, and only their three fields cross", async () => {
    const events: CallProgressEvent[] = [];
    const executor = listened(events);
    const finishedAfter: number[] = [];
    executor.on("call:finished", () => finishedAfter.push(events.length));
    const { outcomes } = await executor.execute([{ id: "b", name: "burst", args: { count: 500 } }]);
    expect(outcomes[0]).toMatchObject({ status: "ok", value: "done" });
    expect(finishedAfter).toEqual([501]);
    expect(events[0]).not.toHaveProperty("progress");
    expect(events[0]).not.toHaveProperty("message");
    expect(events.slice(1).map((e) => e.progress)).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    expect(events[500]).toEqual(
      expect.objectContaining({ progress: 500, total: 500, message: "step 500" }),
    );
    expect(events.some((e) => "extra" in e)).toBe(false);
  });

  it("a malformed report throws a TypeError in the tool, naming the field, with or without a listener", async () => {
    for (const executor of [listened([]), executorWith(TOOLS, backend)]) {
      const { outcomes } = await executor.execute([
        { id: "n", name: "bad_report", args: { update: { progress: "half" } } },
        { id: "s", name: "bad_report", args: { update: "50%" } },
        { id: "ok", name: "bad_report", args: { update: { total: 3 } } },
      ]);
      expect(errorOf(outcomes[0])?.message).toMatch(
        /ctx\.progress\(\) of tool "bad_report": progress to be a finite number, got `"half"`/,
      );
      expect(errorOf(outcomes[1])?.message).toMatch(/to get \{ progress\?, total\?, message\? \}/);
      expect(outcomes[2]).toMatchObject({ status: "ok", value: "reported" });
    }
  });

  it("a thread that dies after reporting ends `crashed`, its report heard; arguments that cannot cross still fail as they did", async () => {
    const events: CallProgressEvent[] = [];
    const { outcomes } = await listened(events).execute([
      { id: "x", name: "report_then_exit", args: {} },
      { id: "f", name: "bad_report", args: { update: () => "a function" } },
    ]);
    expect(errorOf(outcomes[0])?.kind).toBe("crashed");
    expect(errorOf(outcomes[1])?.message).toMatch(/cannot cross to a worker thread/);
    expect(events.map((e) => [e.callId, e.message])).toEqual([["x", "about to exit"]]);
  });

  it("a report after the tool returned is dropped", async () => {
    const events: CallProgressEvent[] = [];
    const { outcomes } = await listened(events).execute([{ id: "l", name: "late", args: {} }]);
    expect(outcomes[0]).toMatchObject({ status: "ok", value: "returned" });
    await sleepMs(150);
    expect(events.map((e) => e.message)).toEqual(["before"]);
  });
});

describe("threadBackend: idleTimeoutMs on a thread tool", () => {
  it("a tool that reports every 50 ms outlives idleTimeoutMs 300 and ends ok after 1 s", async () => {
    const executor = createExecutor({
      tools: TOOLS,
      backends: { worker: backend },
      retry: false,
      policies: { report: { idleTimeoutMs: 300 } },
    });
    const { outcomes } = await executor.execute([
      { id: "r", name: "report", args: { everyMs: 50, forMs: 1_000 } },
    ]);
    const outcome = outcomes[0]!;
    expect(outcome).toMatchObject({ status: "ok", value: { reports: 20 } });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(950);
    expect(outcome.durationMs).toBeLessThan(4_000);
  });

  it("a tool that stops reporting ends `timeout` idleTimeoutMs after its last report, and its thread is terminated", async () => {
    const cells = new Int32Array(new SharedArrayBuffer(4));
    const killed = backend.stats().killed;
    const events: CallProgressEvent[] = [];
    const { outcomes } = await listened(events).execute([
      { id: "s", name: "silent", args: { cells, reportMs: 200 } },
    ]);
    const outcome = outcomes[0]!;
    const error = errorOf(outcome);
    expect(error?.kind).toBe("timeout");
    expect(error?.data).toMatchObject({ idleTimeoutMs: 300 });
    expect(error?.message).toMatch(/made no progress for 300ms/);
    expect(events.map((e) => e.message)).toEqual(["at 0", "at 50", "at 100", "at 150"]);
    // Silent from about 150 ms: ends near 450 ms, never before the idle time after a report.
    expect(outcome.durationMs).toBeGreaterThanOrEqual(440);
    expect(outcome.durationMs).toBeLessThan(3_000);
    expect(backend.stats().killed).toBe(killed + 1);
    // The count stops once the thread is gone.
    await sleepMs(200);
    const stopped = Atomics.load(cells, 0);
    expect(stopped).toBeGreaterThan(0);
    await sleepMs(200);
    expect(Atomics.load(cells, 0)).toBe(stopped);
  });
});

describe("threadBackend: a progress channel only when something hears it", () => {
  it("makes none for an attempt with no call:progress listener and no idleTimeoutMs; one for each attempt that has either", async () => {
    const made = progressChannels(backend);
    const quiet = executorWith(TOOLS, backend);
    const { outcomes } = await quiet.execute([
      { id: "b", name: "burst", args: { count: 10 } },
      { id: "r", name: "report", args: { everyMs: 10, forMs: 30 } },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["ok", "ok"]);
    expect(progressChannels(backend)).toBe(made);

    const events: CallProgressEvent[] = [];
    const off = quiet.on("call:progress", (e) => events.push(e));
    await quiet.execute([{ id: "b2", name: "burst", args: { count: 10 } }]);
    expect(events).toHaveLength(11);
    expect(progressChannels(backend)).toBe(made + 1);
    off();

    const idle = createExecutor({
      tools: TOOLS,
      backends: { worker: backend },
      retry: false,
      policies: { burst: { idleTimeoutMs: 5_000 } },
    });
    const idleReport = await idle.execute([{ id: "b3", name: "burst", args: { count: 10 } }]);
    expect(idleReport.outcomes[0]?.status).toBe("ok");
    expect(progressChannels(backend)).toBe(made + 2);
  });
});
