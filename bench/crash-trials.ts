/**
 * Crash trials: SIGKILL a process in the middle of a journaled batch, resume the batch in a new
 * process, and check that nothing journaled ran again and nothing was lost.
 *
 * Usage: `npm run crash-trials [-- --trials N] [--journal sqlite|postgres|both] [--seed S]
 * [--quick] [--out file]` (or `npx tsx bench/crash-trials.ts …`). Prints a markdown summary on
 * stdout (progress on stderr) and exits 1 if any trial broke a rule. `--quick` runs 10 trials per
 * journal (what `npm run bench -- --quick` runs); the default is 100.
 *
 * One trial, on one journal:
 * 1. A plan: N calls (20–200) of one tool whose attempts take 0–30 ms, some failing always, some
 *    failing their first attempts and retried, some hanging until their `timeoutMs` (some of those
 *    retried), under a random global concurrency. The plan fixes every attempt's result, so the
 *    outcome each call must end with is known in advance.
 * 2. Run 1: a child (`crash-child.ts`) runs the batch with the journal, and the parent SIGKILLs it
 *    at a random moment: a random time after `execute()`, or as the k-th outcome reaches the
 *    caller (at once, after a `setImmediate`, or 0–3 ms later).
 * 3. The journal is read directly, with SQL, once the child is dead (for Postgres, once its
 *    server sessions are gone too): the calls it holds are the journaled ones.
 * 4. Run 2, a new child, resumes the same batch id on the same journal. In one trial in five it is
 *    killed too, at a random time, and run 3 resumes it. The last run goes to the end.
 * 5. The tool log (one line per attempt start and end, written by the tool, not the journal)
 *    says which calls ran in which run; the last run's report and the journal are compared.
 *
 * What is counted is defined in {@link Tally}; `renderCrashTrials` prints the definitions with
 * the figures.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";
import type BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import {
  postgresMissing,
  startPostgres,
  type PostgresServer,
} from "../tests/helpers/postgres-server.js";
import type { ChildSpec, TrialPlan, WorkArgs } from "./crash-child.js";
import { int, pick, rng } from "./seeded-random.js";

const require = createRequire(import.meta.url);
const CHILD = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The journals' default table, which the children use. */
const TABLE = "volley_journal";

export type JournalName = "sqlite" | "postgres";

/** Options of {@link runCrashTrials}. */
export interface CrashTrialsOptions {
  /** Trials per journal. @default 100 */
  readonly trials?: number;
  /** The journals to try. @default ["sqlite", "postgres"] */
  readonly journals?: readonly JournalName[];
  /**
   * Seed of the trials' randomness: the same seed makes the same plans and kill choices (each
   * journal gets the same ones). @default the clock
   */
  readonly seed?: number;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
  /**
   * For the harness's own test: resume under another batch id, as a resume that forgets its
   * journal would, so that the counters must see calls run again and outcomes lost.
   */
  readonly sabotage?: "fresh-batch-on-resume";
  /** Longest one child may run before the trial counts as a harness failure (ms). @default 60_000 */
  readonly childTimeoutMs?: number;
}

/** The figures of one journal's trials. Every count is summed over its trials. */
export interface Tally {
  readonly journal: JournalName;
  trials: number;
  /** Calls in all the trials' batches. */
  calls: number;
  /** SIGKILLs sent (one per trial, two in the trials whose first resume is killed too). */
  kills: number;
  /** Kills by how their moment was chosen. */
  killModes: Record<KillMode, number>;
  /** Kills by the share of the batch's calls the journal held after the kill. */
  progress: Record<ProgressBucket, number>;
  /** Kills that found at least one attempt started and not yet ended in the tool log. */
  killsMidAttempt: number;
  /**
   * Kills that found at least one call whose last attempt had ended in the tool but whose outcome
   * was not journaled: the window where at-least-once re-running is allowed.
   */
  killsInUnjournaledWindow: number;
  /** Kills that came after the batch's report (the batch had ended; a lingering child died). */
  killsAfterEnd: number;
  /** Outcomes the journal held after the kills, summed over the kills. */
  journaledAtKill: number;
  /**
   * (a) Calls that the journal held when a resume started and that the resume executed again
   * (any attempt of theirs in the resume's tool log). Must be 0.
   */
  reExecutedJournaled: number;
  /**
   * (b) Calls lost: no outcome in the last run's report, or an outcome that differs from the one
   * the journal held when the last run started (deep equality of the stored JSON, `replayed`
   * aside), or not marked `replayed`. Must be 0.
   */
  lost: number;
  /**
   * (c) Report defects: a report that does not hold exactly one outcome per call, in call order
   * with the right indexes; a batch stream that did not yield each call exactly once; an outcome
   * marked `replayed` that the journal did not hold. Must be 0.
   */
  reportDefects: number;
  /**
   * (d) Outcomes a killed run's caller had received (its batch stream yielded them) that the
   * journal did not hold after the kill, or held differently. Must be 0: the journal writes
   * before the caller hears.
   */
  seenNotJournaled: number;
  /**
   * (e) Journal rows that changed or disappeared between one run and the next, and outcomes of
   * the last run's report that the journal does not hold as reported. Must be 0.
   */
  journalDrift: number;
  /** (f) Outcomes that differ from what the plan fixes (status, kind, attempts, value). Must be 0. */
  wrongOutcomes: number;
  /** (g) Calls whose `idempotencyKey` changed from one attempt or run to another. Must be 0. */
  keyChanges: number;
  /**
   * Allowed: calls a resume ran again because their last attempt had ended in an earlier run
   * but the kill came before their outcome was journaled (at-least-once for unjournaled work).
   */
  reRunUnjournaled: number;
  /** Allowed: calls a resume ran again that an earlier run had started but not ended. */
  reRunInterrupted: number;
  /** Calls whose first attempt ever was in a resume. */
  firstRunOnResume: number;
  /**
   * Postgres: rows committed after the killed client's process had exited (its last statement was
   * already on the server). The trials read the journal only once those sessions are gone.
   */
  lateCommits: number;
  /** Process warnings and other stderr lines of the children. */
  childStderrLines: number;
  /** Trials that could not be judged: a child failed, hung or exited on its own. */
  harnessFailures: number;
  /** What broke a rule, one line each (the first 20). */
  readonly problems: string[];
  /** Wall time of this journal's trials (ms). */
  wallMs: number;
  /** Each trial's wall time (ms). */
  readonly trialMs: number[];
}

