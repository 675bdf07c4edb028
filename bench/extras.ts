/**
 * Other areas' benchmarks: standalone scripts that print a markdown table. `run.ts` runs each one
 * that exists (`tsx bench/<name>.ts [--quick]`) and appends what it prints to RESULTS.md.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/** The scripts, in the order they run. */
export const EXTRA_BENCHES = [
  { file: "batching.ts", title: "Batching: fairness and longest-first" },
  { file: "threads.ts", title: "Worker threads vs inline" },
  {
    file: "fanout.ts",
    title: "LangGraph fan-out: `Send` vs `parallelToolNode` + SQLite journal vs `ToolNode`",
  },
] as const;

/** What one script produced. */
export interface ExtraResult {
  readonly file: string;
  readonly title: string;
  readonly ok: boolean;
  readonly seconds: number;
  /** Its markdown, or the reason it failed. */
  readonly markdown: string;
}

/** Runs one script, resolving (never rejecting) with what it printed or why it failed. */
export function runExtra(
  root: string,
  file: string,
  title: string,
  quick: boolean,
  timeoutMs: number,
): Promise<ExtraResult> {
  const script = path.join(root, "bench", file);
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, ...(quick ? ["--quick"] : [])],
      { cwd: root, timeout: timeoutMs, maxBuffer: 16 << 20, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        if (error) {
          const why = error.killed
            ? `timed out after ${Math.round(timeoutMs / 1000)} s`
            : `exited with code ${String(error.code)}`;
          const tail = String(stderr).trim().split("\n").slice(-15).join("\n");
          resolve({
            file,
            title,
            ok: false,
            seconds,
            markdown: `\`bench/${file}\` failed: ${why}.\n\n\`\`\`\n${tail}\n\`\`\``,
          });
          return;
        }
        resolve({ file, title, ok: true, seconds, markdown: String(stdout).trim() });
      },
    );
  });
}

/** Runs every script that exists; the ones that don't are listed as absent. */
export async function runExtras(
  root: string,
  quick: boolean,
  log: (line: string) => void,
): Promise<{ markdown: string; results: ExtraResult[] }> {
  const results: ExtraResult[] = [];
  const absent: string[] = [];
  for (const { file, title } of EXTRA_BENCHES) {
    if (!existsSync(path.join(root, "bench", file))) {
      absent.push(`\`bench/${file}\``);
      continue;
    }
    log(`extras: bench/${file}${quick ? " --quick" : ""}`);
    const result = await runExtra(root, file, title, quick, quick ? 120_000 : 900_000);
    log(`  ${result.ok ? "done" : "FAILED"} in ${result.seconds.toFixed(1)} s`);
    results.push(result);
  }
  const parts = results.map(
    (r) =>
      `## ${r.title}\n\nFrom \`bench/${r.file}\` (${r.seconds.toFixed(1)} s).\n\n${r.markdown}`,
  );
  if (absent.length > 0)
    parts.push(`_Not present in this tree, so not run: ${absent.join(", ")}._`);
  return { markdown: parts.join("\n\n"), results };
}
