import type { Counter, Histogram, Registry } from "prom-client";
import type { Executor } from "../core/index.js";
import { METRIC_NAMES } from "./metric-names.js";
import { promClient } from "./prom-client.js";

/** An executor whose live gauges are read at scrape time. */
export interface GaugeSource {
  /** The `executor` label value, when the set is labelled. */
  readonly executorName: string | undefined;
  readonly executor: Pick<Executor, "stats">;
}

/**
 * The Volley metrics of one registry, shared by every executor attached to it, so that a second
 * executor reuses them instead of failing on a duplicate registration.
 */
export interface MetricSet {
  /** Whether every series carries an `executor` label. */
  readonly labelled: boolean;
  readonly calls: Counter<string>;
  readonly callDuration: Histogram<string>;
  readonly retries: Counter<string>;
  readonly abandoned: Counter<string>;
  readonly batchDuration: Histogram<string>;
  /** The executors whose `stats()` feed the gauges. */
  readonly sources: Set<GaugeSource>;
  /** Add each executor's locally kept counts to the counters; run before the counters are read. */
  readonly flushers: Set<() => void>;
}

const sets = new WeakMap<Registry, MetricSet>();

/**
 * The registry's metric set, created on first use.
 * @throws TypeError when the registry already holds a Volley metric name that this module did not
 * create, or when `labelled` disagrees with the set already there.
 */
export function metricSetOf(
  registry: Registry,
  labelled: boolean,
  buckets: readonly number[],
): MetricSet {
  let existing = sets.get(registry);
  // After registry.clear() the set is stale: make a fresh one.
  if (existing !== undefined && registry.getSingleMetric(METRIC_NAMES.calls) !== existing.calls) {
    sets.delete(registry);
    existing = undefined;
  }
  if (existing !== undefined) {
    if (existing.labelled !== labelled) {
      throw new TypeError(
        existing.labelled
          ? "Volley metrics on this registry carry an executor label: pass executorName to every attachMetrics() on it"
          : "Volley metrics on this registry have no executor label: attach every executor on it without executorName, or use another registry",
      );
    }
    return existing;
  }
  for (const name of Object.values(METRIC_NAMES)) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw new TypeError(
        `The registry already has a metric named "${name}" that attachMetrics() did not create (another copy of volley/metrics?); remove it or pass another registry`,
      );
    }
  }
  const extra = labelled ? ["executor"] : [];
  const registers = [registry];
  const sources = new Set<GaugeSource>();
  const flushers = new Set<() => void>();
  const flush = (): void => {
    for (const f of flushers) f();
  };
  const set: MetricSet = {
    labelled,
    calls: new promClient.Counter({
      name: METRIC_NAMES.calls,
      help: "Tool calls that ended, by tool, status (ok or error) and error kind (none when ok).",
      labelNames: ["tool", "status", "kind", ...extra],
      registers,
      collect: flush,
    }),
    callDuration: new promClient.Histogram({
      name: METRIC_NAMES.callDuration,
      help: "Time from a call's first attempt to its outcome, retries included, in seconds.",
      labelNames: ["tool", "status", ...extra],
      buckets: [...buckets],
      registers,
    }),
    retries: new promClient.Counter({
      name: METRIC_NAMES.retries,
      help: "Failed attempts that will be retried, by tool.",
      labelNames: ["tool", ...extra],
      registers,
      collect: flush,
    }),
    abandoned: new promClient.Counter({
      name: METRIC_NAMES.abandoned,
      help: "Attempts that settled after a timeout, deadline or cancel without honouring their abort signal, by tool.",
      labelNames: ["tool", ...extra],
      registers,
      collect: flush,
    }),
    batchDuration: new promClient.Histogram({
      name: METRIC_NAMES.batchDuration,
      help: "Time from execute() to a batch's last outcome, in seconds.",
      labelNames: extra,
      buckets: [...buckets],
      registers,
    }),
    sources,
    flushers,
  };
  // Live gauges read the executors' own counters at scrape time: exact, and free between scrapes.
  new promClient.Gauge({
    name: METRIC_NAMES.inFlight,
    help: "Attempts running now, by tool.",
    labelNames: ["tool", ...extra],
    registers,
    collect() {
      this.reset();
      for (const source of sources) {
        for (const [tool, t] of Object.entries(source.executor.stats().tools)) {
          this.inc(
            source.executorName === undefined ? { tool } : { tool, executor: source.executorName },
            t.running,
          );
        }
      }
    },
  });
  new promClient.Gauge({
    name: METRIC_NAMES.queueDepth,
    help: "Calls waiting for a slot now.",
    labelNames: extra,
    registers,
    collect() {
      this.reset();
      for (const source of sources) {
        const queued = source.executor.stats().queued;
        if (source.executorName === undefined) this.inc(queued);
        else this.inc({ executor: source.executorName }, queued);
      }
    },
  });
  sets.set(registry, set);
  return set;
}
