import type { BaseMessage } from "@langchain/core/messages";
import { AIMessage } from "@langchain/core/messages";
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from "@langchain/core/language_models/chat_models";
import type { ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import type { AIMessageChunk } from "@langchain/core/messages";

/** One scripted turn: the tool calls the model asks for (none: its final answer). */
export interface ScriptedTurn {
  readonly calls?: ReadonlyArray<{ id: string; name: string; args: Record<string, unknown> }>;
  readonly invalid?: ReadonlyArray<{ id: string; name: string; args: string; error: string }>;
  readonly text?: string;
}

/**
 * A chat model that answers with scripted AIMessages, one per turn, whatever it is sent. It
 * records what it saw, so tests can check the ToolMessages that came back.
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly turns: readonly ScriptedTurn[];
  readonly seen: BaseMessage[][] = [];
  boundTools: string[] = [];
  #next = 0;

  constructor(turns: readonly ScriptedTurn[]) {
    super({});
    this.turns = turns;
  }

  _llmType(): string {
    return "scripted";
  }

  override bindTools(
    tools: BindToolsInput[],
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, BaseChatModelCallOptions> {
    this.boundTools = tools.map((t) => (t as { name: string }).name);
    return this as unknown as Runnable<
      BaseLanguageModelInput,
      AIMessageChunk,
      BaseChatModelCallOptions
    >;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.seen.push(messages);
    const turn = this.turns[this.#next];
    const n = this.#next++;
    const message = new AIMessage({
      id: `ai-${n}`,
      content: turn?.text ?? (turn?.calls ? "" : "done"),
      tool_calls: (turn?.calls ?? []).map((c) => ({ ...c, type: "tool_call" as const })),
      invalid_tool_calls: (turn?.invalid ?? []).map((c) => ({
        ...c,
        type: "invalid_tool_call" as const,
      })),
    });
    return {
      generations: [{ text: typeof message.content === "string" ? message.content : "", message }],
    };
  }
}

/** The standard script: 3 turns of 3, 5 and 2 parallel calls to `lookup`, then an answer. */
export function threeTurns(tool = "lookup"): ScriptedTurn[] {
  const turn = (t: number, n: number): ScriptedTurn => ({
    calls: Array.from({ length: n }, (_, i) => ({
      id: `t${t}-c${i}`,
      name: tool,
      args: { query: `turn ${t} call ${i}` },
    })),
  });
  return [turn(1, 3), turn(2, 5), turn(3, 2), { text: "all done" }];
}
