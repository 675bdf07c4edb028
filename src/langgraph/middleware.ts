import type { ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import type { ToolMessage } from "@langchain/core/messages";
import type { Command } from "@langchain/langgraph";
import type { AgentMiddleware, ToolCallHandler, ToolCallRequest } from "langchain";
import type { Executor } from "../core/index.js";
import { ApprovalSeat, type CallSeat } from "./approval-turns.js";
import { answerRemembered, isRejection, rejectionAnswer } from "./approvals.js";
import { AttemptErrors } from "./attempt-errors.js";
import { graphBatchId } from "./batch-id.js";
import { InterruptedCallError } from "./interrupted-call.js";
import { optionKeys } from "../core/validate-options.js";
import {
  checkBatchId,
  checkExecutor,
  checkOptionsObject,
  handleToolErrorsOf,
} from "./node-options.js";
import { abortReason } from "./run-config.js";
import { langgraph } from "./peers.js";
import { withInputErrors } from "./tool-input-error.js";
import { answerFailure, answerOf, journalable, type ToolErrorHandler } from "./tool-messages.js";

/** Options of {@link volleyMiddleware}. */
export interface VolleyMiddlewareOptions {
  /** The middleware's name, unique among an agent's middleware. @default "VolleyMiddleware" */
  readonly name?: string;
  /**
   * `true`: a failed call answers with an error `ToolMessage` (`status: "error"`). `false`: the
   * error is thrown to the agent (LangChain's own `handleToolErrors` rules then apply). A
   * function decides per failure.
   * @default true
   */
  readonly handleToolErrors?: boolean | ToolErrorHandler;
  /**
   * The batch id of each call, the key a journal replays it by. `false`: a random id each time.
   * @default graphBatchId(runtime, [call]): from the thread, the node and the call
   */
  readonly batchId?:
    false | ((request: ToolCallRequest, call: LangChainToolCall) => string | undefined);
}

/** The keys of {@link VolleyMiddlewareOptions}. */
const MIDDLEWARE_KEYS = optionKeys<VolleyMiddlewareOptions>()([
  "name",
  "handleToolErrors",
  "batchId",
]);

/**
 * A `wrapToolCall` middleware (as `createMiddleware` from `langchain` builds it) for
 * `createAgent`, which runs every tool call of a turn as a task of its own: each call runs
 * LangChain's own handler inside the executor's scheduling, so one executor's slot limits (global and per tool), timeouts (the attempt's signal
 * reaches the tool), retries, journal and events hold across all of the agent's parallel calls.
 * Register the agent's tools with the executor too: a call of a tool the executor does not know
 * answers with an `unknown_tool` error.
 * @throws TypeError when not given an executor.
 * @example
 * const executor = createExecutor({ tools: [search, fetchPage], concurrency: 4 });
 * const agent = createAgent({ model, tools: [search, fetchPage], middleware: [volleyMiddleware(executor)] });
 */
export function volleyMiddleware(
  executor: Executor,
  options: VolleyMiddlewareOptions = {},
): AgentMiddleware {
  checkExecutor("volleyMiddleware", executor);
  checkOptionsObject("volleyMiddleware", options, MIDDLEWARE_KEYS);
  const handle = handleToolErrorsOf("volleyMiddleware", options.handleToolErrors);
  const batchIdOf = options.batchId ?? defaultBatchId;
  checkBatchId("volleyMiddleware", batchIdOf);
  const runCall = async (
    request: ToolCallRequest,
    handler: ToolCallHandler,
    seat: CallSeat,
  ): Promise<ToolMessage | Command> => {
    const call = request.toolCall;
    const id = call.id ?? "";
    const remembered = seat.remembered;
    if (remembered !== undefined) return answerRemembered(remembered, call, handle);
    let bubbled: unknown;
    const thrown = new AttemptErrors();
    const signal = request.runtime.signal;
    const batch = executor.execute([{ id: call.id, name: call.name, args: call.args }], {
      ...(signal ? { signal } : {}),
      ...(batchIdOf === false ? {} : { batchId: batchIdOf(request, call) }),
      approve: seat.approve,
      invoke: async (_attempt, ctx) => {
        try {
          return journalable(
            await handler({
              ...request,
              toolCall: seat.toolCall(request.toolCall),
              tool: request.tool === undefined ? undefined : withSignal(request.tool, ctx.signal),
              runtime: { ...request.runtime, signal: ctx.signal },
            }),
          );
        } catch (error) {
          if (langgraph.isGraphBubbleUp(error)) {
            // An interrupt is not a failure: it ends the call "cancelled" (never retried, never
            // journaled, so a resume runs it again), and LangGraph gets it below.
            bubbled = error;
            throw new InterruptedCallError(id);
          }
          // The error handlers and a rethrow get what the tool threw (createAgent recovers only
          // from its own ToolInvocationError); the executor gets it classified.
          thrown.note(id, ctx.attempt, error);
          throw withInputErrors(error);
        }
      },
    });
    const outcome = (await batch).outcomes[0]!;
    seat.settle(outcome);
    if (bubbled !== undefined && outcome.status === "error") throw bubbled;
    if (outcome.status === "ok") return answerOf(outcome.value, id, call.name, outcome);
    if (isRejection(outcome)) return rejectionAnswer(outcome, id, call.name);
    if (signal?.aborted) throw abortReason(signal);
    return answerFailure(handle, outcome, call, thrown.of(outcome));
  };
  const wrapToolCall = async (
    request: ToolCallRequest,
    handler: ToolCallHandler,
  ): Promise<ToolMessage | Command> => {
    // The turn's calls meet by its AIMessage, so its approvals raise one interrupt.
    const seat = ApprovalSeat.join(executor, {
      toolCall: request.toolCall,
      state: request.state,
      configurable: request.runtime?.configurable,
    });
    try {
      return await runCall(request, handler, seat);
    } finally {
      seat.leave();
    }
  };
  // What langchain's createMiddleware() builds: its public brand (MIDDLEWARE_BRAND, a global
  // Symbol.for) and the hooks. Built here so that volley/langgraph loads without `langchain`
  // installed, for LangGraph users who never call this.
  return {
    [Symbol.for("AgentMiddleware")]: true,
    name: options.name ?? "VolleyMiddleware",
    wrapToolCall,
  } as unknown as AgentMiddleware;
}

function defaultBatchId(request: ToolCallRequest, call: LangChainToolCall): string | undefined {
  return graphBatchId({ configurable: request.runtime.configurable }, [call]);
}

/**
 * The tool as the handler should invoke it: with the attempt's signal, which aborts on Volley's
 * timeout, deadline and cancel (LangChain's handler otherwise passes only the graph's signal).
 */
function withSignal<T extends object>(tool: T, signal: AbortSignal): T {
  const invoke = (tool as { invoke?: unknown }).invoke;
  if (typeof invoke !== "function") return tool;
  return new Proxy(tool, {
    get(target, key) {
      if (key === "invoke") {
        return (input: unknown, config?: Record<string, unknown>) =>
          invoke.call(target, input, { ...config, signal });
      }
      // The tool's own methods run on the tool itself (class tools may hold private fields).
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
