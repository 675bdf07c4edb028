/**
 * Admission: reads a batch's calls in order and hands each valid one to the scheduler. A call
 * that cannot run (refused by a feature, malformed, a repeated id, an unknown tool, bad
 * overrides or args, its batch ended) ends at once with an error outcome, and the rest of the
 * batch runs; a call whose outcome the journal already holds is replayed. Only a window of a
 * batch's calls is live at a time (`collect: false`, `overflow: "split"`, `execute()`'s
 * `concurrency`): the next is read as one ends, so a huge batch holds a window's state, not the
 * whole batch's.
 */
import { normalizeCall, placeholderId, type CallOverrides } from "../call.js";
import { errorText, quoted } from "../describe-value.js";
import type { OutcomeError } from "../outcome.js";
import type { ResolvedRetryPolicy } from "../retry.js";
import { formatIssues, type ArgsCheck } from "../schema.js";
import type { BatchRun } from "./batch-run.js";
import { CallPhase, CallState } from "./call-state.js";
import { checkArgs } from "./check-args.js";
import { checkCallOverrides } from "./check-options.js";
import type { Scheduler } from "./scheduler.js";
import type { Settle } from "./settle.js";

/** The admission of one executor. Internal. */
export class Admission {
  readonly #scheduler: Scheduler;
  readonly #settle: Settle;

  constructor(scheduler: Scheduler, settle: Settle) {
    this.#scheduler = scheduler;
    this.#settle = settle;
  }

