/**
 * The worker-thread side of `volley/threads`: piscina calls the default export once per attempt.
 * Keep this module's own imports infallible: a worker that fails while starting is not replaced.
 */
import process from "node:process";
import { workerData } from "node:worker_threads";
import { describeValue, errorText } from "../core/describe-value.js";
import { VolleyError } from "../core/errors/volley-error.js";
import { cloneCopy, flattenError } from "../core/wire-error.js";
import { formatIssues, makeValidator } from "../core/schema.js";
import { assertProgressUpdate } from "../core/engine/attempt-context.js";
import { isVolleyTool, type AnyTool, type ProgressUpdate, type ToolContext } from "../core/tool.js";
import { isToolsModuleError, loadToolsModule } from "../tools-module/load-tools-module.js";
import type { WarmTask, WireError, WorkerReply, WorkerSetup, WorkerTask } from "./protocol.js";

/** Each tool's argument check, made once per thread. */
const validators = new WeakMap<AnyTool, ReturnType<typeof makeValidator>>();

/** `Atomics.waitAsync` (Node 16+; TypeScript's lib has it from ES2024 on). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync.bind(Atomics);

/** Longest an answer waits for the tool's printed output to reach the main thread (ms). */
const FLUSH_WAIT_MS = 1_000;

/** Longest a warmed-up thread waits for the other threads of its pool to take theirs (ms). */
const WARM_HOLD_MS = 10_000;

/** Tools modules this thread has loaded, by URL. */
const modules = new Map<string, Promise<ReadonlyMap<string, AnyTool>>>();

/**
 * When Volley runs from source, tools modules load the way they do in the parent (under tsx or
 * vitest): TypeScript, and `.js` specifiers that name `.ts` files.
 */
const setup = workerData as WorkerSetup | null;
const hooks: Promise<unknown> =
  setup?.fromSource === true
    ? import("tsx/esm/api").then((tsx) => tsx.register())
    : Promise.resolve();
// Handled here so that a failure cannot kill the thread before an attempt asks (and reports it).
hooks.catch(() => {});

function toolsOf(url: string): Promise<ReadonlyMap<string, AnyTool>> {
  let pending = modules.get(url);
  if (pending === undefined) {
    pending = hooks
      .then(() => loadToolsModule(url))
      .then((tools) => new Map(tools.map((t) => [t.name, t])));
    modules.set(url, pending);
    pending.catch(() => modules.delete(url));
  }
  return pending;
}

// After piscina has marked this thread ready (it does so once this module has loaded): a thread
// that dies before it is ready is never replaced. A module that fails to preload is loaded again
// by the first attempt that needs it, which then reports the failure.
setTimeout(() => {
  for (const url of setup?.preload ?? []) toolsOf(url).catch(() => {});
}, 0);

/** Runs one attempt in this thread (or a warm-up). Never rejects: failures are answers. */
export default async function runAttempt(task: WorkerTask | WarmTask): Promise<WorkerReply> {
  const reply = "warm" in task ? await warm(task) : await attempt(task);
  await flushOutput();
  return reply;
}

/**
 * Resolves once what this thread printed has reached the main thread. A thread's stdout and
 * stderr hold lines until the main thread takes them, and a thread terminated (on a timeout,
 * at close) after it replied would drop them: the tool's last lines, often all but the first.
 */
function flushOutput(): Promise<unknown> {
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length === 0) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    Promise.all(pending.map((s) => new Promise<void>((done) => s.write("", () => done())))),
    // A main thread that stopped reading must not hold the answer up for long.
    new Promise<void>((done) => (timer = setTimeout(done, FLUSH_WAIT_MS))),
  ]).finally(() => clearTimeout(timer));
}

async function attempt(task: WorkerTask): Promise<WorkerReply> {
  let tool: AnyTool | undefined;
  try {
    const tools = await toolsOf(task.module);
    tool = tools.get(task.tool);
    if (tool === undefined) {
      return fail({
        name: "ToolNotFound",
        message: `Tools module ${task.module} exports no tool named "${task.tool}" (it exports: ${[...tools.keys()].join(", ")})`,
        final: true,
      });
    }
  } catch (error) {
    const wire = flattenError(error, cloneCopy);
    return fail(isToolsModuleError(error) ? { ...wire, final: true } : wire);
  }
  let value: unknown;
  try {
    value = await invoke(tool, task);
  } catch (error) {
    return fail(flattenError(error, cloneCopy));
  }
  try {
    // postMessage would throw outside any handler and kill the thread: find out here instead.
    structuredClone(value);
  } catch (error) {
    return fail({
      name: "DataCloneError",
      message: `Tool "${task.tool}" returned a value that cannot cross from its worker thread by structured clone, got ${describeValue(value)}: ${errorText(error)}`,
      final: true,
    });
  }
  return { ok: true, value };
}

