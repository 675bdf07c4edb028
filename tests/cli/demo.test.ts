import { beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliRun } from "./run-cli.js";

/** One labelled section: from its title to the next title (a line over a rule of "="). */
function section(output: string, title: string): string {
  const start = output.indexOf(`\n${title}\n===`);
  expect(start, `section "${title}"`).toBeGreaterThanOrEqual(0);
  const rest = output.slice(start + title.length + 2);
  const next = /\n\n[^\n]+\n={10,}/.exec(rest);
  return output.slice(start, next === null ? undefined : start + title.length + 2 + next.index);
}

function seconds(text: string): number {
  const match = /Executed \d+ tools in (\d+\.\d\d) seconds/.exec(text);
  expect(match, text).not.toBeNull();
  return Number(match![1]);
}

describe("volley demo (the reference demo)", () => {
  let demo: CliRun;
  beforeAll(async () => {
    demo = await runCli(["demo"]);
  }, 30_000);

  it("exits 0 and prints nothing on stderr", () => {
    expect(demo.stderr).toBe("");
    expect(demo.code).toBe(0);
  });

  it("prints the tutorial's expected output: wall time of the slowest call, not the sum", () => {
    const part = section(demo.stdout, "Parallel Execution Demo");
    expect(part).toMatch(/^Executed 4 tools in \d\.\d\d seconds$/m);
    // 1.0X on a quiet machine; wide for the shared, noisy cores.
    const wall = seconds(part);
    expect(wall).toBeGreaterThanOrEqual(1.0);
    expect(wall).toBeLessThan(2.0);
    const lines = part.split("\n");
    const results = lines.indexOf("Successful Results:");
    const errors = lines.indexOf("Errors:");
    expect(results).toBeGreaterThan(0);
    // In finishing order.
    expect(lines.slice(results + 1, results + 4)).toEqual([
      "fast_1: Fast result for: task 1",
      "fast_2: Fast result for: task 3",
      "slow_1: Slow result for: task 2",
    ]);
    expect(lines[errors + 1]).toBe("error_1: Error: Simulated failure");
  });

  it("shows a 500 ms timeout cancelling the slow calls, and a retry recovering a flaky tool", () => {
    const part = section(demo.stdout, "Next steps 1 and 2: timeouts and retries");
    const wall = seconds(part);
    expect(wall).toBeGreaterThanOrEqual(0.5);
    expect(wall).toBeLessThan(1.5);
    expect(part).toMatch(/^fast_1 +ok +1 +\d+ ms +Fast result for: task 1$/m);
    expect(part).toMatch(
      /^slow_1 +error +timeout +1 +\d+ ms +ToolTimeoutError: Tool "slow_tool" timed out/m,
    );
    expect(part).toMatch(/^error_1 +error +timeout +1 +\d+ ms +ToolTimeoutError: /m);
    expect(part).toContain("Timeout: slow_1 and error_1 ran past 500 ms and ended `timeout`");
    expect(part).toContain(
      "retry: flaky_1 attempt 1 failed (Error: Simulated flaky failure); attempt 2 in 100 ms",
    );
    expect(part).toMatch(/^flaky_1 +ok +2 +\d+ ms +Flaky result for: task 5 \(attempt 2\)$/m);
    expect(part).toContain("Retry: flaky_1 failed its first attempt and recovered on attempt 2.");
  });

  it("shows the wall time growing under a concurrency limit of 2", () => {
    const first = seconds(section(demo.stdout, "Parallel Execution Demo"));
    const part = section(demo.stdout, "Next step 3: a concurrency limit");
    const wall = seconds(part);
    // fast_1 and slow_1 start; fast_2 then error_1 wait for fast slots: about 1.2 s.
    expect(wall).toBeGreaterThanOrEqual(1.15);
    expect(wall).toBeLessThan(3);
    expect(wall).toBeGreaterThan(first);
    // error_1 started only once both fast calls were done.
    const start = /^error_1 +▕ +▒+▏ (\d\.\d\d)–\d\.\d\d s {2}\(tool_error\)$/m.exec(part);
    expect(start, part).not.toBeNull();
    expect(Number(start![1])).toBeGreaterThanOrEqual(0.19);
  });

  it("runs the batch through a LangGraph StateGraph", () => {
    const part = section(demo.stdout, "Through a LangGraph StateGraph");
    const wall = seconds(part);
    expect(wall).toBeGreaterThanOrEqual(1.0);
    expect(wall).toBeLessThan(3);
    expect(part).toContain(
      [
        "Successful Results:",
        "fast_1: Fast result for: task 1",
        "fast_2: Fast result for: task 3",
        "slow_1: Slow result for: task 2",
        "",
        "Errors:",
        "error_1: Error: Simulated failure",
      ].join("\n"),
    );
    expect(part).toContain("final state has 3 results and 1 error, pending_tools [].");
  });

  it("takes far less than its calls would one after another", () => {
    // 3.7 s of batches plus start-up: under 5 s on a quiet machine; wide for the shared cores.
    expect(demo.ms).toBeLessThan(20_000);
  });
});

describe("examples/tutorial-graph.ts (the tutorial as a StateGraph)", () => {
  it("prints the tutorial's expected output", async () => {
    const run = await runCli([], { script: "examples/tutorial-graph.ts" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        [
          "Parallel Execution Demo",
          "=+",
          "Executed 4 tools in 1\\.\\d\\d seconds",
          "",
          "Successful Results:",
          "fast_1: Fast result for: task 1",
          "fast_2: Fast result for: task 3",
          "slow_1: Slow result for: task 2",
          "",
          "Errors:",
          "error_1: Error: Simulated failure",
          "",
          "Final state: 3 results, 1 error, pending_tools \\[\\]",
        ].join("\\n"),
      ),
    );
  });
});

describe("volley demo --durable", () => {
  it("stops the graph half-way and resumes it: finished calls replay from the journal", async () => {
    const run = await runCli(["demo", "--durable"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const part = section(run.stdout, "Durable: a SQLite checkpointer and a SQLite journal");
    expect(part).toContain("fast_1 and fast_2 had finished and were journaled.");
    expect(part).toMatch(/^Run 2, on the same thread: executed 4 tools in \d\.\d\d seconds$/m);
    expect(part).toContain(
      "fast_1: Fast result for: task 1  (replayed from the journal, not run again)",
    );
    expect(part).toContain(
      "fast_2: Fast result for: task 3  (replayed from the journal, not run again)",
    );
    expect(part).toContain("slow_1: Slow result for: task 2  (ran again)");
    expect(part).toContain("error_1: Error: Simulated failure  (ran again)");
  }, 40_000);
});
