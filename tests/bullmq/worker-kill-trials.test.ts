import { describe, expect, it } from "vitest";
import {
  makeWorkerKillPlan,
  parseWorkerKillArgs,
  renderWorkerKillTrials,
  runWorkerKillTrials,
  workerKillTrialsPassed,
} from "../../bench/worker-kill-trials.js";
import { redisMissing } from "../helpers/redis-server.js";

const missing = redisMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

describe("worker-kill trials: plans and flags", () => {
  it("a seed makes the same plan; calls are 20–120 of both tools, with unique ids", () => {
    const seeded = (seed: number) => {
      let a = seed;
      return () => ((a = (a * 16807) % 2147483647) - 1) / 2147483646;
    };
    const one = makeWorkerKillPlan(seeded(7), "p-");
    expect(makeWorkerKillPlan(seeded(7), "p-")).toEqual(one);
    expect(one.calls.length).toBeGreaterThanOrEqual(20);
    expect(one.calls.length).toBeLessThanOrEqual(120);
    expect(new Set(one.calls.map((c) => c.id)).size).toBe(one.calls.length);
    expect(new Set(one.calls.map((c) => c.name))).toEqual(new Set(["safe_work", "plain_work"]));
  });

  it("reads its flags, and refuses bad ones with a message naming them", () => {
    expect(parseWorkerKillArgs([])).toEqual({ trials: 100, seed: undefined });
    expect(parseWorkerKillArgs(["--quick"])).toEqual({ trials: 10, seed: undefined });
    expect(parseWorkerKillArgs(["--trials", "3", "--seed", "9"])).toEqual({ trials: 3, seed: 9 });
    expect(() => parseWorkerKillArgs(["--trials", "0"])).toThrow(/--trials/);
    expect(() => parseWorkerKillArgs(["--nope"])).toThrow(/"--nope"/);
  });
});

// Each trial starts worker processes through tsx and waits out a stalled-job check (about 3 s):
// 4 trials take 15–30 s on a loaded 2-core machine. The bound only catches a hang.
describe.skipIf(missing !== undefined)(
  "worker-kill trials: SIGKILL of volley/bullmq workers mid-batch",
  () => {
    it("4 trials: one outcome per call, none lost, no non-idempotent call run twice, every outcome allowed", async () => {
      const result = await runWorkerKillTrials({ trials: 4, seed: 20_261_203 });
      const summary = renderWorkerKillTrials(result);
      const t = result.tally;
      expect(t.problems, summary).toEqual([]);
      expect(
        {
          reportDefects: t.reportDefects,
          lost: t.lost,
          plainRunTwice: t.plainRunTwice,
          wrongOutcomes: t.wrongOutcomes,
          harnessFailures: t.harnessFailures,
        },
        summary,
      ).toEqual({
        reportDefects: 0,
        lost: 0,
        plainRunTwice: 0,
        wrongOutcomes: 0,
        harnessFailures: 0,
      });
      expect(t.trials).toBe(4);
      expect(t.kills, summary).toBeGreaterThanOrEqual(3);
      // The kills hit work: some call was re-run or ended crashed.
      expect(t.safeReRun + t.plainCrashed, summary).toBeGreaterThan(0);
      expect(workerKillTrialsPassed(result)).toBe(true);
      expect(summary).toContain("| **(b) calls lost** | **0** |");
    }, 120_000);
  },
);
