import type { AIMessage, BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { InvalidToolCall, ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import type { Command, LangGraphRunnableConfig, Send } from "@langchain/langgraph";
import {
  isLangChainTool,
  isVolleyTool,
  type AnyTool,
  type AttemptInvoker,
  type ErrorOutcome,
  type Executor,
  type Outcome,
  type ToolContext,
} from "../core/index.js";
import { optionKeys } from "../core/validate-options.js";
import { editedCall, isRejection, nodeApprovals, rejectionAnswer } from "./approvals.js";
import { AttemptErrors } from "./attempt-errors.js";
import { graphBatchId } from "./batch-id.js";
import { CallInterrupts, answersFailure } from "./call-interrupts.js";
import { InterruptedCallError } from "./interrupted-call.js";
import {
  checkBatchId,
  checkDeadlineMs,
  checkOptionsObject,
  executorOf,
  handleToolErrorsOf,
  toolErrorMessagesOf,
  type ExecutorOrTools,
  type NodeExecutorOptions,
} from "./node-options.js";
import type { ToolOutcomeChunk } from "./parallel-tool-node.js";
import { coreMessages, langgraph, langgraphPrebuilt } from "./peers.js";
import { runCalls } from "./run-calls.js";
import { runInConfig } from "./run-in-config.js";
import { withInputErrors } from "./tool-input-error.js";
import { abortReason, runLimits } from "./run-config.js";
import {
  answerFailure,
  answerOf,
  journalable,
  type ToolAnswer,
  type ToolErrorHandler,
  type ToolErrorMessages,
} from "./tool-messages.js";
import { langChainInputError } from "./langchain-input-check.js";

const { isCommand, isGraphBubbleUp } = langgraph;
const { ToolNode } = langgraphPrebuilt;
type ToolNode = InstanceType<typeof ToolNode>;

/** Options of {@link VolleyToolNode}. */
export interface VolleyToolNodeOptions {
  /** The node's run name. @default "tools" */
  readonly name?: string;
  /** Tags for the node's runs. */
  readonly tags?: string[];
  /**
   * `true`: a failed call answers with an error `ToolMessage` (`status: "error"`), as in
   * `ToolNode`. `false`: the first failure (in call order) is thrown out of the node once the
   * batch has finished. A function decides per failure.
   * @default true
   */
  readonly handleToolErrors?: boolean | ToolErrorHandler;
  /**
   * The texts of the error answers that `handleToolErrors: true` gives, by error kind: a string,
   * or `(outcome, call, error) => string`. A kind left out keeps its default: `ToolNode`'s own
   * wording for an unknown tool, bad arguments and a tool that threw (`Error: …\n Please fix
   * your mistakes.`), and a sentence that says what happened for Volley's own kinds ("The tool
   * "search" timed out after 2 s; the call did not finish."). Each error answer also carries
   * the outcome's error, whatever its text: read it with `toolMessageError(message)`.
   * @default {}
   * @example { timeout: (outcome, call) => `${call.name} is slow today; answer without it.` }
   */
  readonly messages?: ToolErrorMessages;
  /** Options of the executor the node makes, when it is given tools rather than an executor. */
  readonly executor?: NodeExecutorOptions;
  /**
   * Each step's time budget (ms): calls still running when it passes end `deadline`.
   * @default Infinity
   */
  readonly deadlineMs?: number;
  /** Priority of the step's calls that set none. @default the tools' own */
  readonly priority?: number;
  /**
   * Write each outcome to LangGraph's custom stream (`streamMode: "custom"`) as it finishes, as a
   * `{ type: "volley:outcome", outcome }` chunk. Off by default, so that a graph's own custom
   * stream is unchanged when it swaps `ToolNode` for this node.
   * @default false
   */
  readonly stream?: boolean;
  /**
   * The batch id of a step, the key a journal resumes it by. `false`: a random id each time.
   * @default graphBatchId(config, calls, { messageId }): from the thread, the node and the AIMessage
   */
  readonly batchId?:
    | false
    | ((
        config: LangGraphRunnableConfig,
        calls: readonly LangChainToolCall[],
        messageId: string | undefined,
      ) => string | undefined);
}

/** The keys of {@link VolleyToolNodeOptions}. */
const TOOL_NODE_KEYS = optionKeys<VolleyToolNodeOptions>()([
  "name",
  "tags",
  "handleToolErrors",
  "messages",
  "executor",
  "deadlineMs",
  "priority",
  "stream",
  "batchId",
]);

interface SendInput {
  readonly lg_tool_call: LangChainToolCall;
  readonly [key: string]: unknown;
}

/**
 * A drop-in for LangGraph's `ToolNode` that runs the last AIMessage's tool calls through a
 * Volley executor: bounded, with timeouts, retries, events and a journal. It answers every call
 * with a `ToolMessage` (artifacts and `Command`s pass through, `interrupt()` too), answers every
 * `invalid_tool_calls` entry with an error `ToolMessage`, and maps the run config's
 * `maxConcurrency`, `timeout` and `signal` onto the executor, which `ToolNode` ignores.
 * For `createAgent` from `langchain`, use {@link volleyMiddleware} instead.
 * @example
 * const tools = new VolleyToolNode(createExecutor({ tools: [search, fetchPage], concurrency: 4 }));
 * const graph = new StateGraph(MessagesAnnotation)
 *   .addNode("agent", callModel)
 *   .addNode("tools", tools)
 *   .addEdge(START, "agent")
 *   .addConditionalEdges("agent", toolsCondition)
 *   .addEdge("tools", "agent")
 *   .compile();
 */
export class VolleyToolNode extends ToolNode {
  /** The executor the calls run on. */
  readonly executor: Executor;
  readonly #byName: ReadonlyMap<string, AnyTool>;
  readonly #handle: boolean | ToolErrorHandler;
  readonly #messages: ToolErrorMessages;
  readonly #deadlineMs: number | undefined;
  readonly #priority: number | undefined;
  readonly #batchId: NonNullable<VolleyToolNodeOptions["batchId"]>;
  readonly #stream: boolean;

  /**
   * @param toolsOrExecutor An executor from `createExecutor()`, or the tools to make one from
   *   (`defineTool()` tools or `@langchain/core` tools).
   * @throws TypeError for neither an executor nor tools, or a bad option.
   */
  constructor(toolsOrExecutor: ExecutorOrTools, options: VolleyToolNodeOptions = {}) {
    checkOptionsObject("VolleyToolNode", options, TOOL_NODE_KEYS);
    const executor = executorOf("VolleyToolNode", toolsOrExecutor, options.executor);
    const handle = handleToolErrorsOf("VolleyToolNode", options.handleToolErrors);
    const messages = toolErrorMessagesOf("VolleyToolNode", options.messages);
    const { deadlineMs, batchId = defaultBatchId } = options;
    checkDeadlineMs("VolleyToolNode", deadlineMs);
    checkBatchId("VolleyToolNode", batchId);
    super(executor.tools as unknown as ToolNode["tools"], {
      name: options.name ?? "tools",
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      handleToolErrors: handle !== false,
    });
    this.executor = executor;
    this.#byName = new Map(executor.tools.map((tool) => [tool.name, tool]));
    this.#handle = handle;
    this.#messages = messages;
    this.#deadlineMs = deadlineMs;
    this.#priority = options.priority;
    this.#batchId = batchId;
    this.#stream = options.stream === true;
  }

  /**
   * Runs the input's tool calls (the last AIMessage's, or one `Send`'s) through the executor and
   * answers each with a `ToolMessage` or a `Command`, as `ToolNode` does.
   */
  protected override async run(
    input: unknown,
    config: LangGraphRunnableConfig = {},
  ): Promise<unknown> {
    const { calls, invalid, state, messageId } = readInput(input);
    const byId = new Map<string, LangChainToolCall>();
    for (const call of calls) if (call.id != null && !byId.has(call.id)) byId.set(call.id, call);
    const bubbled = new Map<string, unknown>();
    const thrown = new AttemptErrors();
    // Each call interrupts, and is resumed, on its own (see CallInterrupts). Opened before
    // anything in the node reads the task's resume values: it takes its record out of them.
    const interrupts = CallInterrupts.open(config);
    const approvals = nodeApprovals(
      {
        where: "VolleyToolNode",
        executor: this.executor,
        config,
        calls,
        key: graphBatchId(config, calls, { messageId }),
        toolInterrupted: () => bubbled.size > 0,
      },
      // A call in a Send of its own meets the rest of its turn, which raises one interrupt.
      isSendInput(input) && calls[0] !== undefined
        ? { toolCall: calls[0], state, configurable: config.configurable, config }
        : undefined,
    );
    const invoke: AttemptInvoker = (attempt, ctx, run) => {
      const call = editedCall(byId.get(attempt.id), approvals);
      let pending: unknown;
      try {
        const callConfig = interrupts.configFor(attempt.id, config);
        pending = this.#invokeTool(attempt.name, call, ctx, run, callConfig, state);
      } catch (error) {
        pending = Promise.reject(error);
      }
      return Promise.resolve(pending).then(journalable, (error: unknown) => {
        if (isGraphBubbleUp(error)) {
          // An interrupt or a parent command is not a failure: it ends the call "cancelled"
          // (never retried, never journaled, so a resume runs it again with the resume value),
          // and goes to LangGraph once the batch is done.
          bubbled.set(attempt.id, error);
          interrupts.adopt(attempt.id, error);
          throw new InterruptedCallError(attempt.id);
        }
        // The error handlers and a rethrow get what the tool threw, as under ToolNode; the
        // executor gets it classified.
        thrown.note(attempt.id, ctx.attempt, error);
        throw withInputErrors(error);
      });
    };
    const limits = runLimits(config);
    const writer = this.#stream ? config.writer : undefined;
    const tell =
      typeof writer === "function"
        ? (outcome: Outcome) =>
            writer({ type: "volley:outcome", outcome } satisfies ToolOutcomeChunk)
        : undefined;
    let ran: Outcome[];
    try {
      ran =
        calls.length === 0
          ? []
          : await interrupts.run(
              approvals.toRun,
              (todo, reindex) =>
                runCalls(this.executor, todo, {
                  batchId:
                    this.#batchId === false ? undefined : this.#batchId(config, calls, messageId),
                  signal: limits.signal,
                  deadlineMs: this.#deadlineMs,
                  priority: this.#priority,
                  maxConcurrency: limits.maxConcurrency,
                  invoke,
                  approve: approvals.approve,
                  onOutcome: tell && ((outcome) => tell(reindex(outcome))),
                }),
              tell,
            );
    } catch (error) {
      approvals.abandon();
      throw error;
    }
    const stopping =
      limits.signal?.aborted === true || ran.some((o) => o.status === "error" && bubbled.has(o.id));
    const outcomes = approvals.outcomes(ran, stopping);
    const failures = outcomes.map((outcome) => thrown.of(outcome));
    for (const [i, outcome] of outcomes.entries()) {
      // Arguments the executor refused before a LangChain tool ran (rare): what the tool would
      // have thrown for them, so that the answer and a rethrow are ToolNode's.
      const call = calls[outcome.index];
      if (failures[i] === undefined && outcome.status === "error" && call !== undefined) {
        if (outcome.error.kind === "invalid_args")
          failures[i] = await langChainInputError(this.#byName.get(outcome.name), call);
      }
    }
    const failureOf = new Map(outcomes.map((outcome, i) => [outcome, failures[i]]));
    const keeps = (outcome: Outcome): boolean =>
      outcome.status === "ok" ||
      answersFailure(this.#handle, outcome, calls[outcome.index], failureOf.get(outcome));
    return interrupts.settle(outcomes, bubbled, keeps, () => {
      // The approval interrupt, here: the finished calls are kept in the task's checkpoint first.
      approvals.raise();
      if (limits.signal?.aborted) throw abortReason(limits.signal);
      const answers: ToolAnswer[] = outcomes.map((outcome, i) =>
        this.#answer(outcome, calls[outcome.index], failures[i]),
      );
      for (const call of invalid) answers.push(this.#answerInvalid(call));
      return combine(answers, Array.isArray(input));
    });
  }

  #invokeTool(
    name: string,
    call: LangChainToolCall | undefined,
    ctx: ToolContext,
    run: () => unknown,
    config: LangGraphRunnableConfig,
    state: unknown,
  ): unknown {
    const tool = this.#byName.get(name);
    const runConfig = { ...config, signal: ctx.signal };
    if (tool !== undefined && call !== undefined && !isVolleyTool(tool) && isLangChainTool(tool)) {
      // With the full tool call, a LangChain tool answers with its own ToolMessage (artifact
      // included) or a Command, and gets the ToolRuntime that ToolNode would give it.
      const lc = tool as unknown as {
        invoke(input: unknown, config: Record<string, unknown>): Promise<unknown>;
      };
      return lc.invoke(
        { ...call, type: "tool_call" },
        {
          ...runConfig,
          config: runConfig,
          state,
          toolCallId: call.id ?? "",
          context: config.context,
          store: config.store ?? null,
          writer: config.writer ?? null,
        },
      );
    }
    // A Volley tool runs as the executor would run it (inline or on its backend), inside the
    // graph's config, so that interrupt() and getConfig() work in it.
    return runInConfig(runConfig, run);
  }

  #answer(outcome: Outcome, call: LangChainToolCall | undefined, thrown: unknown): ToolAnswer {
    const id = call?.id ?? "";
    const name = call?.name ?? outcome.name;
    if (outcome.status === "ok") return answerOf(outcome.value, id, name, outcome);
    if (isRejection(outcome)) return rejectionAnswer(outcome, id, name);
    const failed = call ?? { id, name, args: {} };
    return answerFailure(this.#handle, outcome, failed, thrown, this.#messages);
  }

  #answerInvalid(call: InvalidToolCall): ToolMessage {
    const id = call.id ?? "";
    const name = call.name ?? "";
    const message = `The arguments of the call${name ? ` to "${name}"` : ""} could not be read: ${call.error ?? "they are not valid JSON"}${call.args ? ` (got: ${call.args})` : ""}`;
    const outcome: ErrorOutcome = {
      id,
      index: -1,
      name,
      status: "error",
      error: { kind: "invalid_call", message },
      startedAt: null,
      durationMs: 0,
      attempts: 0,
    };
    return answerFailure(this.#handle, outcome, { id, name, args: {} }, undefined, this.#messages);
  }
}

function defaultBatchId(
  config: LangGraphRunnableConfig,
  calls: readonly LangChainToolCall[],
  messageId: string | undefined,
): string | undefined {
  return graphBatchId(config, calls, { messageId });
}

function isSendInput(input: unknown): input is SendInput {
  return typeof input === "object" && input !== null && "lg_tool_call" in input;
}

interface NodeInput {
  readonly calls: LangChainToolCall[];
  readonly invalid: InvalidToolCall[];
  readonly state: unknown;
  readonly messageId: string | undefined;
}

/** Reads the calls to run, as ToolNode does: a `Send` payload, or the last AIMessage's calls not yet answered. */
function readInput(input: unknown): NodeInput {
  if (isSendInput(input)) {
    const { lg_tool_call: call, ...state } = input;
    return { calls: [call], invalid: [], state, messageId: undefined };
  }
  const messages: unknown = Array.isArray(input)
    ? input
    : typeof input === "object" && input !== null
      ? (input as { messages?: unknown }).messages
      : undefined;
  if (!Array.isArray(messages)) {
    throw new TypeError(
      "VolleyToolNode: expected BaseMessage[] or { messages: BaseMessage[] } as input",
    );
  }
  const answered = new Set<string>();
  let ai: AIMessage | undefined;
  for (const message of messages as BaseMessage[]) {
    if (coreMessages.ToolMessage.isInstance(message)) answered.add(message.tool_call_id);
  }
  for (let i = messages.length - 1; i >= 0; i--) {
    if (coreMessages.AIMessage.isInstance(messages[i])) {
      ai = messages[i] as AIMessage;
      break;
    }
  }
  if (ai === undefined) throw new TypeError("VolleyToolNode: the input holds no AIMessage");
  const open = (call: { id?: string | undefined }): boolean =>
    call.id == null || !answered.has(call.id);
  return {
    calls: (ai.tool_calls ?? []).filter(open),
    invalid: (ai.invalid_tool_calls ?? []).filter(open),
    state: input,
    messageId: ai.id,
  };
}

/** The node's output, as ToolNode shapes it: messages, or updates and commands side by side. */
function combine(answers: ToolAnswer[], asList: boolean): unknown {
  if (!answers.some(isCommand)) return asList ? answers : { messages: answers };
  const combined: unknown[] = [];
  let parent: Command | undefined;
  for (const answer of answers) {
    if (!isCommand(answer)) {
      combined.push(asList ? [answer] : { messages: [answer] });
      continue;
    }
    const goto = answer.goto as unknown;
    if (
      answer.graph === langgraph.Command.PARENT &&
      Array.isArray(goto) &&
      goto.every((g) => g instanceof langgraph.Send)
    ) {
      // Sends to the parent graph from several tools travel as one command.
      if (parent === undefined) {
        parent = new langgraph.Command({
          graph: langgraph.Command.PARENT,
          goto: [...(goto as Send[])],
        });
      } else (parent.goto as Send[]).push(...(goto as Send[]));
      continue;
    }
    combined.push(answer);
  }
  if (parent !== undefined) combined.push(parent);
  return combined;
}
