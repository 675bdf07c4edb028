import { markdownTable, verdict } from "./harness.js";

/** One target and whether this run met it. */
export interface TargetRow {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
  /** What to profile when the target is missed: `[section, scenario, N]`. */
  readonly profile?: readonly [section: string, scenario: string, n: number];
}

/** The targets table. */
export function targetsTable(rows: readonly TargetRow[]): string {
  return markdownTable(
    ["target", "measured", "verdict"],
    rows.map((r) => [r.target, r.measured, verdict(r.pass)]),
    ["l", "r", "l"],
  );
}
