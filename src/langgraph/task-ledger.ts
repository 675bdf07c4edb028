import type { Outcome } from "../core/index.js";
import { errorText } from "../core/describe-value.js";
import { decodeOutcome, encodeOutcome } from "../journal/codec.js";
import { RESUME_CHANNEL, type PregelTask, type TaskScratchpad } from "./pregel-task.js";

/** The key that marks Volley's record among a task's resume values. */
const LEDGER_KEY = "__volley_task_ledger__";

/** What a node keeps between the runs of one LangGraph task, as it is checkpointed. */
interface LedgerRecord {
  readonly [LEDGER_KEY]: 1;
  /** Calls waiting for an answer to an interrupt, in call order. */
  readonly pending: string[];
  /** Per call, the resume values its `interrupt()` calls have returned, in order. */
  readonly resumes: Array<[string, unknown[]]>;
  /** Per finished call, its outcome as a journal writes it (JSON text). */
  readonly done: Array<[string, string]>;
}

/** Ledgers by task scratchpad: a node retried by LangGraph in the same step gets the same one. */
const LEDGERS = new WeakMap<TaskScratchpad, TaskLedger>();

/**
 * What a tool node keeps between the runs of one LangGraph task, so that a task resumed after
 * an interrupt (or run again after it threw) knows which of its calls finished, which wait for
 * an answer, and what each call's `interrupt()` calls have returned so far.
 *
 * It travels in the task's resume write, the one write LangGraph keeps for an interrupted task
 * (and it keeps all of a failed task's), so it lives in the graph's checkpointer: no journal
 * needs to be configured, and it is durable wherever the checkpointer is. It is taken out of
 * the task's resume values before the node runs, so an `interrupt()` called by the node itself
 * sees exactly the values it would see without it.
 */
export class TaskLedger {
  readonly #left: boolean;
  #pending: readonly string[];
  readonly #resumes: Map<string, unknown[]>;
  readonly #done: Map<string, string>;

  private constructor(record: LedgerRecord | undefined) {
    this.#left = record !== undefined;
    this.#pending = (record?.pending ?? []).filter((id) => typeof id === "string");
    this.#resumes = new Map(
      (record?.resumes ?? []).filter(
        (entry): entry is [string, unknown[]] =>
          Array.isArray(entry) && typeof entry[0] === "string" && Array.isArray(entry[1]),
      ),
    );
    this.#done = new Map(
      (record?.done ?? []).filter(
        (entry): entry is [string, string] =>
          Array.isArray(entry) && typeof entry[0] === "string" && typeof entry[1] === "string",
      ),
    );
  }

  /**
   * Whether an earlier run of the task left something: a ledger in the checkpoint (the node
   * stopped by interrupt or throw), or, for a node LangGraph retries in the same step, what
   * the failed attempt kept.
   */
  get resumed(): boolean {
    return this.#left || this.#done.size > 0 || this.#resumes.size > 0;
  }

  /** Calls that were waiting for an answer when the task last stopped, in call order. */
  get pending(): readonly string[] {
    return this.#pending;
  }

  /** The task's ledger: the one an earlier run left, or an empty one. */
  static of(task: PregelTask): TaskLedger {
    let ledger = LEDGERS.get(task.scratchpad);
    if (ledger === undefined) {
      ledger = new TaskLedger(takeRecord(task.scratchpad));
      LEDGERS.set(task.scratchpad, ledger);
    }
    return ledger;
  }

  /** The resume values a call's `interrupt()` calls returned in earlier runs. */
  resumesOf(callId: string): readonly unknown[] {
    return this.#resumes.get(callId) ?? [];
  }

  /** The outcome of a call that finished in an earlier run, marked `replayed`. */
  doneOf(callId: string): Outcome | undefined {
    const stored = this.#done.get(callId);
    const outcome = stored === undefined ? undefined : decodeOutcome(stored);
    return outcome === undefined ? undefined : { ...outcome, replayed: true };
  }

  /**
   * Keeps a finished call's outcome for the task's next run. A value JSON cannot carry is not
   * kept (with a warning): that call runs again.
   */
  keep(outcome: Outcome): void {
    if (this.#done.has(outcome.id)) return;
    try {
      this.#done.set(outcome.id, encodeOutcome("task", outcome));
      this.#resumes.delete(outcome.id);
    } catch (error) {
      process.emitWarning(
        `The outcome of call "${outcome.id}" cannot be kept in the graph's checkpoint, so a resume runs it again: ${errorText(error)}`,
        { code: "VOLLEY_LANGGRAPH" },
      );
    }
  }

  /** Notes the resume values a call's `interrupt()` calls have returned so far. */
  noteResumes(callId: string, values: readonly unknown[]): void {
    if (values.length > 0 && !this.#done.has(callId)) this.#resumes.set(callId, [...values]);
  }

  /**
   * Writes the ledger as the task's resume write, behind the task's own resume values (those
   * its node-level `interrupt()` calls consumed), so LangGraph keeps it with the task.
   * @param pending The calls now waiting for an answer, in call order.
   */
  write(task: PregelTask, pending: readonly string[]): void {
    this.#pending = [...pending];
    const record: LedgerRecord = {
      [LEDGER_KEY]: 1,
      pending: [...pending],
      resumes: [...this.#resumes],
      done: [...this.#done],
    };
    const pad = task.scratchpad;
    const consumed = pad.resume.slice(0, Math.min(pad.interruptCounter + 1, pad.resume.length));
    task.send([[RESUME_CHANNEL, [...consumed, record]]]);
  }
}

/** Takes Volley's record out of the task's resume values, where an earlier run left it. */
function takeRecord(scratchpad: TaskScratchpad): LedgerRecord | undefined {
  const at = scratchpad.resume.findIndex(isLedgerRecord);
  if (at < 0) return undefined;
  const [record] = scratchpad.resume.splice(at, 1);
  return record as LedgerRecord;
}

function isLedgerRecord(value: unknown): value is LedgerRecord {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Partial<Record<string, unknown>>;
  return (
    r[LEDGER_KEY] === 1 &&
    Array.isArray(r["pending"]) &&
    Array.isArray(r["resumes"]) &&
    Array.isArray(r["done"])
  );
}
