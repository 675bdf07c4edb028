import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { maxOverlap, type Timed } from "./max-overlap.js";
import { runCli } from "./run-cli.js";

const TOOLS = "tests/cli/fixtures/tools.ts";
const MIXED = "tests/cli/fixtures/mixed-tools.ts";

describe("volley run --isolation worker with more calls than threads", () => {
  it("starts no more calls than there are threads, so a call's timeout runs only while it runs", async () => {
    const threads = availableParallelism();
    // Of two tools, both in the pool: the threads are shared.
    const calls = Array.from({ length: 4 * threads }, (_, i) => ({
      id: `c${i}`,
      name: i % 2 === 0 ? "burn" : "wait",
      args: { ms: 150 },
    }));
    const run = await runCli(
      ["run", "--tools", TOOLS, "--calls", "-", "--isolation", "worker", "--json"],
      { stdin: JSON.stringify(calls), killAfterMs: 60_000 },
    );
    expect(run.code).toBe(0);
    const { outcomes } = JSON.parse(run.stdout) as { outcomes: Timed[] };
    expect(outcomes.every((o) => o.status === "ok")).toBe(true);
    // The others waited in Volley's queue, where no timeout runs, not in the pool's.
    expect(maxOverlap(outcomes)).toBeLessThanOrEqual(threads);
  }, 90_000);

  it("shares the threads among the worker tools when a @langchain/core tool runs inline beside them", async () => {
    const threads = availableParallelism();
    const calls = [
      ...Array.from({ length: 4 * threads }, (_, i) => ({
        id: `c${i}`,
        name: i % 2 === 0 ? "hash_a" : "hash_b",
        args: { ms: 300 },
      })),
      { id: "lc", name: "echo", args: { s: "inline" } },
    ];
    const run = await runCli(
      ["run", "--tools", MIXED, "--calls", "-", "--isolation", "worker", "--json"],
      { stdin: JSON.stringify(calls), killAfterMs: 60_000 },
    );
    expect(run.code).toBe(0);
    const { outcomes } = JSON.parse(run.stdout) as { outcomes: Timed[] };
    expect(outcomes.every((o) => o.status === "ok")).toBe(true);
    expect(maxOverlap(outcomes.filter((o) => o.id !== "lc"))).toBeLessThanOrEqual(threads);
  }, 90_000);

  it("starts the threads and loads the tools module before the batch, not inside the first calls' timeouts", async () => {
    const calls = Array.from({ length: 6 }, (_, i) => ({
      id: `q${i}`,
      name: "hash_a",
      args: { ms: 10 },
    }));
    // A thread needs far longer than 300 ms to start and load the module under tsx.
    const run = await runCli(
      ["run", "--tools", MIXED, "--calls", "-", "--isolation", "worker", "--timeout", "300"],
      { stdin: JSON.stringify(calls), killAfterMs: 60_000 },
    );
    expect(run.stdout).toContain("6 calls");
    expect(run.stdout).toContain("6 ok, 0 failed");
    expect(run.code).toBe(0);
  }, 90_000);
});
