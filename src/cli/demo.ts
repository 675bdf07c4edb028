import {
  createExecutor,
  formatOutcomeError,
  type AnyTool,
  type ExecutorOptions,
  type Outcome,
  type Report,
} from "../core/index.js";
import { valueText } from "./format.js";
import { renderTable, type Column } from "./table.js";
import { renderTimeline, tutorialSeconds } from "./timeline.js";
import { fastTool, flakyTool, slowTool, tutorialCalls } from "./tutorial-tools.js";

/** Where the demo writes: `process.stdout`, or anything with `write`. */
export interface DemoOutput {
  write(chunk: string): unknown;
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /**
   * Widest line of the tables (characters).
   * @default 120
   */
  readonly columns?: number;
  /**
   * Add a section that stops the graph half-way and resumes it from a SQLite checkpointer and a
   * SQLite journal (about 1.5 s more).
   * @default false
   */
  readonly durable?: boolean;
}

const RULE = "=".repeat(50);

/** A batch's outcomes in finishing order, with its report and start time. */
interface Run {
  readonly finished: Outcome[];
  readonly report: Report;
  readonly startedAt: number;
}

/**
 * Runs the reference demo: the tutorial's four calls (fast_1, slow_1, fast_2, error_1), printed
 * as the tutorial's expected output, then the same batch with its next steps switched on, each
 * labelled: a 500 ms timeout with a retry that recovers a flaky tool, a concurrency limit of 2,
 * and (when `@langchain/langgraph` is installed) the batch through a LangGraph `StateGraph`.
 * Takes about 4 s (3.7 s of it the batches themselves).
 * @example await runDemo(process.stdout);
 */
