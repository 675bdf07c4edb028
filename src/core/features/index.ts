/**
 * The registry of the scheduling features: the one place that knows them all. Their order is
 * the order their hooks run in: a call is refused by an open circuit before it joins its
 * sequential group, and waits for its group before it looks for an identical call in flight; a
 * breaker refuses an attempt before a rate limit spends a token on it, and an upstream's shared
 * slot is taken last. Approvals come first of
 * the per-call hooks: a call waiting for a reviewer holds no group's turn and no duplicate's
 * place, and the features after it see it once, when it may run. A new feature is a file of this
 * folder and a line here.
 */
import type { EventHub } from "../events.js";
import type { ExecutorOptions } from "../options.js";
import type { QueueEntry } from "../queue.js";
import { isLangChainTool, isVolleyTool } from "../tool.js";
import { approvals } from "./approvals/index.js";
import { resolveApproval, type ApprovalPolicy } from "./approvals/options.js";
import { batchLimits } from "./batch-limits.js";
import { circuitBreakers } from "./circuit-breaker/index.js";
import { dedupe } from "./dedupe.js";
import type { FairEntry } from "./fairness/fair-queue.js";
import { fairness } from "./fairness/index.js";
import type { FeatureCall, FeatureFactory } from "./feature.js";
import { latencyEstimates } from "./latency.js";
import { rateLimits } from "./rate-limit.js";
import { recovery } from "./recovery.js";
import { sequentialGroups } from "./sequential-groups.js";
import { upstreams } from "./upstream.js";

/** The features of an executor made with `options`, whose global limit is `concurrency`. */
export function featureFactories<C extends FeatureCall & QueueEntry & FairEntry>(
  options: ExecutorOptions,
  concurrency: number,
  events: EventHub,
): FeatureFactory<C>[] {
  const tools: readonly unknown[] = Array.isArray(options.tools) ? options.tools : [];
  const isTool = (name: string): boolean =>
    tools.some((t) => (isVolleyTool(t) || isLangChainTool(t)) && t.name === name);
  return [
    batchLimits<C>(options, concurrency),
    fairness<C>(options.queue),
    approvals<C>(toolsUseApprovals(tools, options.policies)),
    circuitBreakers<C>((tool, snapshot, at) => {
      if (events.has("circuit:state")) events.emit("circuit:state", { tool, ...snapshot, at });
    }),
    sequentialGroups<C>,
    dedupe<C>,
    rateLimits<C>,
    // The last feature with a `start` hook: the upstream's slot is taken once nothing can refuse.
    upstreams<C>((upstream, snapshot, at) => {
      if (events.has("circuit:state"))
        events.emit("circuit:state", { tool: upstream, upstream, ...snapshot, at });
    }),
    recovery<C>(isTool),
    latencyEstimates<C>,
  ];
}

/** True when some tool, or some `policies` entry, sets `needsApproval` to something but `false`. */
export function toolsUseApprovals(
  tools: readonly unknown[],
  policies: Readonly<Record<string, ApprovalPolicy>> | undefined,
): boolean {
  const sets = (policy: ApprovalPolicy): boolean => {
    try {
      return resolveApproval(policy.needsApproval) !== undefined;
    } catch {
      return false; // a bad value is refused as the tools register
    }
  };
  if (tools.some((t) => isVolleyTool(t) && sets(t as ApprovalPolicy))) return true;
  return Object.values(policies ?? {}).some((p) => typeof p === "object" && p !== null && sets(p));
}
