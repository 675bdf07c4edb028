import type { Executor } from "../core/index.js";
import { describeValue } from "../core/describe-value.js";
import { assertKnownKeys, optionKeys } from "../core/validate-options.js";
import { DEFAULT_DURATION_BUCKETS, UNKNOWN_TOOL } from "./metric-names.js";
import type { MetricsHandle, MetricsOptions } from "./metrics-options.js";
import { metricSetOf, type GaugeSource } from "./metric-set.js";
import { promClient } from "./prom-client.js";
import { PendingCounter } from "./pending-counter.js";

/** What {@link attachMetrics} needs of an executor. */
export type MetricsTarget = Pick<Executor, "on" | "stats">;

/** The keys of {@link MetricsOptions}. */
const METRICS_OPTION_KEYS = optionKeys<MetricsOptions>()(["registry", "executorName", "buckets"]);

interface HistogramChild {
  observe(value: number): void;
}

/**
 * Records an executor's events as Prometheus metrics (prom-client): `volley_calls_total`,
 * `volley_call_duration_seconds`, `volley_calls_in_flight`, `volley_queue_depth`,
 * `volley_retries_total`, `volley_calls_abandoned_total`, `volley_batch_duration_seconds`.
 * Listens to events only; the live gauges read `executor.stats()` when scraped.
 * @throws TypeError for a bad option, an executor already attached to the registry, or a
 * registry holding a foreign metric of the same name.
 * @example
 * const { registry, detach } = attachMetrics(executor, { registry: new Registry() });
 * res.setHeader("content-type", registry.contentType).end(await registry.metrics());
 */
export function attachMetrics(
  executor: MetricsTarget,
  options: MetricsOptions = {},
): MetricsHandle {
  if (
    typeof executor !== "object" ||
    executor === null ||
    typeof executor.on !== "function" ||
    typeof executor.stats !== "function"
  ) {
    throw new TypeError(
      `Expected an executor with on() and stats(), got ${describeValue(executor)}`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected metrics options to be an object, got ${describeValue(options)}`);
  }
  assertKnownKeys("attachMetrics", options, METRICS_OPTION_KEYS);
  const { executorName, buckets = DEFAULT_DURATION_BUCKETS } = options;
  const registry = options.registry ?? promClient.register;
  if (
    typeof registry !== "object" ||
    registry === null ||
    typeof registry.getSingleMetric !== "function"
  ) {
    throw new TypeError(
      `Expected registry to be a prom-client Registry, got ${describeValue(registry)}`,
    );
  }
  if (executorName !== undefined && (typeof executorName !== "string" || executorName === "")) {
    throw new TypeError(
      `Expected executorName to be a non-empty string, got ${describeValue(executorName)}`,
    );
  }
  if (
    !Array.isArray(buckets) ||
    buckets.length === 0 ||
    buckets.some((b, i) => !Number.isFinite(b) || b <= 0 || (i > 0 && b <= buckets[i - 1]!))
  ) {
    throw new TypeError(
      `Expected buckets to be ascending positive numbers of seconds, got ${describeValue(buckets)}`,
    );
  }

  // A model may name tools that do not exist: label those alike, so that made-up names cannot
  // grow the number of series without bound.
  const known = new Set(Object.keys(executor.stats().tools));
  const set = metricSetOf(registry, executorName !== undefined, buckets);
  for (const source of set.sources) {
    if (source.executor === executor) {
      throw new TypeError("This executor already has metrics attached to this registry");
    }
  }
  const source: GaugeSource = { executorName, executor };
  set.sources.add(source);

  // Label objects built once per series, not once per call.
  const extra = executorName === undefined ? {} : { executor: executorName };
  const calls = new PendingCounter(set.calls);
  const retries = new PendingCounter(set.retries);
  const abandoned = new PendingCounter(set.abandoned);
  const flush = (): void => {
    calls.flush();
    retries.flush();
    abandoned.flush();
  };
  set.flushers.add(flush);
  const durations = new Map<string, HistogramChild>();
  const batchDuration = set.batchDuration.labels(extra);

  const unsubscribe = [
    executor.on("call:finished", ({ tool: name, outcome }) => {
      const tool = known.has(name) ? name : UNKNOWN_TOOL;
      const status = outcome.status;
      const kind = status === "ok" ? "none" : outcome.error.kind;
      calls.series(`${tool}\0${status}\0${kind}`, () => ({ tool, status, kind, ...extra })).n++;
      // A call that never ran, or whose outcome came back from a journal, spent no time here.
      if (outcome.startedAt === null || outcome.replayed === true) return;
      const durationKey = `${tool}\0${status}`;
      let histogram = durations.get(durationKey);
      if (histogram === undefined) {
        histogram = set.callDuration.labels({ tool, status, ...extra });
        durations.set(durationKey, histogram);
      }
      histogram.observe(outcome.durationMs / 1000);
    }),
    executor.on("call:retry", ({ tool }) => {
      retries.series(tool, () => ({ tool, ...extra })).n++;
    }),
    executor.on("call:abandoned", ({ tool }) => {
      abandoned.series(tool, () => ({ tool, ...extra })).n++;
    }),
    executor.on("batch:finished", ({ wallMs }) => batchDuration.observe(wallMs / 1000)),
  ];

  let attached = true;
  const detach = (): void => {
    if (!attached) return;
    attached = false;
    for (const off of unsubscribe) off();
    flush();
    set.flushers.delete(flush);
    set.sources.delete(source);
  };
  return { registry, detach, [Symbol.dispose]: detach };
}
