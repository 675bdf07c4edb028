/**
 * Asking the reviewer with LangGraph's `interrupt()`, in a task's config, and reading the
 * answer. LangGraph hands a task, on every later run, the resume values its `interrupt()` calls
 * consumed before, in order: so a value refused as malformed comes back first after the corrected
 * one was sent. Such a value is skipped, and the next `interrupt()` reads the new one: known as
 * refused in this process, or, wherever the run is, as a value an earlier run consumed (when the
 * task was resumed with `Command({ resume: value })`).
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { isApprovalDecisionError } from "../core/index.js";
import type { ApprovalMemory } from "./approval-memory.js";
import type { HITLRequest } from "./approvals-hitl.js";
import { coreSingletons, langgraph } from "./peers.js";
import { pregelTask } from "./pregel-task.js";

/**
 * Asks with one `interrupt(request)` and reads its answer with `read`, which throws an
 * `ApprovalDecisionError` for one that does not fit. A stale refused answer is skipped.
 * @throws what `interrupt()` throws (LangGraph's `GraphInterrupt` when nobody has answered
 *   yet), and what `read` throws for a fresh answer (then noted as refused under `key`).
 */
export async function askReviewer<T>(
  config: LangGraphRunnableConfig | undefined,
  request: HITLRequest,
  memory: ApprovalMemory,
  key: string | undefined,
  read: (resume: unknown) => T | Promise<T>,
): Promise<T> {
  for (;;) {
    const earlier = nextIsFromEarlierRun(config);
    const resume: unknown = coreSingletons.AsyncLocalStorageProviderSingleton.runWithConfig(
      config,
      () => langgraph.interrupt(request),
    );
    try {
      const answer = await read(resume);
      if (key !== undefined) memory.decided(key);
      return answer;
    } catch (error) {
      const stale = earlier || (key !== undefined && memory.refused(key, resume));
      if (stale && isApprovalDecisionError(error)) continue;
      if (key !== undefined) memory.refuse(key, resume);
      throw error;
    }
  }
}

/**
 * True when the task's next `interrupt()` returns a value an earlier run consumed: there are
 * more resume values than interrupts so far, and none came by interrupt id this run (a resume
 * map may add this run's value to the same list). LangGraph's internals, read defensively: false
 * when the task does not look like LangGraph 1.x's.
 */
function nextIsFromEarlierRun(config: LangGraphRunnableConfig | undefined): boolean {
  const task = pregelTask(config?.configurable);
  if (task === undefined || task.resumeMap !== undefined) return false;
  const pad = task.scratchpad;
  return pad.interruptCounter + 1 < pad.resume.length;
}
