import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { createExecutor } from "../../src/index.js";
import { attachMetrics, METRIC_NAMES, UNKNOWN_TOOL } from "../../src/metrics/index.js";
import { allTools, echo, heldTool } from "./tools.js";

async function valueOf(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((v) =>
    Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  );
  return match?.value;
}

/** The value of one sample line of the Prometheus text format. */
function sampleOf(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("attachMetrics", () => {
  it("counts calls by tool, status and kind, and times them", async () => {
    const registry = new Registry();
    const executor = createExecutor({ tools: allTools });
    const handle = attachMetrics(executor, { registry });
    expect(handle.registry).toBe(registry);
    await executor.execute([
      { id: "a", name: "echo", args: { value: 1 } },
      { id: "b", name: "echo", args: { value: 2, ms: 30 } },
      { id: "c", name: "boom", args: {} },
      { id: "d", name: "nope", args: {} },
    ]);
    const calls = METRIC_NAMES.calls;
    expect(await valueOf(registry, calls, { tool: "echo", status: "ok", kind: "none" })).toBe(2);
    expect(
      await valueOf(registry, calls, { tool: "boom", status: "error", kind: "tool_error" }),
    ).toBe(1);
    // Made-up tool names share one label value, so they cannot multiply series.
    expect(await valueOf(registry, calls, { tool: UNKNOWN_TOOL, kind: "unknown_tool" })).toBe(1);

    const d = METRIC_NAMES.callDuration;
    expect(await valueOf(registry, `${d}`, { tool: "echo", status: "ok", le: "+Inf" })).toBe(2);
    const text = await registry.metrics();
    const echoSum = sampleOf(text, `${d}_sum{tool="echo",status="ok"}`);
    expect(echoSum).toBeGreaterThanOrEqual(0.025);
    expect(echoSum).toBeLessThan(5);
    // The unknown tool never ran: no duration for it.
    expect(text).not.toContain("nope");
    expect(text).not.toMatch(new RegExp(`${d}_count\\{tool="\\(unknown\\)"`));
    expect(sampleOf(text, `${METRIC_NAMES.batchDuration}_count`)).toBe(1);
    handle.detach();
  });

  it("counts retries and abandoned attempts", async () => {
    const registry = new Registry();
    const executor = createExecutor({ tools: allTools });
    attachMetrics(executor, { registry });
    const report = await executor.execute([
      { id: "f", name: "flaky", args: {} },
      { id: "s", name: "stubborn", args: {} },
    ]);
    expect(report.outcomes.map((o) => o.status)).toEqual(["ok", "error"]);
    expect(await valueOf(registry, METRIC_NAMES.retries, { tool: "flaky" })).toBe(1);
    expect(await valueOf(registry, METRIC_NAMES.calls, { tool: "stubborn", kind: "timeout" })).toBe(
      1,
    );
    // The stubborn attempt settles some 40 ms after its timeout.
    await vi.waitFor(
      async () =>
        expect(await valueOf(registry, METRIC_NAMES.abandoned, { tool: "stubborn" })).toBe(1),
      { timeout: 5_000, interval: 20 },
    );
  });

  it("reads in-flight calls and queue depth at scrape time", async () => {
    const { held, open } = heldTool();
    const registry = new Registry();
    const executor = createExecutor({ tools: [held], concurrency: 2 });
    attachMetrics(executor, { registry });
    expect(await valueOf(registry, METRIC_NAMES.inFlight, { tool: "held" })).toBe(0);
    expect(await valueOf(registry, METRIC_NAMES.queueDepth)).toBe(0);
    const batch = executor.execute(
      Array.from({ length: 5 }, (_, i) => ({ id: `c${i}`, name: "held", args: {} })),
    );
    await vi.waitFor(() => expect(executor.stats().running).toBe(2));
    expect(await valueOf(registry, METRIC_NAMES.inFlight, { tool: "held" })).toBe(2);
    expect(await valueOf(registry, METRIC_NAMES.queueDepth)).toBe(3);
    open();
    await batch;
    expect(await valueOf(registry, METRIC_NAMES.inFlight, { tool: "held" })).toBe(0);
    expect(await valueOf(registry, METRIC_NAMES.queueDepth)).toBe(0);
  });

  it("renders Prometheus text with the documented names", async () => {
    const registry = new Registry();
    const executor = createExecutor({ tools: [echo] });
    attachMetrics(executor, { registry });
    await executor.execute([{ id: "a", name: "echo", args: {} }]);
    const text = await registry.metrics();
    for (const name of Object.values(METRIC_NAMES)) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('volley_calls_total{tool="echo",status="ok",kind="none"} 1');
    expect(text).toContain('volley_calls_in_flight{tool="echo"} 0');
    expect(text).toContain("volley_queue_depth 0");
  });

  it("lets two executors share a registry, adding up without an executor label", async () => {
    const registry = new Registry();
    const one = createExecutor({ tools: [echo] });
    const two = createExecutor({ tools: [echo] });
    attachMetrics(one, { registry });
    expect(() => attachMetrics(two, { registry })).not.toThrow();
    await Promise.all([
      one.execute([{ id: "a", name: "echo", args: {} }]),
      two.execute([{ id: "a", name: "echo", args: {} }]),
    ]);
    expect(await valueOf(registry, METRIC_NAMES.calls, { tool: "echo" })).toBe(2);
  });

  it("tells executors apart with executorName", async () => {
    const registry = new Registry();
    const one = createExecutor({ tools: [echo] });
    const two = createExecutor({ tools: [echo] });
    attachMetrics(one, { registry, executorName: "one" });
    attachMetrics(two, { registry, executorName: "two" });
    await one.execute([{ id: "a", name: "echo", args: {} }]);
    await two.execute([
      { id: "a", name: "echo", args: {} },
      { id: "b", name: "echo", args: {} },
    ]);
    const calls = METRIC_NAMES.calls;
    expect(await valueOf(registry, calls, { executor: "one" })).toBe(1);
    expect(await valueOf(registry, calls, { executor: "two" })).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain('volley_queue_depth{executor="one"} 0');
    expect(text).toContain('volley_calls_in_flight{tool="echo",executor="two"} 0');
    expect(() => attachMetrics(createExecutor({ tools: [echo] }), { registry })).toThrow(
      /executorName/,
    );
  });

  it("stops recording after detach, and may attach again", async () => {
    const registry = new Registry();
    const executor = createExecutor({ tools: [echo] });
    const handle = attachMetrics(executor, { registry, executorName: "x" });
    expect(() => attachMetrics(executor, { registry, executorName: "x" })).toThrow(
      /already has metrics/,
    );
    handle.detach();
    handle.detach();
    await executor.execute([{ id: "a", name: "echo", args: {} }]);
    expect(await valueOf(registry, METRIC_NAMES.calls)).toBeUndefined();
    expect(await registry.metrics()).not.toContain('volley_queue_depth{executor="x"}');
    {
      using _again = attachMetrics(executor, { registry, executorName: "x" });
      await executor.execute([{ id: "a", name: "echo", args: {} }]);
    }
    await executor.execute([{ id: "b", name: "echo", args: {} }]);
    expect(await valueOf(registry, METRIC_NAMES.calls, { executor: "x" })).toBe(1);
  });

  it("registers afresh after registry.clear()", async () => {
    const registry = new Registry();
    const executor = createExecutor({ tools: [echo] });
    attachMetrics(executor, { registry }).detach();
    registry.clear();
    attachMetrics(executor, { registry });
    await executor.execute([{ id: "a", name: "echo", args: {} }]);
    expect(await valueOf(registry, METRIC_NAMES.calls, { tool: "echo" })).toBe(1);
  });

  it("uses the global registry by default", async () => {
    const { register } = await import("prom-client");
    const executor = createExecutor({ tools: [echo] });
    const handle = attachMetrics(executor);
    expect(handle.registry).toBe(register);
    handle.detach();
  });

  it("rejects bad options and foreign metrics with a TypeError", () => {
    const executor = createExecutor({ tools: [echo] });
    expect(() => attachMetrics({} as never)).toThrow(TypeError);
    expect(() => attachMetrics(executor, { registry: {} as never })).toThrow(/Registry/);
    expect(() => attachMetrics(executor, { registry: new Registry(), executorName: "" })).toThrow(
      /executorName/,
    );
    expect(() => attachMetrics(executor, { registry: new Registry(), buckets: [1, 0.5] })).toThrow(
      /ascending/,
    );
    const registry = new Registry();
    registry.registerMetric(
      new (class {
        name = "volley_calls_total";
      })() as never,
    );
    expect(() => attachMetrics(executor, { registry })).toThrow(/did not create/);
  });
});
