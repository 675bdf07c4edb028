import { ToolMessage } from "@langchain/core/messages";
import { isCommand, type Command } from "@langchain/langgraph";
import { formatOutcomeError, type OutcomeError } from "../core/index.js";

/** What a call answers with: a tool message, or a `Command` a tool returned. */
export type ToolAnswer = ToolMessage | Command;

/**
 * Turns a successful call's value into its answer. Tools invoked with the full tool call already
 * return a `ToolMessage` (with its artifact) or a `Command`; a value read back from a durable
 * journal may be a serialised `ToolMessage`; anything else becomes the message's content.
 */
export function answerOf(value: unknown, callId: string, name: string): ToolAnswer {
  if (isCommand(value)) return value;
  if (ToolMessage.isInstance(value)) {
    if (!value.tool_call_id) value.tool_call_id = callId;
    if (value.name === undefined) value.name = name;
    return value;
  }
  const revived = reviveToolMessage(value);
  if (revived !== undefined) return revived;
  return new ToolMessage({
    status: "success",
    name,
    content: typeof value === "string" ? value : stringify(value),
    tool_call_id: callId,
  });
}

/** The error answer the model sees, as LangGraph's `ToolNode` words it. */
export function errorAnswer(error: OutcomeError, callId: string, name: string): ToolMessage {
  return new ToolMessage({
    status: "error",
    name,
    content: `${formatOutcomeError(error)}\n Please fix your mistakes.`,
    tool_call_id: callId,
  });
}

/** A `ToolMessage` from its LangChain serialised form (`{ lc: 1, type: "constructor", … }`). */
function reviveToolMessage(value: unknown): ToolMessage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as { lc?: unknown; type?: unknown; id?: unknown; kwargs?: unknown };
  if (
    record.lc === 1 &&
    record.type === "constructor" &&
    Array.isArray(record.id) &&
    record.id[record.id.length - 1] === "ToolMessage" &&
    typeof record.kwargs === "object" &&
    record.kwargs !== null
  ) {
    return new ToolMessage(record.kwargs as ConstructorParameters<typeof ToolMessage>[0]);
  }
  return undefined;
}

function stringify(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}
