/**
 * Entry of a scenario child process: `scenario-child.ts <overhead|makespan> <scenario id>`.
 * Spawned by `child-sampler.ts` with `--import tsx`.
 */
import { serveScenario, type ScenarioTable } from "./scenario.js";

const [section, scenario] = process.argv.slice(2);
const tables: Record<string, () => Promise<ScenarioTable>> = {
  overhead: async () => (await import("./overhead.js")).OVERHEAD_SCENARIOS,
  makespan: async () => (await import("./makespan.js")).MAKESPAN_SCENARIOS,
};
const load = tables[section ?? ""];
if (load === undefined || scenario === undefined || process.send === undefined) {
  console.error("usage (as a forked child): scenario-child.ts <overhead|makespan> <scenario>");
  process.exit(2);
}
await serveScenario(await load(), scenario);
