import type { Backend } from "../backend.js";
import type { FeatureCall, FeatureTool } from "../features/feature.js";
import type { Policy } from "../policy.js";
import { resolveRetryPolicy, type ResolvedRetryPolicy, type RetryPolicy } from "../retry.js";
import { makeValidator, type ArgsValidator } from "../schema.js";
import { isLangChainTool, isVolleyTool, type AnyTool, type ToolContext } from "../tool.js";
import { describeValue } from "../describe-value.js";
import { AttemptContext } from "./attempt-context.js";
import type { BackendSlots } from "./backend-slots.js";
import type { FeatureSet, HookSet, ToolPlan } from "./feature-set.js";

/** The lane of calls whose tool has no gate of its own: it is always open. */
export const OPEN_LANE: object = Object.freeze({ lane: "open" });

/** A gate the queue asks about before it starts a call (see `QueueEntry.lane`). */
export interface Lane {
  isOpen(): boolean;
}

/** The executor's defaults that a tool inherits. */
export interface ToolDefaults {
  readonly timeoutMs: number;
  readonly retry: RetryPolicy | false | undefined;
  readonly priority: number;
  /** Policies by tool name, over the tools' own (the executor's `policies` option). */
  readonly policies?: Readonly<Record<string, Policy>> | undefined;
}

/** A tool's live counters. The settle point alone writes the outcome counters. */
export class ToolCounters {
  queued = 0;
  running = 0;
  finished = 0;
  ok = 0;
  failed = 0;
  /** Calls that failed and were recovered. */
  recovered = 0;
}

/** Where a tool's attempts run: `backend` (or inline when `undefined`), in `slots`. */
export interface ToolPlacement {
  readonly backend: Backend | undefined;
  readonly slots: BackendSlots | null;
}

/** A registered tool: its policy resolved once, its features' hooks, its counters. */
export class ToolEntry<C extends FeatureCall> implements FeatureTool, Lane {
  /** The tool's policy: its own, with the executor's `policies` entry for it on top. */
  readonly policy: Policy;
  readonly name: string;
  readonly validate: ArgsValidator | null;
  readonly invoke: (args: unknown, ctx: ToolContext) => unknown;
  readonly timeoutMs: number;
  /** Longest an attempt may go without progress (ms); `Infinity` when off. */
  readonly idleTimeoutMs: number;
  readonly retry: ResolvedRetryPolicy | null;
  /** The longest timeout a call may ask for itself (ms). */
  readonly maxTimeoutMs: number;
  /** The most attempts a call's own retry policy may ask for. */
  readonly maxAttempts: number;
  readonly concurrency: number;
  readonly priority: number;
  /** Declared, or learned by the latency feature. */
  expectedMs: number;
  /**
   * True for a tool that parses its input itself (a LangChain tool run inline, or a backend that
   * says so): it gets the arguments as given, checked by Volley first, not as parsed.
   */
  readonly parsesOwnArgs: boolean;
  /** The slots of the backend pool its attempts run in, or `null` (inline, or unbounded). */
  readonly slots: BackendSlots | null;
  /** The features' hooks for its calls. */
  readonly hooks: HookSet<C>;
  /** What its queued calls wait behind: itself when it has a gate, else the open lane. */
  readonly lane: object;
  readonly counters = new ToolCounters();
  readonly #plan: ToolPlan<C>;