/**
 * Loads the modules (a module that fails is left to the first attempt that needs it, which
 * reports why), then waits until every thread of the pool has taken its warm task.
 */
async function warm(task: WarmTask): Promise<WorkerReply> {
  const { state, threads } = task;
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
  await Promise.allSettled(task.warm.map((url) => toolsOf(url)));
  // Bounded: threads busy with long attempts (a warm-up while a batch runs) may take theirs late.
  const until = Date.now() + WARM_HOLD_MS;
  for (;;) {
    const arrived = Atomics.load(state, 0);
    if (arrived >= threads || Atomics.load(state, 1) !== 0 || Date.now() >= until) break;
    // Woken by each arrival and by the stop flag; the bound is a safety net, not a poll.
    const wait = waitAsync(state, 0, arrived, 1_000);
    if (wait.async) await wait.value;
  }
  return { ok: true, value: undefined };
}

async function invoke(tool: AnyTool, task: WorkerTask): Promise<unknown> {
  // The thread is terminated when an attempt must stop, so this signal never fires; it is still
  // a real one, for tools that pass it on, and a fresh one, so listeners do not pile up on it.
  const signal = new AbortController().signal;
  const ctx: ToolContext = {
    signal,
    callId: task.callId,
    batchId: task.batchId,
    attempt: task.attempt,
    deadline: task.deadline,
    idempotencyKey: task.idempotencyKey,
    progress: reporterOf(task),
  };
  if (isVolleyTool(tool)) {
    return (tool.run as (args: unknown, ctx: ToolContext) => unknown)(await parse(tool, task), ctx);
  }
  const lc = tool as unknown as {
    invoke(input: unknown, config: { signal: AbortSignal }): Promise<unknown>;
  };
  return lc.invoke(task.args, { signal });
}

/**
 * The attempt's `ctx.progress()`: it checks each report here, so a malformed one throws in the
 * tool as it would inline, and posts it to the main thread when something there hears it. Only
 * the three fields cross, so whatever else the object holds cannot fail the structured clone.
 * After the attempt the main thread closes the channel, and a late report goes nowhere.
 */
function reporterOf(task: WorkerTask): (update?: ProgressUpdate) => void {
  const port = task.progress;
  if (port === undefined) return (update) => checkProgress(task, update);
  return (update) => {
    checkProgress(task, update);
    if (update === undefined) {
      port.postMessage(undefined);
      return;
    }
    const { progress, total, message } = update;
    const report: { progress?: number; total?: number; message?: string } = {};
    if (progress !== undefined) report.progress = progress;
    if (total !== undefined) report.total = total;
    if (message !== undefined) report.message = message;
    port.postMessage(report);
  };
}

function checkProgress(task: WorkerTask, update: unknown): void {
  if (update !== undefined) assertProgressUpdate(task.tool, update);
}

/**
 * The parent checked these arguments and sent them as given: parse them here with the tool's
 * schema, so that what a transform makes (a class instance) reaches the tool whole.
 */
async function parse(tool: AnyTool, task: WorkerTask): Promise<unknown> {
  let validate = validators.get(tool);
  if (validate === undefined) {
    validate = makeValidator(tool.schema);
    validators.set(tool, validate);
  }
  if (validate === null) return task.args;
  const check = await validate(task.args);
  if (check.success) return check.data;
  // Checked in the main thread already, so a schema that answers otherwise here depends on
  // where it runs; still bad arguments, and never worth a retry.
  throw new VolleyError(
    "invalid_args",
    `Invalid arguments for tool "${task.tool}" in call "${task.callId}", found in its worker thread: ${formatIssues(check.issues)}`,
  );
}

function fail(error: WireError): WorkerReply {
  return { ok: false, error };
}
