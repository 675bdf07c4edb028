/**
 * The ported LangGraph.js tests that Volley's variant is known to fail. Each runs as `it.fails`
 * would: it passes while it fails, and fails the suite once it passes, so that a fix cannot go
 * unnoticed (delete its entry then). An entry that matches no test fails the suite too. The goal
 * is none.
 */
import { afterAll, beforeEach, expect, type RunnerTask } from "vitest";
import type { Variant } from "../variant.js";

/** One known failure. */
interface KnownFailure {
  /** The ported file, as named under upstream/ (`prebuilt`, …). */
  readonly file: string;
  /** The test's full name: its describe blocks and its own, joined by " > ". */
  readonly test: string;
  /** The variants that fail it. */
  readonly variants: readonly Variant[];
  /** Why, in one line. */
  readonly reason: string;
}

/** Every known failure, by file. */
export const KNOWN_FAILURES: readonly KnownFailure[] = [];

/**
 * Marks the known failures of `file` under `variant` as expected to fail, for the tests the
 * calling entry file registers next; checks, once they have run, that each entry names one.
 */
export function expectKnownFailures(file: string, variant: Variant): void {
  const expected = new Map(
    KNOWN_FAILURES.filter((f) => f.file === file && f.variants.includes(variant)).map((f) => [
      f.test,
      f,
    ]),
  );
  let fileTask: { readonly tasks: readonly RunnerTask[] } | undefined;
  beforeEach(({ task }) => {
    fileTask = task.file;
    // Read by the runner once the test has run: a failure passes, a pass fails (it.fails).
    if (expected.has(task.fullTestName)) (task as { fails?: boolean }).fails = true;
  });
  afterAll(() => {
    if (fileTask === undefined) return;
    // Against every test of the file, run or filtered out (vitest -t), not only those that ran.
    const names = new Set<string>();
    const collect = (tasks: readonly RunnerTask[]): void => {
      for (const task of tasks) {
        if (task.type === "suite") collect(task.tasks);
        else if (task.fullTestName !== undefined) names.add(task.fullTestName);
      }
    };
    collect(fileTask.tasks);
    const stale = [...expected.keys()].filter((name) => !names.has(name));
    expect(stale, "known-failures.ts entries that name no test of the file").toEqual([]);
  });
}