/** How a kill's moment was chosen. */
export type KillMode =
  | "random time after execute()"
  | "k-th outcome, at once"
  | "k-th outcome, after setImmediate"
  | "k-th outcome, 0–3 ms later"
  | "second kill (the first resume), random time";

const KILL_MODES: readonly KillMode[] = [
  "random time after execute()",
  "k-th outcome, at once",
  "k-th outcome, after setImmediate",
  "k-th outcome, 0–3 ms later",
  "second kill (the first resume), random time",
];

export type ProgressBucket = "0 %" | "1–25 %" | "26–50 %" | "51–75 %" | "76–99 %" | "100 %";
const BUCKETS: readonly ProgressBucket[] = [
  "0 %",
  "1–25 %",
  "26–50 %",
  "51–75 %",
  "76–99 %",
  "100 %",
];

/** The result of {@link runCrashTrials}. */
export interface CrashTrialsResult {
  readonly seed: number;
  readonly trialsPerJournal: number;
  readonly tallies: readonly Tally[];
  /** Journals asked for but not run, with the reason (no Postgres here). */
  readonly skipped: readonly { readonly journal: JournalName; readonly reason: string }[];
  readonly wallMs: number;
  /** The machine: cores, and the load average before and after the trials. */
  readonly machine: {
    readonly cores: number;
    readonly loadBefore: string;
    readonly loadAfter: string;
  };
}

/** True when every rule held in every trial (the allowed re-runs aside). */
export function crashTrialsPassed(result: CrashTrialsResult): boolean {
  return result.tallies.every(
    (t) =>
      t.reExecutedJournaled === 0 &&
      t.lost === 0 &&
      t.reportDefects === 0 &&
      t.seenNotJournaled === 0 &&
      t.journalDrift === 0 &&
      t.wrongOutcomes === 0 &&
      t.keyChanges === 0 &&
      t.harnessFailures === 0,
  );
}

// ─── randomness and plans ───────────────────────────────────────────────────

type PlannedCall = TrialPlan["calls"][number];

/** What a call must end with, given its plan. */
interface Expected {
  readonly status: "ok" | "error";
  readonly kind?: "tool_error" | "timeout";
  readonly attempts: number;
  readonly value?: { readonly value: number; readonly attempt: number };
}

function maxAttemptsOf(call: PlannedCall): number {
  return call.retry === undefined || call.retry === false ? 1 : (call.retry.maxAttempts ?? 1);
}

export function expectedOutcome(call: PlannedCall): Expected {
  const max = maxAttemptsOf(call);
  const args: WorkArgs = call.args;
  if (args.hang) return { status: "error", kind: "timeout", attempts: max };
  if (args.failAttempts >= max) return { status: "error", kind: "tool_error", attempts: max };
  const attempt = args.failAttempts + 1;
  return { status: "ok", attempts: attempt, value: { value: args.value, attempt } };
}

/** A random batch: N calls, most quick, some failing, retried or timing out. */
export function makePlan(random: () => number, batchId: string): TrialPlan {
  const n = int(random, 20, 200);
  const calls: PlannedCall[] = [];
  for (let i = 0; i < n; i++) {
    const roll = random();
    const value = int(random, 0, 1_000_000);
    const id = `call_${i}`;
    const retry = (maxAttempts: number) => ({
      maxAttempts,
      initialInterval: int(random, 1, 12),
      jitter: false,
    });
    if (roll < 0.55) {
      const latencyMs = random() < 0.15 ? 0 : int(random, 1, 30);
      const args = { latencyMs, failAttempts: 0, hang: false, value };
      calls.push({ id, name: "work", args, retry: false });
    } else if (roll < 0.7) {
      // Flaky: fails its first one or two attempts, then succeeds on the retry.
      const failAttempts = int(random, 1, 2);
      const args = { latencyMs: int(random, 0, 20), failAttempts, hang: false, value };
      calls.push({ id, name: "work", args, retry: retry(failAttempts + 1) });
    } else if (roll < 0.82) {
      // Fails every attempt: a `tool_error` outcome, which is journaled and replayed like any.
      const args = { latencyMs: int(random, 0, 20), failAttempts: 99, hang: false, value };
      calls.push({ id, name: "work", args, retry: random() < 0.5 ? false : retry(2) });
    } else {
      // Hangs until its own short timeout, perhaps twice.
      const args = { latencyMs: 0, failAttempts: 0, hang: true, value };
      calls.push({
        id,
        name: "work",
        args,
        timeoutMs: int(random, 15, 60),
        retry: random() < 0.5 ? false : retry(2),
      });
    }
  }
  return { batchId, concurrency: pick(random, [4, 8, 16, 32, 64]), calls };
}

