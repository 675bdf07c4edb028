import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const TOOLS = "tests/cli/fixtures/tools.ts";

describe("volley run: standard output holds the report only", () => {
  it.concurrent.each(["inline", "worker"])(
    "--json stays valid JSON when a tool prints on standard output (--isolation %s)",
    async (isolation) => {
      const run = await runCli(
        ["run", "--tools", TOOLS, "--calls", "-", "--json", "--isolation", isolation],
        {
          stdin: JSON.stringify([
            { id: "a", name: "chatty", args: { value: "hi" }, timeoutMs: 30_000 },
          ]),
        },
      );
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as { results: Record<string, unknown> };
      expect(report.results).toEqual({ a: "hi" });
      // What the tool printed is not lost, even from a thread: it is on standard error.
      expect(run.stderr).toContain("chatty says hi");
    },
  );

  it("keeps the tables apart from what tools print", async () => {
    const run = await runCli(["run", "--tools", TOOLS, "--calls", "-", "--no-progress"], {
      stdin: JSON.stringify([{ id: "a", name: "chatty", args: { value: "hi" } }]),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("chatty says");
    expect(run.stdout.split("\n")[0]).toMatch(/^id +tool +status/);
    expect(run.stderr).toContain("chatty says hi\n{ not json\n");
  });

  it("--isolation worker: every line a tool prints arrives, not just the first", async () => {
    const ids = ["a", "b", "c", "d"];
    const run = await runCli(
      ["run", "--tools", TOOLS, "--calls", "-", "--json", "--isolation", "worker"],
      {
        stdin: JSON.stringify(ids.map((id) => ({ id, name: "verbose", args: { value: id } }))),
        killAfterMs: 60_000,
      },
    );
    expect(run.code).toBe(0);
    const printed = run.stderr.split("\n").filter((line) => line.startsWith("line "));
    expect(printed.sort()).toEqual(
      ids
        .flatMap((id) => [1, 2, 3, 4, 5].map((i) => `line ${i} of ${id} ${"-".repeat(100)}`))
        .sort(),
    );
  }, 90_000);
});
