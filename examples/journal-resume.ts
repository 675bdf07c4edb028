/**
 * A batch that resumes: every finished outcome is written to a SQLite journal before anyone
 * hears of it. The first run is interrupted after three of its five calls; the second run, with
 * the same batch id, replays those three from the journal and runs only the other two. A crash
 * (even `kill -9`) resumes the same way.
 *
 * Run: npx tsx examples/journal-resume.ts
 * Peers: better-sqlite3, zod
 * Expect: Run 2: 3 replayed from the journal, 2 ran
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor, defineTool, type ToolCall } from "volley";
import { SqliteJournal } from "volley/journal";
import { z } from "zod";

const dir = mkdtempSync(join(tmpdir(), "volley-journal-"));
const file = join(dir, "journal.db");

let completed = 0;
const translate = defineTool({
  name: "translate",
  description: "Translates a text (slowly)",
  schema: z.object({ text: z.string(), ms: z.number() }),
  run: async ({ text, ms }, { signal }) => {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)));
    });
    completed++;
    return text.toUpperCase();
  },
});

// Three quick calls and two slow ones: run 1 stops once the quick ones are done, with a wide
// margin before the slow ones would finish, however busy the machine.
const calls: ToolCall[] = ["one", "two", "three", "four", "five"].map((text, i) => ({
  id: `t${i + 1}`,
  name: "translate",
  args: { text, ms: i < 3 ? 100 * (i + 1) : 1_500 + 500 * (i - 3) },
}));
// The key a journal resumes by: the same id means the same batch.
const batchId = "translations-2026-01-01";

try {
  // Run 1: stopped (as a crash or a deploy would stop it) once three calls have finished.
  {
    const journal = new SqliteJournal(file);
    const executor = createExecutor({ tools: [translate], journal });
    const batch = executor.execute(calls, { batchId });
    let finished = 0;
    for await (const outcome of batch) {
      console.log(`run 1: ${outcome.id} ${outcome.status === "ok" ? "ok" : outcome.error.kind}`);
      if (++finished === 3) batch.cancel("stopped half-way");
    }
    const { counts } = await batch;
    console.log(`Run 1: ${counts.ok} finished and journaled, ${counts.error} cancelled\n`);
    await executor.close();
    await journal.close();
  }

  // Run 2: a new executor and journal on the same file, as after a restart.
  {
    const journal = new SqliteJournal(file);
    const executor = createExecutor({ tools: [translate], journal });
    const report = await executor.execute(calls, { batchId });
    for (const o of report.outcomes) {
      const how = o.replayed === true ? "replayed from the journal" : "ran";
      console.log(`run 2: ${o.id} ${o.status === "ok" ? String(o.value) : o.error.kind} (${how})`);
    }
    const replayed = report.outcomes.filter((o) => o.replayed === true).length;
    console.log(
      `Run 2: ${replayed} replayed from the journal, ${report.outcomes.length - replayed} ran`,
    );
    console.log(`Each call completed once: ${completed} completions for ${calls.length} calls`);
    await executor.close();
    await journal.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
