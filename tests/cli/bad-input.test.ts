import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir } from "../helpers/temp-dir.js";
import { runCli } from "./run-cli.js";

const TOOLS = "tests/cli/fixtures/tools.ts";
const CALLS = JSON.stringify([{ id: "a", name: "wait", args: { ms: 1 } }]);

describe("volley run: bad input leaves nothing half-done", () => {
  let dir: { path: string; remove(): void };
  beforeEach(() => {
    dir = makeTempDir("cli-bad-input");
  });
  afterEach(() => dir.remove());

  it("exits 2 for an empty --batch-id, naming the flag, before opening the journal", async () => {
    const db = join(dir.path, "j.db");
    const run = await runCli(
      ["run", "--tools", TOOLS, "--calls", "-", "--journal", db, "--batch-id", ""],
      { stdin: CALLS },
    );
    expect(run.stderr).toMatch(/--batch-id <id>.*Expected a non-empty batch id/);
    expect(run.stderr).not.toContain("unexpected error");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(existsSync(db)).toBe(false);
  });

  it.concurrent.each(["--timeout", "--deadline"])(
    "takes %s longer than a Node.js timer waits (2^31 - 1 ms) without ending the calls at once",
    async (flag) => {
      // A call that outlasts the 1 ms after which an overflowing Node.js timer would fire.
      const run = await runCli(["run", "--tools", TOOLS, "--calls", "-", "--json", flag, "1e10"], {
        stdin: JSON.stringify([{ id: "a", name: "wait", args: { ms: 200 } }]),
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('"ok"');
    },
  );

  it.concurrent.each(["--timeout", "--deadline"])(
    "exits 2 for a %s that is not a positive number, naming the flag",
    async (flag) => {
      const run = await runCli(["run", "--tools", TOOLS, "--calls", "-", flag, "-5"], {
        stdin: CALLS,
      });
      expect(run.stderr).toMatch(new RegExp(`${flag} <ms>.*Expected milliseconds`));
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
    },
  );

  it("exits 2 when the dashboard's port is taken, without leaving a journal behind", async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    const db = join(dir.path, "j.db");
    try {
      const run = await runCli(
        [
          "run",
          "--tools",
          TOOLS,
          "--calls",
          "-",
          "--journal",
          db,
          "--dashboard",
          "--dashboard-port",
          String(port),
        ],
        { stdin: CALLS },
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/Cannot serve the dashboard on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      // No batch ran: there is nothing to resume.
      expect(run.stderr).not.toContain("to resume it");
      expect(readdirSync(dir.path)).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe("volley run: SIGTERM", () => {
  it("cancels the running calls, prints every outcome, keeps the journal and exits 143", async () => {
    const dir = makeTempDir("cli-sigterm");
    try {
      const args = ["run", "--tools", TOOLS, "--calls", "-", "--json"];
      const journal = ["--journal", join(dir.path, "j.db"), "--batch-id", "t-1"];
      const calls = (longMs: number): string =>
        JSON.stringify([
          { id: "done", name: "wait", args: { ms: 1 } },
          { id: "long", name: "wait", args: { ms: longMs } },
        ]);
      const run = await runCli([...args, ...journal], {
        stdin: calls(30_000),
        interruptWhen: "ok     done",
        interruptSignal: "SIGTERM",
      });
      expect(run.signal).toBeNull();
      expect(run.code).toBe(143);
      const report = JSON.parse(run.stdout) as {
        results: Record<string, unknown>;
        errors: Record<string, { kind: string; message: string }>;
      };
      expect(report.results).toEqual({ done: "done" });
      expect(report.errors["long"]).toMatchObject({ kind: "cancelled" });
      expect(report.errors["long"]!.message).toContain("SIGTERM");
      expect(run.stderr).toContain("Interrupted: 1 unfinished call was cancelled");
      expect(run.stderr).toContain("(SIGTERM again to quit at once)");

      const again = await runCli([...args, ...journal], { stdin: calls(1) });
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/^ok {5}done {2}wait {2}\d+ ms {2}\(replayed\)$/m);
    } finally {
      dir.remove();
    }
  });
});
