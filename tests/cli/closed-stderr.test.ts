import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "./run-cli.js";

describe("volley run with standard error closed by its reader", () => {
  it.each(["inline", "worker"])(
    "still prints the report on standard output and exits with the batch's code (--isolation %s)",
    async (isolation) => {
      const calls = [
        { id: "a", name: "wait", args: { ms: 300 } },
        { id: "b", name: "chatty", args: { value: "hi" } },
        // Tools that print a lot, with nowhere for it to go.
        ...["c", "d", "e", "f"].map((id) => ({
          id,
          name: "verbose",
          args: { value: id, lines: 500 },
          timeoutMs: 10_000,
        })),
      ];
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "src/cli/bin.ts",
          "run",
          "--tools",
          "tests/cli/fixtures/tools.ts",
        ].concat(["--calls", "-", "--json", "--isolation", isolation]),
        { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] },
      );
      // As `2> >(head -0)` does: nobody reads standard error, so writing to it fails with EPIPE.
      child.stderr.destroy();
      child.stdin.end(JSON.stringify(calls));
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      clearTimeout(killer);
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as { counts: { ok: number } };
      expect(report.counts.ok).toBe(6);
    },
    60_000,
  );
});
