/**
 * `tsx bench/profile.ts [overhead|makespan] [scenario] [N] [seconds]` — profiles one scenario with
 * `node --cpu-prof` and prints the functions with the most self time, and the files they are in.
 * Default: `overhead volley 10000 5`. (With `--child`, it is the profiled process itself.)
 */
import { profileScenario } from "./profile-report.js";
import type { ScenarioTable } from "./scenario.js";

async function child(section: string, scenario: string, n: number, seconds: number) {
  const table: ScenarioTable =
    section === "makespan"
      ? (await import("./makespan.js")).MAKESPAN_SCENARIOS
      : (await import("./overhead.js")).OVERHEAD_SCENARIOS;
  const factory = table[scenario];
  if (factory === undefined) throw new TypeError(`Unknown scenario "${scenario}"`);
  const fn = await factory(n);
  const end = performance.now() + seconds * 1000;
  let batches = 0;
  while (performance.now() < end) {
    await fn();
    batches++;
  }
  console.log(`${batches} batches of ${n}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    await child(args[1]!, args[2]!, Number(args[3]), Number(args[4]));
    return;
  }
  const [section = "overhead", scenario = "volley", n = "10000", seconds = "5"] = args;
  const report = await profileScenario(section, scenario, Number(n), Number(seconds));
  console.log(`${report.markdown}\n\nProfile: ${report.file}`);
}

await main();
