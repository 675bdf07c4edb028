import type { FeatureCall } from "../features/feature.js";
import type { ToolStats } from "../stats.js";
import type { ToolEntry } from "./tool-entry.js";

/** A tool's counters as `stats()` reports them: a snapshot, so later calls do not change it. */
export function toolStats(tool: ToolEntry<FeatureCall>): ToolStats {
  const c = tool.counters;
  return {
    queued: c.queued,
    running: c.running,
    finished: c.finished,
    ok: c.ok,
    failed: c.failed,
    concurrency: tool.concurrency,
    expectedMs: tool.expectedMs,
    latencyMs: 0,
    recovered: c.recovered,
    ...tool.hooks.stats(),
  };
}
