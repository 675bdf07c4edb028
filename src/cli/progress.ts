import type { Executor, ExecutorEvents } from "../core/index.js";
import { outcomeErrorText, formatDuration, printable, shorten } from "./format.js";

/** Where progress is written: `process.stderr`, or any object with `write` (tests use a fake). */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** True for a terminal: progress is then a live bar instead of plain lines. */
  readonly isTTY?: boolean;
  /** The terminal's width (characters). */
  readonly columns?: number;
}

/** Options of {@link attachProgress}. */
export interface ProgressOptions {
  /** Where to write. */
  readonly stream: ProgressStream;
  /**
   * Draw a live bar (`true`) or print plain lines (`false`).
   * @default true on a terminal (`stream.isTTY`) other than `TERM=dumb`
   */
  readonly live?: boolean;
  /**
   * The least time between two redraws of the live bar (ms).
   * @default 100
   */
  readonly intervalMs?: number;
}

/** A progress display attached to an executor; {@link Progress.stop} detaches it. */
export interface Progress {
  /** The counters the display shows. */
  snapshot(): ProgressSnapshot;
  /** Unsubscribes from the executor, stops the redraw timer and ends the bar's line. */
  stop(): void;
}

/** What the progress display counts, over every batch since it was attached. */
export interface ProgressSnapshot {
  readonly total: number;
  /** Calls that succeeded. */
  readonly ok: number;
  /** Calls that failed. */
  readonly failed: number;
  /** Calls with an attempt running. */
  readonly running: number;
  /** Calls waiting for a slot or for a retry's backoff. */
  readonly queued: number;
  /** Since the first batch started (ms). */
  readonly elapsedMs: number;
  /** Estimated time left (ms), from the pace so far; `undefined` until a call has finished. */
  readonly etaMs: number | undefined;
}

const CLEAR_LINE = "\r\x1b[2K";

/**
 * Shows an executor's progress from its events: on a terminal a live bar (done, failed, running,
 * queued, elapsed, ETA) redrawn at most every `intervalMs`, with failures printed above it;
 * elsewhere one plain line per finished call and retry.
 * @example
 * const progress = attachProgress(executor, { stream: process.stderr });
 * const report = await executor.execute(calls);
 * progress.stop();
 */
export function attachProgress(executor: Executor, options: ProgressOptions): Progress {
  const { stream } = options;
  if (typeof stream?.write !== "function") {
    throw new TypeError("Expected options.stream to have a write() method");
  }
  // A "dumb" terminal cannot clear a line: it gets the plain lines.
  const live = options.live ?? (stream.isTTY === true && process.env["TERM"] !== "dumb");
  const intervalMs = options.intervalMs ?? 100;
  let total = 0;
  let ok = 0;
  let failed = 0;
  let startedAt: number | undefined;
  let activeBatches = 0;
  /** Calls with an attempt running, by batch and index. */
  const running = new Set<string>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let barShown = false;

  const key = (e: { batchId: string; index: number }): string => `${e.batchId}:${e.index}`;

  const snapshot = (): ProgressSnapshot => {
    const now = Date.now();
    const elapsedMs = startedAt === undefined ? 0 : now - startedAt;
    const done = ok + failed;
    const left = total - done;
    return {
      total,
      ok,
      failed,
      running: running.size,
      queued: Math.max(0, left - running.size),
      elapsedMs,
      etaMs: done === 0 ? undefined : left === 0 ? 0 : (elapsedMs / done) * left,
    };
  };

  const draw = (): void => {
    stream.write(CLEAR_LINE + renderBar(snapshot(), stream.columns || 80));
    barShown = true;
  };
  /** Writes a whole line above the bar, then puts the bar back. */
  const printAbove = (text: string): void => {
    if (barShown) stream.write(CLEAR_LINE);
    stream.write(`${text}\n`);
    barShown = false;
    if (activeBatches > 0) draw();
  };

  const unsubscribes = [
    executor.on("batch:started", (e: ExecutorEvents["batch:started"]) => {
      // Our own clock for elapsed time: the event's time base may differ from Date.now().
      startedAt ??= Date.now();
      total += e.size;
      activeBatches++;
      if (live) {
        draw();
        timer ??= setInterval(draw, intervalMs);
        timer.unref?.();
      } else {
        stream.write(`batch ${e.batchId}: ${e.size} call${e.size === 1 ? "" : "s"}\n`);
      }
    }),
    executor.on("call:started", (e) => {
      running.add(key(e));
    }),
    executor.on("call:retry", (e) => {
      running.delete(key(e));
      const line = `retry  ${printable(e.callId)}  ${printable(e.tool)}  attempt ${e.attempt} failed (${shorten(outcomeErrorText(e.error), 200)}); next in ${formatDuration(e.delayMs)}`;
      if (live) printAbove(`↻ ${line.slice(7)}`);
      else stream.write(`${line}\n`);
    }),
    executor.on("call:finished", (e) => {
      running.delete(key(e));
      const { outcome } = e;
      const callId = printable(e.callId);
      const tool = printable(e.tool) || "-";
      const took = outcome.startedAt === null ? "" : `  ${formatDuration(outcome.durationMs)}`;
      if (outcome.status === "ok") {
        ok++;
        if (!live)
          stream.write(
            `ok     ${callId}  ${tool}${took}${outcome.replayed === true ? "  (replayed)" : ""}\n`,
          );
      } else {
        failed++;
        const why = `${outcome.error.kind}  ${shorten(outcomeErrorText(outcome.error), 200)}`;
        if (live) printAbove(`✗ ${callId}  ${tool}${took}  ${why}`);
        else stream.write(`error  ${callId}  ${tool}${took}  ${why}\n`);
      }
    }),
    executor.on("batch:finished", (e) => {
      activeBatches = Math.max(0, activeBatches - 1);
      const { ok: okCount, error } = e.counts;
      const summary = `${e.counts.total} call${e.counts.total === 1 ? "" : "s"} in ${formatDuration(e.wallMs)}: ${okCount} ok, ${error} failed`;
      if (!live) {
        stream.write(`done   ${summary}\n`);
        return;
      }
      if (activeBatches === 0) {
        draw();
        stream.write("\n");
        barShown = false;
        stopTimer();
      }
    }),
  ];

  const stopTimer = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  return {
    snapshot,
    stop() {
      for (const unsubscribe of unsubscribes) unsubscribe();
      stopTimer();
      if (live && barShown) {
        draw();
        stream.write("\n");
        barShown = false;
      }
    },
  };
}

/**
 * One line of the live bar, fitted to `columns`:
 * `▕█████░░░░░▏ 3/4  ✓ 3  ✗ 0  2 running  1 queued  1.20 s  ETA 0.40 s`.
 */
export function renderBar(s: ProgressSnapshot, columns: number): string {
  const done = s.ok + s.failed;
  const eta = s.etaMs === undefined ? "ETA -" : `ETA ${formatDuration(s.etaMs)}`;
  const text =
    ` ${done}/${s.total}  ✓ ${s.ok}  ✗ ${s.failed}  ${s.running} running  ${s.queued} queued` +
    `  ${formatDuration(s.elapsedMs)}  ${eta}`;
  // Keep one column free: writing into the last one wraps on some terminals.
  const room = Math.max(0, columns - 1 - text.length - 2);
  const width = Math.min(40, room);
  if (width < 5) return shorten(text.trimStart(), Math.max(0, columns - 1));
  const filled = s.total === 0 ? 0 : Math.round((done / s.total) * width);
  return `▕${"█".repeat(filled)}${"░".repeat(width - filled)}▏${text}`;
}
