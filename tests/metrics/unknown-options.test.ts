import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createExecutor } from "../../src/index.js";
import { attachMetrics } from "../../src/metrics/index.js";

describe("attachMetrics refuses unknown option keys", () => {
  it("names the nearest option, and registers nothing", async () => {
    const executor = createExecutor({ tools: [] });
    const registry = new Registry();
    expect(() => attachMetrics(executor, { registry, executor: "a" } as never)).toThrow(
      'Unknown option "executor" for attachMetrics; did you mean "executorName"? Known options: registry, executorName, buckets.',
    );
    expect(() => attachMetrics(executor, { registry, bucket: [1] } as never)).toThrow(
      /did you mean "buckets"\?/,
    );
    expect(await registry.getMetricsAsJSON()).toEqual([]);
  });
});
