import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor, formatOutcomeError, type AnyTool } from "../core/index.js";
import type { runTutorialGraph as RunTutorialGraph } from "../langgraph/demo-graph.js";
import { valueText } from "./format.js";
import { tutorialSeconds } from "./timeline.js";
import { tutorialCalls } from "./tutorial-tools.js";
import { importPeer } from "./import-peer.js";

/** Kinds that describe the run, not the call: a journal does not keep them. */
const TRANSIENT = new Set(["cancelled", "deadline", "rejected"]);

/**
 * The demo's `--durable` section: the tutorial's graph with a SQLite checkpointer and a SQLite
 * journal, stopped once `stopAfter` calls have finished (as if the process had died then), then
 * resumed on the same thread. The calls that had finished are replayed from the journal; only
 * the others run again.
 */
export async function runDurableSection(
  print: (line?: string) => void,
  tools: readonly AnyTool[],
  runTutorialGraph: typeof RunTutorialGraph,
  stopAfter = 2,
): Promise<void> {
  const [{ SqliteSaver }, { SqliteJournal }] = await importPeer(
    () =>
      Promise.all([
        import("@langchain/langgraph-checkpoint-sqlite"),
        import("../journal/sqlite-journal.js"),
      ]),
    "volley demo --durable",
  );
  const dir = await mkdtemp(join(tmpdir(), "volley-demo-"));
  // Ctrl-C ends the demo with process.exit(), past the finally below: remove the files then too.
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeDir);
  const checkpointer = SqliteSaver.fromConnString(join(dir, "checkpoints.db"));
  const journal = new SqliteJournal(join(dir, "journal.db"));
  const executor = createExecutor({ tools, journal });
  const threadId = "tutorial";
  try {
    print(
      "StateGraph.compile({ checkpointer: SqliteSaver }), createExecutor({ tools, journal: SqliteJournal })",
    );
    const journaled: string[] = [];
    const crash = new AbortController();
    const started = performance.now();
    let stoppedAt = 0;
    const stop = executor.on("call:finished", ({ outcome }) => {
      if (outcome.status === "ok" || !TRANSIENT.has(outcome.error.kind)) journaled.push(outcome.id);
      // Kill the run once the fast calls are in: the journal has written them by now.
      if (journaled.length === stopAfter && !crash.signal.aborted) {
        stoppedAt = performance.now() - started;
        crash.abort(new Error("the process died"));
      }
    });
    try {
      await runTutorialGraph(executor, tutorialCalls, {
        checkpointer,
        threadId,
        signal: crash.signal,
      });
    } catch {
      // Expected: the run was stopped half-way.
    } finally {
      stop();
    }
    print(
      `Run 1 stopped at ${tutorialSeconds(stoppedAt)}, as if the process had died: ` +
        `${journaled.join(" and ") || "no call"} had finished and were journaled.`,
    );
    const resumed = await runTutorialGraph(executor, tutorialCalls, { checkpointer, threadId });
    print(`Run 2, on the same thread: executed 4 tools in ${tutorialSeconds(resumed.wallMs)}`);
    for (const o of resumed.outcomes) {
      const text = o.status === "ok" ? valueText(o.value) : formatOutcomeError(o.error);
      const how = o.replayed === true ? "replayed from the journal, not run again" : "ran again";
      print(`  ${o.id}: ${text}  (${how})`);
    }
  } finally {
    await executor.close();
    await journal.close();
    checkpointer.db.close();
    await rm(dir, { recursive: true, force: true });
    process.off("exit", removeDir);
  }
}
