import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { threadBackend, threadTools } from "../../src/threads/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { executorWith } from "./helpers.js";

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
});
