import { describe, expect, it } from "vitest";
import {
  fmtBytes,
  fmtMicros,
  markdownTable,
  measureInterleaved,
  median,
  roundOrder,
  microsPerCall,
  pairedRatio,
  parseBenchArgs,
  quantile,
  relativeMad,
  repsFor,
  type Sampler,
  type SampleTime,
} from "../../bench/harness.js";
import { nestHeadings, startText } from "../../bench/extras.js";
import { waitForQuietMachine } from "../../bench/quiet-machine.js";
import { idealMakespan, summarizeMakespan } from "../../bench/makespan.js";
import { memoryFigures, summarizeMemory } from "../../bench/memory.js";
import type { MemoryProbeResult } from "../../bench/memory-probe.js";
import { OVERHEAD_SIZES, summarizeOverhead } from "../../bench/overhead.js";
import { renderResults } from "../../bench/results.js";

describe("statistics", () => {
  it("takes the median of odd and even lists without reordering the input", () => {
    const xs = [5, 1, 4, 2, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("interpolates quantiles", () => {
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 0.75)).toBeCloseTo(3.25);
  });

  it("pairs samples round by round before taking the median ratio", () => {
    // Round 3 is slow for both (a noisy neighbour): pairing cancels it.
    const a = [2, 2, 20, 2, 2];
    const b = [40, 40, 400, 40, 40];
    expect(pairedRatio(a, b)).toBeCloseTo(0.05);
    expect(() => pairedRatio([1], [1, 2])).toThrow(TypeError);
  });

  it("measures spread as the relative median absolute deviation", () => {
    expect(relativeMad([10, 10, 10])).toBe(0);
    expect(relativeMad([9, 10, 11, 10, 10])).toBeCloseTo(0);
    expect(relativeMad([8, 10, 12])).toBeCloseTo(0.2);
  });

  it("picks repetitions so a sample lasts about sampleMs, at least one", () => {
    expect(repsFor(0.01, 40)).toBe(4000);
    expect(repsFor(500, 40)).toBe(1);
    expect(repsFor(0, 40)).toBe(1000);
  });

  it("converts ms per batch to µs per call", () => {
    expect(microsPerCall(15, 10_000)).toBeCloseTo(1.5);
  });
});

describe("arguments", () => {
  it("has quick and full defaults with at least 5 runs", () => {
    const quick = parseBenchArgs(["--quick"], "/r");
    expect(quick.quick).toBe(true);
    expect(quick.runs).toBeGreaterThanOrEqual(5);
    const full = parseBenchArgs([], "/r");
    expect(full.runs).toBeGreaterThanOrEqual(quick.runs);
    expect(full.warmupMs).toBeGreaterThan(quick.warmupMs);
    expect(full.out).toBe("/r/bench/RESULTS.md");
  });

  it("refuses fewer than 5 runs and unknown sections or flags, naming them", () => {
    expect(() => parseBenchArgs(["--runs", "3"], "/r")).toThrow(/--runs .* ≥ 5/);
    expect(() => parseBenchArgs(["--only", "speed"], "/r")).toThrow(/"speed"/);
    expect(() => parseBenchArgs(["--fast"], "/r")).toThrow(/"--fast"/);
    expect(parseBenchArgs(["--only", "overhead,memory"], "/r").only).toEqual(
      new Set(["overhead", "memory"]),
    );
    expect(parseBenchArgs(["--baseline", "main"], "/r").baseline).toBe("main");
    expect(parseBenchArgs(["--no-profile"], "/r").noProfile).toBe(true);
    expect(() => parseBenchArgs(["--baseline"], "/r")).toThrow(/after --baseline, got nothing/);
  });

  it("refuses a flag where a value belongs, naming both", () => {
    // `--baseline --quick` must not go looking for a commit named "--quick".
    expect(() => parseBenchArgs(["--baseline", "--quick"], "/r")).toThrow(
      /after --baseline, got "--quick"/,
    );
    expect(() => parseBenchArgs(["--out", "--runs", "5"], "/r")).toThrow(/after --out/);
    expect(() => parseBenchArgs(["--only", ""], "/r")).toThrow(/after --only/);
    const config = parseBenchArgs(["--quick", "--baseline", "f217d7a", "--only", "memory"], "/r");
    expect(config.baseline).toBe("f217d7a");
    expect(config.quick).toBe(true);
    expect(config.only).toEqual(new Set(["memory"]));
    expect(parseBenchArgs([], "/r").baseline).toBeUndefined();
  });
});

describe("formatting", () => {
  it("formats µs, bytes and tables", () => {
    expect(fmtMicros(0.0613)).toBe("0.061");
    expect(fmtMicros(1.384)).toBe("1.38");
    expect(fmtMicros(43.71)).toBe("43.7");
    expect(fmtBytes(812)).toBe("812 B");
    expect(fmtBytes(2048)).toBe("2.00 KB");
    expect(markdownTable(["a", "b"], [["x", "1"]])).toBe("| a | b |\n| :--- | ---: |\n| x | 1 |");
    expect(() => markdownTable(["a", "b"], [["x"]])).toThrow(TypeError);
  });
});

/** A scenario that costs `usPerCall` per call, slower in some rounds (noise on every scenario). */
function fakeSampler(name: string, usPerCall: number, noise: number[] = []): Sampler {
  let round = 0;
  return {
    name,
    warmUp: async (n) => (usPerCall * n) / 1000,
    sample: async (n, reps): Promise<SampleTime> => {
      const factor = noise[round++ % Math.max(1, noise.length)] ?? 1;
      const ms = ((usPerCall * n) / 1000) * reps * factor;
      return { wallMs: ms * 1.5, cpuMs: ms };
    },
  };
}

describe("other areas' scripts", () => {
  it("nest their headings under the section's heading", () => {
    expect(nestHeadings("# A\n\n## B\ntext # not a heading\n| a |")).toBe(
      "## A\n\n### B\ntext # not a heading\n| a |",
    );
  });
});

describe("a quiet machine", () => {
  it("is looked for over one window, and the wait is told plainly, quiet or not", async () => {
    // A look of 20 ms; giving up at 0 ms means one look, quiet or not.
    const wait = await waitForQuietMachine(20, 0);
    expect(wait.busy).toBeGreaterThanOrEqual(0);
    expect(wait.busy).toBeLessThanOrEqual(1);
    expect(wait.waitedMs).toBeGreaterThanOrEqual(15);
    expect(startText({ waitedMs: 500, busy: 0.04, quiet: true })).toBe(
      "quiet (4% busy, after 0.5 s)",
    );
    expect(startText({ waitedMs: 30_000, busy: 0.4, quiet: false })).toBe(
      "still 40% busy (the wait gave up after 30.0 s)",
    );
  });
});

describe("interleaved measuring", () => {
  it("samples each scenario once per round and records ms per batch", async () => {
    const order: string[] = [];
    const spy = (s: Sampler): Sampler => ({
      ...s,
      sample: (n, reps) => {
        order.push(`${s.name}@${n}`);
        return s.sample(n, reps);
      },
    });
    const measured = await measureInterleaved(
      [spy(fakeSampler("a", 1)), spy(fakeSampler("b", 50))],
      [1, 100],
      { runs: 5, warmupMs: 1, sampleMs: 10 },
    );
    expect(order.filter((o) => o === "a@1")).toHaveLength(5);
    // Rotated order: b goes first in odd rounds.
    expect(order.slice(0, 4)).toEqual(["a@1", "b@1", "b@1", "a@1"]);
    expect(measured.cpu.get("a")!.get(100)).toEqual([0.1, 0.1, 0.1, 0.1, 0.1]);
    expect(measured.samples.get("b")!.get(1)![0]).toBeCloseTo(0.075);
    expect(measured.reps.get("a")!.get(1)).toBe(10_000);
  });

  it("orders rounds so each scenario goes first, and runs before and after each neighbour, alike", () => {
    const orders = Array.from({ length: 6 }, (_, r) => roundOrder(["a", "b", "c"], r).join(""));
    expect(orders).toEqual(["abc", "cba", "bca", "acb", "cab", "bac"]);
    // Over those rounds, each scenario ran right before each neighbour as often as right after it.
    const count = (pair: string) => orders.filter((o) => o.includes(pair)).length;
    expect([count("ab"), count("bc"), count("ca")]).toEqual([
      count("ba"),
      count("cb"),
      count("ac"),
    ]);
    expect(roundOrder(["a", "b"], 1)).toEqual(["b", "a"]);
    expect(roundOrder([], 3)).toEqual([]);
  });

  it("runs exactly fixedReps batches per sample when asked (makespans)", async () => {
    const measured = await measureInterleaved([fakeSampler("m", 50_000)], [1000], {
      runs: 5,
      warmupMs: 1,
      sampleMs: 10,
      fixedReps: 1,
    });
    expect(measured.reps.get("m")!.get(1000)).toBe(1);
    expect(measured.cpu.get("m")!.get(1000)![0]).toBe(50_000);
  });
});

describe("sections", () => {
  it("overhead: µs per call and targets from CPU samples", async () => {
    const noise = [1, 1, 3, 1, 1];
    const measured = await measureInterleaved(
      [
        fakeSampler("promise-all", 0.06, noise),
        fakeSampler("p-limit", 1.2, noise),
        fakeSampler("toolnode", 55, noise),
        fakeSampler("volley", 1.5, noise),
        fakeSampler("volley-lc", 60, noise),
      ],
      OVERHEAD_SIZES,
      { runs: 5, warmupMs: 1, sampleMs: 1 },
    );
    const result = summarizeOverhead(measured, { runs: 5 });
    expect(OVERHEAD_SIZES).toEqual([1, 8, 100, 10_000]);
    expect(result.micros.volley[10_000]).toBeCloseTo(1.5);
    expect(result.micros.volley[8]).toBeCloseTo(1.5);
    expect(result.wall.volley[10_000]).toBeCloseTo(2.25);
    expect(result.targets).toHaveLength(5); // no baseline targets without --baseline
    const [perCall, vsToolNode, lc, n1, n8] = result.targets;
    expect(perCall!.pass).toBe(true);
    expect(vsToolNode!.pass).toBe(true); // 1.5 / 55 = 0.027
    expect(vsToolNode!.measured).toContain("0.027");
    expect(lc!.pass).toBe(false); // 60 > 55
    expect(n1!.target).toContain("N = 1 ");
    expect(n8!.target).toContain("N = 8 ");
    expect(n8!.pass).toBe(true); // 1.5 / 1.2 = 1.25 ≤ 1.5
    expect(n8!.measured).toMatch(/^1\.25 \(IQR 1\.25–1\.25; 1\.50 vs 1\.20 µs\)$/);
    expect(n8!.profile).toEqual(["overhead", "volley", 8]);
    // Every table has the four sizes: two cost tables, two ratio tables (CPU, wall).
    const header = "| N = 1 | N = 8 | N = 100 | N = 10,000 |";
    expect(result.markdown.split(header)).toHaveLength(5);
    expect(result.markdown).toContain("| Volley, native tools | 1.50 ±0% | 1.50 ±0% |");
    expect(result.markdown).toContain("ratio of wall-clock time");
    expect(result.markdown).not.toContain("core of");
  });

  it("overhead with --baseline: baseline rows at every N, and the ≤ 1.0× target", async () => {
    const noise = [1, 1.2, 0.9, 1, 1];
    const measured = await measureInterleaved(
      [
        fakeSampler("promise-all", 0.06, noise),
        fakeSampler("p-limit", 1, noise),
        fakeSampler("toolnode", 55, noise),
        fakeSampler("volley", 1.6, noise),
        fakeSampler("volley-lc", 40, noise),
        fakeSampler("volley@base", 1.5, noise),
        fakeSampler("volley-lc@base", 40, noise),
      ],
      OVERHEAD_SIZES,
      { runs: 5, warmupMs: 1, sampleMs: 1 },
    );
    const result = summarizeOverhead(measured, { runs: 5, baseline: "f217d7a" });
    const md = result.markdown;
    expect(md).toContain("| Volley, native tools, core of `f217d7a` | 1.50 ±");
    expect(md).toMatch(
      /\| Volley, native tools ÷ the same on `f217d7a` \(target ≤ 1 at 10,000\) \| 1\.07 \| 1\.07 \| 1\.07 \| 1\.07 \|/,
    );
    // Both ratio tables carry the baseline rows.
    expect(md.split("÷ the same on `f217d7a`")).toHaveLength(5);
    const vsBase = result.targets.at(-1)!;
    expect(vsBase.target).toContain("≤ 1.0× the core of `f217d7a`");
    expect(vsBase.pass).toBe(false); // 1.6 / 1.5
    expect(vsBase.measured).toContain("1.067");
    expect(result.targets.find((t) => t.target.includes("N = 1 "))!.pass).toBe(false); // 1.6 > 1.5
  });

  it("makespan: ratio to the ideal, and the 0.01 targets", async () => {
    expect(idealMakespan(1000, Infinity)).toBe(50);
    expect(idealMakespan(1000, 100)).toBe(500);
    // A sampler whose batch of 1,000 calls takes `ms` of wall time.
    const named = (name: string, ms: number): Sampler => ({
      name,
      warmUp: async () => ms,
      sample: async (_n, reps) => ({ wallMs: ms * reps, cpuMs: 1 }),
    });
    const measured = await measureInterleaved(
      [
        named("volley", 51),
        named("promise-all", 50.2),
        named("toolnode", 88),
        named("volley-100", 504),
        named("p-limit-100", 503),
      ],
      [1000],
      { runs: 5, warmupMs: 1, sampleMs: 1, fixedReps: 1 },
    );
    const result = summarizeMakespan(measured, { runs: 5 });
    expect(result.markdown).not.toContain("core of");
    expect(result.ratios.volley).toBeCloseTo(1.02);
    expect(result.ratios["volley-100"]).toBeCloseTo(1.008);
    expect(result.targets[0]!.pass).toBe(false); // 1.020 vs 1.004: +0.016
    expect(result.targets[0]!.measured).toContain("per round +0.016, IQR 0.000");
    expect(result.targets[1]!.pass).toBe(true); // 1.008 vs 1.006: +0.002

    const withBase = await measureInterleaved(
      [
        ...["volley", "promise-all", "toolnode", "volley-100", "p-limit-100"].map((id) =>
          named(id, 50.5),
        ),
        named("volley@base", 51),
      ],
      [1000],
      { runs: 5, warmupMs: 1, sampleMs: 1, fixedReps: 1 },
    );
    const based = summarizeMakespan(withBase, { runs: 5, baseline: "f217d7a" });
    expect(based.ratios["volley@base"]).toBeCloseTo(1.02);
    // The baseline row sits right under Volley's own.
    expect(based.markdown).toMatch(
      /\| Volley, unlimited \| [^\n]+\n\| Volley, unlimited, core of `f217d7a` \| 50 ms \| 51\.0 ms \| 1\.020 \|/,
    );
    expect(based.markdown).toContain("this tree's ratio minus that one, per round −0.010");
    expect(based.targets).toHaveLength(2);
  });

  it("memory: per-call figures are medians over probes", () => {
    const probe = (peak: number, queued: number, heap: number): MemoryProbeResult => ({
      contender: "volley",
      calls: 100_000,
      concurrency: 100,
      baselineRss: 100e6,
      queuedRss: 100e6 + queued,
      peakRss: 100e6 + peak,
      retainedHeap: heap,
      wallMs: 2000,
    });
    const figures = memoryFigures([
      probe(80e6, 40e6, 30e6),
      probe(90e6, 50e6, 30e6),
      probe(70e6, 45e6, 30e6),
    ]);
    expect(figures.peakPerCall).toBe(800);
    expect(figures.queuedPerCall).toBe(450);
    expect(figures.heapPerCall).toBe(300);
    const result = summarizeMemory({
      volley: figures,
      "volley-stream": figures,
      "p-limit": { ...figures, peakPerCall: 1100 },
    });
    expect(result.targets[0]!.pass).toBe(true);
    expect(result.targets[0]!.measured).toBe("800 B (p-limit: 1.07 KB)");
    expect(result.targets).toHaveLength(1);
    expect(result.markdown).not.toContain("core of");
  });

  it("memory with --baseline: a baseline row and the ≤ 1.0× target from per-round ratios", () => {
    const probe = (peak: number): MemoryProbeResult => ({
      contender: "volley",
      calls: 100_000,
      concurrency: 100,
      baselineRss: 100e6,
      queuedRss: 100e6 + peak / 2,
      peakRss: 100e6 + peak,
      retainedHeap: peak / 4,
      wallMs: 2000,
    });
    const volley = memoryFigures([probe(60e6), probe(90e6), probe(66e6)]);
    expect(volley.peaks).toEqual([600, 900, 660]);
    // Round 2 was noisy for both: pairing cancels it (ratios 1.0, 1.0, 1.1 → median 1.0).
    const base = memoryFigures([probe(60e6), probe(90e6), probe(60e6)]);
    const result = summarizeMemory(
      { volley, "p-limit": volley, "volley@base": base },
      { baseline: "f217d7a" },
    );
    expect(result.markdown).toContain(
      "| Volley (report collected: the default), core of `f217d7a` | 600 B |",
    );
    const target = result.targets[1]!;
    expect(target.target).toBe(
      "Memory per queued call (peak RSS, defaults) ≤ 1.0× the core of `f217d7a`",
    );
    expect(target.pass).toBe(true);
    expect(target.measured).toBe(
      "1.000 (IQR 1.00–1.05; 660 B vs 600 B; heap 165 B vs 150 B; 3 probes each)",
    );
    const worse = summarizeMemory(
      {
        volley,
        "p-limit": volley,
        "volley@base": memoryFigures([probe(50e6), probe(80e6), probe(60e6)]),
      },
      { baseline: "f217d7a" },
    );
    expect(worse.targets[1]!.pass).toBe(false);
  });
});

describe("RESULTS.md", () => {
  it("heads the targets plainly and mentions no issue numbers", () => {
    const machine = {
      cpu: "cpu",
      cores: 2,
      memory: "1 GiB",
      node: "v20",
      os: "Linux",
      loadAverage: "0.50 / 0.50 / 0.50",
    };
    const doc = renderResults({
      config: { ...parseBenchArgs(["--quick"], "/r"), baseline: "f217d7a" },
      started: new Date(0),
      before: machine,
      after: machine,
      revision: "abc1234",
      versions: { volley: "0.1.0" },
      targets: [{ target: "t", measured: "m", pass: true }],
      bodies: [],
      extras: undefined,
      timings: [["overhead", 1]],
      totalSeconds: 1,
    });
    expect(doc).toContain("\n## Targets\n");
    expect(doc).toContain("compared with the core of `f217d7a`");
    expect(doc).not.toMatch(/issue/i);
  });
});
