import { readFileSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";

/** A TypeScript child process (node --import tsx), with its stdout collected line by line. */
export interface TsChild {
  readonly process: ChildProcess;
  readonly lines: string[];
  /** Resolves when a stdout line matches, with the lines so far. */
  waitFor(predicate: (lines: readonly string[]) => boolean, timeoutMs?: number): Promise<string[]>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `file` in a single node process (no tsx wrapper process, so a kill hits the script). */
export function runTs(
  file: string,
  env: Record<string, string>,
  args: readonly string[] = [],
): TsChild {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let buffered = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const check of [...waiters]) check();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stderr })));
  return {
    process: child,
    lines,
    exited,
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Timed out; child said:\n${lines.join("\n")}\n${stderr}`));
        }, timeoutMs);
        const check = () => {
          if (predicate(lines)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve([...lines]);
          }
        };
        waiters.add(check);
        void exited.then(() => setTimeout(check, 0));
        check();
      });
    },
  };
}

/**
 * Children started in a test, killed after it: a failed assertion must not leave a hanging child
 * behind. Call `killAll()` in `afterEach`.
 */
export function childTracker(): { track(child: TsChild): TsChild; killAll(): Promise<void> } {
  const children: TsChild[] = [];
  return {
    track(child) {
      children.push(child);
      return child;
    },
    async killAll() {
      for (const c of children.splice(0)) {
        if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
        await c.exited;
      }
    },
  };
}

/** How often each line occurs in a file of side effects, one effect a line. */
export function countLines(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
    counts[line] = (counts[line] ?? 0) + 1;
  }
  return counts;
}
