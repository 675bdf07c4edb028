import { describe, expect, it } from "vitest";
import { createExecutor } from "../../src/index.js";
import { attachDashboard } from "../../src/dashboard/index.js";

describe("attachDashboard refuses unknown option keys", () => {
  it("names the nearest option, before it listens", () => {
    const executor = createExecutor({ tools: [] });
    expect(() => attachDashboard(executor, { prot: 0 } as never)).toThrow(
      'Unknown option "prot" for attachDashboard; did you mean "port"? Known options: port, host, token, maxBatches, maxCallsPerBatch, metrics, updateIntervalMs.',
    );
  });
});
