import { describe, expect, it } from "vitest";
import { runCampaign } from "./campaign.js";

/**
 * The executor's promises, fuzzed: 4,000 random scenarios of tools, policies and batches on a
 * virtual clock (see harness.ts for what is generated and checked). The seed is fixed so that
 * `npm test` is deterministic; `npm run fuzz -- --runs N` explores further. A failure prints the
 * shrunk counterexample and the commands that replay it (FUZZ_SEED, FUZZ_PATH, FUZZ_RUNS).
 */
const SEED = Number(process.env["FUZZ_SEED"] ?? 20_251_202);
const RUNS = Number(process.env["FUZZ_RUNS"] ?? 4_000);
const PATH = process.env["FUZZ_PATH"];

describe("fuzz: the executor keeps its promises", () => {
  it(`holds for ${RUNS} random scenarios (seed ${SEED})`, async () => {
    const result = await runCampaign({ seed: SEED, runs: RUNS, path: PATH });
    if (result.failed) expect.fail(result.message);
    expect(result.runs).toBe(PATH === undefined ? RUNS : result.runs);
  }, 120_000);
});
