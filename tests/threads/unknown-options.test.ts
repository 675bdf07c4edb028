import { describe, expect, it } from "vitest";
import { threadBackend, threadTools } from "../../src/threads/index.js";

describe("volley/threads refuses unknown option keys", () => {
  it("threadBackend, before it starts a thread", () => {
    expect(() => threadBackend({ thread: 2 } as never)).toThrow(
      'Unknown option "thread" for threadBackend; did you mean "threads"? Known options: threads, resourceLimits, maxTotalThreads, preload.',
    );
  });

  it("threadBackend's resourceLimits entries", () => {
    expect(() =>
      threadBackend({
        resourceLimits: { parse: { maxOldGenerationSizeMb: 64, stackSize: 4 } },
      } as never),
    ).toThrow(
      /^Unknown option "stackSize" for resourceLimits\.parse; did you mean "stackSizeMb"\?/,
    );
  });

  it("warm(), before it starts a thread", async () => {
    const backend = threadBackend({ threads: 1 });
    try {
      await expect(backend.warm({ signl: new AbortController().signal } as never)).rejects.toThrow(
        'Unknown option "signl" for warm; did you mean "signal"? Known options: signal.',
      );
      expect(backend.stats().pools).toEqual([]);
    } finally {
      await backend.close();
    }
  });

  it("threadTools, before it loads the module", async () => {
    await expect(threadTools("./does-not-exist.ts", { ony: ["a"] } as never)).rejects.toThrow(
      'Unknown option "ony" for threadTools; did you mean "only"? Known options: only.',
    );
  });
});
