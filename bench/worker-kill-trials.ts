/**
 * Worker-kill trials: SIGKILL `volley/bullmq` worker processes in the middle of a caller's batch
 * and check that every call still gets exactly one outcome, that no call that is not idempotent
 * runs twice, and that each outcome is the one the plan and the kill allow.
 *
 * Usage: `npx tsx bench/worker-kill-trials.ts [--trials N] [--seed S] [--quick]`. Prints a
 * markdown summary on stdout (progress on stderr) and exits 1 if any trial broke a rule.
 * `--quick` runs 10 trials; the default is 100.
 *
 * One Redis (`redis-server` on a free loopback port) serves the run. One trial:
 * 1. A plan: 20–120 calls of two tools, `safe_work` (idempotent, retried up to 3 attempts) and
 *    `plain_work` (not idempotent, not retried), taking 0–200 ms each; some fail by plan.
 * 2. 2–3 worker processes (`worker-kill-child.ts`, kept from trial to trial) start a worker on
 *    the trial's own cluster name; the caller, in this process, runs the batch with
 *    `bullmqBackend()` and a 60 s deadline.
 * 3. At a random moment (a random time after `execute()`, or as the k-th attempt starts, as the
 *    tool log shows) one worker is SIGKILLed; in one trial in three a second one too, 0.2–1.5 s
 *    later. A loaded spare process takes each killed one's place.
 * 4. The tool log (written by the tools themselves, in the workers) says which attempt ran
 *    where; the report is checked against it and the plan.
 *
 * What is counted is defined in {@link WorkerKillTally}; {@link renderWorkerKillTrials} prints
 * the definitions with the figures.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createExecutor, type Outcome, type ToolCall } from "../src/index.js";
import { bullmqBackend } from "../src/bullmq/index.js";
import { redisMissing, startRedis, type RedisServer } from "../tests/helpers/redis-server.js";
import {
  LOCK_DURATION_MS,
  STALLED_INTERVAL_MS,
  workerKillTools,
  type WorkValue,
} from "./worker-kill-tools.js";
import { median } from "./harness.js";
import { int, rng } from "./seeded-random.js";

const CHILD = fileURLToPath(new URL("./worker-kill-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The batch's deadline: a call whose reply never comes ends `timeout` here. */
const DEADLINE_MS = 60_000;

/** Options of {@link runWorkerKillTrials}. */
export interface WorkerKillTrialsOptions {
  /** @default 100 */
  readonly trials?: number;
  /** Seed of the plans and kill choices (the moments themselves are real time). @default the clock */
  readonly seed?: number;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
}

/** The figures of a run, summed over its trials. */
export interface WorkerKillTally {
  trials: number;
  calls: number;
  /** SIGKILLs sent to worker processes. */
  kills: number;
  /** Kills by how their moment was chosen. */
  killModes: Record<KillMode, number>;
  /** Kills that found at least one attempt started and not ended on the killed worker. */
  killsMidAttempt: number;
  /** Kills that came after the batch's report. */
  killsAfterEnd: number;
  /** Worker processes started (the first ones and the replacements). */
  spawned: number;
  /**
   * (a) Report defects: not exactly one outcome per call id of the plan, or an outcome whose id
   * is not in the plan. Must be 0.
   */
  reportDefects: number;
  /**
   * (b) Calls lost: ended `timeout` (the batch's 60 s deadline, which a call whose reply never
   * comes reaches) or with no outcome. Must be 0.
   */
  lost: number;
  /** (c) Calls of the non-idempotent tool whose tool started more than once. Must be 0. */
  plainRunTwice: number;
  /**
   * (d) Outcomes other than allowed: a call that ran nowhere killed must end as planned; a
   * non-idempotent call held by a killed worker ends as planned or `crashed` saying it was not
   * run again; an idempotent one ends as planned, run again on a live worker (or `crashed` if
   * two killed workers held it: BullMQ fails a job that stalls twice). Must be 0.
   */
  wrongOutcomes: number;
  /** Allowed: idempotent calls whose attempt ran again after its worker was killed. */
  safeReRun: number;
  /** Allowed: non-idempotent calls that ended `crashed` (their worker was killed). */
  plainCrashed: number;
  /** Of those, the ones taken by the killed worker whose tool had not started yet. */
  plainCrashedUnstarted: number;
  /**
   * Of those, the ones with no log line at all: taken in Redis by a worker killed before its
   * process saw the job (the trial had a kill; a live worker would have logged it).
   */
  plainCrashedUnseen: number;
  /** Allowed: calls whose tool had ended on the killed worker, but whose reply was lost. */
  replyLost: number;
  /** Allowed: idempotent calls held by two killed workers in turn, ended `crashed`. */
  safeStalledTwice: number;
  /** Workers' stderr lines (warnings). */
  childStderrLines: number;
  /** Trials that could not be judged (a worker would not start, the batch threw). */
  harnessFailures: number;
  /** What broke a rule, one line each (the first 20). */
  readonly problems: string[];
  readonly trialMs: number[];
}

