/**
 * Admission: reads a batch's calls in order and hands each valid one to the scheduler. A call
 * that cannot run (beyond `maxBatchSize`, malformed, a repeated id, an unknown tool, bad
 * overrides or args, its batch ended, the queue full) ends at once with an error outcome, and
 * the rest of the batch runs; a call whose outcome the journal already holds is replayed. Only a
 * window of a batch's calls is live at a time (`collect: false`, `overflow: "split"`): the next
 * is read as one ends, so a huge batch holds a window's state, not the whole batch's.
 */
import type { BatchRun } from "./batch-run.js";
import type { BatchingFeatures } from "./batching-features.js";
import { normalizeCall, type CallOverrides } from "./call.js";
import { CallState } from "./call-state.js";
import { checkCallOverrides } from "./check-options.js";
import type { ErrorKind, Outcome } from "./outcome.js";
import type { Scheduler } from "./scheduler.js";
import { formatIssues, schemaThrew, type ArgsCheck } from "./schema.js";
import type { ToolEntry } from "./tool-entry.js";

/** Where admission sends the outcomes of the calls it ends or replays: the executor. */
export interface AdmissionOwner {
  /** Journals (unless `journal` is false) and publishes an outcome. */
  deliver(run: BatchRun, outcome: Outcome, journal?: boolean): void;
  /** Publishes an outcome the journal already holds. */
  publish(run: BatchRun, outcome: Outcome): void;
}

/** The admission of one executor. Internal. */
export class Admission {
  readonly #tools: ReadonlyMap<string, ToolEntry>;
  readonly #scheduler: Scheduler;
  readonly #features: BatchingFeatures;
  readonly #owner: AdmissionOwner;

  constructor(
    tools: ReadonlyMap<string, ToolEntry>,
    scheduler: Scheduler,
    features: BatchingFeatures,
    owner: AdmissionOwner,
  ) {
    this.#tools = tools;
    this.#scheduler = scheduler;
    this.#features = features;
    this.#owner = owner;
  }

  /** Admits the batch's calls in order, up to its window of live calls. */
  admit(run: BatchRun): void {
    if (run.admitting) return;
    run.admitting = true;
    try {
      const list = run.input;
      while (
        run.nextIndex < list.length &&
        (run.live < run.window || run.endReason !== undefined)
      ) {
        const index = run.nextIndex++;
        this.#admitOne(run, list[index], index);
      }
      // Let go of the caller's array once every call is read.
      if (run.nextIndex === list.length) {
        run.input = [];
        run.nextIndex = 0;
        run.seen = undefined;
      }
    } finally {
      run.admitting = false;
    }
    this.#scheduler.drain();
  }

