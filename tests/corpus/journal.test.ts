import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutor, type Journal, type Outcome } from "../../src/index.js";
import { echo } from "./helpers.js";

/** Collects the process warnings of one test (and keeps them off the test output). */
function captureWarnings(): { readonly messages: string[]; restore(): void } {
  const messages: string[] = [];
  const spy = vi.spyOn(process, "emitWarning").mockImplementation(((warning: string | Error) => {
    messages.push(String(warning instanceof Error ? warning.message : warning));
  }) as typeof process.emitWarning);
  return { messages, restore: () => spy.mockRestore() };
}

const calls = [
  { id: "a", name: "echo", args: { x: 1 } },
  { id: "b", name: "echo", args: { x: 2 } },
];

describe("corpus: journal failures never lose or hang a batch", () => {
  let warnings: ReturnType<typeof captureWarnings>;
  beforeEach(() => {
    warnings = captureWarnings();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    warnings.restore();
  });

  async function run(journal: Journal, options: { deadlineMs?: number } = {}, advance = 0) {
    const executor = createExecutor({ tools: [echo], journal, journalTimeoutMs: 1_000 });
    const batch = executor.execute(calls, { batchId: "j", ...options });
    await vi.advanceTimersByTimeAsync(advance);
    const report = await batch;
    expect(report.outcomes.map((o) => o.status)).toEqual(["ok", "ok"]);
    return report;
  }

  const never = (): Promise<void> => new Promise(() => undefined);

  it("a record() that never settles: delivered unrecorded after journalTimeoutMs, with a warning", async () => {
    await run({ load: () => [], record: never }, {}, 1_000);
    expect(warnings.messages.join("\n")).toMatch(/did not record call "a" .* within 1000 ms/);
  });

  it("a record() that never settles: the batch deadline comes first", async () => {
    await run({ load: () => [], record: never }, { deadlineMs: 300 }, 300);
    expect(warnings.messages.join("\n")).toMatch(/within 300 ms/);
  });

  it("a record() that throws synchronously", async () => {
    await run({
      load: () => [],
      record: () => {
        throw new Error("disk full");
      },
    });
    expect(warnings.messages.join("\n")).toMatch(/could not record call "a".*disk full/);
  });

  it("a record() that rejects with a value String() cannot convert", async () => {
    await run({ load: () => [], record: () => Promise.reject(Object.create(null)) });
    expect(warnings.messages.join("\n")).toMatch(/could not record call "a"/);
  });

  it("a load() that throws, rejects or never settles runs every call", async () => {
    await run({
      load: () => {
        throw new Error("gone");
      },
      record: () => undefined,
    });
    await run({ load: () => Promise.reject(new Error("gone")), record: () => undefined });
    await run({ load: () => new Promise(() => undefined), record: () => undefined }, {}, 1_000);
    expect(warnings.messages.join("\n")).toMatch(/could not load batch "j"/);
  });

  it("a load() whose outcomes are malformed does not hang the batch", async () => {
    const junk = [{ id: "a" }, null, 5] as unknown as Outcome[];
    const executor = createExecutor({
      tools: [echo],
      journal: { load: () => junk, record: () => undefined },
    });
    const report = await executor.execute(calls, { batchId: "junk" });
    expect(report.outcomes.map((o) => o.status)).toEqual(["ok", "ok"]);
    expect(warnings.messages.join("\n")).toMatch(/3 malformed record/);
    const notIterable = { load: () => 42 as never, record: () => undefined };
    const again = await createExecutor({ tools: [echo], journal: notIterable }).execute(calls, {
      batchId: "not-iterable",
    });
    expect(again.outcomes.map((o) => o.status)).toEqual(["ok", "ok"]);
  });
});
