/**
 * A setup file of the test run (vitest.config.ts): a test during which a process warning is
 * emitted fails, with the warning and its stack, so that the run's output holds only what a
 * reader should worry about. A test that expects a warning catches it and asserts it with
 * `captureWarnings()` (tests/helpers/warnings.ts), which keeps it from being emitted at all.
 *
 * Warnings emitted between tests fail the next test; those after the last test fail the file.
 * Only this process's warnings are seen: a child process's or a worker thread's are on its own
 * standard error, which the tests that start them read.
 */
import { afterAll, afterEach, expect } from "vitest";

const GUARD = Symbol.for("volley.tests.warningGuard");

interface Seen {
  readonly test: string | undefined;
  readonly warning: Error;
}

// One listener and one list per process, however many test files run in it.
const guard = globalThis as { [GUARD]?: Seen[] };
const seen = (guard[GUARD] ??= listen());
// Taken before any test can install fake timers, which would never run it.
const setImmediateReal = globalThis.setImmediate;

function listen(): Seen[] {
  const list: Seen[] = [];
  process.on("warning", (warning) => {
    let test: string | undefined;
    try {
      test = expect.getState().currentTestName;
    } catch {
      // Between files: no test to name.
    }
    list.push({ test, warning });
  });
  return list;
}

/** Waits for the warnings already emitted: Node delivers them on the next tick. */
function delivered(): Promise<void> {
  return new Promise((resolve) => setImmediateReal(resolve));
}

function failIfAny(where: string): void {
  if (seen.length === 0) return;
  const lines = seen.splice(0).map(({ test, warning }) => {
    const during = test === undefined ? "" : ` (emitted during "${test}")`;
    return `${warning.stack ?? `${warning.name}: ${warning.message}`}${during}`;
  });
  throw new Error(
    `${lines.length} unexpected process warning${lines.length === 1 ? "" : "s"} ${where}; ` +
      `catch and assert an expected one with captureWarnings() from tests/helpers/warnings.ts:\n` +
      lines.join("\n"),
  );
}

afterEach(async () => {
  await delivered();
  failIfAny("during this test");
});

afterAll(async () => {
  await delivered();
  failIfAny("after the file's last test");
});
