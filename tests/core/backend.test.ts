import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  defineTool,
  WorkerCrashedError,
  type AttemptRequest,
  type Backend,
} from "../../src/index.js";
import { sleep } from "../helpers/tools.js";

const remote = defineTool({
  name: "remote",
  description: "",
  schema: z.object({ n: z.number() }),
  isolation: "elsewhere",
  module: "file:///tools.js",
  run: () => "never runs inline",
});

describe("the Backend seam", () => {
  it("sends parsed arguments, or the call's own when the backend parses them itself", async () => {
    const coercing = defineTool({
      name: "coercing",
      description: "",
      schema: z.object({ n: z.coerce.number().default(5) }),
      isolation: "elsewhere",
      run: () => "never runs inline",
    });
    for (const parsesArgs of [undefined, true]) {
      const seen: unknown[] = [];
      const backend: Backend = {
        name: "test",
        ...(parsesArgs === undefined ? {} : { parsesArgs }),
        run: async (request) => void seen.push(request.args),
      };
      await createExecutor({ tools: [coercing], backends: { elsewhere: backend } }).execute([
        { id: "a", name: "coercing", args: {} },
        { id: "b", name: "coercing", args: { n: "7" } },
      ]);
      expect(seen).toEqual(parsesArgs ? [{}, { n: "7" }] : [{ n: 5 }, { n: 7 }]);
    }
  });

  it("routes a tool's attempts to its backend as plain data, with the signal", async () => {
    const requests: AttemptRequest[] = [];
    const backend: Backend = {
      name: "test",
      run: async (request, signal) => {
        requests.push(request);
        if (request.args && (request.args as { n: number }).n === 0)
          throw new WorkerCrashedError("worker exited with code 1");
        await sleep(10, signal);
        return (request.args as { n: number }).n * 2;
      },
    };
    const executor = createExecutor({ tools: [remote], backends: { elsewhere: backend } });
    const report = await executor.execute(
      [
        { id: "x", name: "remote", args: { n: 21 } },
        { id: "dead", name: "remote", args: { n: 0 } },
      ],
      { batchId: "B" },
    );
    expect(report.results["x"]).toBe(42);
    expect(report.errors["dead"]).toMatchObject({
      kind: "crashed",
      message: "worker exited with code 1",
    });
    expect(requests[0]).toEqual({
      tool: "remote",
      module: "file:///tools.js",
      args: { n: 21 },
      callId: "x",
      batchId: "B",
      attempt: 1,
      deadline: expect.any(Number),
      idempotencyKey: "B:x",
    });
    expect(structuredClone(requests[0])).toEqual(requests[0]);
  });

  it("aborts the backend's signal on timeout", async () => {
    let aborted = false;
    const backend: Backend = {
      name: "test",
      run: (_request, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(signal.reason);
          }),
        ),
    };
    const executor = createExecutor({
      tools: [remote],
      backends: { elsewhere: backend },
      timeoutMs: 30,
    });
    const report = await executor.execute([{ id: "x", name: "remote", args: { n: 1 } }]);
    expect(report.errors["x"]?.kind).toBe("timeout");
    expect(aborted).toBe(true);
  });

  it("refuses a tool whose isolation has no backend, naming both", () => {
    expect(() => createExecutor({ tools: [remote] })).toThrow(
      /Tool "remote" has isolation "elsewhere", but the executor has no backend for it/,
    );
    expect(() =>
      createExecutor({ tools: [remote], backends: { elsewhere: {} as Backend } }),
    ).toThrow(/backends.elsewhere to be a Backend/);
  });

  it("starts no more attempts in a pool than its slots; the rest wait with no timeout running", async () => {
    vi.useFakeTimers();
    try {
      let running = 0;
      let most = 0;
      const backend: Backend = {
        name: "pooled",
        capacity: () => ({ pool: "p", slots: 2 }),
        run: async (_request, signal) => {
          running++;
          most = Math.max(most, running);
          await sleep(100, signal);
          running--;
          return "done";
        },
      };
      const other = defineTool({
        name: "other",
        description: "",
        schema: z.object({ n: z.number() }),
        isolation: "elsewhere",
        run: () => "never runs inline",
      });
      const executor = createExecutor({
        tools: [remote, other],
        backends: { elsewhere: backend },
        timeoutMs: 150,
      });
      const batch = executor.execute(
        Array.from({ length: 6 }, (_, i) => ({
          id: `c${i}`,
          name: i % 2 === 0 ? "remote" : "other",
          args: { n: i },
        })),
      );
      await vi.advanceTimersByTimeAsync(50);
      expect(executor.stats()).toMatchObject({ running: 2, queued: 4 });
      await vi.advanceTimersByTimeAsync(300);
      const report = await batch;
      // Three waves of 100 ms: each call's 150 ms timeout starts with its attempt.
      expect(report.outcomes.map((o) => o.status)).toEqual(Array(6).fill("ok"));
      expect(most).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a capacity that is not { pool, slots }, naming the backend and the tool", () => {
    const bad = (capacity: unknown): Backend => ({
      name: "bad",
      capacity: () => capacity as never,
      run: async () => undefined,
    });
    expect(() =>
      createExecutor({ tools: [remote], backends: { elsewhere: bad({ pool: "p", slots: 0 }) } }),
    ).toThrow(/backend "bad" capacity\("remote"\)\.slots to be a whole number ≥ 1/);
    expect(() => createExecutor({ tools: [remote], backends: { elsewhere: bad(4) } })).toThrow(
      /backend "bad" capacity\("remote"\) to be \{ pool: string, slots: number \}/,
    );
  });

  it("tells a backend of each tool placed on it, once the executor is made, and of no other", () => {
    const told: unknown[] = [];
    const backend: Backend = {
      name: "test",
      register: (tool) => void told.push(tool),
      run: async () => undefined,
    };
    const local = defineTool({
      name: "local",
      description: "",
      schema: z.object({}),
      run: () => 1,
    });
    createExecutor({
      tools: [remote, local],
      backends: { elsewhere: backend },
      policies: { remote: { concurrency: 3 } },
    });
    // With its policy, the executor's `policies` entry on top of the tool's own.
    expect(told).toEqual([
      {
        name: "remote",
        module: "file:///tools.js",
        policy: expect.objectContaining({ isolation: "elsewhere", concurrency: 3 }),
      },
    ]);
    // An executor that is never made tells its backends nothing.
    told.length = 0;
    expect(() =>
      createExecutor({
        tools: [remote],
        backends: { elsewhere: backend },
        policies: { missing: {} },
      }),
    ).toThrow(TypeError);
    expect(told).toEqual([]);
  });

  it("closes its backends on close()", async () => {
    let closed = 0;
    const backend: Backend = { name: "t", run: async () => 1, close: async () => void closed++ };
    const executor = createExecutor({ tools: [remote], backends: { elsewhere: backend }, backend });
    await executor.close();
    expect(closed).toBe(1);
  });
});
