import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const TOOLS = "tests/cli/fixtures/tools.ts";
const calls = (list: unknown): string => JSON.stringify(list);

describe("volley run (child process)", () => {
  it("exits 0 when every call succeeds, printing the calls table and the per-tool summary", async () => {
    const run = await runCli(["run", "--tools", TOOLS, "--calls", "-"], {
      stdin: calls([
        { id: "a", name: "wait", args: { ms: 50, value: "alpha" } },
        { id: "b", tool_name: "wait", args: { ms: 10 } },
      ]),
    });
    expect(run.stderr).toContain("ok     a  wait");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^id +tool +status +kind +tries +duration +value \/ message$/);
    expect(run.stdout).toMatch(/^a +wait +ok +1 +\d+ ms +alpha$/m);
    expect(run.stdout).toMatch(/^b +wait +ok +1 +\d+ ms +done$/m);
    expect(run.stdout).toMatch(/^tool +calls +ok +errors +p50 +p95 +max$/m);
    expect(run.stdout).toMatch(/^wait +2 +2 +0 +\d+ ms +\d+ ms +\d+ ms$/m);
    expect(run.stdout).toMatch(/^2 calls in \d+ ms: 2 ok, 0 failed$/m);
  });

  it("runs the example tools module on the example calls and exits 1 for the failed call", async () => {
    const run = await runCli([
      "run",
      "--tools",
      "examples/tools.ts",
      "--calls",
      "examples/calls.json",
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^error_1 +slow_tool +error +tool_error +1 +1\.\d\d s +Error: Simulated failure$/m,
    );
    expect(run.stdout).toMatch(/^fast_1 +fast_tool +ok +1 +\d+ ms +Fast result for: task 1$/m);
    expect(run.stdout).toMatch(/^slow_tool +2 +1 +1 +/m);
  });

  it("loads plain JavaScript modules with @langchain/core tools in a default array", async () => {
    const run = await runCli(
      ["run", "--tools", "tests/cli/fixtures/lc-tools.mjs", "--calls", "-", "--json"],
      {
        stdin: calls({
          tool_calls: [{ id: "s", name: "shout", args: { text: "hi" }, type: "tool_call" }],
        }),
      },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      results: Record<string, unknown>;
      counts: { ok: number };
    };
    expect(report.results).toEqual({ s: "HI" });
    expect(report.counts.ok).toBe(1);
  });

  it("applies --timeout, --deadline and --concurrency", async () => {
    const timed = await runCli(
      ["run", "--tools", TOOLS, "--calls", "-", "--timeout", "100", "--json"],
      {
        stdin: calls([{ id: "slow", name: "wait", args: { ms: 5_000 } }]),
      },
    );
    expect(timed.code).toBe(1);
    const outcome = (JSON.parse(timed.stdout) as { outcomes: Array<{ error: { kind: string } }> })
      .outcomes[0]!;
    expect(outcome.error.kind).toBe("timeout");

    const deadline = await runCli(
      ["run", "--tools", TOOLS, "--calls", "-", "--deadline", "150", "--json"],
      {
        stdin: calls([
          { id: "quick", name: "wait", args: { ms: 1 } },
          { id: "slow", name: "wait", args: { ms: 5_000 } },
        ]),
      },
    );
    expect(deadline.code).toBe(1);
    const report = JSON.parse(deadline.stdout) as {
      counts: { byKind: Record<string, number> };
      wallMs: number;
    };
    expect(report.counts.byKind).toEqual({ deadline: 1 });
    expect(report.wallMs).toBeLessThan(2_000);

    const serial = await runCli(
      ["run", "--tools", TOOLS, "--calls", "-", "--concurrency", "1", "--json"],
      {
        stdin: calls([
          { id: "a", name: "wait", args: { ms: 150 } },
          { id: "b", name: "wait", args: { ms: 150 } },
        ]),
      },
    );
    expect(serial.code).toBe(0);
    const [a, b] = (
      JSON.parse(serial.stdout) as {
        outcomes: Array<{ startedAt: number; durationMs: number }>;
      }
    ).outcomes;
    // One at a time: b starts once a has finished.
    expect(b!.startedAt).toBeGreaterThanOrEqual(a!.startedAt + a!.durationMs - 5);
  });

  it("runs tools in worker threads with --isolation worker, where a stuck tool is really stopped", async () => {
    const run = await runCli(
      [
        "run",
        "--tools",
        TOOLS,
        "--calls",
        "-",
        "--isolation",
        "worker",
        "--timeout",
        "2500",
        "--json",
      ],
      {
        stdin: calls([
          { id: "a", name: "wait", args: { ms: 10, value: "from a thread" } },
          { id: "stuck", name: "hang", args: {} },
        ]),
      },
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      results: Record<string, unknown>;
      errors: Record<string, { kind: string }>;
    };
    expect(report.results).toEqual({ a: "from a thread" });
    expect(report.errors["stuck"]!.kind).toBe("timeout");
  });

  it("prints plain progress lines on stderr when it is not a terminal, unless --no-progress", async () => {
    const stdin = calls([
      { id: "ok1", name: "wait", args: { ms: 5 } },
      { id: "bad", name: "fail", args: { message: "nope" } },
    ]);
    const run = await runCli(["run", "--tools", TOOLS, "--calls", "-"], { stdin });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^batch [\w-]+: 2 calls$/m);
    expect(run.stderr).toMatch(/^ok {5}ok1 {2}wait {2}\d+ ms$/m);
    expect(run.stderr).toMatch(/^error {2}bad {2}fail {2}\d+ ms {2}tool_error {2}Error: nope$/m);
    expect(run.stderr).toMatch(/^done {3}2 calls in \d+ ms: 1 ok, 1 failed$/m);
    expect(run.stderr).not.toContain("\x1b[");
    const quiet = await runCli(["run", "--tools", TOOLS, "--calls", "-", "--no-progress"], {
      stdin,
    });
    expect(quiet.stderr).toBe("");
  });

  describe("exits 2 on bad input, naming what is wrong", () => {
    const cases: Array<[string, string[], string | undefined, RegExp]> = [
      [
        "a missing calls file",
        ["--tools", TOOLS, "--calls", "nope.json"],
        undefined,
        /Calls file not found: .*nope\.json/,
      ],
      [
        "JSON that does not parse",
        ["--tools", TOOLS, "--calls", "-"],
        "[{",
        /standard input is not valid JSON/,
      ],
      [
        "JSON without calls",
        ["--tools", TOOLS, "--calls", "-"],
        '{"a":1}',
        /Expected standard input to hold a JSON array of calls .*, got `{ a: 1 }` \(object\)/,
      ],
      [
        "a calls file holding an empty array",
        ["--tools", TOOLS, "--calls", "tests/cli/fixtures/no-calls.json"],
        undefined,
        /^volley: No calls: tests\/cli\/fixtures\/no-calls\.json holds an empty array$/m,
      ],
      [
        "an AIMessage without tool calls on standard input",
        ["--tools", TOOLS, "--calls", "-"],
        '{"type": "ai", "content": "All done.", "tool_calls": []}',
        /^volley: No calls: standard input holds a message with an empty tool_calls list$/m,
      ],
      [
        "a missing tools module",
        ["--tools", "nope.ts", "--calls", "-"],
        "[]",
        /Tools module not found: .*nope\.ts/,
      ],
      [
        "a module that does not load",
        ["--tools", "tests/cli/fixtures/broken.mjs", "--calls", "-"],
        "[]",
        /Tools module .*broken\.mjs failed to load: .*does-not-exist/,
      ],
      [
        "a module without tools",
        ["--tools", "tests/cli/fixtures/no-tools.mjs", "--calls", "-"],
        "[]",
        /no-tools\.mjs exports no tools \(exports: answer, helper\)/,
      ],
      [
        "two tools with one name",
        ["--tools", "tests/cli/fixtures/duplicate-tools.mjs", "--calls", "-"],
        "[]",
        /duplicate-tools\.mjs exports two different tools named "same"/,
      ],
      [
        "a bad flag value",
        ["--tools", TOOLS, "--calls", "-", "--concurrency", "zero"],
        "[]",
        /--concurrency <n>.*Expected a whole number/,
      ],
      [
        "a missing required flag",
        ["--tools", TOOLS],
        undefined,
        /required option '-c, --calls <file>'/,
      ],
    ];
    it.concurrent.each(cases)("%s", async (_name, args, stdin, message) => {
      const run = await runCli(["run", ...args], stdin === undefined ? {} : { stdin });
      expect(run.stderr).toMatch(message);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
    });
  });

  it("on Ctrl-C cancels the running calls, prints their outcomes and exits 130", async () => {
    const run = await runCli(["run", "--tools", TOOLS, "--calls", "-"], {
      stdin: calls([
        { id: "done", name: "wait", args: { ms: 1 } },
        { id: "long", name: "wait", args: { ms: 30_000 } },
        // Ignores its signal: the CLI must not wait for it.
        { id: "stuck", name: "hang", args: {} },
      ]),
      interruptWhen: "ok     done",
    });
    expect(run.code).toBe(130);
    expect(run.stdout).toMatch(/^done +wait +ok +1 /m);
    expect(run.stdout).toMatch(
      /^long +wait +error +cancelled +1 +\d+ ms +CancelledError: Cancelled by the caller: Ctrl-C$/m,
    );
    expect(run.stdout).toMatch(/^stuck +hang +error +cancelled /m);
    expect(run.stderr).toContain("Interrupted: 2 unfinished calls were cancelled");
    expect(run.ms).toBeLessThan(15_000);
  });

  it("has --help with an example on every command", async () => {
    for (const args of [["--help"], ["run", "--help"], ["demo", "--help"]]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Examples?:\n {2}\$ volley /);
    }
  });
});
