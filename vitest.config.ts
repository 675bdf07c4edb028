import { defineConfig } from "vitest/config";

export default defineConfig({
  // Examples import "volley" and "volley/*" as users do: tsconfig.json's paths map them to src/.
  resolve: { tsconfigPaths: true },
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits 1 s by default: too little for a page to update with two suites running.
    expect: { poll: { timeout: 10_000 } },
    // A process warning no test expected fails that test (see the file).
    setupFiles: ["tests/helpers/warning-guard.ts"],
    // Integration tests start real servers; keep parallelism modest on the 2-core machines.
    maxWorkers: 2,
    // In CI, also write a machine-readable summary that .ci/run turns into one closing line.
    reporters: process.env["CI"]
      ? ["default", ["json", { outputFile: ".ci/vitest-results.json" }]]
      : ["default"],
  },
});
