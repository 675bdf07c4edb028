/**
 * A langchain `createAgent` agent whose tool calls run through Volley: `volleyMiddleware` puts
 * every call of a turn under one executor's limits, timeouts and retries. The model asks for
 * four tool calls at once; they run in parallel, so the turn takes about as long as the
 * slowest call, not the sum.
 *
 * The model is langchain's `fakeModel`, scripted, so this runs offline. For a real one, pass
 * any chat model instead (`new ChatOpenAI({ model: "gpt-4o-mini" })` from `@langchain/openai`,
 * say) and drop the script.
 *
 * Run: npx tsx examples/agent-middleware.ts
 * Peers: langchain, @langchain/core, @langchain/langgraph, zod
 * Expect: 4 tool calls answered in parallel
 */
import { AIMessage, HumanMessage, ToolMessage, createAgent, fakeModel, tool } from "langchain";
import { createExecutor } from "volley";
import { volleyMiddleware } from "volley/langgraph";
import { z } from "zod";

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), {
      once: true,
    });
  });

// Plain langchain tools: Volley runs them as they are. Each takes about half a second.
const getWeather = tool(
  async ({ city }, config) => {
    await sleep(500, config?.signal);
    return `Sunny and 21°C in ${city}`;
  },
  {
    name: "get_weather",
    description: "The current weather in a city",
    schema: z.object({ city: z.string() }),
  },
);
const getTime = tool(
  async ({ city }, config) => {
    await sleep(400, config?.signal);
    return `It is 14:05 in ${city}`;
  },
  {
    name: "get_time",
    description: "The local time in a city",
    schema: z.object({ city: z.string() }),
  },
);

// Turn 1: four tool calls at once. Turn 2: the answer, once every tool message is in.
const model = fakeModel()
  .respondWithTools([
    { id: "w1", name: "get_weather", args: { city: "Paris" } },
    { id: "w2", name: "get_weather", args: { city: "Lisbon" } },
    { id: "t1", name: "get_time", args: { city: "Paris" } },
    { id: "t2", name: "get_time", args: { city: "Lisbon" } },
  ])
  .respond(new AIMessage("Both cities are sunny; it is 14:05 in each."));

// The executor owns the limits: at most 8 calls at once, 5 s per attempt, up to 3 attempts.
await using executor = createExecutor({
  tools: [getWeather, getTime],
  concurrency: 8,
  timeoutMs: 5_000,
  retry: { maxAttempts: 3, initialInterval: 200 },
});
executor.on("call:finished", ({ outcome }) =>
  console.log(`  ${outcome.id} ${outcome.status} in ${outcome.durationMs.toFixed(0)} ms`),
);

const agent = createAgent({
  model,
  tools: [getWeather, getTime],
  middleware: [volleyMiddleware(executor)],
});

const started = performance.now();
const result = await agent.invoke({ messages: [new HumanMessage("Weather and time, please")] });
const seconds = ((performance.now() - started) / 1000).toFixed(2);

const answers = result.messages.filter((m) => ToolMessage.isInstance(m));
for (const m of answers) console.log(`${m.tool_call_id}: ${String(m.content)}`);
console.log(
  `\n${answers.length} tool calls answered in parallel in ${seconds} s (one after another: 1.8 s)`,
);
console.log(`Agent: ${String(result.messages.at(-1)?.content)}`);