/** A rough makespan of the plan (ms), to spread time kills over the batch's life. */
function estimateMs(plan: TrialPlan): number {
  let longest = 0;
  let total = 0;
  for (const call of plan.calls) {
    const attempts = expectedOutcome(call).attempts;
    const each = call.args.hang ? (call.timeoutMs ?? 0) : call.args.latencyMs;
    const interval =
      call.retry === undefined || call.retry === false ? 0 : (call.retry.initialInterval ?? 0);
    let ms = each * attempts;
    for (let j = 1; j < attempts; j++) ms += interval * 2 ** (j - 1);
    longest = Math.max(longest, ms);
    total += ms;
  }
  return Math.max(longest, total / plan.concurrency) + 20;
}

// ─── children ───────────────────────────────────────────────────────────────

interface Spawned {
  readonly process: ChildProcess;
  readonly ready: Promise<void>;
  /** Every stdout line so far; `onLine` sees each as it comes. */
  readonly lines: string[];
  onLine: ((line: string) => void) | undefined;
  stderr: string;
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnChild(): Spawned {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => {}); // a spare nobody took may die unawaited; take() still sees it
  const spawned: Spawned = {
    process: child,
    ready,
    lines: [],
    onLine: undefined,
    stderr: "",
    closed: new Promise((resolve) =>
      child.once("close", (code, signal) => resolve({ code, signal })),
    ),
  };
  let buffered = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    for (const line of parts) {
      spawned.lines.push(line);
      if (line === "ready") markReady();
      spawned.onLine?.(line);
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (spawned.stderr += chunk));
  void spawned.closed.then(() =>
    failReady(new Error(`crash child exited before it was ready:\n${spawned.stderr}`)),
  );
  // A child that starts failing (the spare, say) must not take the parent down with EPIPE.
  child.stdin!.on("error", () => {});
  return spawned;
}

/**
 * Keeps one child loaded ahead, so that a trial's runs do not wait for tsx to load the library:
 * the next child loads while the current one runs.
 */
class ChildPool {
  #spare: Spawned | undefined;
  readonly #all = new Set<Spawned>();

  async take(): Promise<Spawned> {
    const child = this.#spare ?? this.#spawn();
    this.#spare = this.#spawn();
    await child.ready;
    return child;
  }

  #spawn(): Spawned {
    const child = spawnChild();
    this.#all.add(child);
    void child.closed.then(() => this.#all.delete(child));
    return child;
  }

  /** Lets the spare go (its stdin ends, so it exits) and kills any child still running. */
  async close(): Promise<void> {
    this.#spare?.process.stdin!.end();
    this.#spare = undefined;
    for (const child of [...this.#all]) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        setTimeout(() => child.process.kill("SIGKILL"), 5_000).unref();
      }
      await child.closed;
    }
  }
}

/** How (and whether) a run is killed. */
type KillPlan =
  | { readonly mode: "time"; readonly afterMs: number }
  | {
      readonly mode: "outcome";
      readonly k: number;
      readonly delay: "sync" | "immediate" | "timer";
      readonly ms: number;
    };

interface RunResult {
  readonly killed: boolean;
  /** The run's batch had sent its report before the kill. */
  readonly ended: boolean;
  readonly outcomes: Record<string, unknown>[];
  readonly report: Record<string, unknown>[] | undefined;
  readonly stderr: string;
  readonly failure: string | undefined;
}

async function runChild(
  pool: ChildPool,
  spec: ChildSpec,
  kill: KillPlan | undefined,
  timeoutMs: number,
): Promise<RunResult> {
  const child = await pool.take();
  const outcomes: Record<string, unknown>[] = [];
  let report: Record<string, unknown>[] | undefined;
  let killed = false;
  let endedBeforeKill = false;
  const doKill = (): void => {
    if (killed) return;
    killed = true;
    endedBeforeKill = report !== undefined;
    child.process.kill("SIGKILL");
  };
  let timer: NodeJS.Timeout | undefined;
  child.onLine = (line) => {
    if (line === "go") {
      if (kill?.mode === "time") timer = setTimeout(doKill, kill.afterMs);
    } else if (line.startsWith("outcome ")) {
      outcomes.push(JSON.parse(line.slice("outcome ".length)) as Record<string, unknown>);
      if (kill?.mode === "outcome" && outcomes.length === kill.k) {
        if (kill.delay === "sync") doKill();
        else if (kill.delay === "immediate") setImmediate(doKill);
        else timer = setTimeout(doKill, kill.ms);
      }
    } else if (line.startsWith("report ")) {
      report = JSON.parse(line.slice("report ".length)) as Record<string, unknown>[];
    }
  };
  // Lines that came before onLine was set ("ready" only) need no handling.
  child.process.stdin!.end(`${JSON.stringify(spec)}\n`);
  let hung = false;
  const watchdog = setTimeout(() => {
    hung = true;
    child.process.kill("SIGKILL");
  }, timeoutMs);
  const exit = await child.closed;
  clearTimeout(watchdog);
  if (timer !== undefined) clearTimeout(timer);
  let failure: string | undefined;
  if (hung) failure = `the run hung for ${timeoutMs} ms`;
  else if (kill !== undefined) {
    if (exit.signal !== "SIGKILL" || !killed) {
      failure = `the run to kill exited by itself, with ${exit.code ?? exit.signal}`;
    }
  } else if (exit.code !== 0 || report === undefined) {
    const how = report === undefined ? ", without a report" : "";
    failure = `the last run exited with ${exit.code ?? exit.signal}${how}`;
  }
  if (failure !== undefined)
    failure += `\n${child.stderr.trim().split("\n").slice(-10).join("\n")}`;
  return { killed, ended: endedBeforeKill, outcomes, report, stderr: child.stderr, failure };
}

