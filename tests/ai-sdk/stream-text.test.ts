import { setTimeout as sleep } from "node:timers/promises";
import { stepCountIs, streamText, tool } from "ai";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor } from "../../src/core/index.js";
import { fromAiSdkTools, volleyTools } from "../../src/ai-sdk/index.js";

type DoStream = Extract<
  NonNullable<ConstructorParameters<typeof MockLanguageModelV3>[0]>["doStream"],
  (...args: never[]) => unknown
>;
type StreamPart =
  Awaited<ReturnType<DoStream>>["stream"] extends ReadableStream<infer P> ? P : never;

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** A streaming mock model: the first step streams four tool calls, the second a text. */
function streamingModel() {
  let step = 0;
  return new MockLanguageModelV3({
    doStream: async () => {
      const chunks: StreamPart[] =
        step++ === 0
          ? [
              { type: "stream-start", warnings: [] },
              ...[0, 1, 2, 3].map((i): StreamPart => ({
                type: "tool-call",
                toolCallId: `s-${i}`,
                toolName: "lookup",
                input: JSON.stringify({ word: `w${i}` }),
              })),
              { type: "finish", finishReason: { unified: "tool-calls", raw: undefined }, usage },
            ]
          : [
              { type: "stream-start", warnings: [] },
              { type: "text-start", id: "t" },
              { type: "text-delta", id: "t", delta: "all found" },
              { type: "text-end", id: "t" },
              { type: "finish", finishReason: { unified: "stop", raw: undefined }, usage },
            ];
      return { stream: simulateReadableStream({ chunks, chunkDelayInMs: null }) };
    },
  });
}

describe("volleyTools in streamText", () => {
  it("runs the streamed tool calls through the executor, under its limit", async () => {
    let running = 0;
    let maxRunning = 0;
    const tools = {
      lookup: tool({
        description: "Look a word up",
        inputSchema: z.object({ word: z.string() }),
        execute: async ({ word }, { abortSignal }) => {
          maxRunning = Math.max(maxRunning, ++running);
          try {
            await sleep(40, undefined, { signal: abortSignal });
            return `${word}: found`;
          } finally {
            running--;
          }
        },
      }),
    };
    const executor = createExecutor({
      tools: fromAiSdkTools(tools, { policies: { lookup: { concurrency: 2 } } }),
    });
    const started: string[] = [];
    executor.on("call:started", (e) => started.push(e.callId));
    const result = streamText({
      model: streamingModel(),
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(3),
      prompt: "look them up",
    });
    expect(await result.text).toBe("all found");
    const steps = await result.steps;
    expect(steps[0]!.toolResults.map((r) => r.output)).toEqual([
      "w0: found",
      "w1: found",
      "w2: found",
      "w3: found",
    ]);
    expect(started.sort()).toEqual(["s-0", "s-1", "s-2", "s-3"]);
    expect(maxRunning).toBe(2);
  });
});
