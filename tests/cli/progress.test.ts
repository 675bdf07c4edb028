import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { attachProgress, renderBar, type ProgressStream } from "../../src/cli/progress.js";

/** A stream that records what is written, posing as a terminal (or not). */
function fakeStream(isTTY: boolean, columns = 80): ProgressStream & { chunks: string[] } {
  const chunks: string[] = [];
  return { isTTY, columns, chunks, write: (chunk: string) => chunks.push(chunk) };
}

/** Waits `ms` on the (fake) global timers, honouring the signal. */
const wait = defineTool({
  name: "wait",
  description: "Waits args.ms",
  schema: z.object({ ms: z.number(), fail: z.boolean().optional() }),
  run: ({ ms, fail }, { signal }) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => (fail ? reject(new Error("boom")) : resolve("ok")), ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    }),
});

const CLEAR = "\r\x1b[2K";

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv("TERM", "xterm-256color");
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe("attachProgress on a terminal", () => {
  it("draws a live bar with done, failed, running, queued, elapsed and ETA", async () => {
    const stream = fakeStream(true, 100);
    const executor = createExecutor({ tools: [wait], concurrency: 2 });
    const progress = attachProgress(executor, { stream });
    const batch = executor.execute([
      { id: "a", name: "wait", args: { ms: 150 } },
      { id: "b", name: "wait", args: { ms: 150, fail: true } },
      { id: "c", name: "wait", args: { ms: 150 } },
      { id: "d", name: "wait", args: { ms: 150 } },
    ]);
    await vi.advanceTimersByTimeAsync(120);
    expect(progress.snapshot()).toMatchObject({
      total: 4,
      ok: 0,
      failed: 0,
      running: 2,
      queued: 2,
    });
    const frame = stream.chunks.at(-1)!;
    expect(frame.startsWith(CLEAR)).toBe(true);
    expect(frame).toContain(" 0/4  ✓ 0  ✗ 0  2 running  2 queued  ");
    expect(frame).toContain("ETA -");

    await vi.advanceTimersByTimeAsync(80);
    const snapshot = progress.snapshot();
    expect(snapshot).toMatchObject({ ok: 1, failed: 1, running: 2, queued: 0 });
    expect(snapshot.elapsedMs).toBe(200);
    // Half done in 200 ms: about 200 ms left.
    expect(snapshot.etaMs).toBe(200);
    // The failure is printed on its own line above the bar.
    const failure = stream.chunks.find((c) => c.startsWith("✗ b"));
    expect(failure).toMatch(/^✗ b {2}wait {2}150 ms {2}tool_error {2}Error: boom\n$/);

    await vi.advanceTimersByTimeAsync(150);
    await batch;
    const last = stream.chunks.slice(-2);
    expect(last[0]).toContain(" 4/4  ✓ 3  ✗ 1  0 running  0 queued  ");
    expect(last[1]).toBe("\n");
    progress.stop();
    expect(vi.getTimerCount()).toBe(0);
    await executor.close();
  });

  it("redraws at most about ten times a second, however many events arrive", async () => {
    const stream = fakeStream(true);
    const executor = createExecutor({ tools: [wait], concurrency: Infinity });
    const progress = attachProgress(executor, { stream });
    // 500 calls finishing at 500 distinct times over one second.
    const batch = executor.execute(
      Array.from({ length: 500 }, (_, i) => ({
        id: `c${i}`,
        name: "wait",
        args: { ms: 2 + i * 2 },
      })),
    );
    await vi.advanceTimersByTimeAsync(1_100);
    await batch;
    progress.stop();
    const frames = stream.chunks.filter((c) => c.startsWith(CLEAR) && c.length > CLEAR.length);
    // One per 100 ms tick, plus the first and the last.
    expect(frames.length).toBeGreaterThanOrEqual(10);
    expect(frames.length).toBeLessThanOrEqual(14);
    await executor.close();
  });

  it("ends the bar's line when stopped early", async () => {
    const stream = fakeStream(true);
    const executor = createExecutor({ tools: [wait] });
    const progress = attachProgress(executor, { stream });
    const batch = executor.execute([{ id: "a", name: "wait", args: { ms: 1_000 } }]);
    await vi.advanceTimersByTimeAsync(10);
    progress.stop();
    expect(stream.chunks.at(-1)).toBe("\n");
    const written = stream.chunks.length;
    batch.cancel();
    await batch;
    await vi.advanceTimersByTimeAsync(500);
    expect(stream.chunks.length).toBe(written);
    await executor.close();
  });
});