// ─── reading the journal and the tool log ───────────────────────────────────

/** A journal's rows for one batch: call id → the outcome as stored (parsed JSON). */
type Rows = Map<string, unknown>;

interface JournalProbe {
  /** The target a child gets (file path, connection string) for a trial. */
  target(trial: number, run: number): string;
  /** The rows after a run's child died; `late` counts rows that landed after it had exited. */
  read(trial: number, run: number, batchId: string): Promise<{ rows: Rows; late: number }>;
  close(): Promise<void>;
}

function parseRows(rows: Iterable<{ call_id: string; outcome: string }>): Rows {
  const map: Rows = new Map();
  for (const row of rows) map.set(row.call_id, JSON.parse(row.outcome));
  return map;
}

/** One SQLite file per trial, in a temp folder; read from a copy, so the resume finds the crash as it was. */
function sqliteProbe(dir: string): JournalProbe {
  const Database = require("better-sqlite3") as typeof BetterSqlite3;
  const file = (trial: number) => path.join(dir, `trial-${trial}.db`);
  return {
    target: (trial) => file(trial),
    async read(trial, _run, batchId) {
      const source = file(trial);
      const copy = path.join(dir, `snapshot.db`);
      for (const suffix of ["", "-wal", "-shm"]) {
        rmSync(copy + suffix, { force: true });
        if (existsSync(source + suffix)) copyFileSync(source + suffix, copy + suffix);
      }
      if (!existsSync(copy)) return { rows: new Map(), late: 0 };
      const db = new Database(copy);
      try {
        const exists = db
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
          .get(TABLE);
        if (exists === undefined) return { rows: new Map(), late: 0 };
        const rows = db
          .prepare<[string], { call_id: string; outcome: string }>(
            `SELECT call_id, outcome FROM "${TABLE}" WHERE batch_id = ?`,
          )
          .all(batchId);
        return { rows: parseRows(rows), late: 0 };
      } finally {
        db.close();
        for (const suffix of ["", "-wal", "-shm"]) rmSync(copy + suffix, { force: true });
      }
    },
    async close() {},
  };
}

/**
 * A fresh database on the server for this set of trials, one batch id per trial. Each run's
 * sessions carry an `application_name`, so that the probe can wait for a killed child's
 * sessions to end before it reads.
 */
