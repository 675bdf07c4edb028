import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const ODD = "tests/cli/fixtures/odd-values.ts";

interface JsonReport {
  outcomes: Array<{ id: string; status: string; value?: unknown }>;
  results: Record<string, unknown>;
  counts: { total: number; ok: number; error: number };
}

/** How many `next` links lead from `value` down to something that is not an object. */
function depthOf(value: unknown): { links: number; bottom: unknown } {
  let links = 0;
  while (typeof value === "object" && value !== null && "next" in value) {
    value = (value as { next: unknown }).next;
    links++;
  }
  return { links, bottom: value };
}

describe("volley run --json: the report prints whatever the tools return", () => {
  it("cuts a value nested 5,000 deep to a marker, keeps the rest and exits as the batch deserves", async () => {
    const run = await runCli(["run", "--tools", ODD, "--calls", "-", "--json", "--no-progress"], {
      stdin: JSON.stringify([
        { id: "deep", name: "odd", args: { kind: "deep" } },
        { id: "plain", name: "odd", args: { kind: "plain" } },
      ]),
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.counts).toMatchObject({ total: 2, ok: 2, error: 0 });
    expect(report.results["plain"]).toEqual({ fine: true });
    // The report nests at most 100 levels: outcomes → [0] → value leaves the value 97.
    const deep = depthOf(report.outcomes[0]!.value);
    expect(deep.bottom).toBe("[depth limit]");
    expect(deep.links).toBe(97);
    expect(depthOf(report.results["deep"]).bottom).toBe("[depth limit]");
  });

  it("writes BigInt, cycles, a throwing toJSON() and a throwing getter as markers, with exit 1 for a failed call", async () => {
    const run = await runCli(["run", "--tools", ODD, "--calls", "-", "--json", "--no-progress"], {
      stdin: JSON.stringify([
        { id: "bigint", name: "odd", args: { kind: "bigint" } },
        { id: "cycle", name: "odd", args: { kind: "cycle" } },
        { id: "toJSON", name: "odd", args: { kind: "toJSON" } },
        { id: "getter", name: "odd", args: { kind: "getter" } },
        { id: "bad", name: "odd", args: { kind: "nope" } },
      ]),
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.results).toEqual({
      bigint: { big: String(2n ** 70n) },
      cycle: { name: "loop", self: "[Circular]" },
      toJSON: { kept: 1, broken: "[unserialisable: toJSON refuses]" },
      getter: { kept: 1, broken: "[unserialisable: getter refuses]" },
    });
    expect(report.outcomes.map((o) => o.status)).toEqual(["ok", "ok", "ok", "ok", "error"]);
  });

  it("shows the same values in the table without failing", async () => {
    const run = await runCli(["run", "--tools", ODD, "--calls", "-", "--no-progress"], {
      stdin: JSON.stringify([
        { id: "deep", name: "odd", args: { kind: "deep" } },
        { id: "toJSON", name: "odd", args: { kind: "toJSON" } },
      ]),
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^deep +odd +ok +1 .*\{"next":\{"next":/m);
    expect(run.stdout).toMatch(
      /^toJSON +odd +ok .*\{"kept":1,"broken":"\[unserialisable: toJSON refuses\]"\}/m,
    );
  });
});
