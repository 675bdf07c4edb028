import { afterEach, describe, expect, it, vi } from "vitest";
import { threadBackend } from "../../src/threads/index.js";
import { verbose } from "./fixtures/print-tools.js";
import { executorWith } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("threadBackend: what tools print", () => {
  it("reaches the main thread before the attempt's answer, so closing at once loses none of it", async () => {
    const printed: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
      vi.spyOn(stream, "write").mockImplementation((chunk: unknown, ...rest: unknown[]) => {
        const text = String(chunk);
        if (/^(out|err) \d+ of /m.test(text)) {
          printed.push(...text.split("\n").filter(Boolean));
          return true;
        }
        return write(chunk, ...rest);
      });
    }
    // Each round has two chances to lose lines (the last attempt of each thread): three rounds.
    for (let round = 1; round <= 3; round++) {
      printed.length = 0;
      const backend = threadBackend({
        threads: 2,
        preload: [new URL("./fixtures/print-tools.ts", import.meta.url)],
      });
      await backend.warm();
      const tags = ["a", "b"];
      const report = await executorWith([verbose], backend).execute(
        tags.map((tag) => ({ id: tag, name: "verbose", args: { tag, lines: 5 } })),
      );
      // At once: a thread terminated now keeps nothing it has not handed over.
      await backend.close();
      expect(report.counts.ok).toBe(2);
      const expected = tags.flatMap((tag) =>
        [1, 2, 3, 4, 5].flatMap((i) => [`out ${i} of ${tag}`, `err ${i} of ${tag}`]),
      );
      expect(printed.sort(), `round ${round}`).toEqual(expected.sort());
    }
  }, 60_000);

  it("does not hold an answer up for long when the main thread stops taking the output", async () => {
    // The pipe from a thread's stdout into this one's pauses on `false`, until a 'drain' that
    // does not come: past the highWaterMark of its streams, the thread's output stays unread.
    vi.spyOn(process.stdout, "write").mockImplementation(() => false);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const backend = threadBackend({
      threads: 1,
      preload: [new URL("./fixtures/print-tools.ts", import.meta.url)],
    });
    try {
      await backend.warm();
      const report = await executorWith([verbose], backend).execute([
        { id: "a", name: "verbose", args: { tag: "a", lines: 3_000 }, timeoutMs: 10_000 },
      ]);
      expect(report.outcomes[0]).toMatchObject({ status: "ok", value: "a" });
      expect(report.outcomes[0]!.durationMs).toBeLessThan(5_000);
    } finally {
      vi.restoreAllMocks();
      await backend.close();
    }
  }, 60_000);
});
