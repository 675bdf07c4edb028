import { createRequire } from "node:module";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { isCliInputError } from "./cli-input-error.js";
import { dashboardCommand, type DashboardCommandOptions } from "./dashboard-command.js";
import { EXIT, runCommand, type CliIo, type RunCommandOptions } from "./run-command.js";
import { workerCommand, type WorkerCommandOptions } from "./worker-command.js";

/** Parses a whole number ≥ 1, or `Infinity`. */
export function parseCount(value: string): number {
  if (/^inf(inity)?$/i.test(value)) return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`Expected a whole number ≥ 1 or "Infinity", got "${value}".`);
  }
  return n;
}

/** Parses a thread count: a whole number ≥ 1 (a pool cannot hold infinitely many threads). */
export function parseThreads(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`Expected a whole number of threads ≥ 1, got "${value}".`);
  }
  return n;
}

/** Parses a duration in milliseconds: a finite number > 0, or `Infinity`. */
export function parseMs(value: string): number {
  if (/^inf(inity)?$/i.test(value)) return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(
      `Expected milliseconds (a number > 0), or "Infinity", got "${value}".`,
    );
  }
  return n;
}

/** Parses a TCP port: a whole number from 0 to 65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) {
    throw new InvalidArgumentError(`Expected a port from 0 to 65535, got "${value}".`);
  }
  return n;
}

/** Parses a batch id: any text but the empty string (the executor refuses that one). */
export function parseBatchId(value: string): string {
  if (value === "") throw new InvalidArgumentError("Expected a non-empty batch id.");
  return value;
}

