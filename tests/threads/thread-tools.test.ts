import { threadId } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { createExecutor } from "../../src/core/index.js";
import { threadBackend, threadTools, type ThreadBackend } from "../../src/threads/index.js";
import { sleepMs } from "./helpers.js";

const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);
const backends: ThreadBackend[] = [];
const oneThread = (): ThreadBackend => {
  const backend = threadBackend({ threads: 1 });
  backends.push(backend);
  return backend;
};

afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

describe("threadTools", () => {
  it("marks a JavaScript module's tools for the worker and runs them there", async () => {
    const tools = await threadTools(fixture("js-tools.js"));
    expect(tools.map((t) => [t.name, t.isolation, t.module])).toEqual([
      ["js_hash", "worker", fixture("js-tools.js").href],
      ["js_spin", "worker", fixture("js-tools.js").href],
    ]);
    const executor = createExecutor({ tools, backends: { worker: oneThread() } });
    const report = await executor.execute([
      { id: "h", name: "js_hash", args: { rounds: 10 } },
      { id: "s", name: "js_spin", args: {}, timeoutMs: 300, retry: false },
    ]);
    const hash = report.outcomes[0]!;
    expect(hash.status).toBe("ok");
    expect((hash as { value: { threadId: number } }).value.threadId).not.toBe(threadId);
    expect(report.outcomes[1]!.status === "error" && report.outcomes[1]!.error.kind).toBe(
      "timeout",
    );
    await executor.close();
  });

  it("loads a TypeScript module, picking tools with `only`", async () => {
    const tools = await threadTools(fixture("cpu-tools.ts"), { only: ["hash", "echo"] });
    expect(tools.map((t) => t.name).sort()).toEqual(["echo", "hash"]);
    const executor = createExecutor({ tools, backends: { worker: oneThread() } });
    const report = await executor.execute([{ id: "h", name: "hash", args: { rounds: 3 } }]);
    expect(report.counts.ok).toBe(1);
    await executor.close();
  });

  it("leaves out @langchain/core tools, and names tools that `only` cannot find", async () => {
    const tools = await threadTools(fixture("mixed.ts"));
    expect(tools.map((t) => t.name).sort()).toEqual(["lower", "upper"]);
    await expect(threadTools(fixture("mixed.ts"), { only: ["upper", "nope"] })).rejects.toThrow(
      /Expected tools "nope" in the tools module .*mixed\.ts, which has: (upper, lower|lower, upper)/,
    );
    await expect(
      threadTools(fixture("mixed.ts"), { only: "upper" as unknown as string[] }),
    ).rejects.toThrow(TypeError);
  });

  it("runs a @langchain/core tool of a module when a backend is asked for it by name", async () => {
    const value = await oneThread().run(
      {
        tool: "reverse",
        module: fixture("mixed.ts").href,
        args: { text: "volley" },
        callId: "c",
        batchId: "b",
        attempt: 1,
        deadline: Infinity,
        idempotencyKey: "k",
      },
      new AbortController().signal,
    );
    expect(value).toBe("yellov");
  });

  it("rejects with the loader's error for a module that is missing", async () => {
    await expect(threadTools(fixture("missing.ts"))).rejects.toMatchObject({
      name: "ToolsModuleError",
      problem: "not_found",
    });
  });
});

describe("threadBackend options", () => {
  it("throws a TypeError naming the bad option", () => {
    expect(() => threadBackend({ threads: 0 })).toThrow(/threads to be a whole number ≥ 1/);
    expect(() => threadBackend({ threads: 1.5 })).toThrow(TypeError);
    expect(() =>
      threadBackend({ resourceLimits: { parse: { maxOldGenerationSizeMb: -1 } } }),
    ).toThrow(/resourceLimits\.parse\.maxOldGenerationSizeMb to be a positive number of MB/);
    expect(() =>
      threadBackend({ resourceLimits: { parse: { maxHeap: 5 } as unknown as object } }),
    ).toThrow(/Unknown option "maxHeap" for resourceLimits\.parse\. Known options: /);
    expect(() => threadBackend({ resourceLimits: { parse: { threads: 0 } } })).toThrow(
      /resourceLimits\.parse\.threads/,
    );
    expect(() => threadBackend({ preload: ["https://example.com/x.js"] })).toThrow(/preload\[0\]/);
    expect(() => threadBackend(null as unknown as object)).toThrow(TypeError);
  });

  it("bounds the threads of all pools together", () => {
    expect(() =>
      threadBackend({
        threads: 2,
        resourceLimits: {
          a: { maxOldGenerationSizeMb: 32 },
          b: { maxOldGenerationSizeMb: 32, threads: 2 },
        },
      }),
    ).toThrow(
      "Expected at most maxTotalThreads (4) threads in all, got 5: 2 shared + 3 in the pools of a, b; raise maxTotalThreads or lower threads",
    );
    expect(() =>
      threadBackend({
        threads: 2,
        maxTotalThreads: 5,
        resourceLimits: {
          a: { maxOldGenerationSizeMb: 32 },
          b: { maxOldGenerationSizeMb: 32, threads: 2 },
        },
      }),
    ).not.toThrow();
  });

  it("starts no thread until the first attempt, and refuses attempts once closed", async () => {
    const backend = threadBackend({ threads: 1 });
    expect(backend.stats().pools).toEqual([]);
    const tools = await threadTools(fixture("cpu-tools.ts"), { only: ["echo"] });
    const executor = createExecutor({ tools, backends: { worker: backend } });
    await executor.close();
    await expect(
      backend.run(
        {
          tool: "echo",
          module: fixture("cpu-tools.ts").href,
          args: { value: 1 },
          callId: "c",
          batchId: "b",
          attempt: 1,
          deadline: Infinity,
          idempotencyKey: "k",
        },
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({ name: "RejectedError", kind: "rejected" });
  });

  it("ends an attempt `rejected` when the backend is closed under it", async () => {
    const backend = threadBackend({ threads: 1 });
    const running = backend.run(
      {
        tool: "sleep",
        module: fixture("cpu-tools.ts").href,
        args: { ms: 10_000 },
        callId: "c",
        batchId: "b",
        attempt: 1,
        deadline: Infinity,
        idempotencyKey: "k",
      },
      new AbortController().signal,
    );
    const settled = running.then(
      () => undefined,
      (e: unknown) => e,
    );
    await sleepMs(300);
    await backend.close();
    expect(await settled).toMatchObject({
      name: "RejectedError",
      message: 'The thread backend was closed while tool "sleep" ran (call "c")',
    });
  });
});
