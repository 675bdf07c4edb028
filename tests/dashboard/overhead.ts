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

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
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

const names = [...executors.keys()];
const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
for (let warm = 0; warm < 3; warm++) for (const e of executors.values()) await once(e);
for (let run = 0; run < RUNS; run++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(run + k) % names.length]!;
    samples.get(name)!.push(await once(executors.get(name)!));
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const us = (ms: number): string => ((ms * 1000) / CALLS).toFixed(2);
const none = samples.get("none")!;
const load = (await import("node:os")).loadavg()[0]!.toFixed(1);
console.log(
  `${CALLS} no-op calls per batch, ${RUNS} interleaved rounds (node ${process.version}, load ${load})`,
);
console.log("| configuration | CPU µs per call | wall µs per call | CPU ratio to none |");
console.log("| --- | ---: | ---: | ---: |");
for (const [name, xs] of samples) {
  const ratio = median(xs.map((x, i) => x.cpuMs / none[i]!.cpuMs));
  console.log(
    `| ${name} | ${us(median(xs.map((x) => x.cpuMs)))} | ${us(median(xs.map((x) => x.wallMs)))} | ×${ratio.toFixed(2)} |`,
  );
}
for (const client of clients) client.close();
await Promise.all(dashboards.map((d) => d.close()));
await Promise.all([...executors.values()].map((e) => e.close()));
