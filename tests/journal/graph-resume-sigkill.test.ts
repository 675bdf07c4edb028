import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { childTracker, countLines, runTs } from "../helpers/child-process.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const child = join(import.meta.dirname, "fixtures", "graph-resume-child.ts");

describe("graph resume after SIGKILL (parallelToolNode + SqliteSaver + SqliteJournal)", () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => (dir = makeTempDir("graph-resume")));
  const children = childTracker();
  const track = children.track;
  afterEach(async () => {
    await children.killAll();
    dir.remove();
  });

  it("graph.invoke(null, config) on the same thread re-runs only the 3 unfinished calls", async () => {
    const env = {
      VOLLEY_JOURNAL: join(dir.path, "journal.db"),
      VOLLEY_CHECKPOINTS: join(dir.path, "checkpoints.db"),
      VOLLEY_EFFECTS: join(dir.path, "effects.log"),
    };
    writeFileSync(env.VOLLEY_EFFECTS, "");

    const first = track(runTs(child, { ...env, VOLLEY_MODE: "start", VOLLEY_HANG: "1" }));
    const seen = await first.waitFor(
      (lines) => lines.filter((l) => l.startsWith("outcome")).length >= 2,
      45_000,
    );
    first.process.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    expect(seen.filter((l) => l.startsWith("outcome")).sort()).toEqual([
      "outcome call_a ran",
      "outcome call_b ran",
    ]);

    const second = track(runTs(child, { ...env, VOLLEY_MODE: "resume" }));
    const exit = await second.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(second.lines.filter((l) => l.startsWith("outcome")).sort()).toEqual([
      "outcome call_a replayed",
      "outcome call_b replayed",
      "outcome call_c ran",
      "outcome call_d ran",
      "outcome call_e ran",
    ]);
    // a and b ran once in all; c, d, e started twice (killed mid-way the first time), finished once.
    expect(countLines(env.VOLLEY_EFFECTS)).toEqual({
      "started a": 1,
      "started b": 1,
      "started c": 2,
      "started d": 2,
      "started e": 2,
      "done a": 1,
      "done b": 1,
      "done c": 1,
      "done d": 1,
      "done e": 1,
    });
    // The replayed results are in the final state along with the new ones.
    const results = second.lines.find((l) => l.startsWith("results "))!;
    expect(JSON.parse(results.slice("results ".length))).toEqual({
      call_a: "did a",
      call_b: "did b",
      call_c: "did c",
      call_d: "did d",
      call_e: "did e",
    });
    expect(second.lines).toContain("pending []");
  }, 90_000); // two child processes that load tsx: slow on a busy machine
});
