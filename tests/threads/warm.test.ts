import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defineTool, type Report, type Tool } from "../../src/core/index.js";
import { threadBackend, threadTools } from "../../src/threads/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import * as cpu from "./fixtures/cpu-tools.js";
import { executorWith, sleepMs } from "./helpers.js";

/** Its worker threads take 1.5 s to load it. */
const SLOW_LOAD = new URL("./fixtures/slow-load.js", import.meta.url);

describe("ThreadBackend.warm()", () => {
  let dir: { path: string; remove(): void };
  beforeEach(() => {
    dir = makeTempDir("threads-warm");
  });
  afterEach(() => {
    delete process.env["VOLLEY_TEST_LOAD_LOG"];
    dir.remove();
  });

  it("resolves once every thread has loaded the preloaded module: short timeouts then hold", async () => {
    const log = join(dir.path, "loads.log");
    writeFileSync(log, "");
    process.env["VOLLEY_TEST_LOAD_LOG"] = log;
    const module = new URL("./fixtures/load-log.js", import.meta.url);
    const backend = threadBackend({ threads: 2, preload: [module] });
    try {
      await backend.warm();
      expect(readFileSync(log, "utf8").split("\n").filter(Boolean)).toHaveLength(2);
      expect(backend.stats().pools[0]).toMatchObject({ threads: 2, queued: 0, running: 0 });
      const executor = executorWith(await threadTools(module), backend);
      // Far less than a thread needs to start (tsx, the module): only warm threads make it.
      const report = await executor.execute(
        Array.from({ length: 6 }, (_, i) => ({
          id: `c${i}`,
          name: "logged",
          args: {},
          timeoutMs: 500,
        })),
        { concurrency: 2 },
      );
      expect(report.outcomes.map((o) => o.status)).toEqual(Array(6).fill("ok"));
      expect(backend.stats().completed).toBe(6);
    } finally {
      await backend.close();
    }
  }, 60_000);

  it("loads the modules of the executor's worker tools in every thread: the first call costs what a later one does", async () => {
    const log = join(dir.path, "loads.log");
    writeFileSync(log, "");
    process.env["VOLLEY_TEST_LOAD_LOG"] = log;
    const loads = (): number => readFileSync(log, "utf8").split("\n").filter(Boolean).length;
    // Its threads load a module for 1.5 s; the tool then waits 100 ms.
    const slowlyLoaded = await threadTools(SLOW_LOAD, { only: ["slowly_loaded"] });
    const calls = (batch: string) =>
      ["a", "b"].map((id) => ({ id: `${batch}-${id}`, name: "slowly_loaded", args: { ms: 100 } }));
    const slowest = (report: Report): number =>
      Math.max(...report.outcomes.map((o) => o.durationMs));

    // No preload option: the executor tells the backend of its worker tools.
    const warmed = threadBackend({ threads: 2 });
    const cold = threadBackend({ threads: 2 });
    try {
      const executor = executorWith(slowlyLoaded, warmed);
      await warmed.warm();
      // warm() resolved after, not before, each thread had loaded the module.
      expect(loads()).toBe(2);
      const first = await executor.execute(calls("first"));
      const later = await executor.execute(calls("later"));
      expect(first.outcomes.map((o) => o.status)).toEqual(["ok", "ok"]);
      expect(loads()).toBe(2);
      // A call charged with the module's load would take 1.6 s against 0.1 s.
      expect(slowest(first)).toBeLessThan(Math.max(3 * slowest(later), slowest(later) + 600));

      // The yardstick: threads that were never warmed charge the first calls with the load.
      const unwarmed = await executorWith(slowlyLoaded, cold).execute(calls("cold"));
      expect(slowest(unwarmed)).toBeGreaterThanOrEqual(1_500);
    } finally {
      await Promise.all([warmed.close(), cold.close()]);
    }
  }, 60_000);

  it("loads a tool's module in its own pool only, for a tool under resourceLimits", async () => {
    const log = join(dir.path, "loads.log");
    writeFileSync(log, "");
    process.env["VOLLEY_TEST_LOAD_LOG"] = log;
    const alsoSlowlyLoaded = await threadTools(SLOW_LOAD, { only: ["also_slowly_loaded"] });
    const backend = threadBackend({
      threads: 2,
      resourceLimits: { also_slowly_loaded: { maxOldGenerationSizeMb: 64 } },
    });
    try {
      const executor = executorWith(alsoSlowlyLoaded, backend);
      await backend.warm();
      // The tool's pool has one thread; the shared pool's two have no module to load.
      expect(readFileSync(log, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
      const report = await executor.execute([
        { id: "x", name: "also_slowly_loaded", args: {}, timeoutMs: 1_000 },
      ]);
      expect(report.outcomes[0]!.status).toBe("ok");
    } finally {
      await backend.close();
    }
  }, 60_000);

  it("loads a module once per thread however its tools name it (a query, as tsx adds, or none)", async () => {
    const log = join(dir.path, "loads.log");
    writeFileSync(log, "");
    process.env["VOLLEY_TEST_LOAD_LOG"] = log;
    const module = new URL("./fixtures/load-log.js", import.meta.url);
    const [logged] = await threadTools(module);
    // As `import.meta.url` reads in a module loaded through tsx's tsImport.
    const queried = defineTool({
      ...(logged as Tool),
      module: `${module.href}?tsx-namespace=123`,
    });
    const backend = threadBackend({ threads: 1 });
    try {
      const executor = executorWith([queried], backend);
      await backend.warm();
      const report = await executor.execute([{ id: "a", name: "logged", args: {} }]);
      expect(report.outcomes[0]!.status).toBe("ok");
      expect(readFileSync(log, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
    } finally {
      await backend.close();
    }
  }, 60_000);

  it("does not hang on a module that kills its thread as it loads: the calls end crashed", async () => {
    const module = new URL("./fixtures/exits-on-load.js", import.meta.url);
    const backend = threadBackend({ threads: 2, preload: [module] });
    try {
      await backend.warm();
      const executor = executorWith(await threadTools(module), backend);
      const report = await executor.execute([
        { id: "d", name: "doomed", args: {}, timeoutMs: 30_000 },
      ]);
      expect(report.outcomes[0]).toMatchObject({ status: "error", error: { kind: "crashed" } });
    } finally {
      await backend.close();
    }
  }, 60_000);

  it("stops waiting when its signal aborts, and does nothing once closed", async () => {
    const module = new URL("./fixtures/load-log.js", import.meta.url);
    const backend = threadBackend({ threads: 2, preload: [module] });
    const controller = new AbortController();
    const warming = backend.warm({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(warming).resolves.toBeUndefined();
    await backend.close();
    await expect(backend.warm()).resolves.toBeUndefined();
    expect(backend.stats().pools).toEqual([]);
  }, 60_000);

  it("lets two warm() calls at once share one warm-up rather than wait on each other", async () => {
    const module = new URL("./fixtures/load-log.js", import.meta.url);
    // One warm-up alone, on this machine now, is the yardstick: a load slows both alike, while
    // warm-ups waiting on each other would add a warmed thread's 10 s hold.
    const alone = threadBackend({ threads: 2, preload: [module] });
    let aloneMs: number;
    try {
      const started = performance.now();
      await alone.warm();
      aloneMs = performance.now() - started;
    } finally {
      await alone.close();
    }
    const backend = threadBackend({ threads: 2, preload: [module] });
    try {
      const started = performance.now();
      await Promise.all([backend.warm(), backend.warm(), backend.warm()]);
      expect(performance.now() - started).toBeLessThan(2 * aloneMs + 6_000);
      expect(backend.stats().pools[0]).toMatchObject({ threads: 2, queued: 0, running: 0 });
    } finally {
      await backend.close();
    }
  }, 60_000);

  it("stops waiting on its own signal while sharing a warm-up under way", async () => {
    const backend = threadBackend({
      threads: 2,
      preload: [new URL("./fixtures/load-log.js", import.meta.url)],
    });
    try {
      let firstDone = false;
      const first = backend.warm().then(() => (firstDone = true));
      const controller = new AbortController();
      const second = backend.warm({ signal: controller.signal });
      controller.abort();
      await second;
      // Threads take far longer to start and load the module than this took.
      expect(firstDone).toBe(false);
      await first;
    } finally {
      await backend.close();
    }
  }, 60_000);

  it("holds a warmed thread only so long for a thread busy with a long attempt", async () => {
    const backend = threadBackend({ threads: 2 });
    try {
      await backend.warm();
      const executor = executorWith([cpu.sleep], backend);
      const running = executor.execute([
        { id: "long", name: "sleep", args: { ms: 30_000 }, timeoutMs: 60_000 },
      ]);
      while (backend.stats().pools[0]?.running !== 1) await sleepMs(20);
      const started = performance.now();
      await backend.warm();
      // Not until the long attempt ends (30 s): the warmed thread stops waiting after 10 s.
      expect(performance.now() - started).toBeLessThan(20_000);
      await backend.close();
      await running;
    } finally {
      await backend.close();
    }
  }, 90_000);
});
