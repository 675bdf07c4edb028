/**
 * The measuring half of the overhead scripts (tests/metrics/observer-overhead.ts,
 * tests/dashboard/overhead.ts): configurations measured in interleaved, rotated rounds, then a
 * Markdown table of CPU and wall time per call and the CPU ratio to the "none" configuration.
 */
import { loadavg } from "node:os";

/** One timed batch. */
export interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Runs `once` for every configuration, 3 warm-up rounds then `runs` rounds, and prints the table.
 * `configs` must hold a configuration named "none": the ratios are to it.
 */
export async function measureRounds<C>(options: {
  readonly configs: ReadonlyMap<string, C>;
  readonly once: (config: C) => Promise<Sample>;
  readonly runs: number;
  readonly calls: number;
  /** The first column's heading. */
  readonly label: string;
}): Promise<void> {
  const { configs, once, runs, calls, label } = options;
  const names = [...configs.keys()];
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  for (let warm = 0; warm < 3; warm++) for (const c of configs.values()) await once(c);
  for (let run = 0; run < runs; run++) {
    // Interleaved and rotated, so that the machine's noise spreads over every configuration alike.
    for (let k = 0; k < names.length; k++) {
      const name = names[(run + k) % names.length]!;
      samples.get(name)!.push(await once(configs.get(name)!));
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const us = (ms: number): string => ((ms * 1000) / calls).toFixed(2);
  const none = samples.get("none")!;
  const load = loadavg()[0]!.toFixed(1);
  console.log(
    `${calls} no-op calls per batch, ${runs} interleaved rounds (node ${process.version}, load ${load})`,
  );
  console.log(`| ${label} | CPU µs per call | wall µs per call | CPU ratio to none |`);
  console.log("| --- | ---: | ---: | ---: |");
  for (const [name, xs] of samples) {
    // The median of per-round ratios: each round's pair saw the same machine.
    const ratio = median(xs.map((x, i) => x.cpuMs / none[i]!.cpuMs));
    console.log(
      `| ${name} | ${us(median(xs.map((x) => x.cpuMs)))} | ${us(median(xs.map((x) => x.wallMs)))} | ×${ratio.toFixed(2)} |`,
    );
  }
}
