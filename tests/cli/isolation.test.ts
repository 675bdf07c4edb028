import { describe, expect, it } from "vitest";
import { maxOverlap, type Timed } from "./max-overlap.js";
import { runCli } from "./run-cli.js";

const OWN = "tests/cli/fixtures/own-isolation.ts";

interface Report {
  readonly outcomes: readonly (Timed & { readonly value?: unknown; readonly name: string })[];
  readonly results: Record<string, unknown>;
}

const calls = (list: unknown): string => JSON.stringify(list);
const lookups = (n: number, ms: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `l${i}`, name: "lookup", args: { ms } }));
const crunches = (n: number, ms: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    name: i % 2 === 0 ? "crunch" : "crunch_too",
    args: { ms },
  }));

describe("volley run: each tool where its own isolation says", () => {
  it("runs a module's worker tools in threads as they are, and its I/O tools inline beside them", async () => {
    const run = await runCli(["run", "--tools", OWN, "--calls", "-", "--json", "--threads", "1"], {
      stdin: calls([...crunches(3, 200), ...lookups(6, 600)]),
      killAfterMs: 60_000,
    });
    expect(run.stderr).toContain(
      "3 calls of worker tools share 1 thread: at most 1 runs at once, the rest wait their turn (--threads <n> to change)",
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    const crunched = report.outcomes.filter((o) => o.name !== "lookup");
    const looked = report.outcomes.filter((o) => o.name === "lookup");
    // The worker tools, with or without a module of their own, ran in the one thread, in turn.
    expect(new Set(crunched.map((o) => report.results[o.id]))).toEqual(
      new Set([expect.any(Number) as number]),
    );
    expect(crunched.every((o) => (report.results[o.id] as number) > 0)).toBe(true);
    expect(maxOverlap(crunched)).toBe(1);
    // The I/O tool ran in the main thread, all six at once: the thread did not cap them.
    expect(looked.map((o) => report.results[o.id])).toEqual(Array(6).fill(0));
    expect(maxOverlap(looked)).toBe(6);
  }, 90_000);

  it("puts every defineTool() tool in threads with --isolation worker, and none with --isolation inline", async () => {
    const stdin = calls([...crunches(2, 10), ...lookups(2, 10)]);
    const threaded = await runCli(
      ["run", "--tools", OWN, "--calls", "-", "--json", "--isolation", "worker", "--threads", "2"],
      { stdin, killAfterMs: 60_000 },
    );
    expect(threaded.code).toBe(0);
    const inThreads = (JSON.parse(threaded.stdout) as Report).results;
    expect(Object.values(inThreads).every((id) => (id as number) > 0)).toBe(true);

    const inline = await runCli(
      ["run", "--tools", OWN, "--calls", "-", "--json", "--isolation", "inline"],
      { stdin, killAfterMs: 60_000 },
    );
    expect(inline.code).toBe(0);
    expect((JSON.parse(inline.stdout) as Report).results).toEqual({ c0: 0, c1: 0, l0: 0, l1: 0 });
  }, 90_000);

  it("holds worker and inline calls together to --concurrency, below the threads", async () => {
    const run = await runCli(
      ["run", "--tools", OWN, "--calls", "-", "--json", "--threads", "2", "--concurrency", "1"],
      { stdin: calls([...crunches(2, 100), ...lookups(2, 100)]), killAfterMs: 60_000 },
    );
    expect(run.code).toBe(0);
    // --concurrency is the tighter limit here: no note about the threads.
    expect(run.stderr).not.toContain("share");
    expect(maxOverlap((JSON.parse(run.stdout) as Report).outcomes)).toBe(1);
  }, 90_000);

  it("loads the module in every thread before the batch: a first call's timeout does not pay for it", async () => {
    // Threads take 2 s to load the module, twice the calls' timeout.
    const run = await runCli(
      ["run", "--tools", OWN, "--calls", "-", "--json", "--threads", "2", "--timeout", "1000"],
      {
        stdin: calls(crunches(4, 10)),
        env: { VOLLEY_TEST_THREAD_LOAD_MS: "2000" },
        killAfterMs: 60_000,
      },
    );
    expect(run.code).toBe(0);
    expect(Object.keys((JSON.parse(run.stdout) as Report).results)).toHaveLength(4);
  }, 90_000);

  it("runs the example CPU tools module, which imports volley as users do, in worker threads", async () => {
    const run = await runCli(
      ["run", "--tools", "examples/cpu-tools.ts", "--calls", "-", "--json"],
      {
        stdin: calls([
          { id: "small", name: "primes", args: { below: 1_000 } },
          { id: "large", name: "primes", args: { below: 100_000 } },
        ]),
        killAfterMs: 60_000,
      },
    );
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Report).results).toEqual({ small: 168, large: 9592 });
  }, 90_000);

  it.concurrent.each([
    [
      "--threads when no tool runs in a thread",
      ["--tools", "tests/cli/fixtures/tools.ts", "--threads", "2"],
      /^volley: --threads 2: no tool of tests\/cli\/fixtures\/tools\.ts runs in a worker thread \(give tools isolation: "worker", or pass --isolation worker\)$/m,
    ],
    [
      "a tool whose isolation the CLI cannot provide",
      ["--tools", "tests/cli/fixtures/queue-tool.mjs"],
      /^volley: Tool "remote" has isolation "queue", which volley run cannot provide: it runs tools inline or in worker threads \("worker"\)/m,
    ],
    [
      "a bad --threads",
      ["--tools", OWN, "--threads", "1.5"],
      /--threads <n>.*Expected a whole number of threads ≥ 1, got "1\.5"/,
    ],
  ])("exits 2 for %s", async (_name, args, message) => {
    const run = await runCli(["run", "--calls", "-", ...args], {
      stdin: calls([{ id: "a", name: "remote", args: {} }]),
    });
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
  });
});