export type KillMode = "random time after execute()" | "k-th attempt started" | "second kill";
const KILL_MODES: readonly KillMode[] = [
  "random time after execute()",
  "k-th attempt started",
  "second kill",
];

/** The result of {@link runWorkerKillTrials}. */
export interface WorkerKillTrialsResult {
  readonly seed: number;
  readonly tally: WorkerKillTally;
  readonly wallMs: number;
  readonly machine: {
    readonly cores: number;
    readonly loadBefore: string;
    readonly loadAfter: string;
  };
}

/** True when every rule held in every trial. */
export function workerKillTrialsPassed(result: WorkerKillTrialsResult): boolean {
  const t = result.tally;
  return (
    t.reportDefects === 0 &&
    t.lost === 0 &&
    t.plainRunTwice === 0 &&
    t.wrongOutcomes === 0 &&
    t.harnessFailures === 0
  );
}

// ─── randomness and plans ───────────────────────────────────────────────────

/** One planned call. */
export type PlannedCall =
  | (ToolCall & {
      readonly id: string;
      readonly name: "safe_work";
      readonly args: { ms: number; failAttempts: number; tag: string };
    })
  | (ToolCall & {
      readonly id: string;
      readonly name: "plain_work";
      readonly args: { ms: number; fail: boolean; tag: string };
    });

/** A trial's plan: its calls, its workers, its kills. */
export interface WorkerKillPlan {
  readonly calls: readonly PlannedCall[];
  readonly workers: number;
  readonly kill:
    | { readonly mode: "time"; readonly afterMs: number }
    | { readonly mode: "attempt"; readonly k: number };
  /** A second kill this long after the first, of a random live worker. */
  readonly secondAfterMs: number | undefined;
  /** Which live worker a random-time kill picks (a share of the list). */
  readonly victim: number;
}

export function makeWorkerKillPlan(random: () => number, prefix: string): WorkerKillPlan {
  const n = int(random, 20, 120);
  const calls: PlannedCall[] = [];
  let work = 0;
  for (let i = 0; i < n; i++) {
    const ms = int(random, 0, 200);
    work += ms;
    const id = `${prefix}c${i}`;
    if (random() < 0.5) {
      const r = random();
      const failAttempts = r < 0.7 ? 0 : r < 0.85 ? 1 : 3;
      calls.push({ id, name: "safe_work", args: { ms, failAttempts, tag: id } });
    } else {
      calls.push({ id, name: "plain_work", args: { ms, fail: random() < 0.15, tag: id } });
    }
  }
  const workers = int(random, 2, 3);
  // About the batch's length with every worker up (8 attempts at a time each).
  const estimate = work / (workers * 8);
  const kill =
    random() < 0.5
      ? { mode: "time" as const, afterMs: Math.round(random() * (estimate + 200)) }
      : { mode: "attempt" as const, k: int(random, 1, Math.min(n, 40)) };
  const secondAfterMs = random() < 1 / 3 ? int(random, 200, 1_500) : undefined;
  return { calls, workers, kill, secondAfterMs, victim: random() };
}

// ─── worker processes ───────────────────────────────────────────────────────