function version(): string {
  try {
    // src/cli and dist/cli are both two folders below the package root.
    return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * Builds the `volley` command line. Actions store their exit code in `result.code`.
 * @example
 * const result = { code: 0 };
 * await createProgram(io, result).parseAsync(["run", "--tools", "t.ts", "--calls", "c.json"], { from: "user" });
 */
export function createProgram(io: CliIo, result: { code: number }): Command {
  const program = new Command("volley")
    .description("Run the tool calls of LLM agents in parallel: bounded, cancellable, retried.")
    .version(version())
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    })
    .addHelpText(
      "after",
      `
Examples:
  $ volley demo
  $ volley run --tools examples/tools.ts --calls examples/calls.json`,
    );

  program
    .command("demo")
    .description(
      "Run the reference demo: the tutorial's four calls, then timeouts, retries and a concurrency limit.",
    )
    .option(
      "--durable",
      "also stop the graph half-way and resume it from a SQLite checkpointer and journal",
    )
    .addHelpText("after", "\nExamples:\n  $ volley demo\n  $ volley demo --durable")
    .action(async (options: { durable?: boolean }) => {
      // Loaded on demand: the demo's tools need zod, `volley run` does not.
      const { runDemo } = await import("./demo.js");
      const columns = io.stdout.isTTY === true ? io.stdout.columns : undefined;
      await runDemo(io.stdout, {
        ...(columns === undefined ? {} : { columns: columns - 1 }),
        durable: options.durable === true,
      });
      result.code = EXIT.ok;
    });

  program
    .command("run")
    .description(
      "Execute a batch of tool calls with the tools of a module; print a table of the outcomes.",
    )
    .requiredOption("-t, --tools <module>", "tools module (.js, .mjs or .ts) exporting tools")
    .requiredOption(
      "-c, --calls <file>",
      'JSON file of calls ([{ "id", "name", "args" }] or an AIMessage with tool_calls); - for stdin',
    )
    .option("--json", "print the report as JSON instead of tables")
    .option("--concurrency <n>", "most calls running at once (default 64)", parseCount)
    .option(
      "--timeout <ms>",
      "per-attempt timeout of every tool that sets none (default 120000); a tool's own wins",
      parseMs,
    )
    .option("--deadline <ms>", "time budget of the whole batch", parseMs)
    .option(
      "--load-timeout <ms>",
      "time the tools module may take to load, top-level await included (default 30000)",
      parseMs,
    )
    .option("--no-progress", "no progress bar or progress lines on stderr")
    .addOption(
      new Option(
        "--isolation <mode>",
        "run every defineTool() tool inline, or in worker threads (default: each tool's own isolation)",
      ).choices(["inline", "worker"]),
    )
    .option(
      "--threads <n>",
      "worker threads for the tools that run in threads (default: one per core)",
      parseThreads,
    )
    .option(
      "--journal <file.db>",
      "journal finished outcomes in this SQLite file; run again with the same --batch-id to resume",
    )
    .option("--batch-id <id>", "the batch's id, the key a journal resumes it by", parseBatchId)
    .option(
      "--dashboard",
      "serve the live dashboard on 127.0.0.1 during the batch and after it, until Ctrl-C",
    )
    .option("--dashboard-port <port>", "the dashboard's port; 0 picks a free one", parsePort, 4317)
    .addHelpText(
      "after",
      `
Exit codes: 0 all calls ok, 1 any call failed, 2 bad input, 130 interrupted (Ctrl-C),
143 stopped by SIGTERM (the calls' outcomes are printed in both cases).

Examples:
  $ volley run --tools examples/tools.ts --calls examples/calls.json
  $ volley run --tools ./tools.mjs --calls - --json --timeout 2000 < calls.json
  $ volley run --tools examples/tools.ts --calls examples/calls.json --journal runs.db --batch-id nightly-1
  $ volley run --tools examples/tools.ts --calls examples/calls.json --dashboard
  $ volley run --tools ./cpu-tools.ts --calls calls.json --isolation worker --threads 4`,
    )
    .action(async (options: RunCommandOptions) => {
      result.code = await runCommand(options, io);
    });

  program
    .command("worker")
    .description(
      "Run the tools of a module for a cluster's callers: take their calls from BullMQ queues on Redis or Postgres.",
    )
    .requiredOption("-t, --tools <module>", "tools module (.js, .mjs or .ts) exporting tools")
    .requiredOption("-q, --queue <name>", "the cluster's name, the same as its callers' queue")
    .option("--redis <url>", "the queues' Redis: redis://[user:password@]host:port, or rediss://")
    .option("--postgres <url>", "the queues' Postgres database (BullMQ's Postgres backend)")
    .option("--concurrency <n>", "most calls running at once (default 16)", parseThreads)
    .option(
      "--grace <ms>",
      "on SIGTERM or Ctrl-C, how long the running calls may take to finish (default 30000)",
      parseMs,
    )
    .option(
      "--cluster-limits",
      "hold each tool's concurrency and rateLimit across the whole cluster (BullMQ global limits)",
    )
    .option("--id <name>", "the worker's name in announcements (default host:pid:random)")
    .option(
      "--no-publish-events",
      "do not publish the calls' events and stats for the cluster's dashboard (volley dashboard)",
    )
    .option(
      "--load-timeout <ms>",
      "time the tools module may take to load, top-level await included (default 30000)",
      parseMs,
    )
    .addHelpText(
      "after",
      `
Exit codes: 0 stopped by SIGTERM or Ctrl-C after its running calls, 2 bad input.

Examples:
  $ volley worker --redis redis://127.0.0.1:6379 --queue tools --tools ./tools.ts --concurrency 32
  $ volley worker --redis "rediss://:$REDIS_PASSWORD@redis.internal:6380" --queue tools --tools ./tools.js
  $ volley worker --postgres postgres://volley@db.internal/volley --queue tools --tools ./tools.js`,
    )
    .action(async (options: WorkerCommandOptions) => {
      result.code = await workerCommand(options, io);
    });

  program
    .command("dashboard")
    .description(
      "Serve the live dashboard of a cluster: every call its workers run, and which worker ran it.",
    )
    .requiredOption("-q, --queue <name>", "the cluster's name, the same as its workers' queue")
    .option("--redis <url>", "the queues' Redis: redis://[user:password@]host:port, or rediss://")
    .option("--postgres <url>", "the queues' Postgres database (BullMQ's Postgres backend)")
    .option("--port <port>", "the dashboard's port; 0 picks a free one", parsePort, 4317)
    .option(
      "--host <host>",
      "the interface to listen on (default 127.0.0.1); any other needs a token",
    )
    .option(
      "--token <token>",
      "a secret every request must carry (default: the VOLLEY_DASHBOARD_TOKEN environment variable)",
    )
    .addHelpText(
      "after",
      `
Workers publish their calls unless started with --no-publish-events.
Exit codes: 0 stopped by SIGTERM or Ctrl-C, 2 bad input.

Examples:
  $ volley dashboard --redis redis://127.0.0.1:6379 --queue tools
  $ VOLLEY_DASHBOARD_TOKEN=s3cret volley dashboard --redis "$REDIS_URL" --queue tools --host 0.0.0.0
  $ volley dashboard --postgres postgres://volley@db.internal/volley --queue tools --port 8080`,
    )
    .action(async (options: DashboardCommandOptions) => {
      result.code = await dashboardCommand(options, io);
    });

  return program;
}

/**
 * Runs the command line and returns the exit code; never throws for bad input (it prints the
 * problem and returns 2).
 * @param argv The arguments after `node volley` (`["run", "--tools", …]`).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const result = { code: EXIT.ok as number };
  const program = createProgram(io, result);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; a usage error (already printed by commander) is bad input.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (isCliInputError(error)) {
      io.stderr.write(`volley: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}