async function postgresProbe(server: PostgresServer): Promise<JournalProbe> {
  const database = `volley_crash_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = new URL(server.connectionString);
  url.pathname = `/${database}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on("error", () => {});
  const app = (trial: number, run: number) => `crash-${trial}-${run}`;
  const select = async (batchId: string): Promise<Rows> => {
    try {
      const result = await pool.query<{ call_id: string; outcome: string }>(
        `SELECT call_id, outcome::text AS outcome FROM "${TABLE}" WHERE batch_id = $1`,
        [batchId],
      );
      return parseRows(result.rows);
    } catch (error) {
      if ((error as { code?: unknown }).code === "42P01") return new Map(); // no table yet
      throw error;
    }
  };
  return {
    target(trial, run) {
      const target = new URL(url);
      target.searchParams.set("application_name", app(trial, run));
      return target.toString();
    },
    async read(trial, run, batchId) {
      const early = await select(batchId);
      const deadline = Date.now() + 15_000;
      for (;;) {
        const { rows } = await pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1",
          [app(trial, run)],
        );
        if (rows[0]?.n === "0") break;
        if (Date.now() > deadline)
          throw new Error(`the killed child's sessions did not end in 15 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const settled = await select(batchId);
      let late = 0;
      for (const id of settled.keys()) if (!early.has(id)) late++;
      return { rows: settled, late };
    },
    async close() {
      await pool.end();
    },
  };
}

interface CallLog {
  /** Attempts started, in log order. */
  readonly started: number[];
  /** Attempts that returned or threw (not aborted). */
  readonly finished: Set<number>;
  readonly aborted: Set<number>;
  readonly keys: Set<string>;
}

function readToolLog(file: string): Map<string, CallLog> {
  const calls = new Map<string, CallLog>();
  if (!existsSync(file)) return calls;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    const [id, event, attempt, key] = line.split(" ");
    if (id === undefined || attempt === undefined) continue;
    let log = calls.get(id);
    if (log === undefined) {
      log = { started: [], finished: new Set(), aborted: new Set(), keys: new Set() };
      calls.set(id, log);
    }
    const n = Number(attempt);
    if (event === "started") {
      log.started.push(n);
      if (key !== undefined) log.keys.add(key);
    } else if (event === "finished") log.finished.add(n);
    else if (event === "aborted") log.aborted.add(n);
  }
  return calls;
}

/** The call's last planned attempt ended in the tool during this run (its outcome was decided). */
function workEnded(log: CallLog | undefined, call: PlannedCall): boolean {
  if (log === undefined) return false;
  const last = expectedOutcome(call).attempts;
  return log.finished.has(last) || log.aborted.has(last);
}

/** Some attempt of the call started and had not ended when the run died. */
function midAttempt(log: CallLog | undefined): boolean {
  if (log === undefined) return false;
  return log.started.some((a) => !log.finished.has(a) && !log.aborted.has(a));
}

function withoutReplayed(outcome: Record<string, unknown>): Record<string, unknown> {
  const { replayed: _replayed, ...rest } = outcome;
  return rest;
}

function bucket(share: number): ProgressBucket {
  if (share === 0) return "0 %";
  if (share >= 1) return "100 %";
  if (share <= 0.25) return "1–25 %";
  if (share <= 0.5) return "26–50 %";
  if (share <= 0.75) return "51–75 %";
  return "76–99 %";
}

// ─── one trial ──────────────────────────────────────────────────────────────

function newTally(journal: JournalName): Tally {
  return {
    journal,
    trials: 0,
    calls: 0,
    kills: 0,
    killModes: Object.fromEntries(KILL_MODES.map((m) => [m, 0])) as Record<KillMode, number>,
    progress: Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Record<ProgressBucket, number>,
    killsMidAttempt: 0,
    killsInUnjournaledWindow: 0,
    killsAfterEnd: 0,
    journaledAtKill: 0,
    reExecutedJournaled: 0,
    lost: 0,
    reportDefects: 0,
    seenNotJournaled: 0,
    journalDrift: 0,
    wrongOutcomes: 0,
    keyChanges: 0,
    reRunUnjournaled: 0,
    reRunInterrupted: 0,
    firstRunOnResume: 0,
    lateCommits: 0,
    childStderrLines: 0,
    harnessFailures: 0,
    problems: [],
    wallMs: 0,
    trialMs: [],
  };
}

function problem(tally: Tally, trial: number, seed: number, text: string): void {
  if (tally.problems.length < 20) tally.problems.push(`trial ${trial} (seed ${seed}): ${text}`);
}

function checkExpected(outcome: Record<string, unknown>, expected: Expected): string | undefined {
  if (outcome["status"] !== expected.status)
    return `status ${String(outcome["status"])}, planned ${expected.status}`;
  if (outcome["attempts"] !== expected.attempts)
    return `${String(outcome["attempts"])} attempts, planned ${expected.attempts}`;
  if (expected.status === "ok" && !isDeepStrictEqual(outcome["value"], expected.value)) {
    return `value ${JSON.stringify(outcome["value"])}, planned ${JSON.stringify(expected.value)}`;
  }
  const kind = (outcome["error"] as { kind?: unknown } | undefined)?.kind;
  if (expected.status === "error" && kind !== expected.kind)
    return `kind ${String(kind)}, planned ${expected.kind}`;
  return undefined;
}

async function runTrial(
  tally: Tally,
  probe: JournalProbe,
  pool: ChildPool,
  dir: string,
  trial: number,
  seed: number,
  settings: Pick<CrashTrialsOptions, "sabotage"> & { readonly childTimeoutMs: number },
): Promise<void> {
  const random = rng(seed);
  const plan = makePlan(random, `trial-${trial}-${seed}`);
  const planPath = path.join(dir, `plan-${trial}.json`);
  writeFileSync(planPath, JSON.stringify(plan));
  const estimate = estimateMs(plan);
  const n = plan.calls.length;
  const byId = new Map(plan.calls.map((c) => [c.id, c]));

  // The kill of the first run, and whether the first resume is killed too.
  const kills: { plan: KillPlan; mode: KillMode }[] = [];
  if (random() < 0.5) {
    kills.push({
      plan: { mode: "time", afterMs: random() * estimate },
      mode: "random time after execute()",
    });
  } else {
    const delay = pick(random, ["sync", "immediate", "timer"] as const);
    const mode: KillMode =
      delay === "sync"
        ? "k-th outcome, at once"
        : delay === "immediate"
          ? "k-th outcome, after setImmediate"
          : "k-th outcome, 0–3 ms later";
    kills.push({ plan: { mode: "outcome", k: int(random, 1, n), delay, ms: random() * 3 }, mode });
  }
  if (random() < 0.2) {
    kills.push({
      plan: { mode: "time", afterMs: random() * estimate },
      mode: "second kill (the first resume), random time",
    });
  }

  tally.trials++;
  tally.calls += n;
  const logs: Map<string, CallLog>[] = [];
  let journaled: Rows = new Map(); // what the journal held when the current run started
  const keys = new Map<string, string>();
  for (let run = 1; run <= kills.length + 1; run++) {
    const kill = kills[run - 1];
    const toolLog = path.join(dir, `tool-${trial}-${run}.log`);
    const spec: ChildSpec = {
      journal: tally.journal,
      target: probe.target(trial, run),
      planPath,
      toolLog,
      linger: kill !== undefined,
      batchId:
        run > 1 && settings.sabotage === "fresh-batch-on-resume"
          ? `${plan.batchId}-forgotten-${run}`
          : plan.batchId,
    };
    const result = await runChild(pool, spec, kill?.plan, settings.childTimeoutMs);
    const stderrLines = result.stderr.split("\n").filter((l) => l.trim() !== "");
    tally.childStderrLines += stderrLines.length;
    if (result.failure !== undefined) {
      tally.harnessFailures++;
      problem(tally, trial, seed, `run ${run}: ${result.failure}`);
      return;
    }
    const { rows, late } = await probe.read(trial, run, plan.batchId);
    tally.lateCommits += late;
    const log = readToolLog(toolLog);
    logs.push(log);

    for (const [id, callLog] of log) {
      for (const key of callLog.keys) {
        const first = keys.get(id);
        if (first === undefined) keys.set(id, key);
        else if (first !== key) {
          tally.keyChanges++;
          problem(tally, trial, seed, `${id}: idempotency key ${key} after ${first}`);
        }
      }
    }

    // (a) and the allowed re-runs: what this run executed, against what it found journaled.
    if (run > 1) {
      for (const id of log.keys()) {
        if (journaled.has(id)) {
          tally.reExecutedJournaled++;
          problem(tally, trial, seed, `run ${run} executed ${id} again, which the journal held`);
        } else if (logs.slice(0, -1).some((l) => workEnded(l.get(id), byId.get(id)!))) {
          tally.reRunUnjournaled++;
        } else if (logs.slice(0, -1).some((l) => l.has(id))) {
          tally.reRunInterrupted++;
        } else {
          tally.firstRunOnResume++;
        }
      }
    }

    // (e) Journal rows never change once written.
    for (const [id, stored] of journaled) {
      if (!rows.has(id) || !isDeepStrictEqual(rows.get(id), stored)) {
        tally.journalDrift++;
        problem(tally, trial, seed, `the journal's row for ${id} changed or went in run ${run}`);
      }
    }

    if (kill !== undefined) {
      tally.kills++;
      tally.killModes[kill.mode]++;
      tally.journaledAtKill += rows.size;
      tally.progress[bucket(rows.size / n)]++;
      if (result.ended) tally.killsAfterEnd++;
      if (plan.calls.some((c) => midAttempt(log.get(c.id)))) tally.killsMidAttempt++;
      if (plan.calls.some((c) => !rows.has(c.id) && workEnded(log.get(c.id), c))) {
        tally.killsInUnjournaledWindow++;
      }
      // (d) What the caller received before the kill is in the journal, as received.
      for (const seen of result.outcomes) {
        const id = String(seen["id"]);
        if (seen["replayed"] === true) continue; // replayed from an earlier run's rows
        if (!rows.has(id) || !isDeepStrictEqual(rows.get(id), withoutReplayed(seen))) {
          tally.seenNotJournaled++;
          problem(
            tally,
            trial,
            seed,
            `run ${run}'s caller received ${id}, which the journal did not hold as received`,
          );
        }
      }
      journaled = rows;
      continue;
    }

    // The last run: its report against the journal it started from, the plan and the stream.
    const report = result.report!;
    if (report.length !== n) {
      tally.reportDefects++;
      problem(tally, trial, seed, `the report holds ${report.length} outcomes for ${n} calls`);
    }
    const streamed = new Map<string, number>();
    for (const o of result.outcomes)
      streamed.set(String(o["id"]), (streamed.get(String(o["id"])) ?? 0) + 1);
    for (let i = 0; i < n; i++) {
      const call = plan.calls[i]!;
      const outcome = report.find((o) => o["id"] === call.id);
      if (streamed.get(call.id) !== 1) {
        tally.reportDefects++;
        problem(
          tally,
          trial,
          seed,
          `the stream yielded ${call.id} ${streamed.get(call.id) ?? 0} times`,
        );
      }
      if (outcome === undefined) {
        tally.lost++;
        problem(tally, trial, seed, `${call.id} has no outcome in the report`);
        continue;
      }
      if (report[i] !== outcome || outcome["index"] !== i) {
        tally.reportDefects++;
        problem(tally, trial, seed, `${call.id} is not at index ${i} of the report`);
      }
      const stored = journaled.get(call.id);
      if (stored !== undefined) {
        if (outcome["replayed"] !== true || !isDeepStrictEqual(withoutReplayed(outcome), stored)) {
          tally.lost++;
          problem(tally, trial, seed, `${call.id}: the report's outcome is not the journaled one`);
        }
      } else if (outcome["replayed"] === true) {
        tally.reportDefects++;
        problem(
          tally,
          trial,
          seed,
          `${call.id} is marked replayed, but the journal did not hold it`,
        );
      }
      const wrong = checkExpected(outcome, expectedOutcome(call));
      if (wrong !== undefined) {
        tally.wrongOutcomes++;
        problem(tally, trial, seed, `${call.id}: ${wrong}`);
      }
      const final = rows.get(call.id);
      if (final === undefined || !isDeepStrictEqual(final, withoutReplayed(outcome))) {
        tally.journalDrift++;
        problem(tally, trial, seed, `${call.id}: the journal does not hold the reported outcome`);
      }
    }
  }
}

