import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const TOOLS = "tests/cli/fixtures/tools.ts";

describe("volley run --journal file.db --batch-id X", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "volley-cli-journal-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("resumes an interrupted batch: finished calls are replayed, the others run again", async () => {
    const db = join(dir, "journal.db");
    const log = join(dir, "effects.log");
    await writeFile(log, "");
    const args = ["run", "--tools", TOOLS, "--calls", "-", "--journal", db, "--batch-id", "b-1"];
    const calls = (longMs: number): string =>
      JSON.stringify([
        { id: "quick", name: "record", args: { file: log, ms: 1 } },
        { id: "long", name: "record", args: { file: log, ms: longMs } },
      ]);

    const first = await runCli(args, { stdin: calls(30_000), interruptWhen: "ok     quick" });
    expect(first.code).toBe(130);
    expect(first.stdout).toMatch(/^long +record +error +cancelled /m);

    const second = await runCli(args, { stdin: calls(5) });
    expect(second.stderr).toMatch(/^ok {5}quick {2}record {2}\d+ ms {2}\(replayed\)$/m);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^quick +record +ok +1 ↺ +\d+ ms +recorded quick$/m);
    expect(second.stdout).toMatch(/^long +record +ok +1 +\d+ ms +recorded long$/m);
    expect(second.stdout).toContain("; 1 replayed from the journal");
    // "quick" ran once in all; "long" started twice (cancelled, then run again) and finished once.
    expect((await readFile(log, "utf8")).split("\n").filter(Boolean).sort()).toEqual([
      "done long",
      "done quick",
      "start long",
      "start long",
      "start quick",
    ]);
  });

  it("without --batch-id, prints the generated id to resume with", async () => {
    const run = await runCli(
      ["run", "--tools", TOOLS, "--calls", "-", "--journal", join(dir, "j.db"), "--no-progress"],
      { stdin: JSON.stringify([{ id: "a", name: "wait", args: { ms: 1 } }]) },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^Journal .*j\.db: batch id ([\w-]+); to resume it, run again with --batch-id \1$/m,
    );
  });

  it("exits 2 when the journal cannot be opened", async () => {
    const run = await runCli(
      ["run", "--tools", TOOLS, "--calls", "-", "--journal", join(dir, "missing-dir", "j.db")],
      { stdin: JSON.stringify([{ id: "a", name: "wait", args: { ms: 1 } }]) },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Cannot open the journal .*missing-dir/);
  });

  it("leaves no new journal behind when the command fails before any call ran", async () => {
    const db = join(dir, "j.db");
    // The dashboard's port is taken: exit 2 once the journal is open, and nothing ran.
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    const { port } = taken.address() as AddressInfo;
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
        { stdin: JSON.stringify([{ id: "a", name: "wait", args: { ms: 1 } }]) },
      );
      expect(run.stderr).toMatch(/Cannot serve the dashboard on 127\.0\.0\.1:\d+/);
      expect(run.code).toBe(2);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });
});