  constructor(
    tool: AnyTool,
    defaults: ToolDefaults,
    placement: ToolPlacement,
    features: FeatureSet<C>,
  ) {
    const own: Policy = isVolleyTool(tool) ? tool : {};
    const extra = defaults.policies?.[tool.name];
    const policy: Policy = extra === undefined ? own : { ...own, ...extra };
    this.policy = policy;
    this.name = tool.name;
    this.timeoutMs = policy.timeoutMs ?? defaults.timeoutMs;
    // A backend's tool reports its progress where it runs, so its idle timer runs there too,
    // unless the backend hands the reports back here and leaves the timer to this executor (a
    // BullMQ worker's executor applies it itself).
    const backend = placement.backend;
    this.idleTimeoutMs =
      backend === undefined ||
      (backend.forwardsProgress === true && backend.appliesIdleTimeouts !== true)
        ? (policy.idleTimeoutMs ?? Number.POSITIVE_INFINITY)
        : Number.POSITIVE_INFINITY;
    this.retry = resolveRetryPolicy(policy.retry ?? defaults.retry, `tool "${tool.name}".retry`);
    this.maxTimeoutMs = policy.maxTimeoutMs ?? this.timeoutMs;
    this.maxAttempts = policy.maxAttempts ?? this.retry?.maxAttempts ?? 1;
    this.concurrency = policy.concurrency ?? Number.POSITIVE_INFINITY;
    this.priority = policy.priority ?? defaults.priority;
    this.expectedMs = policy.expectedMs ?? 0;
    this.validate = makeValidator(tool.schema);
    this.slots = placement.slots;
    // A backend that parses on its side gets the arguments as given: parsed values (a class
    // instance from a transform) would not survive the crossing.
    this.parsesOwnArgs =
      backend !== undefined
        ? backend.parsesArgs === true
        : !isVolleyTool(tool) && isLangChainTool(tool);
    this.invoke = invokerOf(tool, backend);
    this.#plan = features.planFor(this, policy);
    this.hooks = this.#plan.hooks;
    this.lane =
      Number.isFinite(this.concurrency) || this.slots !== null || this.hooks.gated
        ? this
        : OPEN_LANE;
  }

  /**
   * A call's own retry policy, within this tool's bounds: no more attempts than `maxAttempts`,
   * and no shorter first wait than the tool's own.
   */
  boundRetry(own: ResolvedRetryPolicy | null): ResolvedRetryPolicy | null {
    if (own === null) return null;
    const maxAttempts = Math.min(own.maxAttempts, this.maxAttempts);
    if (maxAttempts <= 1) return null;
    const floor = this.retry?.initialInterval ?? 0;
    if (maxAttempts === own.maxAttempts && own.initialInterval >= floor) return own;
    return Object.freeze({
      ...own,
      maxAttempts,
      initialInterval: Math.max(own.initialInterval, floor),
    });
  }

  /** Calls of this tool waiting in the queue now. */
  get queued(): number {
    return this.counters.queued;
  }

  /** The hooks for its calls that name a sequential group, made on first use. */
  groupedHooks(): HookSet<C> {
    return this.#plan.grouped();
  }

  /** Whether one more of its calls may start now: its limit, its backend's slots, its gates. */
  isOpen(): boolean {
    if (this.counters.running >= this.concurrency) return false;
    const slots = this.slots;
    if (slots !== null && slots.running >= slots.size) return false;
    const gates = this.hooks.open;
    if (gates !== null) for (const gate of gates) if (!gate.open!()) return false;
    return true;
  }
}

/** How an attempt of `tool` is run: on its backend, or inline. */
function invokerOf(
  tool: AnyTool,
  backend: Backend | undefined,
): (args: unknown, ctx: ToolContext) => unknown {
  if (backend !== undefined) {
    const name = tool.name;
    const module = isVolleyTool(tool) ? tool.module : undefined;
    const forwards = backend.forwardsProgress === true;
    return (args, ctx) =>
      backend.run(
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
        // The attempt's own context, only when something hears it: the backend then makes its
        // channel back, and nothing is made per attempt when nothing listens.
        forwards && hearsProgress(ctx) ? ctx : undefined,
      );
  }
  if (isVolleyTool(tool)) return tool.run as (args: unknown, ctx: ToolContext) => unknown;
  if (isLangChainTool(tool)) {
    const lc = tool as unknown as {
      invoke(input: unknown, config: { signal: AbortSignal }): Promise<unknown>;
    };
    return (args, ctx) => lc.invoke(args, { signal: ctx.signal });
  }
  throw new TypeError(
    `Expected a tool made by defineTool() or a @langchain/core tool, got ${describeValue(tool)}`,
  );
}

/** Whether anything hears `ctx.progress()`: the idle timer or a `call:progress` listener. */
function hearsProgress(ctx: ToolContext): boolean {
  return ctx instanceof AttemptContext ? AttemptContext.wantsProgress(ctx) : true;
}
