/**
 * Fan-out at scale: N tool calls in one graph step.
 *
 * - **Volley**: `parallelToolNode` over an executor with a `SqliteJournal` (each outcome durable
 *   before the step goes on), in a graph compiled with the `SqliteSaver` checkpointer.
 * - **Send**: what LangGraph users do today for per-call durability: one `Send` per call to a
 *   tool node, with the `SqliteSaver` checkpointer (each task's write is saved as it finishes).
 *   Also without a checkpointer, at 1,000 calls (and at 10,000 with `--full`).
 * - **ToolNode**: LangGraph's prebuilt node on an AIMessage with N tool calls, same checkpointer
 *   (no per-call durability: a crash mid-step loses every finished call).
 * - **LangChain alone**: the N `tool.invoke()`s with nothing around them, the floor for any node
 *   that runs LangChain tools.
 *
 * Every variant runs the same LangChain `tool()`. Each timed run uses a fresh thread, fresh
 * database files and a fresh journal, so nothing is replayed. Medians of `--runs` (default 3)
 * after a warm-up; `Send` at 10,000 is a single run (it takes minutes).
 *
 * Usage: `npx tsx bench/fanout.ts [--quick] [--full] [--runs N]` (prints a markdown table).
 * `--quick`: 1,000 calls only. `--full`: also `Send` without a checkpointer at 10,000.
 */
import { AIMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Annotation, END, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { setMaxListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { createExecutor, defineTool, type AnyTool } from "../src/index.js";
import { SqliteJournal } from "../src/journal/index.js";
import { ParallelToolState, parallelToolNode } from "../src/langgraph/index.js";

/** Options of {@link runFanoutBench}. */
export interface FanoutOptions {
  /** 1,000 calls only. @default false */
  readonly quick?: boolean;
  /** Also `Send` without a checkpointer at 10,000 calls (minutes). @default false */
  readonly full?: boolean;
  /** Timed runs per cell (median). @default 3 */
  readonly runs?: number;
  /** Progress lines (to stderr). */
  readonly log?: (line: string) => void;
}

/** One measured cell. */
export interface FanoutCell {
  /** Wall time of the graph's invoke (ms), median. */
  readonly ms: number;
  /** CPU time of this process during it (user + system, ms), median: steadier on a busy machine. */
  readonly cpuMs: number;
  readonly runs: number;
  /** Journal commits per run (Volley rows only). */
  readonly commits?: number;
}

/** The measurements, by variant and size. */
export interface FanoutResult {
  readonly sizes: readonly number[];
  readonly cells: Readonly<Record<VariantName, Readonly<Record<number, FanoutCell | undefined>>>>;
}

type VariantName =
  | "volley"
  | "volleyDefineTool"
  | "sendSqlite"
  | "sendNoCheckpointer"
  | "toolNode"
  | "langChainAlone";

interface Call {
  readonly id: string;
  readonly name: string;
  readonly args: { readonly i: number };
}

const lcDouble = tool(async ({ i }: { i: number }) => i * 2, {
  name: "double",
  description: "Doubles a number",
  schema: z.object({ i: z.number() }),
});

const volleyDouble = defineTool({
  name: "double",
  description: "Doubles a number",
  schema: z.object({ i: z.number() }),
  run: async ({ i }) => i * 2,
});

function makeCalls(n: number): Call[] {
  return Array.from({ length: n }, (_, i) => ({ id: `call_${i}`, name: "double", args: { i } }));
}

let runCounter = 0;
function freshThread(): { configurable: { thread_id: string } } {
  return { configurable: { thread_id: `bench-${process.pid}-${++runCounter}` } };
}

/** One timed run: set-up outside the clock, the graph's invoke inside it. */
interface Run {
  readonly invoke: () => Promise<void>;
  readonly after?: () => Promise<{ commits?: number } | void>;
}

async function volleyRun(dir: string, calls: readonly Call[], t: AnyTool): Promise<Run> {
  const journal = new SqliteJournal(join(dir, `journal-${++runCounter}.db`));
  const journaled = createExecutor({ tools: [t], concurrency: Infinity, journal });
  const graph = new StateGraph(ParallelToolState)
    .addNode("tools", parallelToolNode(journaled, { stream: false }))
    .addEdge(START, "tools")
    .addEdge("tools", END)
    .compile({ checkpointer: SqliteSaver.fromConnString(join(dir, `cp-${++runCounter}.db`)) });
  return {
    invoke: async () => {
      const state = await graph.invoke({ pending_tools: [...calls] }, freshThread());
      check(Object.keys(state.results).length, calls.length, "Volley");
    },
    after: async () => {
      await journaled.close();
      const { commits, recorded } = journal.stats();
      check(recorded, calls.length, "Volley's journal");
      await journal.close();
      return { commits };
    },
  };
}

const SendState = Annotation.Root({
  calls: Annotation<Call[]>,
  // Concatenation, the usual reducer for fan-in; linear enough not to be what is measured.
  results: Annotation<[string, unknown][]>({
    reducer: (a, b) => a.concat(b),
    default: () => [],
  }),
});

function sendRun(dir: string, calls: readonly Call[], checkpointer: boolean): Run {
  const graph = new StateGraph(SendState)
    .addNode("tool", async (task: { call: Call }) => ({
      results: [[task.call.id, await lcDouble.invoke(task.call.args)]] as [string, unknown][],
    }))
    .addConditionalEdges(START, (s) => s.calls.map((call) => new Send("tool", { call })))
    .addEdge("tool", END)
    .compile(
      checkpointer
        ? { checkpointer: SqliteSaver.fromConnString(join(dir, `send-${++runCounter}.db`)) }
        : {},
    );
  return {
    invoke: async () => {
      const state = await graph.invoke({ calls: [...calls] }, freshThread());
      check(state.results.length, calls.length, "Send");
    },
  };
}

function toolNodeRun(dir: string, calls: readonly Call[]): Run {
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("tools", new ToolNode([lcDouble]))
    .addEdge(START, "tools")
    .addEdge("tools", END)
    .compile({ checkpointer: SqliteSaver.fromConnString(join(dir, `tn-${++runCounter}.db`)) });
  const message = new AIMessage({
    content: "",
    tool_calls: calls.map((c) => ({ ...c, args: { ...c.args }, type: "tool_call" as const })),
  });
  return {
    invoke: async () => {
      const state = await graph.invoke({ messages: [message] }, freshThread());
      check(state.messages.length, calls.length + 1, "ToolNode");
    },
  };
}

/**
 * LangChain's own share: the same N `tool.invoke()`s at once, each with a signal of its own (what
 * any runner must pass for per-call cancellation), and nothing else: no graph, no checkpointer, no
 * journal. No node that runs LangChain tools can take less time than this.
 */
function langChainAloneRun(calls: readonly Call[]): Run {
  return {
    invoke: async () => {
      const values = await Promise.all(
        calls.map((c) => lcDouble.invoke(c.args, { signal: new AbortController().signal })),
      );
      check(values.length, calls.length, "tool.invoke");
    },
  };
}

function check(got: number, expected: number, what: string): void {
  if (got !== expected) throw new Error(`${what}: expected ${expected} results, got ${got}`);
}

async function measure(
  make: () => Run | Promise<Run>,
  runs: number,
): Promise<FanoutCell & { commits?: number }> {
  const times: number[] = [];
  const cpu: number[] = [];
  let commits: number | undefined;
  for (let r = 0; r < runs; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const run = await make();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run.invoke();
    times.push(performance.now() - t0);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
    const extra = await run.after?.();
    if (extra && extra.commits !== undefined) commits = extra.commits;
  }
  const ms = median(times);
  const cpuMs = median(cpu);
  return commits === undefined ? { ms, cpuMs, runs } : { ms, cpuMs, runs, commits };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs the fan-out benchmark and returns its measurements. */
export async function runFanoutBench(options: FanoutOptions = {}): Promise<FanoutResult> {
  const runs = options.runs ?? 3;
  const log = options.log ?? (() => {});
  const sizes = options.quick ? [1_000] : [1_000, 10_000];
  const dir = mkdtempSync(join(tmpdir(), "volley-fanout-"));
  // LangChain adds one abort listener per tool call to the graph run's signal (ToolNode, Send and
  // Volley alike): silence Node's leak warning for the signals made from here on.
  setMaxListeners(0);
  const cells: Record<VariantName, Record<number, FanoutCell | undefined>> = {
    volley: {},
    volleyDefineTool: {},
    sendSqlite: {},
    sendNoCheckpointer: {},
    toolNode: {},
    langChainAlone: {},
  };
  try {
    // Warm-up: JIT, module loading, SQLite's first file.
    const warm = makeCalls(200);
    await measure(() => volleyRun(dir, warm, lcDouble), 1);
    await measure(() => volleyRun(dir, warm, volleyDouble), 1);
    await measure(() => sendRun(dir, warm, true), 1);
    await measure(() => sendRun(dir, warm, false), 1);
    await measure(() => toolNodeRun(dir, warm), 1);
    await measure(() => langChainAloneRun(warm), 1);
    for (const n of sizes) {
      const calls = makeCalls(n);
      const big = n >= 10_000;
      const step = async (name: VariantName, make: () => Run | Promise<Run>, r: number) => {
        log(`fanout: ${name} × ${n} (${r} run${r === 1 ? "" : "s"})`);
        cells[name][n] = await measure(make, r);
        log(`fanout: ${name} × ${n}: ${cells[name][n]!.ms.toFixed(0)} ms`);
      };
      await step("volley", () => volleyRun(dir, calls, lcDouble), runs);
      await step("volleyDefineTool", () => volleyRun(dir, calls, volleyDouble), runs);
      await step("toolNode", () => toolNodeRun(dir, calls), runs);
      await step("langChainAlone", () => langChainAloneRun(calls), runs);
      await step("sendSqlite", () => sendRun(dir, calls, true), big ? 1 : runs);
      if (!big || options.full) {
        await step("sendNoCheckpointer", () => sendRun(dir, calls, false), big ? 1 : runs);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { sizes, cells };
}

function fmt(cell: FanoutCell | undefined): string {
  if (cell === undefined) return "—";
  const time = seconds(cell.ms);
  const runs = cell.runs === 1 ? ", 1 run" : "";
  return `${time} (cpu ${seconds(cell.cpuMs)}${runs})`;
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

function ratio(slow: FanoutCell | undefined, fast: FanoutCell | undefined): string {
  if (slow === undefined || fast === undefined) return "—";
  return `${(slow.ms / fast.ms).toFixed(1)}×`;
}

/** The measurements as a markdown table, with the ratios against `Send`. */
export function formatFanoutTable(result: FanoutResult): string {
  const { sizes, cells } = result;
  const header = `| one graph step | ${sizes.map((n) => `${n.toLocaleString("en-US")} calls`).join(" | ")} | durable per call |`;
  const rule = `| --- | ${sizes.map(() => "---:").join(" | ")} | --- |`;
  const row = (label: string, name: VariantName, durable: string) =>
    `| ${label} | ${sizes.map((n) => fmt(cells[name][n])).join(" | ")} | ${durable} |`;
  const commits = sizes
    .map((n) => cells.volley[n]?.commits)
    .map((c, i) => (c === undefined ? "" : `${c} commits for ${sizes[i]!.toLocaleString("en-US")}`))
    .filter(Boolean)
    .join(", ");
  return [
    header,
    rule,
    row(
      "Volley `parallelToolNode` + `SqliteJournal` + `SqliteSaver`",
      "volley",
      `yes (journal: ${commits})`,
    ),
    row("↳ the same, tool from Volley's `defineTool`", "volleyDefineTool", "yes"),
    row("`Send` fan-out + `SqliteSaver`", "sendSqlite", "yes"),
    row("`Send` fan-out, no checkpointer", "sendNoCheckpointer", "no"),
    row("`ToolNode` + `SqliteSaver`", "toolNode", "no"),
    row("LangChain alone: the N `tool.invoke()`s, no graph", "langChainAlone", "no"),
    `| **Send + SqliteSaver ÷ Volley** (target ≥ 20×) | ${sizes.map((n) => `**${ratio(cells.sendSqlite[n], cells.volley[n])}**`).join(" | ")} | |`,
    `| Send + SqliteSaver ÷ Volley with \`defineTool\` | ${sizes.map((n) => ratio(cells.sendSqlite[n], cells.volleyDefineTool[n])).join(" | ")} | |`,
    `| Send, no checkpointer ÷ Volley | ${sizes.map((n) => ratio(cells.sendNoCheckpointer[n], cells.volley[n])).join(" | ")} | |`,
    `| ToolNode ÷ Volley | ${sizes.map((n) => ratio(cells.toolNode[n], cells.volley[n])).join(" | ")} | |`,
    `| Send + SqliteSaver ÷ LangChain alone (the most any node that calls \`tool.invoke()\` could reach) | ${sizes.map((n) => ratio(cells.sendSqlite[n], cells.langChainAlone[n])).join(" | ")} | |`,
    "",
    "Wall time of one `graph.invoke` (in brackets: this process's CPU time during it; ratios use wall time). " +
      "Same LangChain `tool()` in every row but the `defineTool` one; medians of 3 unless marked; " +
      "fresh thread, databases and journal per run. The last row bounds every node that runs " +
      "LangChain tools through `invoke()`: with no graph, checkpointer or journal at all, it could " +
      "not beat that ratio.",
  ].join("\n");
}

function parseArgs(argv: readonly string[]): FanoutOptions {
  const runsAt = argv.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 3;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new TypeError(`Expected --runs to be a positive integer, got ${argv[runsAt + 1]}`);
  }
  return { quick: argv.includes("--quick"), full: argv.includes("--full"), runs };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = parseArgs(process.argv.slice(2));
  const result = await runFanoutBench({
    ...options,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${formatFanoutTable(result)}\n`);
}
