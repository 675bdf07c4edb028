import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir } from "../helpers/temp-dir.js";

const example = join(import.meta.dirname, "..", "..", "examples", "langgraph-agent.ts");

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly lines: string[];
  readonly stderr: string;
}

/** Runs the example in one node process (so its own SIGKILL ends it), with `args`. */
function runExample(dir: string, ...args: string[]): Promise<Exit> {
  const child = spawn(process.execPath, ["--import", "tsx", example, ...args], {
    env: { ...process.env, VOLLEY_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve) =>
    child.once("close", (code, signal) =>
      resolve({ code, signal, lines: stdout.split("\n"), stderr }),
    ),
  );
}

const answered = (lines: string[]) => lines.filter((l) => / → .*\(success\)$/.test(l));
const ran = (lines: string[], query: string) =>
  lines.filter((l) => l.includes(`ran search("${query}")`)).length;

describe("examples/langgraph-agent.ts: createReactAgent + VolleyToolNode + SqliteSaver + SqliteJournal", () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => (dir = makeTempDir("agent")));
  afterEach(() => dir.remove());

  it("answers all 10 calls of its 3 turns", async () => {
    const run = await runExample(dir.path);
    expect(run.code, run.stderr).toBe(0);
    expect(answered(run.lines)).toHaveLength(10);
  }, 60_000);

  it("killed with SIGKILL after 2 calls of a turn finished, resumes without re-running them", async () => {
    const crash = await runExample(dir.path, "--crash");
    expect(crash.signal, crash.stderr).toBe("SIGKILL");
    expect(crash.lines).toContain("  s3 finished: ok");
    expect(crash.lines).toContain("  s4 finished: ok");

    const resume = await runExample(dir.path, "--resume");
    expect(resume.code, resume.stderr).toBe(0);
    expect(resume.lines).toContain("  s3 finished: replayed from the journal");
    expect(resume.lines).toContain("  s4 finished: replayed from the journal");
    const all = [...crash.lines, ...resume.lines];
    // The finished searches ran once in all; the one still running when it died ran again.
    expect(ran(all, "parallel agents")).toBe(1);
    expect(ran(all, "bounded concurrency")).toBe(1);
    expect(ran(all, "slow archive")).toBe(2);
    // The final state holds every answer, the replayed ones included.
    expect(answered(resume.lines)).toHaveLength(10);
  }, 60_000);
});