export async function runDemo(out: DemoOutput, options: DemoOptions = {}): Promise<void> {
  const columns = options.columns ?? 120;
  const print = (line = ""): void => void out.write(`${line}\n`);
  const tools = [fastTool, slowTool, flakyTool] as const;

  // 1. The tutorial, as it was.
  print();
  print("Parallel Execution Demo");
  print(RULE);
  const tutorial = await run({ tools });
  print(
    `Executed ${tutorial.report.outcomes.length} tools in ${tutorialSeconds(tutorial.report.wallMs)}`,
  );
  print();
  print("Successful Results:");
  for (const o of tutorial.finished) if (o.status === "ok") print(`${o.id}: ${valueText(o.value)}`);
  print();
  print("Errors:");
  for (const o of tutorial.finished)
    if (o.status === "error") print(`${o.id}: ${formatOutcomeError(o.error)}`);
  print();
  print("Wall time is the slowest call plus overhead, not the sum of the calls (2.20 s).");

  // LangGraph takes a while to load: let it load while the next batches sleep. (Not during the
  // first: loading holds up its timers, and its wall time is the tutorial's headline figure.)
  const langgraph = import("../langgraph/demo-graph.js").then(
    (module) => ({ module, error: undefined }),
    (error: unknown) => ({ module: undefined, error }),
  );

  // 2. Next steps: timeouts and retries, in one batch.
  heading(
    print,
    "Next steps 1 and 2: timeouts and retries",
    "createExecutor({ tools, timeoutMs: 500 }), and a flaky tool with its own\n" +
      "retry: { maxAttempts: 3, initialInterval: 100, jitter: false }",
  );
  const retried = await run(
    { tools, timeoutMs: 500 },
    [...tutorialCalls, { id: "flaky_1", tool_name: "flaky_tool", args: { query: "task 5" } }],
    (executor) =>
      executor.on("call:retry", (e) =>
        print(
          `  retry: ${e.callId} attempt ${e.attempt} failed (${formatOutcomeError(e.error)}); ` +
            `attempt ${e.attempt + 1} in ${e.delayMs} ms`,
        ),
      ),
  );
  print(
    `Executed ${retried.report.outcomes.length} tools in ${tutorialSeconds(retried.report.wallMs)}`,
  );
  print(renderTable(columnsFor(), retried.finished, { maxWidth: columns, maxCell: columns }));
  print();
  const timedOut = retried.finished.filter(
    (o) => o.status === "error" && o.error.kind === "timeout",
  );
  print(
    `Timeout: ${timedOut.map((o) => o.id).join(" and ") || "no call"} ran past 500 ms and ended ` +
      "`timeout`: their signals aborted and their slots freed at once.",
  );
  const flaky = retried.report.outcomes.find((o) => o.id === "flaky_1");
  print(
    flaky?.status === "ok"
      ? `Retry: flaky_1 failed its first attempt and recovered on attempt ${flaky.attempts}. ` +
          "slow_tool has no retry policy, so its timeouts were not retried."
      : "Retry: flaky_1 did not recover.",
  );

  // 3. Next step: a concurrency limit.
  heading(print, "Next step 3: a concurrency limit", "createExecutor({ tools, concurrency: 2 })");
  const limited = await run({ tools, concurrency: 2 });
  print(
    `Executed ${limited.report.outcomes.length} tools in ${tutorialSeconds(limited.report.wallMs)}`,
  );
  print(renderTimeline(limited.report.outcomes, limited.startedAt, limited.report.wallMs));
  print();
  print(
    `With 2 slots the wall time grows from ${tutorialSeconds(tutorial.report.wallMs)} to ` +
      `${tutorialSeconds(limited.report.wallMs)}: error_1 waits for a slot until fast_1 and fast_2 are done.`,
  );

  // 4. The same batch through a LangGraph StateGraph, as the tutorial ran it.
  heading(
    print,
    "Through a LangGraph StateGraph",
    "START → parallel_executor (parallelToolNode); state: messages, pending_tools, results, errors",
  );
  const loaded = await langgraph;
  if (loaded.module === undefined) {
    const why = loaded.error instanceof Error ? loaded.error.message : String(loaded.error);
    // The loader's own message already says what to install when a peer is missing.
    const hint = /npm install/.test(why) ? "" : " Install @langchain/langgraph.";
    print(`Skipped: volley/langgraph did not load (${why}).${hint}`);
    return;
  }
  const executor = createExecutor({ tools });
  try {
    const graphRun = await loaded.module.runTutorialGraph(executor, tutorialCalls);
    print(`Executed ${graphRun.outcomes.length} tools in ${tutorialSeconds(graphRun.wallMs)}`);
    print();
    print("Successful Results:");
    for (const o of graphRun.outcomes)
      if (o.id in graphRun.state.results)
        print(`${o.id}: ${valueText(graphRun.state.results[o.id])}`);
    print();
    print("Errors:");
    for (const o of graphRun.outcomes)
      if (o.status === "error") print(`${o.id}: ${formatOutcomeError(o.error)}`);
    print();
    print(
      `The graph's final state has ${Object.keys(graphRun.state.results).length} results and ` +
        `${Object.keys(graphRun.state.errors).length} error, pending_tools ${JSON.stringify(graphRun.state.pending_tools)}.`,
    );
  } finally {
    await executor.close();
  }

  // 5. Optional: durable resume, with a checkpointer and a journal.
  if (options.durable === true) {
    heading(print, "Durable: a SQLite checkpointer and a SQLite journal", "");
    const { runDurableSection } = await import("./demo-durable.js");
    await runDurableSection(print, tools, loaded.module.runTutorialGraph);
  }
}

function heading(print: (line?: string) => void, title: string, how: string): void {
  print();
  print(title);
  print(RULE);
  if (how) print(how);
}

/** Runs the tutorial's calls (or `calls`) on a fresh executor and collects them as they finish. */
async function run(
  options: ExecutorOptions<readonly AnyTool[]>,
  calls: readonly unknown[] = tutorialCalls,
  subscribe?: (executor: ReturnType<typeof createExecutor>) => void,
): Promise<Run> {
  const executor = createExecutor(options);
  subscribe?.(executor);
  let startedAt = Date.now();
  executor.on("batch:started", (e) => (startedAt = e.startedAt));
  try {
    const batch = executor.execute(calls);
    const finished: Outcome[] = [];
    for await (const outcome of batch) finished.push(outcome);
    return { finished, report: await batch, startedAt };
  } finally {
    await executor.close();
  }
}

function columnsFor(): Column<Outcome>[] {
  return [
    { header: "id", cell: (o) => o.id },
    { header: "status", cell: (o) => o.status },
    { header: "kind", cell: (o) => (o.status === "ok" ? "" : o.error.kind) },
    { header: "attempts", cell: (o) => String(o.attempts), align: "right" },
    { header: "duration", cell: (o) => `${Math.round(o.durationMs)} ms`, align: "right" },
    {
      header: "value / message",
      cell: (o) => (o.status === "ok" ? valueText(o.value) : formatOutcomeError(o.error)),
      flex: true,
    },
  ];
}
