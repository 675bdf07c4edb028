import { describe, expect, it } from "vitest";
import type { Outcome } from "../../src/index.js";
import { formatDuration } from "../../src/cli/format.js";
import { toJson } from "../../src/cli/to-json.js";
import { formatReport } from "../../src/cli/run-command.js";
import {
  callsTable,
  percentile,
  renderTable,
  summarizeByTool,
  toolSummaryTable,
} from "../../src/cli/table.js";

const ok = (id: string, name: string, durationMs: number, value: unknown = "v"): Outcome => ({
  id,
  index: 0,
  name,
  status: "ok",
  value,
  startedAt: 1,
  durationMs,
  attempts: 1,
});
const failed = (id: string, name: string, durationMs: number, started = true): Outcome => ({
  id,
  index: 0,
  name,
  status: "error",
  error: { kind: "tool_error", message: "Simulated failure", data: { name: "Error" } },
  startedAt: started ? 1 : null,
  durationMs,
  attempts: started ? 1 : 0,
});

describe("renderTable", () => {
  it("aligns columns under a header and a rule, numbers to the right", () => {
    const table = renderTable(
      [
        { header: "name", cell: (r: { name: string; n: number }) => r.name },
        { header: "n", cell: (r) => String(r.n), align: "right" },
      ],
      [
        { name: "alpha", n: 1 },
        { name: "b", n: 100 },
      ],
    );
    expect(table.split("\n")).toEqual(["name     n", "─────  ───", "alpha    1", "b      100"]);
  });

  it("shortens the flexible column to fit the width, and long cells in any case", () => {
    const rows = [ok("a", "t", 5, "x".repeat(300))];
    const wide = callsTable(rows).split("\n")[2]!;
    expect(wide.endsWith(`${"x".repeat(59)}…`)).toBe(true);
    const narrow = callsTable(rows, { maxWidth: 70 });
    for (const line of narrow.split("\n")) expect(line.length).toBeLessThanOrEqual(70);
  });
});

describe("callsTable", () => {
  it("shows id, tool, status, kind, tries, duration and the value or message", () => {
    const lines = callsTable([
      ok("fast_1", "fast_tool", 101, "Fast result for: task 1"),
      failed("error_1", "slow_tool", 1_002),
      failed("never", "nope", 0, false),
    ]).split("\n");
    expect(lines[0]).toBe(
      "id       tool       status  kind        tries  duration  value / message",
    );
    expect(lines[2]).toBe(
      "fast_1   fast_tool  ok                      1    101 ms  Fast result for: task 1",
    );
    expect(lines[3]).toBe(
      "error_1  slow_tool  error   tool_error      1    1.00 s  Error: Simulated failure",
    );
    expect(lines[4]).toBe(
      "never    nope       error   tool_error      0         -  Error: Simulated failure",
    );
  });
});

describe("per-tool summary", () => {
  it("counts calls, ok and errors, with p50, p95 and max over the calls that started", () => {
    const outcomes = [
      ...Array.from({ length: 20 }, (_, i) => ok(`a${i}`, "a", (i + 1) * 10)),
      failed("b1", "b", 30),
      failed("b2", "b", 0, false),
    ];
    expect(summarizeByTool(outcomes)).toEqual([
      { tool: "a", count: 20, ok: 20, errors: 0, p50: 100, p95: 190, max: 200 },
      { tool: "b", count: 2, ok: 0, errors: 2, p50: 30, p95: 30, max: 30 },
    ]);
    const table = toolSummaryTable(outcomes).split("\n");
    expect(table[0]).toBe("tool  calls  ok  errors     p50     p95     max");
    expect(table[2]).toBe("a        20  20       0  100 ms  190 ms  200 ms");
    expect(table[3]).toBe("b         2   0       2   30 ms   30 ms   30 ms");
  });

  it("uses the nearest rank", () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
  });
});

describe("format", () => {
  it("formats durations for people", () => {
    expect(formatDuration(12.4)).toBe("12 ms");
    expect(formatDuration(1_020)).toBe("1.02 s");
    expect(formatDuration(125_000)).toBe("2 m 05 s");
    expect(formatDuration(Infinity)).toBe("∞");
  });

  it("serialises any report without throwing", () => {
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic["self"] = cyclic;
    const shared = { x: 1 };
    expect(JSON.parse(toJson({ cyclic, a: shared, b: shared }))).toEqual({
      cyclic: { n: "1", self: "[Circular]" },
      a: { x: 1 },
      b: { x: 1 },
    });
  });
});

describe("formatReport", () => {
  const outcomes = [ok("a", "search", 120, "x".repeat(500)), failed("b", "search", 80)];
  const report = {
    outcomes,
    results: {},
    errors: {},
    wallMs: 130,
    counts: { total: 2, ok: 1, error: 1, byKind: { tool_error: 1 } },
  };

  it("fits a terminal's width", () => {
    const text = formatReport(report, { isTTY: true, columns: 60, write: () => true });
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(59);
    expect(text.split("\n").at(-1)).toBe("2 calls in 130 ms: 1 ok, 1 failed (tool_error 1)");
  });

  it("marks outcomes replayed from a journal", () => {
    const replayed = { ...report, outcomes: [{ ...outcomes[0]!, replayed: true }] };
    const text = formatReport(replayed);
    expect(text).toMatch(/^a +search +ok +1 ↺ +120 ms/m);
    expect(text).toContain("; 1 replayed from the journal");
  });
});
