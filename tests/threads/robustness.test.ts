import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createExecutor } from "../../src/core/index.js";
import { loadToolsModule, threadBackend, threadTools } from "../../src/threads/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import * as cpu from "./fixtures/cpu-tools.js";
import { executorWith, sleepMs } from "./helpers.js";

describe("threadBackend: a tools module that kills idle threads", () => {
  let dir: { path: string; remove(): void };
  beforeEach(() => {
    dir = makeTempDir("threads-robust");
  });
  afterEach(() => {
    delete process.env["VOLLEY_TEST_LOAD_LOG"];
    dir.remove();
  });

  it("does not make every new thread load it again, dying and respawning forever", async () => {
    const log = join(dir.path, "loads.log");
    writeFileSync(log, "");
    // Threads copy the environment as they start.
    process.env["VOLLEY_TEST_LOAD_LOG"] = log;
    const tools = await threadTools(new URL("./fixtures/time-bomb.js", import.meta.url));
    const backend = threadBackend({ threads: 1 });
    try {
      const report = await executorWith(tools, backend).execute([
        { id: "a", name: "quick", args: {} },
      ]);
      expect(report.outcomes[0]!.status).toBe("ok");
      // The bomb goes off 150 ms after each load; a respawn loop loads it every ~200-400 ms.
      await sleepMs(2_500);
      const loads = readFileSync(log, "utf8").split("\n").filter(Boolean).length;
      // The thread that ran the call, and at most the one that replaced it.
      expect(loads).toBeLessThanOrEqual(2);
      // The pool is still there, at its size, and runs the next call (in a fresh thread).
      expect(backend.stats().pools[0]).toMatchObject({ threads: 1, maxThreads: 1 });
      const next = await executorWith(tools, backend).execute([
        { id: "b", name: "quick", args: {}, timeoutMs: 30_000 },
      ]);
      expect(next.outcomes[0]!.status).toBe("ok");
    } finally {
      await backend.close();
    }
  }, 30_000);
});

