/**
 * The Vercel AI SDK with Volley: `generateText` runs its tools through a Volley executor. The
 * model (the SDK's own mock, so no network) asks for five tools in one step; Volley keeps the
 * weather look-ups two at a time, retries a flaky rates service, and times out a slow tool,
 * whose error the model reads in the next step like any tool error.
 *
 * Run: npx tsx examples/ai-sdk.ts
 * Peers: ai, zod
 * Expect: The model read 4 results and 1 error
 */
import { setTimeout as sleep } from "node:timers/promises";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { createExecutor } from "volley";
import { fromAiSdkTools, isToolOutcomeError, volleyTools } from "volley/ai-sdk";
import { z } from "zod";

// Plain AI SDK tools: nothing here knows about Volley.
let ratesAttempts = 0;
const tools = {
  weather: tool({
    description: "The weather in a city",
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }, { abortSignal }) => {
      await sleep(100, undefined, { signal: abortSignal });
      return { city, celsius: city.length + 10 };
    },
  }),
  rates: tool({
    description: "Exchange rates against the dollar",
    inputSchema: z.object({ currency: z.string() }),
    execute: async ({ currency }) => {
      if (++ratesAttempts === 1) throw new Error("rates service busy");
      return { currency, perDollar: 0.92 };
    },
  }),
  forecast: tool({
    description: "A ten-day forecast (slow)",
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }, { abortSignal }) => {
      await sleep(5_000, undefined, { signal: abortSignal });
      return `${city}: sunny for ten days`;
    },
  }),
};

// Volley's policies for them: what the SDK has no place for.
const executor = createExecutor({
  tools: fromAiSdkTools(tools, {
    policies: {
      weather: { concurrency: 2 },
      rates: { retry: { maxAttempts: 3, initialInterval: 50 } },
      forecast: { timeoutMs: 300 },
    },
  }),
});
// Volley's events show what ran when: here, how many weather look-ups ran at once.
let weatherRunning = 0;
let mostWeather = 0;
executor.on("call:started", (e) => {
  if (e.tool === "weather") mostWeather = Math.max(mostWeather, ++weatherRunning);
});
executor.on("call:finished", (e) => {
  if (e.tool === "weather") weatherRunning--;
});

// Step 1 asks for five tools at once; step 2 answers from what the tools returned.
const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 10, text: 10, reasoning: undefined },
};
const model = new MockLanguageModelV3({
  doGenerate: async ({ prompt }) => {
    const results = prompt.flatMap((m) => (m.role === "tool" ? m.content : []));
    if (results.length === 0) {
      const calls = [
        ["weather", { city: "Paris" }],
        ["weather", { city: "Lisbon" }],
        ["weather", { city: "Oslo" }],
        ["rates", { currency: "EUR" }],
        ["forecast", { city: "Paris" }],
      ] as const;
      return {
        content: calls.map(([toolName, input], i) => ({
          type: "tool-call" as const,
          toolCallId: `call_${i + 1}`,
          toolName,
          input: JSON.stringify(input),
        })),
        finishReason: { unified: "tool-calls", raw: undefined },
        usage,
        warnings: [],
      };
    }
    const errors = results.filter(
      (r) => r.type === "tool-result" && r.output.type === "error-text",
    );
    const text = `The model read ${results.length - errors.length} results and ${errors.length} error`;
    return {
      content: [{ type: "text", text }],
      finishReason: { unified: "stop", raw: undefined },
      usage,
      warnings: [],
    };
  },
});

const started = performance.now();
const result = await generateText({
  model,
  tools: volleyTools(executor, tools),
  stopWhen: stepCountIs(3),
  prompt: "Plan a trip: weather in Paris, Lisbon and Oslo, the euro rate, and Paris's forecast.",
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);

console.log(`Step 1 asked for 5 tools at once; the weather ran at most ${mostWeather} at a time:`);
for (const part of result.steps[0]!.content) {
  if (part.type === "tool-result") {
    console.log(`  ${part.toolCallId} ${part.toolName}: ${JSON.stringify(part.output)}`);
  } else if (part.type === "tool-error" && isToolOutcomeError(part.error)) {
    const { kind, outcome } = part.error;
    console.log(`  ${part.toolCallId} ${part.toolName}: ${kind} after ${outcome.attempts} attempt`);
  }
}
console.log(`rates needed ${ratesAttempts} attempts; the run took about ${seconds} s`);
console.log(result.text);
await executor.close();
