/**
 * Child process of the crash trials (`crash-trials.ts`): runs one journaled batch, and is
 * SIGKILLed by its parent at a random moment, or resumes a batch a killed child left behind.
 *
 * Spawned as `node --import tsx bench/crash-child.ts`. It loads everything first and prints
 * `ready`; then it reads one line of JSON from stdin, a {@link ChildSpec}, and runs the batch of
 * the plan it names. On stdout, one line each: `go` just before `execute()`, `outcome <json>` for
 * each outcome the batch stream yields (stdout is a pipe, written synchronously on Linux, so a
 * line the parent reads was delivered to the caller before the kill), `report <json>` at the end.
 * A child given `linger` waits after its report to be killed, so that every kill of a first run
 * lands on a live process.
 *
 * Independently of the journal, the tool writes one line per attempt to the spec's `toolLog`
 * (`O_APPEND`, one `write` per line, so a kill never leaves half a line):
 * `<callId> started <attempt> <idempotencyKey>` when the attempt starts, and
 * `<callId> finished <attempt> ok|error` when it returns or throws. An attempt cut off by its
 * timeout logs `<callId> aborted <attempt>`.
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { z } from "zod";
import { createExecutor, defineTool, type Journal, type ToolCall } from "../src/index.js";
import { PostgresJournal, SqliteJournal } from "../src/journal/index.js";

/** The arguments of the trials' one tool: what the attempt does is fixed by the plan. */
export interface WorkArgs {
  /** How long each attempt takes (ms); 0 answers in a microtask. */
  readonly latencyMs: number;
  /** Attempts 1…failAttempts throw; the ones after succeed. */
  readonly failAttempts: number;
  /** The attempt never answers by itself (it waits for its signal): the call times out. */
  readonly hang: boolean;
  /** Returned by a successful attempt, so that a replayed value can be checked. */
  readonly value: number;
}

/** A batch to run, written by the parent once per trial and read by every run of it. */
export interface TrialPlan {
  readonly batchId: string;
  /** The executor's global concurrency. */
  readonly concurrency: number;
  readonly calls: readonly (ToolCall & { readonly id: string; readonly args: WorkArgs })[];
}

/** What one child does, sent on stdin as one line of JSON. */
export interface ChildSpec {
  readonly journal: "sqlite" | "postgres";
  /** The SQLite file, or the Postgres connection string. */
  readonly target: string;
  /** The {@link TrialPlan}'s JSON file. */
  readonly planPath: string;
  /** The file the tool appends its attempts to. */
  readonly toolLog: string;
  /** Wait to be killed after the report instead of exiting. */
  readonly linger: boolean;
  /** The batch id to run under: the plan's, except when the harness tests itself. */
  readonly batchId: string;
}

/** The tool's own policy: calls shorten its timeout and retry less, as the plan says. */
export const WORK_POLICY = Object.freeze({
  timeoutMs: 10_000,
  retry: Object.freeze({ maxAttempts: 3, initialInterval: 1, jitter: false }),
});

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const next = lines[Symbol.asyncIterator]();
  process.stdout.write("ready\n");
  const first = await next.next();
  lines.close();
  if (first.done === true) return; // the parent did not need this spare child
  const spec = JSON.parse(first.value) as ChildSpec;
  const plan = JSON.parse(readFileSync(spec.planPath, "utf8")) as TrialPlan;
  const log = openSync(spec.toolLog, "a");

  const work = defineTool({
    name: "work",
    description: "an attempt whose latency and result the trial's plan fixes",
    schema: z.object({
      latencyMs: z.number().min(0),
      failAttempts: z.number().int().min(0),
      hang: z.boolean(),
      value: z.number(),
    }),
    ...WORK_POLICY,
    run: async ({ latencyMs, failAttempts, hang, value }, ctx) => {
      writeSync(log, `${ctx.callId} started ${ctx.attempt} ${ctx.idempotencyKey}\n`);
      try {
        if (hang) await sleep(3_600_000, ctx.signal);
        else if (latencyMs > 0) await sleep(latencyMs, ctx.signal);
        else await Promise.resolve();
      } catch (error) {
        writeSync(log, `${ctx.callId} aborted ${ctx.attempt}\n`);
        throw error;
      }
      if (ctx.attempt <= failAttempts) {
        writeSync(log, `${ctx.callId} finished ${ctx.attempt} error\n`);
        throw new Error(`planned failure of attempt ${ctx.attempt}`);
      }
      writeSync(log, `${ctx.callId} finished ${ctx.attempt} ok\n`);
      return { value, attempt: ctx.attempt };
    },
  });

  const journal: Journal & { close(): Promise<void> } =
    spec.journal === "sqlite"
      ? new SqliteJournal({ path: spec.target })
      : new PostgresJournal({ connectionString: spec.target });
  const executor = createExecutor({ tools: [work], journal, concurrency: plan.concurrency });
  process.stdout.write("go\n");
  const batch = executor.execute(plan.calls, { batchId: spec.batchId });
  for await (const outcome of batch) process.stdout.write(`outcome ${JSON.stringify(outcome)}\n`);
  const report = await batch;
  process.stdout.write(`report ${JSON.stringify(report.outcomes)}\n`);
  await executor.close();
  await journal.close();
  closeSync(log);
  if (spec.linger) setInterval(() => {}, 60_000);
}

await main();