describe("threadBackend: what the threads of a tool's own pool load", () => {
  let dir: { path: string; remove(): void };
  beforeEach(() => {
    dir = makeTempDir("threads-preload");
  });
  afterEach(() => {
    delete process.env["VOLLEY_TEST_LOAD_LOG"];
    dir.remove();
  });

  it("does not preload other tools' modules into a pool with resourceLimits", async () => {
    const log = join(dir.path, "loads.log");
    writeFileSync(log, "");
    process.env["VOLLEY_TEST_LOAD_LOG"] = log;
    const tools = [
      ...(await threadTools(new URL("./fixtures/load-log.js", import.meta.url))),
      cpu.echo,
    ];
    // echo runs in its own pool, with a heap limit: only its own module belongs in it.
    const backend = threadBackend({
      threads: 1,
      resourceLimits: { echo: { maxOldGenerationSizeMb: 256 } },
    });
    const executor = executorWith(tools, backend);
    try {
      const first = await executor.execute([
        { id: "l", name: "logged", args: {}, timeoutMs: 30_000 },
      ]);
      expect(first.counts.ok).toBe(1);
      const second = await executor.execute([
        { id: "e", name: "echo", args: { value: 1 }, timeoutMs: 30_000 },
      ]);
      expect(second.counts.ok).toBe(1);
      await sleepMs(1_000);
      // Loaded by the shared pool's thread only.
      expect(readFileSync(log, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
    } finally {
      await backend.close();
    }
  }, 60_000);
});

describe("threadBackend: schemas that transform arguments", () => {
  const calls = [
    { id: "p", name: "price", args: { cents: 1234 } },
    { id: "h", name: "host", args: { url: "https://example.com/a" } },
  ];
  const transformTools = new URL("./fixtures/transform-tools.ts", import.meta.url);

  it("run inline with the parsed arguments", async () => {
    const tools = await loadToolsModule(transformTools);
    const report = await createExecutor({ tools, retry: false }).execute(calls);
    expect(report.results).toEqual({ p: "$12.34", h: "example.com" });
  });

  // A class instance (Money, URL) would lose its prototype by structured clone: the thread gets
  // the arguments as given and parses them there with the tool's schema.
  it("run in a worker thread with the same arguments as inline", async () => {
    const tools = await threadTools(transformTools);
    const backend = threadBackend({ threads: 1 });
    try {
      const report = await executorWith(tools, backend).execute(
        calls.map((c) => ({ ...c, timeoutMs: 30_000 })),
      );
      expect(report.results).toEqual({ p: "$12.34", h: "example.com" });
    } finally {
      await backend.close();
    }
  }, 30_000);
});

describe("threadBackend: arguments a worker thread refuses", () => {
  it("end invalid_args, not retried, though the main thread accepted them", async () => {
    const tools = await threadTools(new URL("./fixtures/transform-tools.ts", import.meta.url));
    const backend = threadBackend({ threads: 1 });
    try {
      const executor = createExecutor({
        tools,
        backends: { worker: backend },
        retry: { maxAttempts: 3, initialInterval: 1 },
      });
      let retries = 0;
      executor.on("call:retry", () => void retries++);
      const report = await executor.execute([
        { id: "m", name: "main_only", args: { q: "x" }, timeoutMs: 30_000 },
      ]);
      expect(report.errors["m"]).toMatchObject({ kind: "invalid_args" });
      expect(report.errors["m"]!.message).toMatch(/checked in a worker thread/);
      expect(retries).toBe(0);
    } finally {
      await backend.close();
    }
  }, 30_000);
});

describe("threadBackend: threads that cannot start", () => {
  it("fails the calls `crashed` at once, not `timeout`, and tries a fresh pool for the next ones", async () => {
    // Too little memory for a thread to even start (it loads tsx, zod and the tools module).
    const backend = threadBackend({
      threads: 1,
      resourceLimits: { echo: { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 } },
    });
    const executor = executorWith([cpu.echo], backend);
    try {
      const started = performance.now();
      const report = await executor.execute([
        { id: "a", name: "echo", args: { value: 1 }, timeoutMs: 30_000 },
        { id: "b", name: "echo", args: { value: 2 }, timeoutMs: 30_000 },
      ]);
      expect(report.outcomes.map((o) => o.status === "error" && o.error.kind)).toEqual([
        "crashed",
        "crashed",
      ]);
      const second = report.outcomes[1]!;
      expect(second.status === "error" && second.error.message).toMatch(
        /tool "echo" \(call "b".*could not start another/,
      );
      const again = await executor.execute([
        { id: "c", name: "echo", args: { value: 3 }, timeoutMs: 30_000 },
      ]);
      expect(again.outcomes[0]!.status === "error" && again.outcomes[0]!.error.kind).toBe(
        "crashed",
      );
      // Far below the calls' 30 s timeouts (thread starts are slow on a busy machine).
      expect(performance.now() - started).toBeLessThan(15_000);
    } finally {
      await backend.close();
    }
  }, 60_000);
});

describe("threadBackend: a tool named like the shared pool", () => {
  it('keeps one own pool for a tool named "shared", apart from the shared pool', async () => {
    const tools = [
      ...(await threadTools(new URL("./fixtures/odd-names.ts", import.meta.url))),
      cpu.echo,
    ];
    const backend = threadBackend({ threads: 1, resourceLimits: { shared: { threads: 1 } } });
    const executor = executorWith(tools, backend);
    try {
      const calls = [
        { id: "s1", name: "shared", args: {}, timeoutMs: 30_000 },
        { id: "e", name: "echo", args: { value: 1 }, timeoutMs: 30_000 },
      ];
      const first = await executor.execute(calls);
      const second = await executor.execute([{ ...calls[0]!, id: "s2" }]);
      expect(first.counts.ok + second.counts.ok).toBe(3);
      // Both calls of "shared" ran in the one thread of its own pool.
      expect(second.results["s2"]).toBe(first.results["s1"]);
      expect(backend.stats().pools.map((p) => p.threads)).toEqual([1, 1]);
    } finally {
      await backend.close();
    }
  }, 60_000);
});
