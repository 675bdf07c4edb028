/**
 * `volley/ai-sdk`: the Vercel AI SDK (`ai` 6) and Volley, both ways.
 * - {@link volleyTools}: an AI SDK tool set whose `execute`s run through a Volley executor, so
 *   the parallel tool calls of `generateText` and `streamText` share its limits, timeouts,
 *   retries, breakers, journal and events.
 * - {@link fromAiSdkTools}: AI SDK tools as Volley tools, for `createExecutor()`, `volley run`
 *   and the LangGraph nodes.
 * - {@link ToolOutcomeError}: what a wrapped tool throws for an error outcome, with its kind.
 *
 * Nothing here imports `ai` at run time (its types only); `ajv` is loaded when a tool's input is
 * a `jsonSchema()` without a `validate` of its own.
 * @example
 * import { createExecutor } from "volley";
 * import { fromAiSdkTools, volleyTools } from "volley/ai-sdk";
 * const executor = createExecutor({ tools: fromAiSdkTools(tools), concurrency: 4 });
 * const { text } = await generateText({ model, tools: volleyTools(executor, tools), stopWhen: stepCountIs(5), prompt });
 * @module volley/ai-sdk
 */
export { volleyTools } from "./volley-tools.js";
export { fromAiSdkTools } from "./from-ai-sdk-tools.js";
export type { FromAiSdkToolsOptions, VolleyToolOf, VolleyToolsOf } from "./from-ai-sdk-tools.js";
export { ToolOutcomeError, isToolOutcomeError } from "./tool-outcome-error.js";
