import type { BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { Command } from "@langchain/langgraph";
import type { ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import {
  ERROR_KINDS,
  type ErrorKind,
  type ErrorOutcome,
  type OutcomeError,
} from "../core/index.js";
import { describeValue, errorText } from "../core/describe-value.js";
import { coreMessages, langgraph } from "./peers.js";
import { invokedError } from "./tool-input-error.js";

const {
  AIMessage,
  BaseMessage: BaseMessageClass,
  ChatMessage,
  FunctionMessage,
  HumanMessage,
  RemoveMessage,
  SystemMessage,
} = coreMessages;
const { isCommand } = langgraph;

/**
 * Decides what the model sees when a call fails: a `ToolMessage`, or a string for its content.
 * Return `undefined` to throw the error instead. Either answer carries the outcome's error in
 * `response_metadata` (see {@link toolMessageError}).
 * @param error What the tool threw (in `VolleyToolNode`, for arguments the executor refused
 *   before a LangChain tool ran, what that tool would have thrown); for limits (timeout,
 *   deadline, cancel) and bad calls, a {@link ToolCallFailure} whose `name` is the error's class
 *   and whose `kind` is the outcome's.
 * @param call The call as the model made it.
 * @param outcome The call's error outcome.
 */
export type ToolErrorHandler = (
  error: Error,
  call: LangChainToolCall,
  outcome: ErrorOutcome,
) => ToolMessage | string | undefined;

/** An error that stands for a failed outcome with no thrown error of its own. */
export interface ToolCallFailure extends Error {
  /** The outcome's error kind. */
  readonly kind: ErrorOutcome["error"]["kind"];
}

/** What a call answers with: a tool message, or a `Command` a tool returned. */
export type ToolAnswer = ToolMessage | Command;

/** Where a successful outcome's value came from, as the outcome says. */
export interface AnswerSource {
  /** Read back from a durable journal: JSON, to be revived. */
  readonly replayed?: boolean | undefined;
  /** Another call's value (an `idempotent` tool's dedupe or cache): answered for another id. */
  readonly deduped?: boolean | undefined;
}

/**
 * Turns a successful call's value into its answer. Tools invoked with the full tool call already
 * return a `ToolMessage` (with its artifact) or a `Command`; a value replayed from a durable
 * journal is revived first; anything else becomes the message's content. A value shared by a
 * deduplicated call answered another call: its messages are copied under this call's id.
 */
export function answerOf(
  value: unknown,
  callId: string,
  name: string,
  source: AnswerSource = {},
): ToolAnswer {
  if (source.replayed === true) value = reviveJournaled(value);
  if (isCommand(value)) return source.deduped === true ? commandFor(value, callId) : value;
  if (coreMessages.ToolMessage.isInstance(value)) {
    if (source.deduped === true || (value.tool_call_id && value.tool_call_id !== callId)) {
      return messageFor(value, callId, name);
    }
    if (!value.tool_call_id) value.tool_call_id = callId;
    if (value.name === undefined) value.name = name;
    return value;
  }
  return new coreMessages.ToolMessage({
    status: "success",
    name,
    content: contentOf(value),
    tool_call_id: callId,
  });
}

/**
 * A value as message content, by LangChain's own rule for a tool's output: a string or an array
 * of content blocks (`{ type, … }`: text, images) as it is, anything else as JSON (`""` for
 * `undefined`), so that a `defineTool()` tool answers as the same LangChain tool would.
 */
function contentOf(value: unknown): ToolMessage["content"] {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every(isContentBlock)) return value as ToolMessage["content"];
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

function isContentBlock(item: unknown): boolean {
  return typeof item === "object" && item !== null && "type" in item;
}

/**
 * A copy of another call's answer under this call's id, without the message id: the graph's
 * messages reducer would otherwise take it for the first answer and replace that one.
 */
function messageFor(message: ToolMessage, callId: string, name: string): ToolMessage {
  return new coreMessages.ToolMessage({
    content: message.content,
    artifact: message.artifact,
    status: message.status,
    name: message.name ?? name,
    tool_call_id: callId,
    additional_kwargs: message.additional_kwargs,
    response_metadata: message.response_metadata,
    ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
  });
}

/** Another call's `Command` for this call: the tool messages of its update answer this call. */
function commandFor(command: Command, callId: string): Command {
  const rekey = (messages: unknown): unknown => {
    if (Array.isArray(messages)) return messages.map(rekey);
    return coreMessages.ToolMessage.isInstance(messages)
      ? messageFor(messages, callId, "")
      : messages;
  };
  const update: unknown = command.update;
  let copied: unknown = update;
  if (Array.isArray(update)) {
    copied = update.map((entry: unknown) =>
      Array.isArray(entry) && entry[0] === "messages" ? ["messages", rekey(entry[1])] : entry,
    );
  } else if (typeof update === "object" && update !== null && "messages" in update) {
    copied = { ...update, messages: rekey((update as { messages: unknown }).messages) };
  }
  return new langgraph.Command({
    graph: command.graph,
    update: copied as Record<string, unknown>,
    resume: command.resume,
    goto: command.goto as ConstructorParameters<typeof Command>[0]["goto"],
  });
}

/**
 * Words the answer the model reads for one kind of failure: a fixed text, or a function of the
 * call's outcome, the call as the model made it, and what the tool threw (when it threw).
 * @example (outcome) => `The search took longer than ${outcome.error.data?.["timeoutMs"]} ms.`
 */
export type ToolErrorText =
  string | ((outcome: ErrorOutcome, call: LangChainToolCall, error: Error | undefined) => string);

/**
 * The texts of error answers, by error kind; a kind left out keeps its default. The defaults
 * word the failures `ToolNode` has (`unknown_tool`, `invalid_args`, `tool_error`) as `ToolNode`
 * does, and Volley's own (`timeout`, `deadline`, `cancelled`, `rejected`, `crashed`,
 * `invalid_call`) as plain sentences that say what happened to the call.
 * @example { timeout: "The search timed out; answer from what you know." }
 */
export type ToolErrorMessages = { readonly [Kind in ErrorKind]?: ToolErrorText };

/** The key of `response_metadata` under which an error answer carries its outcome's error. */
const ERROR_KEY = "volley_error";

/**
 * The outcome error an error `ToolMessage` of Volley's answers with: its `kind`, Volley's own
 * `message` and `data`, whatever the text the model reads. Kept in the message's
 * `response_metadata` (which no model provider sends to the model), so it survives
 * serialisation, checkpoints and a journal's replay. `undefined` for any other message.
 * @example
 * const error = toolMessageError(message);
 * if (error?.kind === "timeout") console.log(`timed out after ${error.data?.["timeoutMs"]} ms`);
 */
export function toolMessageError(message: unknown): OutcomeError | undefined {
  try {
    const metadata: unknown =
      typeof message === "object" && message !== null
        ? (message as { response_metadata?: unknown }).response_metadata
        : undefined;
    const error: unknown =
      typeof metadata === "object" && metadata !== null
        ? (metadata as Record<string, unknown>)[ERROR_KEY]
        : undefined;
    if (typeof error !== "object" || error === null) return undefined;
    const { kind, message: text } = error as Partial<OutcomeError>;
    return typeof text === "string" && (ERROR_KINDS as readonly unknown[]).includes(kind)
      ? (error as OutcomeError)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `ToolNode`'s voice: `Error: …` and its standing request. */
function asToolNode(message: string): string {
  return `Error: ${message}\n Please fix your mistakes.`;
}

/** What the tool threw, as `ToolNode` reads it (`error.message`), or Volley's account. */
function thrownText(outcome: ErrorOutcome, error: Error | undefined): string {
  return error === undefined ? outcome.error.message : errorText(error);
}

/** `2 s`, `250 ms`, `1.5 s`, `3 min`: a limit as a person would say it. */
function spoken(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6_000) / 10} min`;
}

/** A message as a sentence: with its full stop. */
function sentence(message: string): string {
  return /[.!?]$/.test(message) ? message : `${message}.`;
}

const DEFAULT_TEXTS: Readonly<
  Record<
    ErrorKind,
    (outcome: ErrorOutcome, call: LangChainToolCall, error: Error | undefined) => string
  >
> = {
  unknown_tool: (_outcome, call) => asToolNode(`Tool "${call.name}" not found.`),
  invalid_args: (outcome, _call, error) => {
    // LangChain's own parse failure, without the wrapper (and its stack trace) createAgent adds.
    const inner = invokedError(error);
    return asToolNode(thrownText(outcome, inner instanceof Error ? inner : error));
  },
  tool_error: (outcome, _call, error) => asToolNode(thrownText(outcome, error)),
  invalid_call: (outcome) =>
    `${sentence(outcome.error.message)} The call was not run; send it again as a well-formed tool call.`,
  timeout: (outcome, call) => {
    const limit = outcome.error.data?.["timeoutMs"];
    const after =
      typeof limit === "number" && Number.isFinite(limit) ? ` after ${spoken(limit)}` : "";
    const tries = outcome.attempts > 1 ? ` (it was tried ${outcome.attempts} times)` : "";
    return `The tool "${call.name}" timed out${after}; the call did not finish${tries}.`;
  },
  deadline: (outcome, call) =>
    outcome.startedAt === null
      ? `The tool "${call.name}" did not run: the time budget for this step ran out before the call could start.`
      : `The tool "${call.name}" was stopped: the time budget for this step ran out before the call finished.`,
  cancelled: (outcome, call) =>
    outcome.startedAt === null
      ? `The call to "${call.name}" was cancelled before it started; it did not run.`
      : `The call to "${call.name}" was cancelled before it finished; it returned no result.`,
  rejected: (outcome, call) =>
    `The call to "${call.name}" was refused and did not run: ${sentence(outcome.error.message)} Try again later.`,
  crashed: (_outcome, call) =>
    `The tool "${call.name}" crashed while running; the call did not finish. Calling it again may work.`,
};

/**
 * The text the model reads for a failed call: the caller's for its kind, or the default.
 * @throws TypeError when the caller's function returns anything but a string.
 */
function errorTextOf(
  messages: ToolErrorMessages,
  outcome: ErrorOutcome,
  call: LangChainToolCall,
  error: Error | undefined,
): string {
  const kind = outcome.error.kind;
  const custom = messages[kind];
  if (custom === undefined) return DEFAULT_TEXTS[kind](outcome, call, error);
  if (typeof custom === "string") return custom;
  const text: unknown = custom(outcome, call, error);
  if (typeof text !== "string") {
    throw new TypeError(
      `Expected the messages.${kind} function to return a string, got ${describeValue(text)}`,
    );
  }
  return text;
}

/** An error answer: the text the model reads, and the outcome's error kept beside it. */
function errorMessage(
  content: string,
  outcome: ErrorOutcome,
  call: LangChainToolCall,
): ToolMessage {
  return new coreMessages.ToolMessage({
    status: "error",
    name: call.name,
    content,
    tool_call_id: call.id ?? "",
    response_metadata: { [ERROR_KEY]: outcome.error },
  });
}

/**
 * The answer to a failed call under a `handleToolErrors` setting: an error `ToolMessage`, or
 * the error thrown (`false`, or a handler that returns `undefined`).
 * @param thrown What the tool's last attempt threw, if it threw.
 * @param messages The caller's texts, by error kind (for `handleToolErrors: true`).
 */
export function answerFailure(
  handle: boolean | ToolErrorHandler,
  outcome: ErrorOutcome,
  call: LangChainToolCall,
  thrown: unknown,
  messages: ToolErrorMessages = {},
): ToolMessage {
  const error = thrown instanceof Error ? thrown : undefined;
  if (handle === true) {
    return errorMessage(errorTextOf(messages, outcome, call, error), outcome, call);
  }
  const failure = error ?? failureOf(outcome);
  if (handle === false) throw failure;
  const answer = handle(failure, call, outcome);
  if (answer === undefined) throw failure;
  if (typeof answer === "string") return errorMessage(answer, outcome, call);
  answer.status ??= "error";
  answer.response_metadata ??= {};
  answer.response_metadata[ERROR_KEY] ??= outcome.error;
  return answer;
}

function failureOf(outcome: ErrorOutcome): ToolCallFailure {
  const error = new Error(outcome.error.message) as Error & { kind: string };
  const name = outcome.error.data?.["name"];
  error.name = typeof name === "string" ? name : "ToolCallFailure";
  error.kind = outcome.error.kind;
  return error as ToolCallFailure;
}

const MESSAGE_CLASSES: Readonly<Record<string, new (fields: never) => BaseMessage>> = {
  AIMessage,
  ChatMessage,
  FunctionMessage,
  HumanMessage,
  RemoveMessage,
  SystemMessage,
  ToolMessage: coreMessages.ToolMessage,
};

/**
 * A tool's value as it should be journaled. `Command.toJSON()` leaves out `graph`, so a handoff
 * (`graph: Command.PARENT`) replayed from a journal would update the tool node's own graph;
 * such a command gets a `toJSON` that keeps it.
 */
export function journalable<T>(value: T): T {
  if (isCommand(value) && value.graph !== undefined && !Object.hasOwn(value, "toJSON")) {
    const command: Command = value;
    Object.defineProperty(command, "toJSON", {
      value: () => ({ ...langgraph.Command.prototype.toJSON.call(command), graph: command.graph }),
      configurable: true,
    });
  }
  return value;
}

/**
 * A value read back from a durable journal, which stores JSON: LangChain messages (`{ lc: 1,
 * type: "constructor", … }`), `Command`s and `Send`s become instances again, so that a replayed
 * call answers exactly as it did when it ran.
 */
export function reviveJournaled(value: unknown, depth = 0): unknown {
  if (typeof value !== "object" || value === null || depth > 32) return value;
  if (isCommand(value) || BaseMessageClass.isInstance(value) || value instanceof langgraph.Send)
    return value;
  if (Array.isArray(value)) return value.map((item) => reviveJournaled(item, depth + 1));
  const record = value as Record<string, unknown>;
  if (
    record["lc"] === 1 &&
    record["type"] === "constructor" &&
    Array.isArray(record["id"]) &&
    typeof record["kwargs"] === "object" &&
    record["kwargs"] !== null
  ) {
    const Message = MESSAGE_CLASSES[String(record["id"][record["id"].length - 1])];
    if (Message !== undefined) return new Message(record["kwargs"] as never);
  }
  if (record["lg_name"] === "Send" && typeof record["node"] === "string") {
    const args = reviveJournaled(record["args"], depth + 1);
    const timeout = record["timeout"];
    // The timeout as Send.toJSON() wrote it: the policy the constructor had made of it.
    return new langgraph.Send(
      record["node"],
      args,
      timeout == null ? undefined : { timeout: timeout as never },
    );
  }
  if (record["lg_name"] === "Command") {
    const { lg_name: _name, ...params } = record;
    return new langgraph.Command(
      reviveJournaled(params, depth + 1) as ConstructorParameters<typeof Command>[0],
    );
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = reviveJournaled(item, depth + 1);
  return out;
}
