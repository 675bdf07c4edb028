import { describe, expect, it } from "vitest";
import { crashTrialsPassed, renderCrashTrials, runCrashTrials } from "../../bench/crash-trials.js";
import { postgresMissing } from "../helpers/postgres-server.js";

const missing = postgresMissing();
if (missing !== undefined && process.env.CI !== "true") {
  console.warn(`Skipping the Postgres crash trials: ${missing}`);
}

// With CI=true a missing server is not a reason to skip: startPostgres() throws and the test fails.
describe.skipIf(missing !== undefined && process.env.CI !== "true")(
  "crash trials: SIGKILL mid-batch, then resume (PostgresJournal)",
  () => {
    it("5 trials: no journaled call runs again, none is lost, each call has one outcome", async () => {
      const result = await runCrashTrials({ trials: 5, journals: ["postgres"] });
      const summary = renderCrashTrials(result);
      const tally = result.tallies[0]!;
      expect(result.skipped).toEqual([]);
      expect(tally.problems, summary).toEqual([]);
      expect(tally.trials).toBe(5);
      expect(tally.kills).toBeGreaterThanOrEqual(5);
      expect(crashTrialsPassed(result), summary).toBe(true);
    }, 180_000);
  },
);
