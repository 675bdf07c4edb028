/**
 * Overhead of the dashboard on the core: 10,000 no-op calls in one batch, with no dashboard,
 * with a dashboard nobody watches, and with one page connected to its event stream. CPU time
 * (user + system) of the whole process, which includes the server's work, is measured beside
 * wall time; rounds interleave the configurations, as tests/metrics/observer-overhead.ts does.
 * Run: `npx tsx tests/dashboard/overhead.ts [rounds]` (default 15).
 */
import { attachDashboard, type Dashboard } from "../../src/dashboard/index.js";
import { createExecutor, defineTool, type Executor } from "../../src/index.js";
import { SseClient } from "./http.js";
import { measureRounds, type Sample } from "../helpers/overhead-rounds.js";

const CALLS = 10_000;
const RUNS = Number(process.argv[2] ?? 15);

const noop = defineTool({
  name: "noop",
  description: "Does nothing",
  // The lightest schema the core accepts, so that the dashboard's share shows.
  schema: { safeParse: (value: unknown) => ({ success: true as const, data: value }) },
  run: () => 1,
});
const calls = Array.from({ length: CALLS }, (_, i) => ({ id: `c${i}`, name: "noop", args: {} }));

const executors = new Map<string, Executor>();
const dashboards: Dashboard[] = [];
const clients: SseClient[] = [];
for (const name of ["none", "dashboard, no page", "dashboard, one page"]) {
  const executor = createExecutor({ tools: [noop] });
  executors.set(name, executor);
  if (name === "none") continue;
  const dashboard = await attachDashboard(executor, { port: 0, metrics: false });
  dashboards.push(dashboard);
  if (name.endsWith("one page")) {
    const client = await SseClient.open(new URL("events", dashboard.url).href);
    await client.until((e) => e.event === "snapshot");
    clients.push(client);
  }
}

async function once(executor: Executor): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await executor.execute(calls);
  // Let the coalesced update (at most every 100 ms) go out, so its cost is counted.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const wallMs = performance.now() - t0 - 150;
  const cpu = process.cpuUsage(cpu0);
  if (report.counts.ok !== CALLS) throw new Error("a call failed");
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

await measureRounds({ configs: executors, once, runs: RUNS, calls: CALLS, label: "configuration" });
for (const client of clients) client.close();
await Promise.all(dashboards.map((d) => d.close()));
await Promise.all([...executors.values()].map((e) => e.close()));
