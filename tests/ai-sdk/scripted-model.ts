import { MockLanguageModelV3 } from "ai/test";

/** What the mock model's `doGenerate` is given and returns, as the mock's constructor types them. */
type DoGenerate = Extract<
  NonNullable<ConstructorParameters<typeof MockLanguageModelV3>[0]>["doGenerate"],
  (...args: never[]) => unknown
>;
type CallOptions = Parameters<DoGenerate>[0];
type GenerateResult = Awaited<ReturnType<DoGenerate>>;

/** One tool call a scripted step asks for. */
export interface ScriptedCall {
  readonly id: string;
  readonly tool: string;
  readonly input: unknown;
}

/** A tool result or error as the model read it in a later step's prompt. */
export interface SeenResult {
  readonly toolCallId: string;
  readonly toolName: string;
  /** `{ type: "json", value }`, `{ type: "text", value }` or `{ type: "error-text", value }`. */
  readonly output: { readonly type: string; readonly value?: unknown };
}

const usage: GenerateResult["usage"] = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/**
 * The AI SDK's own mock model, scripted: step `i` asks for `steps[i]`'s tool calls all at once
 * (the first step of a parallel agent), and the step after the last answers with text. Every
 * prompt it was given is kept, so a test can read what the model saw of each tool's outcome.
 */
export function scriptedModel(steps: readonly (readonly ScriptedCall[])[], finalText = "done") {
  const prompts: CallOptions["prompt"][] = [];
  const model = new MockLanguageModelV3({
    doGenerate: async (options: CallOptions): Promise<GenerateResult> => {
      prompts.push(options.prompt);
      const step = steps[prompts.length - 1];
      if (step === undefined) {
        return {
          content: [{ type: "text", text: finalText }],
          finishReason: { unified: "stop", raw: "stop" },
          usage,
          warnings: [],
        };
      }
      return {
        content: step.map((c) => ({
          type: "tool-call" as const,
          toolCallId: c.id,
          toolName: c.tool,
          input: JSON.stringify(c.input),
        })),
        finishReason: { unified: "tool-calls", raw: "tool_calls" },
        usage,
        warnings: [],
      };
    },
  });
  /** The tool results in the prompt of step `step` (0-based): what the model saw. */
  const seen = (step: number): SeenResult[] => {
    const prompt = prompts[step] ?? [];
    const results: SeenResult[] = [];
    for (const message of prompt) {
      if (message.role !== "tool") continue;
      for (const part of message.content) {
        if (part.type === "tool-result") results.push(part as unknown as SeenResult);
      }
    }
    return results;
  };
  return { model, prompts, seen };
}
