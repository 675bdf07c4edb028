/**
 * The tools of the worker-kill trials (`worker-kill-trials.ts`), loaded by the caller (for their
 * names and policies) and by the worker children (which run them). Each attempt appends its own
 * lines to the file named by `WORKER_KILL_LOG` (`O_APPEND`, one `write` per line, so a SIGKILL
 * never leaves half a line): `start <pid> <callId> <attempt>` when it starts, and
 * `end <pid> <callId> <attempt> ok|error` when it returns or throws; `abort …` if its signal
 * stopped it. The worker child adds `taken <pid> <callId>` as its executor queues a job's call.
 */
import { appendFileSync } from "node:fs";
import { setTimeout as wait } from "node:timers/promises";
import { z } from "zod";
import { defineTool } from "../src/index.js";

/** Appends one line to the trials' log, if the process has one. */
export function logLine(line: string): void {
  const file = process.env["WORKER_KILL_LOG"];
  if (file !== undefined) appendFileSync(file, `${line}\n`);
}

/** The idempotent tool's attempts 1…`failAttempts` throw; `tag` keeps identical calls apart. */
export const safeSchema = z.object({
  ms: z.number(),
  failAttempts: z.number(),
  tag: z.string(),
});

/** The other tool's one attempt throws when `fail` is set. */
export const plainSchema = z.object({ ms: z.number(), fail: z.boolean(), tag: z.string() });

/** What a successful attempt returns. */
export interface WorkValue {
  readonly tag: string;
  readonly pid: number;
  readonly attempt: number;
}

async function attempt(
  callId: string,
  n: number,
  ms: number,
  fails: boolean,
  tag: string,
  signal: AbortSignal,
): Promise<WorkValue> {
  const where = `${process.pid} ${callId} ${n}`;
  logLine(`start ${where}`);
  try {
    await wait(ms, undefined, { signal });
  } catch (error) {
    logLine(`abort ${where}`);
    throw error;
  }
  logLine(`end ${where} ${fails ? "error" : "ok"}`);
  if (fails) throw new Error(`planned failure of attempt ${n} of call ${callId}`);
  return { tag, pid: process.pid, attempt: n };
}

/** Safe to run twice: a job whose worker died runs again on another worker. Retried. */
export const safeWork = defineTool({
  name: "safe_work",
  description: "Waits, then returns or throws as planned; idempotent",
  schema: safeSchema,
  idempotent: true,
  retry: { maxAttempts: 3, initialInterval: 20 },
  timeoutMs: 10_000,
  module: import.meta.url,
  run: ({ ms, failAttempts, tag }, ctx) =>
    attempt(ctx.callId, ctx.attempt, ms, ctx.attempt <= failAttempts, tag, ctx.signal),
});

/** Not idempotent: a job whose worker died ends `crashed`, not run again. Not retried. */
export const plainWork = defineTool({
  name: "plain_work",
  description: "Waits, then returns or throws as planned; not idempotent",
  schema: plainSchema,
  timeoutMs: 10_000,
  module: import.meta.url,
  run: ({ ms, fail, tag }, ctx) => attempt(ctx.callId, ctx.attempt, ms, fail, tag, ctx.signal),
});

export const workerKillTools = [safeWork, plainWork] as const;

/** The workers' lock settings: a dead worker's jobs are found stalled within about 3 s. */
export const LOCK_DURATION_MS = 2_000;
export const STALLED_INTERVAL_MS = 1_000;