interface WorkerChild {
  readonly process: ChildProcess;
  readonly loaded: Promise<void>;
  /** The queue it serves, once its worker is ready. */
  queue: string | undefined;
  readonly waiters: Set<() => void>;
  stderr: string;
  readonly exited: Promise<void>;
  dead: boolean;
}

/** The worker processes: the ones serving, and one loaded spare for the next replacement. */
class WorkerPool {
  readonly live: WorkerChild[] = [];
  readonly #all = new Set<WorkerChild>();
  #spare: WorkerChild | undefined;
  spawned = 0;
  stderrLines = 0;
  readonly #killAll = (): void => {
    for (const c of this.#all) c.process.kill("SIGKILL");
  };

  constructor(
    private readonly redisUrl: string,
    private readonly logFile: string,
  ) {
    process.once("exit", this.#killAll);
  }

  #spawn(): WorkerChild {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
      cwd: ROOT,
      env: { ...process.env, WORKER_KILL_REDIS: this.redisUrl, WORKER_KILL_LOG: this.logFile },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.spawned += 1;
    let markLoaded: () => void = () => {};
    let failLoaded: (e: Error) => void = () => {};
    const loaded = new Promise<void>((resolve, reject) => {
      markLoaded = resolve;
      failLoaded = reject;
    });
    loaded.catch(() => {});
    const worker: WorkerChild = {
      process: child,
      loaded,
      queue: undefined,
      waiters: new Set(),
      stderr: "",
      dead: false,
      exited: new Promise((resolve) => child.once("exit", () => resolve())),
    };
    let buffered = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        if (line === "loaded") markLoaded();
        if (line.startsWith("ready ")) worker.queue = line.slice("ready ".length);
        for (const w of [...worker.waiters]) w();
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      worker.stderr += chunk;
      this.stderrLines += chunk.split("\n").filter((l) => l.trim() !== "").length;
    });
    child.stdin!.on("error", () => {});
    void worker.exited.then(() => {
      worker.dead = true;
      this.#all.delete(worker);
      failLoaded(new Error(`a worker process exited before it loaded:\n${worker.stderr}`));
      for (const w of [...worker.waiters]) w();
    });
    this.#all.add(worker);
    return worker;
  }

  /** Tells a process to serve `queue`; resolves once its worker is ready. */
  async #serve(worker: WorkerChild, queue: string, timeoutMs = 60_000): Promise<void> {
    await worker.loaded;
    worker.queue = undefined;
    worker.process.stdin!.write(`queue ${queue}\n`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.waiters.delete(check);
        reject(new Error(`a worker did not get ready on "${queue}" in ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        if (worker.queue === queue || worker.dead) {
          clearTimeout(timer);
          worker.waiters.delete(check);
          if (worker.dead)
            reject(new Error(`a worker died before it was ready:\n${worker.stderr}`));
          else resolve();
        }
      };
      worker.waiters.add(check);
      check();
    });
  }

  #takeSpare(): WorkerChild {
    const next = this.#spare ?? this.#spawn();
    this.#spare = this.#spawn();
    return next;
  }

  /** `count` live workers, all on `queue`: the ones kept, topped up, or some let go. */
  async prepare(queue: string, count: number): Promise<void> {
    while (this.live.length > count) this.live.pop()!.process.stdin!.end();
    while (this.live.length < count) this.live.push(this.#takeSpare());
    this.#spare ??= this.#spawn();
    await Promise.all(this.live.map((w) => this.#serve(w, queue)));
  }

  /** SIGKILLs a live worker, and sends the spare to take its place. */
  kill(worker: WorkerChild, queue: string): Promise<void> {
    worker.process.kill("SIGKILL");
    const at = this.live.indexOf(worker);
    const replacement = this.#takeSpare();
    this.live.splice(at, 1, replacement);
    return this.#serve(replacement, queue);
  }

  /** Lets every process go (stdin ends: it closes its worker and exits), SIGKILL after 5 s. */
  async close(): Promise<void> {
    this.#spare = undefined;
    this.live.length = 0;
    for (const c of this.#all) c.process.stdin!.end();
    const all = [...this.#all];
    const timer = setTimeout(() => all.forEach((c) => c.process.kill("SIGKILL")), 5_000);
    await Promise.all(all.map((c) => c.exited));
    clearTimeout(timer);
    process.off("exit", this.#killAll);
  }
}

// ─── the tool log ───────────────────────────────────────────────────────────

/** One line of the tool log. */
interface LogEntry {
  readonly event: "taken" | "start" | "end" | "abort";
  readonly pid: number;
  readonly callId: string;
  readonly attempt: number;
}

/** Reads what the workers append to the log, as it comes. */
class LogTail {
  readonly entries: LogEntry[] = [];
  #fd: number;
  #offset = 0;
  #rest = "";

  constructor(file: string) {
    writeFileSync(file, "");
    this.#fd = openSync(file, "r");
  }

  poll(): void {
    const buffer = Buffer.alloc(65_536);
    for (;;) {
      const read = readSync(this.#fd, buffer, 0, buffer.length, this.#offset);
      if (read === 0) break;
      this.#offset += read;
      const parts = (this.#rest + buffer.toString("utf8", 0, read)).split("\n");
      this.#rest = parts.pop()!;
      for (const line of parts) {
        const [event, pid, callId, attempt] = line.split(" ");
        this.entries.push({
          event: event as LogEntry["event"],
          pid: Number(pid),
          callId: callId!,
          attempt: Number(attempt ?? 0),
        });
      }
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}

// ─── one trial ──────────────────────────────────────────────────────────────

function newTally(): WorkerKillTally {
  return {
    trials: 0,
    calls: 0,
    kills: 0,
    killModes: Object.fromEntries(KILL_MODES.map((m) => [m, 0])) as Record<KillMode, number>,
    killsMidAttempt: 0,
    killsAfterEnd: 0,
    spawned: 0,
    reportDefects: 0,
    lost: 0,
    plainRunTwice: 0,
    wrongOutcomes: 0,
    safeReRun: 0,
    plainCrashed: 0,
    plainCrashedUnstarted: 0,
    plainCrashedUnseen: 0,
    replyLost: 0,
    safeStalledTwice: 0,
    childStderrLines: 0,
    harnessFailures: 0,
    problems: [],
    trialMs: [],
  };
}

function problem(tally: WorkerKillTally, trial: number, seed: number, text: string): void {
  if (tally.problems.length < 20) tally.problems.push(`trial ${trial} (seed ${seed}): ${text}`);
}

/** The outcome a call ends with when no kill touches it. */
function planned(call: PlannedCall): { status: "ok" | "error"; attempts: number } {
  if (call.name === "plain_work") return { status: call.args.fail ? "error" : "ok", attempts: 1 };
  const fails = call.args.failAttempts >= 3;
  return { status: fails ? "error" : "ok", attempts: fails ? 3 : call.args.failAttempts + 1 };
}

/** Why an outcome is not the planned one, or undefined. */
function unplanned(
  outcome: Outcome,
  call: PlannedCall,
  entries: readonly LogEntry[],
): string | undefined {
  const want = planned(call);
  if (outcome.status !== want.status) return `status ${outcome.status}, planned ${want.status}`;
  if (outcome.attempts !== want.attempts)
    return `${outcome.attempts} attempts, planned ${want.attempts}`;
  if (outcome.status === "error") {
    return outcome.error.kind === "tool_error"
      ? undefined
      : `kind ${outcome.error.kind}, planned tool_error`;
  }
  const value = outcome.value as WorkValue;
  if (value.tag !== call.args.tag || value.attempt !== want.attempts)
    return `value ${JSON.stringify(value)}, planned tag ${call.args.tag} attempt ${want.attempts}`;
  const ended = entries.some(
    (e) => e.event === "end" && e.pid === value.pid && e.attempt === value.attempt,
  );
  return ended ? undefined : `value from pid ${value.pid}, which logged no end of that attempt`;
}

const describeOutcome = (o: Outcome): string =>
  o.status === "ok"
    ? `ok ${JSON.stringify(o.value)} (${o.attempts} attempts)`
    : `${o.error.kind}: ${o.error.message} (${o.attempts} attempts)`;

async function runTrial(
  tally: WorkerKillTally,
  pool: WorkerPool,
  tail: LogTail,
  redis: RedisServer,
  trial: number,
  seed: number,
): Promise<void> {
  const random = rng(seed);
  const prefix = `t${trial}-`;
  const plan = makeWorkerKillPlan(random, prefix);
  const queue = `wk-${trial}-${seed}`;
  try {
    await pool.prepare(queue, plan.workers);
  } catch (error) {
    tally.harnessFailures += 1;
    problem(tally, trial, seed, `harness: ${(error as Error).message}`);
    return;
  }
  tally.trials += 1;
  tally.calls += plan.calls.length;
  const killed = new Set<number>();
  const replacements: Promise<void>[] = [];
  let ended = false;
  const kill = (mode: KillMode, choose: () => WorkerChild | undefined): void => {
    tail.poll();
    const victim = choose();
    if (victim === undefined || victim.dead) return;
    const pid = victim.process.pid!;
    const running = tail.entries.filter((e) => e.pid === pid && e.event === "start");
    const closedOut = new Set(
      tail.entries
        .filter((e) => e.pid === pid && e.event !== "start" && e.event !== "taken")
        .map((e) => `${e.callId} ${e.attempt}`),
    );
    if (running.some((e) => !closedOut.has(`${e.callId} ${e.attempt}`))) tally.killsMidAttempt += 1;
    if (ended) tally.killsAfterEnd += 1;
    killed.add(pid);
    tally.kills += 1;
    tally.killModes[mode] += 1;
    const replaced = pool.kill(victim, queue);
    replaced.catch(() => {});
    replacements.push(replaced);
  };
  const pickLive = (share: number) => (): WorkerChild | undefined => {
    const ready = pool.live.filter((w) => w.queue === queue && !w.dead);
    return ready[Math.min(ready.length - 1, Math.floor(share * ready.length))];
  };
  const timers: NodeJS.Timeout[] = [];
  const afterFirst = (): void => {
    if (plan.secondAfterMs !== undefined) {
      const share = random();
      timers.push(setTimeout(() => kill("second kill", pickLive(share)), plan.secondAfterMs));
    }
  };

  const executor = createExecutor({
    tools: [...workerKillTools],
    backend: bullmqBackend({ connection: redis.url, queue }),
  });
  const started = tail.entries.length;
  let poller: NodeJS.Timeout | undefined;
  let report: Outcome[] | undefined;
  try {
    const batch = executor.execute(plan.calls, { deadlineMs: DEADLINE_MS });
    if (plan.kill.mode === "time") {
      timers.push(
        setTimeout(() => {
          kill("random time after execute()", pickLive(plan.victim));
          afterFirst();
        }, plan.kill.afterMs),
      );
    } else {
      const k = plan.kill.k;
      poller = setInterval(() => {
        tail.poll();
        const starts = tail.entries
          .slice(started)
          .filter((e) => e.event === "start" && e.callId.startsWith(prefix));
        if (starts.length < k && !ended) return;
        clearInterval(poller);
        const target = starts[k - 1]?.pid;
        kill("k-th attempt started", () =>
          target === undefined
            ? pickLive(plan.victim)()
            : pool.live.find((w) => w.process.pid === target),
        );
        afterFirst();
      }, 5);
    }
    report = [...(await batch).outcomes];
  } catch (error) {
    tally.harnessFailures += 1;
    problem(tally, trial, seed, `harness: the batch threw ${(error as Error).message}`);
  } finally {
    ended = true;
    // Let a pending kill happen, so that every planned kill is sent and every replacement up.
    if (poller !== undefined) {
      await new Promise((r) => setTimeout(r, 20));
      clearInterval(poller);
    }
    await new Promise((r) => setTimeout(r, 0));
    await Promise.allSettled(replacements);
    for (const t of timers) clearTimeout(t);
    await executor.close();
  }
  if (report === undefined) return;
  const settled = await Promise.allSettled(replacements);
  for (const s of settled) {
    if (s.status === "rejected") {
      tally.harnessFailures += 1;
      problem(tally, trial, seed, `harness: ${(s.reason as Error).message}`);
    }
  }
  tail.poll();
  judge(tally, trial, seed, plan, report, tail.entries.slice(started), killed);
}

/** Checks one trial's report against its plan, the kills and the tool log. */
function judge(
  tally: WorkerKillTally,
  trial: number,
  seed: number,
  plan: WorkerKillPlan,
  report: readonly Outcome[],
  log: readonly LogEntry[],
  killed: ReadonlySet<number>,
): void {
  const byId = new Map<string, Outcome[]>();
  for (const o of report) byId.set(o.id, [...(byId.get(o.id) ?? []), o]);
  const planIds = new Set(plan.calls.map((c) => c.id));
  for (const id of byId.keys()) {
    if (!planIds.has(id)) {
      tally.reportDefects += 1;
      problem(tally, trial, seed, `(a) an outcome for "${id}", not in the plan`);
    }
  }
  const logOf = new Map<string, LogEntry[]>();
  for (const e of log) logOf.set(e.callId, [...(logOf.get(e.callId) ?? []), e]);
  for (const call of plan.calls) {
    const outcomes = byId.get(call.id) ?? [];
    const entries = logOf.get(call.id) ?? [];
    const lines = entries.map((e) => `${e.event} ${e.pid} ${e.attempt}`).join(", ");
    if (outcomes.length !== 1) {
      tally.reportDefects += 1;
      if (outcomes.length === 0) tally.lost += 1;
      problem(
        tally,
        trial,
        seed,
        `(a) ${outcomes.length} outcomes for "${call.id}" (log: ${lines})`,
      );
      continue;
    }
    const outcome = outcomes[0]!;
    const onKilled = entries.filter((e) => killed.has(e.pid));
    const killedPids = new Set(onKilled.map((e) => e.pid));
    const starts = entries.filter((e) => e.event === "start");
    const endedOnKilled = onKilled.some((e) => e.event === "end");
    const say = (rule: string, text: string): void =>
      problem(tally, trial, seed, `${rule} "${call.id}" (${call.name}): ${text}; log: ${lines}`);
    if (outcome.status === "error" && outcome.error.kind === "timeout") {
      tally.lost += 1;
      say("(b)", describeOutcome(outcome));
      continue;
    }
    if (call.name === "plain_work") {
      if (starts.length > 1) {
        tally.plainRunTwice += 1;
        say("(c)", `started ${starts.length} times`);
      }
      if (outcome.status === "error" && outcome.error.kind === "crashed") {
        // A job a worker took in Redis whose process died before it saw it leaves no log line.
        const unseen = entries.length === 0 && killed.size > 0;
        if ((killedPids.size === 0 && !unseen) || !/not run again/.test(outcome.error.message)) {
          tally.wrongOutcomes += 1;
          say("(d)", `${describeOutcome(outcome)}, and no killed worker held it`);
          continue;
        }
        tally.plainCrashed += 1;
        if (unseen) tally.plainCrashedUnseen += 1;
        else if (!onKilled.some((e) => e.event === "start")) tally.plainCrashedUnstarted += 1;
        if (endedOnKilled) tally.replyLost += 1;
        continue;
      }
    } else {
      if (outcome.status === "error" && outcome.error.kind === "crashed") {
        if (killedPids.size < 2) {
          tally.wrongOutcomes += 1;
          say("(d)", `${describeOutcome(outcome)}, held by ${killedPids.size} killed worker(s)`);
        } else tally.safeStalledTwice += 1;
        continue;
      }
      // Some attempt started on a killed worker and started again on another: a re-run.
      const reRun = onKilled.some(
        (k) =>
          k.event === "start" &&
          starts.some((s) => s.attempt === k.attempt && s.pid !== k.pid && !killed.has(s.pid)),
      );
      if (reRun) tally.safeReRun += 1;
      if (reRun && endedOnKilled) tally.replyLost += 1;
    }
    const why = unplanned(outcome, call, entries);
    if (why !== undefined) {
      tally.wrongOutcomes += 1;
      say("(d)", `${describeOutcome(outcome)}: ${why}`);
    }
  }
}

const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");

/** Runs the trials on one Redis. Throws only if the Redis cannot be started. */
export async function runWorkerKillTrials(
  options: WorkerKillTrialsOptions = {},
): Promise<WorkerKillTrialsResult> {
  const trials = options.trials ?? 100;
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const log = options.log ?? (() => {});
  const started = performance.now();
  const loadBefore = loadAverage();
  const tally = newTally();
  const dir = mkdtempSync(path.join(os.tmpdir(), "volley-worker-kill-"));
  const logFile = path.join(dir, "tools.log");
  const redis = await startRedis();
  const tail = new LogTail(logFile);
  const pool = new WorkerPool(redis.url, logFile);
  try {
    for (let i = 0; i < trials; i++) {
      const t0 = performance.now();
      await runTrial(tally, pool, tail, redis, i, (seed + i * 7919) >>> 0);
      tally.trialMs.push(performance.now() - t0);
      if ((i + 1) % 10 === 0 || i + 1 === trials || trials <= 10) {
        log(
          `worker kills: ${i + 1}/${trials} trials, ${tally.kills} kills, ${tally.lost} lost, ` +
            `${tally.wrongOutcomes} wrong (${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
      }
    }
  } finally {
    await pool.close();
    tally.spawned = pool.spawned;
    tally.childStderrLines = pool.stderrLines;
    tail.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    seed,
    tally,
    wallMs: performance.now() - started,
    machine: { cores: os.cpus().length, loadBefore, loadAfter: loadAverage() },
  };
}

// ─── the summary ────────────────────────────────────────────────────────────

/** The markdown summary: the figures, and what each counts. */
export function renderWorkerKillTrials(result: WorkerKillTrialsResult): string {
  const t = result.tally;
  const n = (x: number): string => x.toLocaleString("en-US");
  const verdict = workerKillTrialsPassed(result)
    ? "**every rule held**"
    : "**RULES BROKEN** (see below)";
  const lines = [
    `${t.trials} trials, seed ${result.seed} (\`npx tsx bench/worker-kill-trials.ts --trials ${t.trials} --seed ${result.seed}\` ` +
      `makes the same plans and kill choices; the moments themselves are real time): ${verdict}.`,
    "",
    `${result.machine.cores} cores, load average ${result.machine.loadBefore} before and ` +
      `${result.machine.loadAfter} after; ${(result.wallMs / 1000).toFixed(1)} s in all, ` +
      `median trial ${(median(t.trialMs) / 1000).toFixed(2)} s. Workers: lock ${LOCK_DURATION_MS} ms, ` +
      `stalled check every ${STALLED_INTERVAL_MS} ms, 8 attempts at a time each.`,
    "",
    "| | |",
    "|---|---:|",
    `| trials | ${t.trials} |`,
    `| calls in their batches | ${n(t.calls)} |`,
    `| SIGKILLs of workers | ${t.kills} |`,
    ...KILL_MODES.map((m) => `| – ${m} | ${t.killModes[m]} |`),
    `| – an attempt was running on the killed worker | ${t.killsMidAttempt} |`,
    `| – after the batch's report | ${t.killsAfterEnd} |`,
    `| worker processes started | ${t.spawned} |`,
    `| **(a) report defects** | **${t.reportDefects}** |`,
    `| **(b) calls lost** | **${t.lost}** |`,
    `| **(c) non-idempotent calls started more than once** | **${t.plainRunTwice}** |`,
    `| **(d) outcomes other than allowed** | **${t.wrongOutcomes}** |`,
    `| allowed: idempotent calls run again after a kill | ${n(t.safeReRun)} |`,
    `| allowed: non-idempotent calls ended \`crashed\` | ${n(t.plainCrashed)} |`,
    `| – of which taken by the killed worker, tool not yet started | ${n(t.plainCrashedUnstarted)} |`,
    `| – of which taken in Redis by the killed worker, never seen by its process (no log line) | ${n(t.plainCrashedUnseen)} |`,
    `| allowed: tool had ended on the killed worker, reply lost | ${n(t.replyLost)} |`,
    `| allowed: idempotent calls held by two killed workers, ended \`crashed\` | ${n(t.safeStalledTwice)} |`,
    `| workers' stderr lines (warnings) | ${t.childStderrLines} |`,
    `| harness failures | ${t.harnessFailures} |`,
  ];
  if (t.problems.length > 0) lines.push("", "## Problems", "", ...t.problems.map((p) => `- ${p}`));
  lines.push(
    "",
    "## What a trial does, and what is counted",
    "",
    "One `redis-server` on loopback serves the run; each trial uses a cluster name of its own. " +
      "2–3 worker processes (`startWorker`, kept from trial to trial) serve it; the caller runs one " +
      "batch of 20–120 calls of `safe_work` (idempotent, up to 3 attempts) and `plain_work` (not " +
      "idempotent, 1 attempt), 0–200 ms each, some failing by plan, with a 60 s deadline. One worker " +
      "is SIGKILLed at a random time after `execute()` or as the k-th attempt starts (the worker " +
      "running it); in one trial in three a second one 0.2–1.5 s later. A loaded spare process " +
      "takes each killed one's place. The tools write `start`/`end` lines per attempt (pid, call " +
      "id, attempt) to a log of their own, the workers a `taken` line as they take a call.",
    "",
    "A call is *held by a killed worker* when the log has a line of it from that worker's pid, or " +
      "when the trial had a kill and the log has no line of it at all: BullMQ had moved its job to " +
      "active for a worker whose process died before it read the job (a live worker logs `taken`).",
    "",
    "- **(a)** not exactly one outcome per call id of the plan, or an outcome with an id not in it;",
    "- **(b)** an outcome `timeout` (a reply that never came reaches the 60 s deadline), or none;",
    "- **(c)** a `plain_work` call with more than one `start` line;",
    "- **(d)** an outcome not allowed: a call no killed worker held must end as planned (ok with " +
      "its value, or `tool_error` after its planned attempts); a `plain_work` call a killed worker " +
      "held ends as planned or `crashed` with a message saying it was not run again; a `safe_work` " +
      "one ends as planned, from an attempt that ended on a live worker, or `crashed` if two killed " +
      "workers held it (BullMQ fails a job that stalls twice).",
  );
  return lines.join("\n");
}

// ─── command line ───────────────────────────────────────────────────────────

/** The script's flags. */
export function parseWorkerKillArgs(argv: readonly string[]): {
  trials: number;
  seed: number | undefined;
} {
  const known = new Set(["--trials", "--seed", "--quick"]);
  for (let i = 0; i < argv.length; i++) {
    if (!known.has(argv[i]!)) throw new TypeError(`Unknown argument ${JSON.stringify(argv[i])}`);
    if (argv[i] !== "--quick") i++;
  }
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    const v = argv[at + 1];
    if (v === undefined || v.startsWith("--"))
      throw new TypeError(`Expected a value after ${flag}`);
    return v;
  };
  const trialsText = value("--trials");
  const trials =
    trialsText === undefined ? (argv.includes("--quick") ? 10 : 100) : Number(trialsText);
  if (!Number.isInteger(trials) || trials < 1)
    throw new TypeError(`Expected --trials to be a positive integer, got ${trialsText}`);
  const seedText = value("--seed");
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0))
    throw new TypeError(`Expected --seed to be a non-negative integer, got ${seedText}`);
  return { trials, seed };
}

async function main(): Promise<number> {
  let cli: ReturnType<typeof parseWorkerKillArgs>;
  try {
    cli = parseWorkerKillArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const missing = redisMissing();
  if (missing !== undefined) {
    // Without a Redis there is nothing to try; with CI=true that is a failure.
    process.stderr.write(`worker-kill trials: ${missing}\n`);
    process.stdout.write(`_Not run here: ${missing}._\n`);
    return process.env["CI"] === "true" ? 1 : 0;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  // Exiting runs the "exit" hooks that SIGKILL the worker processes and the Redis.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => process.exit(signal === "SIGINT" ? 130 : 143));
  }
  const result = await runWorkerKillTrials({
    trials: cli.trials,
    ...(cli.seed === undefined ? {} : { seed: cli.seed }),
    log,
  });
  process.stdout.write(`${renderWorkerKillTrials(result)}\n`);
  return workerKillTrialsPassed(result) ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
