/**
 * A fuzz campaign: `runs` random scenarios from a seed, each checked by the harness. Shared by
 * the test (`tests/fuzz/fuzz.test.ts`, a fixed seed in `npm test`) and the command line
 * (`npm run fuzz -- --runs N [--seed S]`). A failure is shrunk to a small scenario, and its
 * report says how to replay it exactly.
 */
import fc from "fast-check";
import { runScenario } from "./harness.js";
import { scenarioArb, type Scenario } from "./scenario.js";

export interface CampaignOptions {
  readonly seed: number;
  readonly runs: number;
  /** Replays one failure: the `path` fast-check printed with it. */
  readonly path?: string | undefined;
  /** Told after each run (shrinking runs included). */
  readonly onRun?: (() => void) | undefined;
}

export interface CampaignResult {
  readonly failed: boolean;
  /** Runs made (before shrinking). */
  readonly runs: number;
  /** The report of a failure, with the commands that replay it. */
  readonly message: string | undefined;
  readonly counterexample: Scenario | undefined;
}

/** The property: a scenario keeps every promise. */
export function fuzzProperty(onRun?: () => void): fc.IAsyncProperty<[Scenario]> {
  return fc.asyncProperty(scenarioArb, async (scenario) => {
    onRun?.();
    await runScenario(scenario);
  });
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const details = await fc.check(fuzzProperty(options.onRun), {
    seed: options.seed,
    numRuns: options.runs,
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  if (!details.failed) {
    return { failed: false, runs: details.numRuns, message: undefined, counterexample: undefined };
  }
  const report = fc.defaultReportMessage(details) ?? "the property failed";
  const error = details.errorInstance;
  const why = error instanceof Error ? error.message : String(error);
  const replay =
    `Replay this failure exactly (its shrunk counterexample first):\n` +
    `  npm run fuzz -- --seed ${details.seed} --path "${details.counterexamplePath}"\n` +
    `  FUZZ_SEED=${details.seed} FUZZ_PATH="${details.counterexamplePath}" npx vitest run tests/fuzz`;
  return {
    failed: true,
    runs: details.numRuns,
    message: `${report}\n\nWhat broke:\n${why}\n\n${replay}`,
    counterexample: details.counterexample?.[0],
  };
}
