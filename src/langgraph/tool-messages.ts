import type { BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { Command } from "@langchain/langgraph";
import type { ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import { formatOutcomeError, type ErrorOutcome, type OutcomeError } from "../core/index.js";
import { coreMessages, langgraph } from "./peers.js";

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
 * Return `undefined` to throw the error instead.
 * @param error What the tool threw; for limits (timeout, deadline, cancel) and bad calls, a
 *   {@link ToolCallFailure} whose `name` is the error's class and whose `kind` is the outcome's.
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

/** The error answer the model sees, as LangGraph's `ToolNode` words it. */
export function errorAnswer(error: OutcomeError, callId: string, name: string): ToolMessage {
  return new coreMessages.ToolMessage({
    status: "error",
    name,
    content: `${formatOutcomeError(error)}\n Please fix your mistakes.`,
    tool_call_id: callId,
  });
}

/**
 * The answer to a failed call under a `handleToolErrors` setting: an error `ToolMessage`, or
 * the error thrown (`false`, or a handler that returns `undefined`).
 * @param thrown What the tool's last attempt threw, if it threw.
 */
export function answerFailure(
  handle: boolean | ToolErrorHandler,
  outcome: ErrorOutcome,
  call: LangChainToolCall,
  thrown: unknown,
): ToolMessage {
  const id = call.id ?? "";
  if (handle === true) return errorAnswer(outcome.error, id, call.name);
  const error = thrown instanceof Error ? thrown : failureOf(outcome);
  if (handle === false) throw error;
  const answer = handle(error, call, outcome);
  if (answer === undefined) throw error;
  if (typeof answer === "string") {
    return new coreMessages.ToolMessage({
      status: "error",
      name: call.name,
      content: answer,
      tool_call_id: id,
    });
  }
  answer.status ??= "error";
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
