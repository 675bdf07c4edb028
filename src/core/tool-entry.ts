import type { Backend } from "./backend.js";
import type { CallState } from "./call-state.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import { DedupeTable } from "./dedupe.js";
import type { LatencyEstimate } from "./latency-estimator.js";
import type { TokenBucket } from "./rate-limiter.js";
import type { Recovery } from "./recovery.js";
import { SequenceLock } from "./sequential-groups.js";
import type { Policy } from "./policy.js";
import { resolveRetryPolicy, type ResolvedRetryPolicy, type RetryPolicy } from "./retry.js";
import { makeValidator, type ArgsValidator } from "./schema.js";
import { isLangChainTool, isVolleyTool, type AnyTool, type ToolContext } from "./tool.js";
import { describeValue } from "./validate-options.js";

/** Calls of tools without a limit of their own share this lane: it is always open. */
export const OPEN_LANE: object = Object.freeze({ lane: "open" });

/** The executor's defaults that a tool inherits. */
export interface ToolDefaults {
  readonly timeoutMs: number;
  readonly retry: RetryPolicy | false | undefined;
  readonly priority: number;
  /** Policies by tool name, over the tools' own (the executor's `policies` option). */
  readonly policies?: Readonly<Record<string, Policy>> | undefined;
}

/** A registered tool, with its policy resolved once and its live counters. */
export class ToolEntry implements LatencyEstimate {
  /** The tool's policy: its own, with the executor's `policies` entry for it on top. */
  readonly policy: Policy;
  readonly name: string;
  readonly validate: ArgsValidator | null;
  readonly invoke: (args: unknown, ctx: ToolContext) => unknown;
  readonly timeoutMs: number;
  readonly retry: ResolvedRetryPolicy | null;
  readonly concurrency: number;
  readonly priority: number;
  /** Declared, or learned from observed durations when `learnsLatency`. */
  expectedMs: number;
  readonly learnsLatency: boolean;
  latencyEwmaMs = 0;
  latencySamples = 0;
  readonly lane: object;
  // Batch-processing features (batching-policy.ts): null when off. batching-features.ts makes
  // the bucket and the breaker, which need the executor's clock.
  bucket: TokenBucket | null = null;
  breaker: CircuitBreaker | null = null;
  readonly dedupe: DedupeTable<CallState> | null;
  readonly exclusive: SequenceLock<CallState> | null;
  readonly onTimeout: Recovery | null;
  readonly onError: Recovery | null;
  /** Calls of this tool that failed and were recovered. */
  recovered = 0;
  /** True when admission must look at a feature (dedupe, exclusive, breaker). */
  special = false;
  /**
   * True for a LangChain tool run inline: it parses its input itself, so it gets the arguments as
   * given (checked by Volley first), not as parsed.
   */
  readonly parsesOwnArgs: boolean;
  /** Where attempts run: `"inline"` or a backend's isolation name. */
  readonly isolation: string;
  queued = 0;
  running = 0;
  finished = 0;
  ok = 0;
  failed = 0;

  constructor(
    tool: AnyTool,
    defaults: ToolDefaults,
    backends: ReadonlyMap<string, Backend>,
    backend: Backend | undefined,
  ) {
    const own: Policy = isVolleyTool(tool) ? tool : {};
    const extra = defaults.policies?.[tool.name];
    const policy: Policy = extra === undefined ? own : { ...own, ...extra };
    this.policy = policy;
    this.name = tool.name;
    this.timeoutMs = policy.timeoutMs ?? defaults.timeoutMs;
    this.retry = resolveRetryPolicy(policy.retry ?? defaults.retry, `tool "${tool.name}".retry`);
    this.concurrency = policy.concurrency ?? Number.POSITIVE_INFINITY;
    this.priority = policy.priority ?? defaults.priority;
    this.expectedMs = policy.expectedMs ?? 0;
    this.learnsLatency = policy.expectedMs === undefined;
    // A tool with a limit, a rate limit or a breaker gets a lane of its own, which it may close.
    this.lane =
      Number.isFinite(this.concurrency) ||
      policy.rateLimit !== undefined ||
      policy.circuitBreaker !== undefined
        ? this
        : OPEN_LANE;
    this.dedupe = policy.idempotent ? new DedupeTable<CallState>(policy.idempotent) : null;
    this.exclusive = policy.exclusive ? new SequenceLock<CallState>(`tool:${tool.name}`) : null;
    this.onTimeout = policy.onTimeout ?? null;
    this.onError = policy.onError ?? null;
    this.validate = makeValidator(tool.schema);
    const isolation = isVolleyTool(tool) ? (tool.isolation ?? "inline") : "inline";
    this.isolation = isolation;
    const remote = backend ?? (isolation === "inline" ? undefined : backends.get(isolation));
    if (isolation !== "inline" && remote === undefined) {
      throw new TypeError(
        `Tool "${tool.name}" has isolation "${isolation}", but the executor has no backend for it: pass backends: { ${JSON.stringify(isolation)}: … } to createExecutor (threadBackend() from "volley/threads" for "worker")`,
      );
    }
    // A backend that parses on its side gets the arguments as given: parsed values (a class
    // instance from a transform) would not survive the crossing.
    this.parsesOwnArgs =
      remote !== undefined
        ? remote.parsesArgs === true
        : !isVolleyTool(tool) && isLangChainTool(tool);
    if (remote !== undefined) {
      const name = tool.name;
      const module = isVolleyTool(tool) ? tool.module : undefined;
      this.invoke = (args, ctx) =>
        remote.run(
          {
            tool: name,
            module,
            args,
            callId: ctx.callId,
            batchId: ctx.batchId,
            attempt: ctx.attempt,
            deadline: ctx.deadline,
            idempotencyKey: ctx.idempotencyKey,
          },
          ctx.signal,
        );
    } else if (isVolleyTool(tool)) {
      const run = tool.run as (args: unknown, ctx: ToolContext) => unknown;
      this.invoke = run;
    } else if (isLangChainTool(tool)) {
      const lc = tool as unknown as {
        invoke(input: unknown, config: { signal: AbortSignal }): Promise<unknown>;
      };
      this.invoke = (args, ctx) => lc.invoke(args, { signal: ctx.signal });
    } else {
      throw new TypeError(
        `Expected a tool made by defineTool() or a @langchain/core tool, got ${describeValue(tool)}`,
      );
    }
  }
}

/** Reads the executor's `tools` option into entries, refusing duplicates and non-tools. */
export function registerTools(
  tools: readonly unknown[],
  defaults: ToolDefaults,
  backends: ReadonlyMap<string, Backend>,
  backend: Backend | undefined,
): Map<string, ToolEntry> {
  if (!Array.isArray(tools)) {
    throw new TypeError(`Expected tools to be an array of tools, got ${describeValue(tools)}`);
  }
  const entries = new Map<string, ToolEntry>();
  tools.forEach((tool, i) => {
    if (!isVolleyTool(tool) && !isLangChainTool(tool)) {
      throw new TypeError(
        `Expected tools[${i}] to be a tool made by defineTool() or a @langchain/core tool, got ${describeValue(tool)}`,
      );
    }
    if (entries.has(tool.name)) {
      throw new TypeError(
        `Two tools are named "${tool.name}" (tools[${i}] repeats an earlier name): tool names must be unique`,
      );
    }
    entries.set(tool.name, new ToolEntry(tool as AnyTool, defaults, backends, backend));
  });
  return entries;
}
