import { describe, expect, it } from "vitest";
import {
  crashTrialsPassed,
  expectedOutcome,
  makePlan,
  parseCrashTrialsArgs,
  renderCrashTrials,
  runCrashTrials,
  type Tally,
} from "../../bench/crash-trials.js";

/** The counts that must be 0 in every trial. */
function rules(tally: Tally): Record<string, number> {
  return {
    reExecutedJournaled: tally.reExecutedJournaled,
    lost: tally.lost,
    reportDefects: tally.reportDefects,
    seenNotJournaled: tally.seenNotJournaled,
    journalDrift: tally.journalDrift,
    wrongOutcomes: tally.wrongOutcomes,
    keyChanges: tally.keyChanges,
    harnessFailures: tally.harnessFailures,
  };
}

// Each trial starts child processes through tsx: a few seconds each on a loaded 2-core machine
// (two suites at once took over 60 s for 5 trials). The bound only catches a hang.
describe("crash trials: SIGKILL mid-batch, then resume (SqliteJournal)", () => {
  it("5 trials: no journaled call runs again, none is lost, each call has one outcome", async () => {
    const result = await runCrashTrials({ trials: 5, journals: ["sqlite"] });
    const summary = renderCrashTrials(result);
    const tally = result.tallies[0]!;
    expect(tally.problems, summary).toEqual([]);
    expect(rules(tally), summary).toEqual({
      reExecutedJournaled: 0,
      lost: 0,
      reportDefects: 0,
      seenNotJournaled: 0,
      journalDrift: 0,
      wrongOutcomes: 0,
      keyChanges: 0,
      harnessFailures: 0,
    });
    expect(tally.trials).toBe(5);
    expect(tally.kills).toBeGreaterThanOrEqual(5);
    expect(crashTrialsPassed(result)).toBe(true);
    expect(summary).toContain("**(a) journaled calls executed again** | **0** |");
  }, 180_000);

  it("sees a resume that forgets its journal: journaled calls run again, their outcomes are lost", async () => {
    const result = await runCrashTrials({
      trials: 2,
      journals: ["sqlite"],
      seed: 8,
      sabotage: "fresh-batch-on-resume",
    });
    const tally = result.tallies[0]!;
    expect(tally.harnessFailures).toBe(0);
    // Seed 8 kills both first runs as their k-th outcome (k ≥ 1) reaches the caller, so the
    // journal holds at least one outcome, which the forgetful resume runs again.
    expect(tally.journaledAtKill).toBeGreaterThan(0);
    expect(tally.reExecutedJournaled).toBeGreaterThan(0);
    expect(tally.lost).toBeGreaterThan(0);
    expect(crashTrialsPassed(result)).toBe(false);
    expect(renderCrashTrials(result)).toContain("RULES BROKEN");
  }, 180_000);
});

describe("crash trial plans and flags", () => {
  it("plans 20–200 calls with every kind of ending, and knows each call's outcome", () => {
    let seed = 1;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const kinds = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const plan = makePlan(random, `b${i}`);
      expect(plan.calls.length).toBeGreaterThanOrEqual(20);
      expect(plan.calls.length).toBeLessThanOrEqual(200);
      for (const call of plan.calls) {
        const expected = expectedOutcome(call);
        kinds.add(
          `${expected.status}:${expected.kind ?? ""}:${expected.attempts > 1 ? "retried" : "once"}`,
        );
      }
    }
    expect([...kinds].sort()).toEqual([
      "error:timeout:once",
      "error:timeout:retried",
      "error:tool_error:once",
      "error:tool_error:retried",
      "ok::once",
      "ok::retried",
    ]);
  });

  it("reads --trials, --journal, --seed, --quick and --out, and refuses the rest", () => {
    expect(parseCrashTrialsArgs([])).toEqual({
      trials: 100,
      journals: ["sqlite", "postgres"],
      seed: undefined,
      out: undefined,
    });
    expect(parseCrashTrialsArgs(["--quick"]).trials).toBe(10);
    expect(
      parseCrashTrialsArgs([
        "--trials",
        "7",
        "--journal",
        "postgres",
        "--seed",
        "3",
        "--out",
        "x.md",
      ]),
    ).toEqual({ trials: 7, journals: ["postgres"], seed: 3, out: "x.md" });
    expect(() => parseCrashTrialsArgs(["--trials", "0"])).toThrow(/positive integer, got 0/);
    expect(() => parseCrashTrialsArgs(["--journal", "redis"])).toThrow(/sqlite, postgres or both/);
    expect(() => parseCrashTrialsArgs(["--trials"])).toThrow(/a value after --trials/);
    expect(() => parseCrashTrialsArgs(["--fast"])).toThrow(/Unknown argument "--fast"/);
  });
});
