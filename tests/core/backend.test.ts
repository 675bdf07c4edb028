import { describe, expect, it } from "vitest";
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

  it("closes its backends on close()", async () => {
    let closed = 0;
    const backend: Backend = { name: "t", run: async () => 1, close: async () => void closed++ };
    const executor = createExecutor({ tools: [remote], backends: { elsewhere: backend }, backend });
    await executor.close();
    expect(closed).toBe(1);
  });
});
