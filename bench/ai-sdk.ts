/**
 * `npx tsx bench/ai-sdk.ts [--quick]`: what `volleyTools` adds to an AI SDK tool call. A no-op
 * zod tool, called (1) directly one call at a time, as the SDK calls `execute`, and (2) inside
 * `generateText` with the SDK's mock model, whose one step asks for 50 calls at once; the raw
 * tool set against the same set through `volleyTools` on an executor made by `fromAiSdkTools`.
 * Prints markdown on stdout, progress on stderr.
 */
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { fromAiSdkTools, volleyTools } from "../src/ai-sdk/index.js";
import { createExecutor } from "../src/index.js";

const quick = process.argv.includes("--quick");
const CALLS = quick ? 5_000 : 25_000;
const RUNS = quick ? 30 : 100;
const FAN_OUT = 50;
const log = (line: string) => void process.stderr.write(`${line}\n`);

const tools = {
  echo: tool({
    description: "Echoes its input",
    inputSchema: z.object({ text: z.string() }),
    execute: async ({ text }) => text,
  }),
};
const executor = createExecutor({ tools: fromAiSdkTools(tools), concurrency: Infinity });
const wrapped = volleyTools(executor, tools);

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Microseconds per call, one call at a time, median of 5 runs. */
async function direct(set: typeof tools): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < CALLS / 5; i++) {
      // The SDK parses the input before `execute`: a fresh object each call, as here.
      await set.echo.execute!({ text: "x" }, { toolCallId: `c${i}`, messages: [] });
    }
    rounds.push(((performance.now() - started) * 1000) / (CALLS / 5));
  }
  return median(rounds);
}

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** Milliseconds per two-step generateText run whose first step asks for FAN_OUT calls. */
async function agent(set: typeof tools): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let step = 0;
    const model = new MockLanguageModelV3({
      doGenerate: async () =>
        step++ === 0
          ? {
              content: Array.from({ length: FAN_OUT }, (_, i) => ({
                type: "tool-call" as const,
                toolCallId: `call_${i}`,
                toolName: "echo",
                input: JSON.stringify({ text: `t${i}` }),
              })),
              finishReason: { unified: "tool-calls", raw: undefined },
              usage,
              warnings: [],
            }
          : {
              content: [{ type: "text", text: "done" }],
              finishReason: { unified: "stop", raw: undefined },
              usage,
              warnings: [],
            },
    });
    const started = performance.now();
    await generateText({ model, tools: set, stopWhen: stepCountIs(2), prompt: "go" });
    times.push(performance.now() - started);
  }
  return median(times);
}

log("ai-sdk: warming up");
await direct(tools);
await direct(wrapped);
await agent(tools);
await agent(wrapped);
// Raw and Volley rounds alternate, so that a machine getting busier slows both alike.
const rounds = {
  rawDirect: [] as number[],
  volleyDirect: [] as number[],
  rawAgent: [] as number[],
  volleyAgent: [] as number[],
};
for (let round = 1; round <= 5; round++) {
  log(`ai-sdk: round ${round} of 5`);
  rounds.rawDirect.push(await direct(tools));
  rounds.volleyDirect.push(await direct(wrapped));
  rounds.rawAgent.push(await agent(tools));
  rounds.volleyAgent.push(await agent(wrapped));
}
const rawDirect = median(rounds.rawDirect);
const volleyDirect = median(rounds.volleyDirect);
const rawAgent = median(rounds.rawAgent);
const volleyAgent = median(rounds.volleyAgent);
await executor.close();

console.log(`A no-op zod tool; per round ${CALLS.toLocaleString("en")} direct calls and ${RUNS} generateText runs of ${FAN_OUT} calls in one step; medians of 5 interleaved rounds.

| | raw AI SDK tools | through \`volleyTools\` | added |
| --- | ---: | ---: | ---: |
| one \`execute\` call, one at a time (µs) | ${rawDirect.toFixed(1)} | ${volleyDirect.toFixed(1)} | ${(volleyDirect - rawDirect).toFixed(1)} µs per call |
| \`generateText\`, ${FAN_OUT} calls in one step (ms) | ${rawAgent.toFixed(2)} | ${volleyAgent.toFixed(2)} | ${(((volleyAgent - rawAgent) * 1000) / FAN_OUT).toFixed(1)} µs per call |`);
