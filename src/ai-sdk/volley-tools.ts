import { randomUUID } from "node:crypto";
import type { ToolSet } from "ai";
import { describeValue, quoted } from "../core/describe-value.js";
import type { ApprovalDecision, Approver, ExecuteOptions, Executor } from "../core/index.js";
import { sdkCalls, sdkParsed, type SdkCall } from "./sdk-calls.js";
import { ToolOutcomeError } from "./tool-outcome-error.js";
import { readToolSet, type AiSdkToolLike } from "./tool-set.js";

/**
 * The AI SDK tool set `tools` with each `execute` run through `executor`, so that the parallel
 * tool calls of `generateText` and `streamText` share its limits, timeouts, retries, circuit
 * breakers, journal and events. The result has the type of `tools`, so the typed tool results
 * still work.
 *
 * Each call is one batch of the executor (its limits hold across batches): its id is the SDK's
 * `toolCallId`, the SDK's `abortSignal` cancels it, and the executor runs the tool it has under
 * the call's name, which is usually the one {@link fromAiSdkTools} made of the same tool (it then
 * gets the SDK's `messages` and `experimental_context`, and an `abortSignal` that also aborts on
 * Volley's timeout). An ok outcome returns its value; an error outcome throws a
 * {@link ToolOutcomeError} with its kind and message, which the SDK records as a `tool-error`
 * the model reads. A tool the SDK approved (its `needsApproval`) is approved in Volley too.
 * Tools without `execute` (client-side tools) are returned unchanged.
 * @throws TypeError when `executor` is not an executor, `tools` is not a tool set, or the
 *   executor lacks a tool of the set, naming the missing ones.
 * @example
 * const executor = createExecutor({ tools: fromAiSdkTools(tools), concurrency: 4 });
 * const result = await generateText({ model, tools: volleyTools(executor, tools), stopWhen: stepCountIs(5), prompt });
 */
export function volleyTools<const TOOLS extends ToolSet>(executor: Executor, tools: TOOLS): TOOLS {
  checkExecutor(executor);
  const entries = readToolSet("volleyTools", tools);
  const known = new Set(executor.toolNames);
  const missing = entries.filter((e) => e.execute !== undefined && !known.has(e.name));
  if (missing.length > 0) {
    const names = missing.map((e) => quoted(e.name)).join(", ");
    const has = [...known].map(quoted).join(", ") || "none";
    throw new TypeError(
      `volleyTools(): the executor has no tool named ${names} (its tools: ${has}); make it with createExecutor({ tools: fromAiSdkTools(tools) })`,
    );
  }
  const wrapped: Record<string, unknown> = {};
  for (const { name, tool, execute } of entries) {
    wrapped[name] =
      execute === undefined
        ? tool
        : { ...tool, execute: executeThrough(executor, name, tool, sdkApproves(tool)) };
  }
  return wrapped as TOOLS;
}

/**
 * Each call's batch id: unique across processes (a durable journal keys outcomes by it, and must
 * never take one call for another), and cheaper than a UUID per call.
 */
const BATCH_PREFIX = `ai-sdk-${randomUUID()}-`;
let batches = 0;

/** The `execute` of a wrapped tool: one batch of one call, its outcome mapped back. */
function executeThrough(
  executor: Executor,
  name: string,
  tool: AiSdkToolLike,
  approve: Approver | undefined,
): (input: unknown, options: Readonly<Record<string, unknown>>) => Promise<unknown> {
  return async (input, options) => {
    if (typeof input === "object" && input !== null) sdkParsed.set(input, tool.inputSchema);
    const signal = options?.["abortSignal"] as AbortSignal | undefined;
    const batchId = `${BATCH_PREFIX}${++batches}`;
    const call: SdkCall = { options: options ?? {}, thrown: undefined };
    const batchOptions: ExecuteOptions = { batchId, signal, approve };
    sdkCalls.set(batchId, call);
    try {
      const report = await executor.execute(
        [{ id: options?.["toolCallId"] as string | undefined, name, args: input }],
        batchOptions,
      );
      const outcome = report.outcomes[0]!;
      if (outcome.status === "ok") return outcome.value;
      const cause =
        outcome.error.kind === "tool_error"
          ? call.thrown?.error
          : outcome.error.kind === "cancelled" && signal?.aborted
            ? (signal.reason as unknown)
            : undefined;
      throw new ToolOutcomeError(outcome, cause === undefined ? undefined : { cause });
    } finally {
      sdkCalls.delete(batchId);
    }
  };
}

/**
 * The SDK runs a tool whose `needsApproval` says yes only once a user approved the call, so
 * Volley, told the same `needsApproval` by {@link fromAiSdkTools}, must not ask again. Tools the
 * SDK asks nothing about get no approver: a Volley-only `needsApproval` still refuses the call.
 */
function sdkApproves(tool: AiSdkToolLike): Approver | undefined {
  const needs = tool.needsApproval;
  return needs === undefined || needs === false ? undefined : approveAll;
}

const approveAll: Approver = (requests) =>
  requests.map((): ApprovalDecision => ({ type: "approve" }));

function checkExecutor(executor: unknown): asserts executor is Executor {
  const ok =
    typeof executor === "object" &&
    executor !== null &&
    typeof (executor as Executor).execute === "function" &&
    Array.isArray((executor as Executor).toolNames);
  if (!ok) {
    throw new TypeError(
      `Expected volleyTools(executor, tools) to get an executor made by createExecutor(), got ${describeValue(executor)}`,
    );
  }
}
