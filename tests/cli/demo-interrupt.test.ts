import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../helpers/temp-dir.js";
import { runCli } from "./run-cli.js";

describe("volley demo --durable, interrupted", () => {
  it("leaves no checkpoint or journal files behind on Ctrl-C", async () => {
    const tmp = makeTempDir("cli-demo-tmp");
    try {
      const run = await runCli(["demo", "--durable"], {
        env: { TMPDIR: tmp.path },
        // Printed once the durable section has made its files, just before its first run.
        interruptWhen: "StateGraph.compile({ checkpointer: SqliteSaver })",
        interruptOn: "stdout",
        killAfterMs: 60_000,
      });
      expect(run.code).toBe(130);
      // (tsx, which runs the CLI from source here, keeps its own cache there.)
      expect(readdirSync(tmp.path).filter((name) => name.startsWith("volley-"))).toEqual([]);
    } finally {
      tmp.remove();
    }
  }, 90_000);
});
