import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The fixtures folder. */
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** What a run of the CLI printed, how it exited, and how long it took. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Written to the child's stdin, which is then closed. */
  readonly stdin?: string;
  /** Send SIGINT (or `interruptSignal`) once stderr contains this text. */
  readonly interruptWhen?: string;
  /** The signal `interruptWhen` sends. @default "SIGINT" */
  readonly interruptSignal?: NodeJS.Signals;
  /** Which stream `interruptWhen` watches. @default "stderr" */
  readonly interruptOn?: "stdout" | "stderr";
  /** Extra environment variables of the child. */
  readonly env?: Readonly<Record<string, string>>;
  /** Awaited between seeing `interruptWhen` and sending SIGINT (given stderr so far). */
  readonly beforeInterrupt?: (stderr: string) => Promise<void>;
  /** Kill the child after this long (ms). @default 20_000 */
  readonly killAfterMs?: number;
  /** The script to run, from the repo root. @default "src/cli/bin.ts" */
  readonly script?: string;
}

/** Runs `volley <args>` from the source, through tsx, as a child process in the repo root. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", options.script ?? "src/cli/bin.ts", ...args],
    {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  let interrupted = false;
  let failure: unknown;
  const watch = (): void => {
    const seen = options.interruptOn === "stdout" ? stdout : stderr;
    if (!interrupted && options.interruptWhen && seen.includes(options.interruptWhen)) {
      interrupted = true;
      const ready = options.beforeInterrupt?.(stderr) ?? Promise.resolve();
      const signal = options.interruptSignal ?? "SIGINT";
      ready.then(
        () => child.kill(signal),
        (error: unknown) => {
          failure = error;
          child.kill(signal);
        },
      );
    }
  };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    watch();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    watch();
  });
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  else child.stdin.end();
  const killer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 20_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      if (failure !== undefined) reject(failure as Error);
      else resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}
