import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../helpers/temp-dir.js";
import { runCli } from "./run-cli.js";

describe("volley demo --durable, interrupted", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "leaves no checkpoint or journal files behind on %s",
    async (signal, code) => {
      const tmp = makeTempDir("cli-demo-tmp");
      try {
        const run = await runCli(["demo", "--durable"], {
          env: { TMPDIR: tmp.path },
          // Printed once the durable section has made its files, just before its first run.
          interruptWhen: "StateGraph.compile({ checkpointer: SqliteSaver })",
          interruptOn: "stdout",
          interruptSignal: signal,
          killAfterMs: 60_000,
        });
        expect(run.code).toBe(code);
        // (tsx, which runs the CLI from source here, keeps its own cache there.)
        expect(readdirSync(tmp.path).filter((name) => name.startsWith("volley-"))).toEqual([]);
      } finally {
        tmp.remove();
      }
    },
    90_000,
  );
});