describe("attachProgress elsewhere", () => {
  it("prints plain lines on a terminal that cannot clear a line (TERM=dumb)", async () => {
    vi.stubEnv("TERM", "dumb");
    const stream = fakeStream(true);
    const executor = createExecutor({ tools: [wait] });
    const progress = attachProgress(executor, { stream });
    const batch = executor.execute([{ id: "a", name: "wait", args: { ms: 5 } }], { batchId: "b" });
    await vi.advanceTimersByTimeAsync(10);
    await batch;
    progress.stop();
    expect(stream.chunks.join("")).toBe(
      "batch b: 1 call\nok     a  wait  5 ms\ndone   1 call in 5 ms: 1 ok, 0 failed\n",
    );
    await executor.close();
  });

  it("prints plain lines: the batch, each retry and finished call, and a summary", async () => {
    const stream = fakeStream(false);
    const flaky = defineTool({
      name: "flaky",
      description: "Fails its first attempt",
      schema: z.object({}),
      retry: { maxAttempts: 2, initialInterval: 10, jitter: false },
      run: (_args, { attempt }) => {
        if (attempt === 1) throw new Error("first try");
        return "second";
      },
    });
    const executor = createExecutor({ tools: [wait, flaky] });
    const progress = attachProgress(executor, { stream });
    const batch = executor.execute(
      [
        { id: "a", name: "wait", args: { ms: 20 } },
        { id: "f", name: "flaky", args: {} },
        { id: "u", name: "nope", args: {} },
      ],
      { batchId: "b1" },
    );
    await vi.advanceTimersByTimeAsync(50);
    await batch;
    progress.stop();
    const text = stream.chunks.join("");
    expect(text).not.toContain("\x1b[");
    expect(text.split("\n")).toEqual([
      "batch b1: 3 calls",
      expect.stringMatching(
        /^error {2}u {2}nope {2}unknown_tool {2}UnknownTool|^error {2}u {2}nope {2}unknown_tool/,
      ),
      "retry  f  flaky  attempt 1 failed (Error: first try); next in 10 ms",
      "ok     f  flaky  10 ms",
      "ok     a  wait  20 ms",
      "done   3 calls in 20 ms: 2 ok, 1 failed",
      "",
    ]);
    await executor.close();
  });
});

describe("renderBar", () => {
  const snapshot = {
    total: 40,
    ok: 10,
    failed: 2,
    running: 8,
    queued: 20,
    elapsedMs: 1_200,
    etaMs: 2_800,
  };

  it("fits the terminal's width", () => {
    for (const columns of [20, 40, 60, 80, 120, 200]) {
      const line = renderBar(snapshot, columns);
      expect([...line].length).toBeLessThanOrEqual(columns - 1);
    }
  });

  it("assumes 80 columns when the terminal reports none", () => {
    expect(renderBar(snapshot, 80)).toContain("▕");
    const stream = fakeStream(true, 0);
    const executor = createExecutor({ tools: [wait] });
    const progress = attachProgress(executor, { stream });
    void executor.execute([]);
    progress.stop();
    expect(stream.chunks[0]).toContain("0/0");
  });

  it("fills the bar in proportion to the calls done", () => {
    const line = renderBar(snapshot, 120);
    expect(line).toBe(
      `▕${"█".repeat(12)}${"░".repeat(28)}▏ 12/40  ✓ 10  ✗ 2  8 running  20 queued  1.20 s  ETA 2.80 s`,
    );
  });
});
