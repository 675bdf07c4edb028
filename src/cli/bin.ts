#!/usr/bin/env node
/**
 * The `volley` executable: `volley demo`, `volley run --tools <module> --calls <file|->`.
 * Ctrl-C cancels the running calls and prints their outcomes (exit 130); a second Ctrl-C quits at once.
 * SIGTERM does the same for `run`, with exit code 143; `volley worker` stops taking calls, finishes
 * the running ones and exits 0; `volley dashboard` closes its server and exits 0; any other command
 * exits 143 at once.
 */
import { EXIT } from "./run-command.js";
import { main } from "./program.js";

const interrupt = new AbortController();
// Only `run`, `worker` and `dashboard` stop in order; anything else stops at the first Ctrl-C.
const cancellable = ["run", "worker", "dashboard"].includes(process.argv[2] ?? "");
process.on("SIGINT", () => {
  if (!cancellable || interrupt.signal.aborted) process.exit(EXIT.interrupted);
  // `run` cancels its batch (or stops its dashboard) and says so.
  interrupt.abort("Ctrl-C");
});
// A supervisor (Docker, Kubernetes, systemd) stops `run` with SIGTERM: the same orderly stop, so
// the finished outcomes are printed and journaled, with the conventional exit code 128 + 15.
let terminated = false;
if (cancellable) {
  process.on("SIGTERM", () => {
    if (interrupt.signal.aborted) process.exit(terminated ? EXIT.terminated : EXIT.interrupted);
    terminated = true;
    interrupt.abort("SIGTERM");
  });
} else {
  // Through process.exit, unlike the default action, so that the exit hooks (the temporary files
  // of `demo --durable`) still run.
  process.on("SIGTERM", () => process.exit(EXIT.terminated));
}

/** Set once standard error's reader has gone (EPIPE): nothing is written there any more. */
let stderrGone = false;

// Standard output carries the report only (`--json` must stay parseable): what tools print there
// (console.log, inline or in a worker thread, whose output is piped into this stream) goes to
// standard error, beside the progress lines.
const stdout = process.stdout;
const writeStdout = stdout.write.bind(stdout);
if (cancellable) {
  stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (stderrGone || process.stderr.destroyed) {
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      if (done !== undefined) process.nextTick(done);
      return true;
    }
    (process.stderr.write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(
      chunk,
      ...rest,
    );
    // Always true: a worker thread's output is piped in here, and a pipe told `false` waits for
    // this stream's 'drain', which never comes (standard error is the one that drains).
    return true;
  }) as typeof stdout.write;
}
const report = {
  write: (chunk: string) => writeStdout(chunk),
  get isTTY() {
    return stdout.isTTY;
  },
  get columns() {
    return stdout.columns;
  },
};

// A reader that stops early (`volley run … | head`) is not an error of the batch.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});
// Nor is one of standard error (`2> >(head -1)`): the report still goes to standard output, and
// progress stops rather than write into a closed pipe.
process.stderr.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  stderrGone = true;
});
const errors = {
  write: (chunk: string) => stderrGone || process.stderr.destroyed || process.stderr.write(chunk),
  get isTTY() {
    return process.stderr.isTTY;
  },
  get columns() {
    return process.stderr.columns;
  },
};

let code: number;
try {
  code = await main(process.argv.slice(2), {
    stdout: report,
    stderr: errors,
    stdin: process.stdin,
    signal: interrupt.signal,
  });
} catch (error) {
  errors.write(`volley: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  code = 70;
}
if (terminated && code === EXIT.interrupted) code = EXIT.terminated;
// Flush, then exit: a tool that ignores its signal must not keep the process alive.
writeStdout("", () => process.exit(code));