  #admitOne(run: BatchRun, input: unknown, index: number): void {
    // Read the call in place; only a malformed one pays for normalizeCall's description.
    const raw = (typeof input === "object" && input !== null ? input : undefined) as
      | (Partial<CallOverrides> & {
          id?: unknown;
          name?: unknown;
          tool_name?: unknown;
          args?: unknown;
        })
      | undefined;
    const id = raw?.id;
    const name = raw === undefined ? undefined : (raw.name ?? raw.tool_name);
    if (index >= run.rejectFrom) {
      const call = normalizeCall(input, index);
      this.#finishEarly(
        run,
        index,
        call.id,
        call.name,
        "rejected",
        this.#features.oversizedMessage(run, index),
      );
      return;
    }
    if (typeof id !== "string" || id === "" || typeof name !== "string" || name === "") {
      const call = normalizeCall(input, index);
      this.#finishEarly(run, index, call.id, call.name, "invalid_call", call.problem!);
      return;
    }
    const overrides = raw!;
    const seen = run.seen;
    if (seen !== undefined) {
      if (seen.has(id)) {
        const message = `Call ${index} repeats the id "${id}" of an earlier call in the batch`;
        this.#finishEarly(run, index, id, name, "invalid_call", message);
        return;
      }
      seen.add(id);
    }
    const replay = run.prior?.get(id);
    if (replay !== undefined) {
      this.#owner.publish(run, { ...replay, index, replayed: true });
      return;
    }
    const ended = run.endReason;
    if (ended !== undefined) {
      this.#finishEarly(run, index, id, name, ended.kind, ended.message, { name: ended.name });
      return;
    }
    const tool = this.#tools.get(name);
    if (tool === undefined) {
      const message = `Unknown tool "${name}" in call "${id}" (known tools: ${this.#knownTools()})`;
      this.#finishEarly(run, index, id, name, "unknown_tool", message);
      return;
    }
    let retry = tool.retry;
    let timeoutMs = tool.timeoutMs;
    let priority =
      run.defaultPriority !== undefined && tool.priority === 0
        ? run.defaultPriority
        : tool.priority;
    let expectedMs = tool.expectedMs;
    const group = overrides.group;
    if (
      overrides.retry !== undefined ||
      overrides.timeoutMs !== undefined ||
      overrides.priority !== undefined ||
      overrides.expectedMs !== undefined ||
      group !== undefined
    ) {
      try {
        const own = checkCallOverrides(id, overrides);
        if (own !== undefined) retry = own;
      } catch (error) {
        this.#finishEarly(run, index, id, name, "invalid_call", errorText(error));
        return;
      }
      if (group !== undefined) (run.groups ??= new Map()).set(index, group);
      timeoutMs = overrides.timeoutMs ?? timeoutMs;
      priority = overrides.priority ?? priority;
      expectedMs = overrides.expectedMs ?? expectedMs;
    }
    run.live++;
    const call = new CallState(
      run,
      index,
      id,
      tool,
      overrides.args,
      priority,
      expectedMs,
      timeoutMs,
      retry,
    );
    const validate = tool.validate;
    if (validate === null) {
      this.#accept(call);
      return;
    }
    let check: ArgsCheck | Promise<ArgsCheck>;
    try {
      check = validate(call.args);
    } catch (error) {
      check = schemaThrew(error);
    }
    if (check instanceof Promise) {
      // An async Standard Schema: the call joins the queue when its check is done.
      check.then(
        (c) => {
          this.#afterCheck(call, c);
          this.#scheduler.drain();
        },
        (error: unknown) => {
          this.#afterCheck(call, schemaThrew(error));
        },
      );
    } else {
      this.#afterCheck(call, check);
    }
  }

  #afterCheck(call: CallState, check: ArgsCheck): void {
    if (check.success) {
      // A LangChain tool parses its input itself: parsed twice, a transforming schema would fail.
      if (!call.tool.parsesOwnArgs) call.args = check.data;
      else if (call.tool.dedupe !== null) (call.x ??= {}).parsedArgs = check.data;
      this.#accept(call);
      return;
    }
    const run = call.batch as BatchRun;
    const name = call.tool.name;
    run.live--;
    this.#finishEarly(
      run,
      call.index,
      call.id,
      name,
      "invalid_args",
      `Invalid arguments for tool "${name}" in call "${call.id}": ${formatIssues(check.issues)}`,
      { issues: check.issues },
    );
    this.#released(run);
  }

  /** Hands a valid call to the scheduler, unless its batch ended or the queue is full. */
  #accept(call: CallState): void {
    const run = call.batch as BatchRun;
    const ended = run.endReason;
    if (ended !== undefined) {
      run.live--;
      this.#finishEarly(run, call.index, call.id, call.tool.name, ended.kind, ended.message, {
        name: ended.name,
      });
      this.#released(run);
      return;
    }
    if (this.#features.queueIsFull()) {
      run.live--;
      const message = this.#features.queueFullMessage(call.id, call.tool);
      this.#finishEarly(run, call.index, call.id, call.tool.name, "rejected", message);
      this.#released(run);
      return;
    }
    call.seq = this.#scheduler.nextSeq();
    run.calls[call.index] = call;
    const group = run.groups?.get(call.index);
    if (group !== undefined || call.tool.special) this.#features.place(call, group, true);
    else this.#scheduler.enqueue(call);
  }

  #knownTools(): string {
    const names = [...this.#tools.keys()];
    if (names.length === 0) return "none";
    return names.length > 10
      ? `${names.slice(0, 10).join(", ")}, … ${names.length - 10} more`
      : names.join(", ");
  }

  /** A call that ends before it could be queued: malformed, unknown tool, bad args, batch ended. */
  /**
   * A call left the batch's window before it was queued. Inside the admission loop the loop reads
   * on; after an asynchronous schema check nothing else would, and the batch would stall.
   */
  #released(run: BatchRun): void {
    if (!run.admitting && run.nextIndex < run.input.length) this.admit(run);
  }

  #finishEarly(
    run: BatchRun,
    index: number,
    id: string,
    name: string,
    kind: ErrorKind,
    message: string,
    data?: Record<string, unknown>,
  ): void {
    const outcome: Outcome = {
      id,
      index,
      name,
      status: "error",
      error: data === undefined ? { kind, message } : { kind, message, data },
      startedAt: null,
      durationMs: 0,
      attempts: 0,
    };
    // A malformed call's id is a placeholder or belongs to another call of the batch (a repeat):
    // journaled under it, its error would stand for that call on a resume.
    this.#owner.deliver(run, outcome, kind !== "invalid_call");
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
