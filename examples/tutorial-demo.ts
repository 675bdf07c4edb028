/**
 * The tutorial's demo ("Parallel Tool Execution"), translated to Volley: four calls run at once,
 * each ends in exactly one outcome, and the wall time is the slowest call's, not the sum.
 *
 *   npx tsx examples/tutorial-demo.ts
 *
 * `npm run demo` runs this and then the tutorial's next steps (timeouts, retries, a limit).
 */
import { createExecutor, formatOutcomeError } from "../src/index.js";
import { fast_tool, slow_tool } from "./tools.js";

// The tutorial's pending tools, in its own { id, tool_name, args } shape.
const pendingTools = [
  { id: "fast_1", tool_name: "fast_tool", args: { query: "task 1" } },
  { id: "slow_1", tool_name: "slow_tool", args: { query: "task 2" } },
  { id: "fast_2", tool_name: "fast_tool", args: { query: "task 3" } },
  { id: "error_1", tool_name: "slow_tool", args: { query: "fail" } },
];

await using executor = createExecutor({ tools: [fast_tool, slow_tool] });

console.log("\nParallel Execution Demo");
console.log("=".repeat(50));

const batch = executor.execute(pendingTools);
// Outcomes arrive as they finish; a failed tool is an outcome, not an exception.
const results: Record<string, unknown> = {};
const errors: Record<string, string> = {};
for await (const outcome of batch) {
  if (outcome.status === "ok") results[outcome.id] = outcome.value;
  else errors[outcome.id] = formatOutcomeError(outcome.error);
}
const report = await batch;

console.log(
  `Executed ${report.outcomes.length} tools in ${(report.wallMs / 1000).toFixed(2)} seconds`,
);
console.log("\nSuccessful Results:");
for (const [id, result] of Object.entries(results)) console.log(`${id}: ${String(result)}`);
console.log("\nErrors:");
for (const [id, error] of Object.entries(errors)) console.log(`${id}: ${error}`);
