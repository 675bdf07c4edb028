import type { Outcome } from "../core/index.js";
import { formatDuration, outcomeText, printable, shorten } from "./format.js";

/** One column of a {@link renderTable} table. */
export interface Column<Row> {
  /** The header text. */
  readonly header: string;
  /** The cell text of a row. */
  readonly cell: (row: Row) => string;
  /** @default "left" */
  readonly align?: "left" | "right";
  /**
   * A flexible column is shortened (with `…`) so that the table fits `maxWidth`.
   * @default false
   */
  readonly flex?: boolean;
}

/** Options of {@link renderTable}. */
export interface TableOptions {
  /**
   * The widest a line may be (characters); flexible columns give way. `Infinity`: no limit.
   * @default Infinity
   */
  readonly maxWidth?: number;
  /**
   * The longest a flexible cell may be, whatever the width (characters).
   * @default 60
   */
  readonly maxCell?: number;
}

const GAP = "  ";
/** The narrowest a flexible column gets (its header is shortened too). */
const MIN_FLEX = 8;

/**
 * Lays rows out as a plain-text table: a header, a rule, then one line per row.
 * @example renderTable([{ header: "id", cell: (r) => r.id }], [{ id: "a" }])
 */
export function renderTable<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  options: TableOptions = {},
): string {
  const maxWidth = options.maxWidth ?? Number.POSITIVE_INFINITY;
  const maxCell = options.maxCell ?? 60;
  const cells = rows.map((row) =>
    columns.map((c) => {
      const text = printable(c.cell(row));
      return c.flex ? shorten(text, maxCell) : text;
    }),
  );
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => r[i]!.length)),
  );
  const total = (): number => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  // Give way from the flexible columns, widest first, down to MIN_FLEX characters each.
  const flexible = columns.flatMap((c, i) => (c.flex ? [i] : []));
  while (total() > maxWidth) {
    const widest = flexible
      .filter((i) => widths[i]! > MIN_FLEX)
      .sort((a, b) => widths[b]! - widths[a]!)[0];
    if (widest === undefined) break;
    widths[widest] = Math.max(MIN_FLEX, widths[widest]! - (total() - maxWidth));
  }
  const line = (texts: readonly string[]): string =>
    texts
      .map((text, i) => {
        const width = widths[i]!;
        const fitted = text.length > width ? shorten(text, width) : text;
        const last = i === texts.length - 1;
        if (columns[i]!.align === "right") return fitted.padStart(width);
        return last ? fitted : fitted.padEnd(width);
      })
      .join(GAP)
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => "─".repeat(w))),
    ...cells.map(line),
  ].join("\n");
}

/** The columns of the calls table: id, tool, status, kind, attempts, duration, value or message. */
export function callColumns(): Column<Outcome>[] {
  return [
    { header: "id", cell: (o) => o.id },
    { header: "tool", cell: (o) => o.name || "-" },
    { header: "status", cell: (o) => o.status },
    { header: "kind", cell: (o) => (o.status === "ok" ? "" : o.error.kind) },
    {
      header: "tries",
      // A replayed outcome comes from the journal: it did not run this time.
      cell: (o) => (o.replayed === true ? `${o.attempts} ↺` : String(o.attempts)),
      align: "right",
    },
    {
      header: "duration",
      cell: (o) => (o.startedAt === null ? "-" : formatDuration(o.durationMs)),
      align: "right",
    },
    { header: "value / message", cell: (o) => outcomeText(o), flex: true },
  ];
}

/**
 * The table of a batch's calls, one line per outcome.
 * @example process.stdout.write(callsTable(report.outcomes, { maxWidth: 100 }) + "\n")
 */
export function callsTable(outcomes: readonly Outcome[], options: TableOptions = {}): string {
  return renderTable(callColumns(), outcomes, options);
}

/** Latency and error figures of one tool's calls in a batch. */
export interface ToolSummary {
  readonly tool: string;
  readonly count: number;
  readonly ok: number;
  readonly errors: number;
  /** Over the calls that started (ms); `undefined` when none did. */
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly max: number | undefined;
}

/** The `p`-th percentile (0–100) of sorted numbers, by nearest rank. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Per-tool count, ok, errors, p50, p95 and max duration, in order of first appearance. */
export function summarizeByTool(outcomes: readonly Outcome[]): ToolSummary[] {
  const byTool = new Map<string, { durations: number[]; count: number; ok: number }>();
  for (const o of outcomes) {
    const name = o.name || "-";
    let entry = byTool.get(name);
    if (entry === undefined) byTool.set(name, (entry = { durations: [], count: 0, ok: 0 }));
    entry.count++;
    if (o.status === "ok") entry.ok++;
    if (o.startedAt !== null) entry.durations.push(o.durationMs);
  }
  return [...byTool].map(([tool, { durations, count, ok }]) => {
    const sorted = durations.sort((a, b) => a - b);
    return {
      tool,
      count,
      ok,
      errors: count - ok,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      max: sorted.at(-1),
    };
  });
}

const ms = (value: number | undefined): string =>
  value === undefined ? "-" : formatDuration(value);

/**
 * The per-tool summary table: count, ok, errors, p50, p95, max.
 * @example process.stdout.write(toolSummaryTable(report.outcomes) + "\n")
 */
export function toolSummaryTable(outcomes: readonly Outcome[], options: TableOptions = {}): string {
  return renderTable<ToolSummary>(
    [
      { header: "tool", cell: (s) => s.tool, flex: true },
      { header: "calls", cell: (s) => String(s.count), align: "right" },
      { header: "ok", cell: (s) => String(s.ok), align: "right" },
      { header: "errors", cell: (s) => String(s.errors), align: "right" },
      { header: "p50", cell: (s) => ms(s.p50), align: "right" },
      { header: "p95", cell: (s) => ms(s.p95), align: "right" },
      { header: "max", cell: (s) => ms(s.max), align: "right" },
    ],
    summarizeByTool(outcomes),
    options,
  );
}