  /** Admits the batch's calls in order, up to its window of live calls. */
  admit(run: BatchRun<CallState>): void {
    if (run.admitting) return;
    run.admitting = true;
    try {
      const list = run.input;
      const pacer = this.#scheduler.pacer;
      while (run.canAdmit) {
        if (pacer.spent()) {
          // The rest is read after the event loop's turn: timers and cancels are not starved.
          pacer.later(() => this.admit(run));
          break;
        }
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

  /** A call left the batch's window: admit the next, unless the admission loop is already at it. */
  released(run: BatchRun<CallState>): void {
    if (!run.admitting && run.nextIndex < run.input.length) this.admit(run);
  }

  #admitOne(run: BatchRun<CallState>, input: unknown, index: number): void {
    const scheduler = this.#scheduler;
    const refused = scheduler.features.admit(run, index);
    if (refused !== undefined) {
      const call = normalizeCall(input, index);
      this.#settle.early(run, index, call.id, call.name, refused, true);
      return;
    }
    // Read each field once, in place: a getter or a Proxy trap that throws ends this call only,
    // and a Proxy cannot answer differently the second time. Only a malformed call pays for
    // normalizeCall's description.
    let id: unknown;
    let name: unknown;
    let args: unknown;
    let overrides: Partial<CallOverrides> | undefined;
    if (typeof input === "object" && input !== null) {
      try {
        const raw = input as RawCall;
        id = raw.id;
        name = raw.name ?? raw.tool_name;
        args = raw.args;
        const { retry, timeoutMs, priority, expectedMs, group } = raw;
        if (
          retry !== undefined ||
          timeoutMs !== undefined ||
          priority !== undefined ||
          expectedMs !== undefined ||
          group !== undefined
        )
          overrides = { retry, timeoutMs, priority, expectedMs, group };
      } catch (error) {
        const message = `Call ${index} cannot be read: ${errorText(error)}`;
        this.#early(run, index, placeholderId(index), "", "invalid_call", message);
        return;
      }
    }
    if (typeof id !== "string" || id === "" || typeof name !== "string" || name === "") {
      const call = normalizeCall(input, index);
      this.#early(run, index, call.id, call.name, "invalid_call", call.problem!);
      return;
    }
    const seen = run.seen;
    if (seen !== undefined) {
      if (seen.has(id)) {
        const message = `Call ${index} repeats the id ${quoted(id)} of an earlier call in the batch`;
        this.#early(run, index, id, name, "invalid_call", message);
        return;
      }
      seen.add(id);
    }
    const replay = run.prior?.get(id);
    if (replay !== undefined) {
      this.#settle.replay(run, index, replay);
      return;
    }
    const ended = run.endReason;
    if (ended !== undefined) {
      this.#settle.early(run, index, id, name, batchEnded(run), true);
      return;
    }
    const tool = scheduler.tools.get(name);
    if (tool === undefined) {
      const message = `Unknown tool ${quoted(name)} in call ${quoted(id)} (known tools: ${this.#knownTools()})`;
      this.#early(run, index, id, name, "unknown_tool", message);
      return;
    }
    let retry: ResolvedRetryPolicy | null | undefined;
    let priority =
      run.defaultPriority !== undefined && tool.priority === 0
        ? run.defaultPriority
        : tool.priority;
    let expectedMs = tool.expectedMs;
    const group = overrides?.group;
    if (overrides !== undefined) {
      try {
        retry = checkCallOverrides(id, overrides);
      } catch (error) {
        this.#early(run, index, id, name, "invalid_call", errorText(error));
        return;
      }
      priority = overrides.priority ?? priority;
      expectedMs = overrides.expectedMs ?? expectedMs;
    }
    run.live++;
    const call = new CallState(run, index, id, tool, args, priority, expectedMs, group);
    // A call's own policy comes from a model or a file: it may tighten its tool's, not loosen it.
    const ownTimeout = overrides?.timeoutMs;
    if (ownTimeout !== undefined || retry !== undefined)
      call.override(
        ownTimeout === undefined ? undefined : Math.min(ownTimeout, tool.maxTimeoutMs),
        retry === undefined ? undefined : tool.boundRetry(retry),
      );
    if (tool.validate === null) {
      this.#accept(call);
      return;
    }
    const check = checkArgs(tool, call.args);
    if (check instanceof Promise) {
      // An async Standard Schema: the call joins the queue when its check is done, unless its
      // batch ended first (a deadline or a cancel withdraws it from here, however long the
      // schema takes, or if it never settles).
      run.calls[index] = call;
      check.then((c) => {
        this.#afterCheck(call, c);
        this.#scheduler.drain();
      });
    } else {
      this.#afterCheck(call, check);
    }
  }

  #afterCheck(call: CallState, check: ArgsCheck): void {
    if (call.phase === CallPhase.Done) return;
    if (check.success) {
      // A LangChain tool parses its input itself: parsed twice, a transforming schema would fail.
      if (!call.tool.parsesOwnArgs) call.args = check.data;
      else call.parsedArgs = check.data;
      this.#accept(call);
      return;
    }
    const name = call.tool.name;
    this.#settle.refused(call, {
      kind: "invalid_args",
      message: `Invalid arguments for tool "${name}" in call "${call.id}": ${formatIssues(check.issues)}`,
      data: { issues: check.issues },
    });
  }

  /** Hands a valid call to the scheduler, unless its batch ended or a feature refuses it. */
  #accept(call: CallState): void {
    const run = call.batch;
    if (run.endReason !== undefined) {
      this.#settle.refused(call, batchEnded(run));
      return;
    }
    const scheduler = this.#scheduler;
    const refused = scheduler.features.accept(call);
    // The hook may have ended the batch: a full queue is drained, and a call of this batch that
    // starts there may find its deadline passed. This call ends with its batch, unplaced.
    if (run.endReason !== undefined) {
      this.#settle.refused(call, batchEnded(run));
      return;
    }
    if (refused !== undefined) {
      this.#settle.refused(call, refused);
      return;
    }
    call.seq = scheduler.nextSeq();
    call.phase = CallPhase.Checking;
    run.calls[call.index] = call;
    scheduler.place(call);
  }

  #knownTools(): string {
    const names = [...this.#scheduler.tools.keys()];
    if (names.length === 0) return "none";
    return names.length > 10
      ? `${names.slice(0, 10).join(", ")}, … ${names.length - 10} more`
      : names.join(", ");
  }

  /** Ends a call as it is read; a malformed one stays out of the journal (its id is not its own). */
  #early(
    run: BatchRun<CallState>,
    index: number,
    id: string,
    name: string,
    kind: "invalid_call" | "unknown_tool",
    message: string,
  ): void {
    this.#settle.early(run, index, id, name, { kind, message }, kind !== "invalid_call");
  }
}

/** The error of a call whose batch ended (deadline, cancel) before it could run. */
export function batchEnded(run: BatchRun<object>): OutcomeError {
  const reason = run.endReason!;
  return { kind: reason.kind, message: reason.message, data: { name: reason.name } };
}

/** A call object as admission reads it: LangChain's shape or the tutorial's, with overrides. */
interface RawCall extends Partial<CallOverrides> {
  readonly id?: unknown;
  readonly name?: unknown;
  readonly tool_name?: unknown;
  readonly args?: unknown;
}
