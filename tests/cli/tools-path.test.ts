import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { loadTools } from "../../src/cli/load-tools.js";
import { FIXTURES, runCli } from "./run-cli.js";

const url = pathToFileURL(`${FIXTURES}tools.ts`).href;

describe("volley run --tools <file: URL>", () => {
  it("loads the module a file: URL names, as loadToolsModule() does", async () => {
    const tools = await loadTools(url, { cwd: "/nowhere" });
    expect(tools.map((t) => t.name)).toContain("wait");
  });

  it("runs its tools in worker threads too", async () => {
    const run = await runCli(
      ["run", "--tools", url, "--calls", "-", "--isolation", "worker", "--json"],
      { stdin: JSON.stringify([{ id: "a", name: "wait", args: { ms: 1 }, timeoutMs: 30_000 }]) },
    );
    expect(run.stderr).not.toContain("not found");
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { results: unknown }).results).toEqual({ a: "done" });
  });
});