// ─── all the trials ─────────────────────────────────────────────────────────

const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");

/** Runs the trials on each journal in turn. Throws only if a journal cannot be set up. */
export async function runCrashTrials(options: CrashTrialsOptions = {}): Promise<CrashTrialsResult> {
  const trials = options.trials ?? 100;
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const log = options.log ?? (() => {});
  const childTimeoutMs = options.childTimeoutMs ?? 60_000;
  const journals = options.journals ?? ["sqlite", "postgres"];
  const started = performance.now();
  const loadBefore = loadAverage();
  const tallies: Tally[] = [];
  const skipped: { journal: JournalName; reason: string }[] = [];
  const pool = new ChildPool();
  try {
    for (const journal of journals) {
      let server: PostgresServer | undefined;
      if (journal === "postgres") {
        const missing = postgresMissing();
        if (missing !== undefined && process.env["CI"] !== "true") {
          skipped.push({ journal, reason: missing });
          log(`postgres: skipped (${missing})`);
          continue;
        }
        server = await startPostgres(); // with CI=true and no Postgres, this throws
      }
      const dir = mkdtempSync(path.join(os.tmpdir(), `volley-crash-${journal}-`));
      const probe = server === undefined ? sqliteProbe(dir) : await postgresProbe(server);
      const tally = newTally(journal);
      const t0 = performance.now();
      try {
        for (let i = 0; i < trials; i++) {
          const trialStart = performance.now();
          await runTrial(tally, probe, pool, dir, i, (seed + i * 7919) >>> 0, {
            childTimeoutMs,
            sabotage: options.sabotage,
          });
          tally.trialMs.push(performance.now() - trialStart);
          if ((i + 1) % 10 === 0 || i + 1 === trials) {
            log(
              `${journal}: ${i + 1}/${trials} trials, ${tally.kills} kills, ` +
                `${tally.reExecutedJournaled} re-executed, ${tally.lost} lost (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
            );
          }
        }
      } finally {
        tally.wallMs = performance.now() - t0;
        await probe.close();
        await server?.stop();
        rmSync(dir, { recursive: true, force: true });
      }
      tallies.push(tally);
    }
  } finally {
    await pool.close();
  }
  return {
    seed,
    trialsPerJournal: trials,
    tallies,
    skipped,
    wallMs: performance.now() - started,
    machine: { cores: os.cpus().length, loadBefore, loadAfter: loadAverage() },
  };
}

// ─── the summary ────────────────────────────────────────────────────────────

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

/** The summary's title (`--out` files start with it; the bench gives its own heading). */
export const CRASH_TRIALS_TITLE = "Crash trials: SIGKILL mid-batch, then resume";

/** The markdown summary: the figures, the kill points, and what each figure counts. */
export function renderCrashTrials(result: CrashTrialsResult): string {
  const t = result.tallies;
  const col = (f: (x: Tally) => string | number): string => t.map((x) => ` ${f(x)} |`).join("");
  const row = (label: string, f: (x: Tally) => string | number): string => `| ${label} |${col(f)}`;
  const verdict = crashTrialsPassed(result)
    ? "**every rule held**"
    : "**RULES BROKEN** (see below)";
  const lines = [
    `${result.trialsPerJournal} trials per journal, seed ${result.seed} ` +
      `(\`npm run crash-trials -- --trials ${result.trialsPerJournal} --seed ${result.seed}${t.length === 1 ? ` --journal ${t[0]!.journal}` : ""}\` ` +
      `makes the same plans and kill choices; the moments themselves are real time): ${verdict}.`,
    "",
    `${result.machine.cores} cores, load average ${result.machine.loadBefore} before and ` +
      `${result.machine.loadAfter} after; ${(result.wallMs / 1000).toFixed(1)} s in all.`,
    "",
    `| | ${t.map((x) => (x.journal === "sqlite" ? "SQLite (temp file)" : "Postgres (local server)")).join(" | ")} |`,
    `|---|${t.map(() => "---:|").join("")}`,
    row("trials", (x) => x.trials),
    row("calls in their batches", (x) => x.calls.toLocaleString("en-US")),
    row("SIGKILLs", (x) => x.kills),
    row("outcomes journaled at the kills", (x) => x.journaledAtKill.toLocaleString("en-US")),
    row("**(a) journaled calls executed again**", (x) => `**${x.reExecutedJournaled}**`),
    row("**(b) calls lost**", (x) => `**${x.lost}**`),
    row("(c) report defects (not one outcome per call)", (x) => x.reportDefects),
    row("(d) outcomes the caller saw before a kill, not journaled", (x) => x.seenNotJournaled),
    row("(e) journal rows changed, or not as reported", (x) => x.journalDrift),
    row("(f) outcomes other than planned", (x) => x.wrongOutcomes),
    row("(g) idempotency keys changed", (x) => x.keyChanges),
    row("allowed: re-run, ended in the tool but not journaled", (x) =>
      x.reRunUnjournaled.toLocaleString("en-US"),
    ),
    row("allowed: re-run, interrupted mid-attempt", (x) =>
      x.reRunInterrupted.toLocaleString("en-US"),
    ),
    row("first attempt in a resume", (x) => x.firstRunOnResume.toLocaleString("en-US")),
    row("Postgres rows committed after the client died", (x) =>
      x.journal === "postgres" ? x.lateCommits : "–",
    ),
    row("children's stderr lines (warnings)", (x) => x.childStderrLines),
    row("harness failures", (x) => x.harnessFailures),
    row("wall time", (x) => `${(x.wallMs / 1000).toFixed(1)} s`),
    row("median trial", (x) => `${(median(x.trialMs) / 1000).toFixed(2)} s`),
    "",
    "## Kill points",
    "",
    `| | ${t.map((x) => x.journal).join(" | ")} |`,
    `|---|${t.map(() => "---:|").join("")}`,
    ...KILL_MODES.map((m) => row(m, (x) => x.killModes[m])),
    ...BUCKETS.map((b) => row(`journal held ${b} of the batch`, (x) => x.progress[b])),
    row("an attempt was running", (x) => x.killsMidAttempt),
    row("a call had ended in the tool, unjournaled", (x) => x.killsInUnjournaledWindow),
    row("after the batch's report (a lingering child)", (x) => x.killsAfterEnd),
  ];
  for (const s of result.skipped) lines.push("", `_${s.journal}: not run here (${s.reason})._`);
  const problems = t.flatMap((x) => x.problems.map((p) => `- ${x.journal}: ${p}`));
  if (problems.length > 0) lines.push("", "## Problems", "", ...problems);
  lines.push(
    "",
    "## What a trial does, and what is counted",
    "",
    "A child process runs a batch of 20–200 calls of one tool through an executor with the journal. " +
      "Attempts take 0–30 ms; some calls fail every attempt (`tool_error`), some fail their first " +
      "one or two and are retried, some hang until their own 15–60 ms `timeoutMs` (some retried once); " +
      "the global concurrency is 4 to 64. The plan fixes every attempt's result, so each call's " +
      "final outcome is known in advance. The tool appends `started`/`finished`/`aborted` lines for " +
      "each attempt to a log of its own (one `write` with `O_APPEND` per line), independently of the journal. " +
      "The parent SIGKILLs the child at a random moment, reads the journal with SQL (a copy of the " +
      "SQLite files, so that the resume meets the crash as it was; for Postgres, once the dead " +
      "child's sessions have ended), then starts a new child on the same batch id and journal. " +
      "In one trial in five the first resume is killed too, and a third child finishes.",
    "",
    "A call is *journaled* at a kill when the journal held its row after that kill. Re-running a " +
      "call whose tool had finished but whose outcome was not journaled yet is allowed (at-least-once " +
      "for unjournaled work); the journaled outcomes must be delivered exactly once, unchanged.",
    "",
    "- **(a)** a call the journal held when a resume started, with any attempt in that resume's tool log;",
    "- **(b)** a call with no outcome in the last run's report, or whose reported outcome is not marked " +
      "`replayed` or differs from the journaled row (deep equality of the stored JSON);",
    "- **(c)** a report without exactly one outcome per call in call order, or a stream that did not " +
      "yield every call once, or an outcome marked `replayed` that the journal did not hold;",
    "- **(d)** an outcome a killed run's batch stream had yielded that the journal did not hold after " +
      "the kill (the journal must write before the caller hears);",
    "- **(e)** a row that changed between runs, or a final row unlike the reported outcome;",
    "- **(f)** an outcome whose status, error kind, attempts or value differ from the plan;",
    "- **(g)** a call whose `ctx.idempotencyKey` differed between attempts or runs.",
  );
  return lines.join("\n");
}

// ─── command line ───────────────────────────────────────────────────────────

interface Cli {
  readonly trials: number;
  readonly journals: readonly JournalName[];
  readonly seed: number | undefined;
  readonly out: string | undefined;
}

export function parseCrashTrialsArgs(argv: readonly string[]): Cli {
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    const v = argv[at + 1];
    if (v === undefined || v.startsWith("--"))
      throw new TypeError(`Expected a value after ${flag}`);
    return v;
  };
  const known = new Set(["--trials", "--journal", "--seed", "--out", "--quick"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!known.has(arg)) throw new TypeError(`Unknown argument ${JSON.stringify(arg)}`);
    if (arg !== "--quick") i++;
  }
  const trialsText = value("--trials");
  const trials =
    trialsText === undefined ? (argv.includes("--quick") ? 10 : 100) : Number(trialsText);
  if (!Number.isInteger(trials) || trials < 1) {
    throw new TypeError(`Expected --trials to be a positive integer, got ${trialsText}`);
  }
  const journal = value("--journal") ?? "both";
  if (journal !== "sqlite" && journal !== "postgres" && journal !== "both") {
    throw new TypeError(`Expected --journal to be sqlite, postgres or both, got ${journal}`);
  }
  const seedText = value("--seed");
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) {
    throw new TypeError(`Expected --seed to be a non-negative integer, got ${seedText}`);
  }
  return {
    trials,
    journals: journal === "both" ? ["sqlite", "postgres"] : [journal],
    seed,
    out: value("--out"),
  };
}

async function main(): Promise<number> {
  let cli: Cli;
  try {
    cli = parseCrashTrialsArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (cli.journals.includes("postgres")) {
    const missing = postgresMissing();
    if (missing !== undefined && process.env["CI"] === "true") {
      log(`crash trials: CI=true and no Postgres here, which is a failure: ${missing}`);
      return 1;
    }
    if (missing !== undefined) log(`crash trials: no Postgres here, so SQLite only (${missing})`);
  }
  const result = await runCrashTrials({
    trials: cli.trials,
    journals: cli.journals,
    ...(cli.seed === undefined ? {} : { seed: cli.seed }),
    log,
  });
  const markdown = renderCrashTrials(result);
  process.stdout.write(`${markdown}\n`);
  if (cli.out !== undefined) {
    writeFileSync(cli.out, `# ${CRASH_TRIALS_TITLE}\n\n${markdown}\n`);
    log(`wrote ${cli.out}`);
  }
  return crashTrialsPassed(result) ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
