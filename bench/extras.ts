/**
 * Other areas' benchmarks: standalone scripts that print a markdown table. `run.ts` runs each one
 * that exists (`tsx bench/<name>.ts [--quick]`) and appends what it prints to RESULTS.md.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { waitForQuietMachine, type QuietWait } from "./quiet-machine.js";

/** The scripts, in the order they run. */
export const EXTRA_BENCHES = [
  { file: "batching.ts", title: "Batching: fairness and longest-first" },
  { file: "threads.ts", title: "Worker threads vs inline" },
  {
    file: "fanout.ts",
    title: "LangGraph fan-out: `Send` vs `parallelToolNode` + SQLite journal vs `ToolNode`",
  },
  { file: "crash-trials.ts", title: "Crash trials: SIGKILL mid-batch, then resume" },
  { file: "bullmq.ts", title: "Scale-out: `volley/bullmq` vs raw BullMQ on one Redis" },
  {
    file: "worker-kill-trials.ts",
    title: "Worker-kill trials: SIGKILL `volley/bullmq` workers mid-batch",
  },
  { file: "mcp.ts", title: "MCP: `volley/mcp` vs `client.callTool()` directly" },
  { file: "ai-sdk.ts", title: "AI SDK: what `volleyTools` adds per tool call" },
  {
    file: "soak.ts",
    title: "Soak: a million streamed calls with a slow reader",
    execArgv: ["--expose-gc"],
  },
] as const satisfies ReadonlyArray<{
  readonly file: string;
  readonly title: string;
  readonly execArgv?: readonly string[];
}>;

/** What one script produced. */
export interface ExtraResult {
  readonly file: string;
  readonly title: string;
  readonly ok: boolean;
  readonly seconds: number;
  /** Its markdown, or the reason it failed. */
  readonly markdown: string;
}

/** Demotes the script's headings one level, so that they nest under the section's `##`. */
export function nestHeadings(markdown: string): string {
  return markdown.replace(/^(#{1,5}) /gm, "#$1 ");
}

/**
 * Runs one script, resolving (never rejecting) with what it printed or why it failed. Its stderr
 * (progress) is passed through; its stdout is the markdown.
 */
export function runExtra(
  root: string,
  file: string,
  title: string,
  quick: boolean,
  timeoutMs: number,
  execArgv: readonly string[] = [],
): Promise<ExtraResult> {
  const script = path.join(root, "bench", file);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [...execArgv, "--import", "tsx", script, ...(quick ? ["--quick"] : [])],
      // Its own process group, so that a timeout also ends what it started (a Redis, workers).
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is gone already.
      }
    };
    // Out of the terminal's process group, the script would outlive a Ctrl-C of the run.
    const onSignal = (signal: NodeJS.Signals): void => {
      killGroup();
      process.kill(process.pid, signal);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    process.once("exit", killGroup);
    let stdout = "";
    let stderrTail = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      process.stderr.write(chunk.replace(/^(?=.)/gm, "    "));
      stderrTail = (stderrTail + chunk).slice(-4000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    let drain: ReturnType<typeof setTimeout> | undefined;
    let finished = false;
    const finish = (why: string | undefined): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(drain);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("exit", killGroup);
      // What it left running would hold its pipes open, and the next script would share the CPU.
      killGroup();
      const seconds = (performance.now() - started) / 1000;
      if (why === undefined) {
        resolve({ file, title, ok: true, seconds, markdown: nestHeadings(stdout.trim()) });
        return;
      }
      const tail = stderrTail.trim().split("\n").slice(-15).join("\n");
      resolve({
        file,
        title,
        ok: false,
        seconds,
        markdown: `\`bench/${file}\` failed: ${why}.${tail ? `\n\n\`\`\`\n${tail}\n\`\`\`` : ""}`,
      });
    };
    child.on("error", (error) => finish(`could not start: ${error.message}`));
    const verdict = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (timedOut) finish(`timed out after ${Math.round(timeoutMs / 1000)} s`);
      else if (code !== 0)
        finish(`exited with ${code === null ? `signal ${signal}` : `code ${code}`}`);
      else finish(undefined);
    };
    child.on("close", verdict);
    // A process it started and left behind keeps the pipes open, so "close" may never come.
    child.on("exit", (code, signal) => {
      drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        verdict(code, signal);
      }, 2_000);
    });
  });
}

/** Runs every script that exists; the ones that don't are listed as absent. */
export async function runExtras(
  root: string,
  quick: boolean,
  log: (line: string) => void,
): Promise<{ markdown: string; results: ExtraResult[] }> {
  const results: Array<ExtraResult & { readonly start: QuietWait }> = [];
  const absent: string[] = [];
  for (const bench of EXTRA_BENCHES) {
    const { file, title } = bench;
    const execArgv = "execArgv" in bench ? bench.execArgv : [];
    if (!existsSync(path.join(root, "bench", file))) {
      absent.push(`\`bench/${file}\``);
      continue;
    }
    // What the last script left winding down must not land on this one's first rounds.
    const start = await waitForQuietMachine();
    log(`extras: bench/${file}${quick ? " --quick" : ""} (machine ${startText(start)})`);
    const result = await runExtra(root, file, title, quick, quick ? 120_000 : 900_000, execArgv);
    log(`  ${result.ok ? "done" : "FAILED"} in ${result.seconds.toFixed(1)} s`);
    results.push({ ...result, start });
  }
  const parts = results.map(
    (r) =>
      `## ${r.title}\n\nFrom \`bench/${r.file}\` (${r.seconds.toFixed(1)} s; started when the machine was ${startText(r.start)}).\n\n${r.markdown}`,
  );
  if (absent.length > 0)
    parts.push(`_Not present in this tree, so not run: ${absent.join(", ")}._`);
  return { markdown: parts.join("\n\n"), results };
}

/** How busy the machine was as a script started: "quiet (4% busy, after 0.5 s)". */
export function startText(start: QuietWait): string {
  const busy = `${Math.round(start.busy * 100)}% busy`;
  const after = `${(start.waitedMs / 1000).toFixed(1)} s`;
  return start.quiet
    ? `quiet (${busy}, after ${after})`
    : `still ${busy} (the wait gave up after ${after})`;
}
