import type { ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import type { ToolMessage } from "@langchain/core/messages";
import type { Command } from "@langchain/langgraph";
import type { AgentMiddleware, ToolCallHandler, ToolCallRequest } from "langchain";
import { CancelledError, type ErrorOutcome, type Executor } from "../core/index.js";
import { ApprovalSeat, type CallSeat } from "./approval-turns.js";
import { isRejection, rejectionAnswer } from "./approvals.js";
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
import { ToolSignals, abortErrorOf } from "./tool-signals.js";
import { langgraph } from "./peers.js";
import { withInputErrors } from "./tool-input-error.js";
import { answerFailure, answerOf, journalable, type ToolErrorHandler } from "./tool-messages.js";

/** Options of {@link volleyMiddleware}. */
export interface VolleyMiddlewareOptions {
  /** The middleware's name, unique among an agent's middleware. @default "VolleyMiddleware" */
  readonly name?: string;
  /**
   * What a failed call answers. Unset (the default), `createAgent`'s own rules hold, wherever
   * the middleware sits in the list:
   * - what the tool (or a middleware inside this one) threw is rethrown as it was thrown, after
   *   the executor's retries, so the middlewares outside this one and `createAgent` see it (the
   *   agent's `ToolInvocationError` for bad arguments becomes its error `ToolMessage`; anything
   *   else fails the run unless a middleware such as `toolErrorMiddleware` handles it);
   * - arguments that fail the tool's schema, and a tool the agent does not have, are left to
   *   `createAgent`, so the model reads its `ToolInvocationError` or its unknown-tool answer;
   * - the failures only Volley has (`timeout`, `deadline`, `cancelled`, `rejected`, `crashed`)
   *   and a tool of the agent the executor does not know answer with an error `ToolMessage`.
   *
   * `true`: every failure answers with Volley's error `ToolMessage` (`status: "error"`).
   * `false`: every failure is thrown: what the tool threw, langchain's `ToolInvocationError` for
   * bad arguments, a `ToolCallFailure` for the rest. A function decides per failure, given
   * the same errors (return `undefined` to throw it).
   * An aborted run (the agent's signal, the invoke config's, the run's) always rejects.
   * @default createAgent's rules (see above)
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

/** `handleToolErrors` as the middleware reads it: `undefined` for createAgent's rules. */
type ErrorMode = boolean | ToolErrorHandler | undefined;

/**
 * A `wrapToolCall` middleware (as `createMiddleware` from `langchain` builds it) for
 * `createAgent`, which runs every tool call of a turn as a task of its own: each call runs
 * LangChain's own handler inside the executor's scheduling, so one executor's slot limits (global
 * and per tool), timeouts (the attempt's signal reaches the tool), retries, journal and events
 * hold across all of the agent's parallel calls. Its defaults keep `createAgent`'s error rules
 * (see {@link VolleyMiddlewareOptions.handleToolErrors}), so it may sit anywhere in the list.
 * Register the agent's tools with the executor too.
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
  const mode: ErrorMode =
    options.handleToolErrors == null
      ? undefined
      : handleToolErrorsOf("volleyMiddleware", options.handleToolErrors);
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
    if (remembered !== undefined) {
      if (remembered.status === "ok") return answerOf(remembered.value, id, call.name, remembered);
      if (isRejection(remembered)) return rejectionAnswer(remembered, id, call.name);
      return answer(mode, remembered, call, undefined);
    }
    let bubbled: unknown;
    const thrown = new AttemptErrors();
    // A sibling task's failure does not end this call: it finishes, and is journaled.
    const signals = new ToolSignals(request.runtime.signal, request.runtime.configurable);
    const runSignal = signals.run;
    try {
      const batch = executor.execute([{ id: call.id, name: call.name, args: call.args }], {
        ...(runSignal ? { signal: runSignal } : {}),
        ...(batchIdOf === false ? {} : { batchId: batchIdOf(request, call) }),
        approve: seat.approve,
        invoke: async (_attempt, ctx) => {
          try {
            return journalable(
              await handler({
                ...request,
                toolCall: seat.toolCall(request.toolCall),
                tool:
                  request.tool === undefined
                    ? undefined
                    : withSignal(request.tool, ctx.signal, signals),
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
            // The error handlers and a rethrow get what the tool threw; the executor gets it
            // classified (after an abort of the agent's signal, cancelled: never retried).
            thrown.note(id, ctx.attempt, error);
            const aborted = signals.aborted();
            throw aborted === undefined
              ? withInputErrors(error)
              : new CancelledError(aborted.reason);
          }
        },
      });
      const outcome = (await batch).outcomes[0]!;
      seat.settle(outcome);
      if (bubbled !== undefined && outcome.status === "error") throw bubbled;
      if (outcome.status === "ok") return answerOf(outcome.value, id, call.name, outcome);
      if (isRejection(outcome)) return rejectionAnswer(outcome, id, call.name);
      // An aborted run rejects, with what the tool rejected with when it did (as it would
      // without Volley: the same error, which langchain passes through untouched).
      const aborted = signals.aborted();
      if (aborted !== undefined) throw thrown.last(outcome) ?? abortErrorOf(aborted);
      if (mode !== true && leftToAgent(outcome, request, thrown)) {
        // Volley refused the call before LangChain saw it: LangChain's own handler answers it
        // as createAgent would (the tool's schema check, its unknown-tool answer).
        try {
          return await handler({ ...request });
        } catch (error) {
          if (langgraph.isGraphBubbleUp(error)) throw error;
          return answer(mode, outcome, call, error);
        }
      }
      return answer(mode, outcome, call, thrown.of(outcome));
    } finally {
      signals.release();
    }
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

/**
 * True for a failure Volley found before LangChain's handler ran, where createAgent has an answer
 * of its own: arguments Volley's check refused, or a tool neither the executor nor the agent has.
 */
function leftToAgent(outcome: ErrorOutcome, request: ToolCallRequest, thrown: AttemptErrors) {
  const kind = outcome.error.kind;
  if (kind === "invalid_args") return thrown.of(outcome) === undefined;
  return kind === "unknown_tool" && request.tool === undefined;
}

/**
 * A failed call's answer. createAgent's rules (`mode` unset): what was thrown is thrown again,
 * the same error, so langchain knows it for one from inside (it wraps any other error of a
 * middleware in a `MiddlewareError`); Volley's own failures answer with a message.
 */
function answer(
  mode: ErrorMode,
  outcome: ErrorOutcome,
  call: LangChainToolCall,
  thrown: unknown,
): ToolMessage {
  if (mode !== undefined) return answerFailure(mode, outcome, call, thrown);
  if (thrown !== undefined) throw thrown;
  // A tool's error replayed from a journal fails the run again, as it did when the call ran
  // (thrown as recorded: a `ToolCallFailure` with the error's name and message).
  if (outcome.error.kind === "tool_error") return answerFailure(false, outcome, call, undefined);
  return answerFailure(true, outcome, call, undefined);
}

function defaultBatchId(request: ToolCallRequest, call: LangChainToolCall): string | undefined {
  return graphBatchId({ configurable: request.runtime.configurable }, [call]);
}

/**
 * The tool as the handler should invoke it: with a signal that aborts on Volley's timeout,
 * deadline and cancel (the attempt's), and on the signal LangChain's handler passes (the agent's
 * merged with the run's), which the handler would otherwise be alone to pass.
 */
function withSignal<T extends object>(tool: T, attempt: AbortSignal, signals: ToolSignals): T {
  const invoke = (tool as { invoke?: unknown }).invoke;
  if (typeof invoke !== "function") return tool;
  return new Proxy(tool, {
    get(target, key) {
      if (key === "invoke") {
        return (input: unknown, config?: Record<string, unknown>) =>
          invoke.call(target, input, {
            ...config,
            signal: signals.forAttempt(attempt, config?.["signal"]),
          });
      }
      // The tool's own methods run on the tool itself (class tools may hold private fields).
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
