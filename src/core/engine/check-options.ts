/**
 * The checks of the executor's options and of `execute()`'s arguments, run once per executor and
 * once per batch: a bad one throws a `TypeError` that names it and says what was given.
 */
import type { Backend } from "../backend.js";
import type { CallOverrides } from "../call.js";
import type { FeatureCall } from "../features/feature.js";
import { assertBatchLimits } from "../features/batch-limits.js";
import { assertFairnessOptions } from "../features/fairness/fair-queue.js";
import type { CloseOptions, ExecuteOptions, ExecutorOptions } from "../options.js";
import { EXECUTOR_DEFAULTS, type Policy } from "../policy.js";
import { resolveRetryPolicy, type ResolvedRetryPolicy } from "../retry.js";
import { assertPolicy, isLangChainTool, isVolleyTool, POLICY_KEYS, type AnyTool } from "../tool.js";
import { describeValue } from "../describe-value.js";
import {
  assertCount,
  assertDuration,
  assertFiniteNumber,
  assertKnownKeys,
  optionKeys,
  optional,
} from "../validate-options.js";
import { BackendSlotTable } from "./backend-slots.js";
import type { FeatureSet } from "./feature-set.js";
import { ToolEntry, type ToolDefaults } from "./tool-entry.js";

/** The executor's options, checked; the tools are registered later, with the features. */
export interface ExecutorSettings {
  /** The global limit. */
  readonly concurrency: number;
  /** What the tools inherit. */
  readonly defaults: ToolDefaults;
  /** Backends by isolation name. */
  readonly backends: ReadonlyMap<string, Backend>;
  /** The backend of every tool (`backend`), if any. */
  readonly backend: Backend | undefined;
  /** Every distinct backend, to close with the executor. */
  readonly allBackends: readonly Backend[];
  /** Longest a journal write may take before its outcome is delivered without it (ms). */
  readonly journalTimeoutMs: number;
}

/**
 * Checks {@link ExecutorOptions}, but for the tools themselves ({@link registerTools}).
 * @throws TypeError for a bad option, naming it.
 */
export function resolveExecutorOptions(
  options: ExecutorOptions<readonly AnyTool[]>,
): ExecutorSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Expected executor options with a tools array, got ${describeValue(options)}`,
    );
  }
  assertKnownKeys("createExecutor", options, EXECUTOR_OPTION_KEYS);
  const concurrency = options.concurrency ?? EXECUTOR_DEFAULTS.concurrency;
  const timeoutMs = options.timeoutMs ?? EXECUTOR_DEFAULTS.timeoutMs;
  assertCount("concurrency", concurrency);
  assertDuration("timeoutMs", timeoutMs, { min: 1 });
  optional(options.priority, (v) => assertFiniteNumber("priority", v));
  resolveRetryPolicy(options.retry, "retry");
  assertBatchLimits(options);
  const backends = new Map<string, Backend>();
  for (const [name, backend] of Object.entries(options.backends ?? {})) {
    assertBackend(`backends.${name}`, backend);
    backends.set(name, backend);
  }
  optional(options.backend, (b) => assertBackend("backend", b));
  if (
    options.journal !== undefined &&
    (typeof options.journal.load !== "function" || typeof options.journal.record !== "function")
  ) {
    throw new TypeError(
      `Expected journal to have load() and record(), got ${describeValue(options.journal)}`,
    );
  }
  const policies = checkPolicies(options.policies);
  const journalTimeoutMs = options.journalTimeoutMs ?? EXECUTOR_DEFAULTS.journalTimeoutMs;
  assertDuration("journalTimeoutMs", journalTimeoutMs, { min: 1 });
  return {
    journalTimeoutMs,
    concurrency,
    defaults: { timeoutMs, retry: options.retry, priority: options.priority ?? 0, policies },
    backends,
    backend: options.backend,
    allBackends: [
      ...new Set([...backends.values(), ...(options.backend ? [options.backend] : [])]),
    ],
  };
}

/**
 * Reads the executor's `tools` option into entries, each with its features' hooks and its
 * backend's slots.
 * @throws TypeError for a non-tool, two tools with the same name, a tool whose isolation has no
 * backend, or a `policies` entry that names no tool.
 */
export function registerTools<C extends FeatureCall>(
  tools: readonly unknown[],
  settings: ExecutorSettings,
  features: FeatureSet<C>,
): Map<string, ToolEntry<C>> {
  if (!Array.isArray(tools)) {
    throw new TypeError(`Expected tools to be an array of tools, got ${describeValue(tools)}`);
  }
  const slots = new BackendSlotTable();
  const entries = new Map<string, ToolEntry<C>>();
  const placed: [Backend, AnyTool][] = [];
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
    const backend = backendOf(tool as AnyTool, settings);
    if (backend !== undefined) placed.push([backend, tool as AnyTool]);
    const placement = {
      backend,
      slots: backend === undefined ? null : slots.slotsFor(backend, tool.name),
    };
    entries.set(
      tool.name,
      new ToolEntry<C>(tool as AnyTool, settings.defaults, placement, features),
    );
  });
  for (const name of Object.keys(settings.defaults.policies ?? {})) {
    if (!entries.has(name))
      throw new TypeError(`policies names "${name}", which is not a tool of the executor`);
  }
  // Once every check has passed: a backend hears only of the tools of an executor that exists.
  for (const [backend, tool] of placed) {
    backend.register?.({
      name: tool.name,
      module: isVolleyTool(tool) ? tool.module : undefined,
      policy: entries.get(tool.name)!.policy,
    });
  }
  return entries;
}

/** The backend a tool's attempts run on: the executor's `backend`, its isolation's, or inline. */
function backendOf(tool: AnyTool, settings: ExecutorSettings): Backend | undefined {
  if (settings.backend !== undefined) return settings.backend;
  const isolation = isVolleyTool(tool) ? (tool.isolation ?? "inline") : "inline";
  if (isolation === "inline") return undefined;
  const backend = settings.backends.get(isolation);
  if (backend === undefined) {
    throw new TypeError(
      `Tool "${tool.name}" has isolation "${isolation}", but the executor has no backend for it: pass backends: { ${JSON.stringify(isolation)}: … } to createExecutor (threadBackend() from "volley/threads" for "worker")`,
    );
  }
  return backend;
}

/** The keys of `createExecutor()`'s options. */
export const EXECUTOR_OPTION_KEYS = optionKeys<ExecutorOptions>()([
  "tools",
  "concurrency",
  "timeoutMs",
  "retry",
  "priority",
  "policies",
  "backend",
  "backends",
  "journal",
  "journalTimeoutMs",
  "queue",
  "clock",
  "onListenerError",
  "maxBatchSize",
  "overflow",
  "maxQueued",
]);

/** The keys of `execute()`'s options. */
const EXECUTE_OPTION_KEYS = optionKeys<ExecuteOptions>()([
  "signal",
  "deadlineMs",
  "collect",
  "batchId",
  "priority",
  "concurrency",
  "invoke",
  "tenant",
  "weight",
  "class",
  "approve",
]);

/** The keys of `close()`'s options. */
const CLOSE_OPTION_KEYS = optionKeys<CloseOptions>()(["cancel"]);

/** Checks `close()`'s options; returns them. */
export function checkCloseOptions(options: CloseOptions): CloseOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected close options to be an object, got ${describeValue(options)}`);
  }
  assertKnownKeys("close", options, CLOSE_OPTION_KEYS);
  if (options.cancel !== undefined && typeof options.cancel !== "boolean")
    throw new TypeError(`Expected cancel to be a boolean, got ${describeValue(options.cancel)}`);
  return options;
}

/** `execute()`'s options when it is given none: checked once, not once per batch. */
export const NO_EXECUTE_OPTIONS: ExecuteOptions = Object.freeze({});

/** Checks `execute()`'s options; returns them. */
export function checkExecuteOptions(options: ExecuteOptions): ExecuteOptions {
  if (options === NO_EXECUTE_OPTIONS) return options;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected execute options to be an object, got ${describeValue(options)}`);
  }
  assertKnownKeys("execute", options, EXECUTE_OPTION_KEYS);
  // Plain ifs rather than optional(): this runs once per batch, and batches are often one call.
  const { deadlineMs, priority, concurrency, signal, collect, invoke, batchId } = options;
  if (deadlineMs !== undefined) assertDuration("deadlineMs", deadlineMs);
  if (priority !== undefined) assertFiniteNumber("priority", priority);
  if (concurrency !== undefined) assertCount("concurrency", concurrency);
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new TypeError(`Expected signal to be an AbortSignal, got ${describeValue(signal)}`);
  if (collect !== undefined && typeof collect !== "boolean")
    throw new TypeError(`Expected collect to be a boolean, got ${describeValue(collect)}`);
  if (invoke !== undefined && typeof invoke !== "function")
    throw new TypeError(`Expected invoke to be a function, got ${describeValue(invoke)}`);
  if (options.approve !== undefined && typeof options.approve !== "function")
    throw new TypeError(
      `Expected approve to be a function (requests, ctx) => decisions, got ${describeValue(options.approve)}`,
    );
  if (options.tenant !== undefined || options.weight !== undefined || options.class !== undefined)
    assertFairnessOptions(options);
  if (batchId !== undefined && (typeof batchId !== "string" || batchId.length === 0))
    throw new TypeError(`Expected batchId to be a non-empty string, got ${describeValue(batchId)}`);
  return options;
}

/**
 * Checks a call's own policy fields, which a model may have written: returns its retry policy,
 * resolved, or `undefined` when it sets none.
 * @throws TypeError naming the bad field (the call then ends `invalid_call`).
 */
export function checkCallOverrides(
  id: string,
  overrides: Partial<CallOverrides>,
): ResolvedRetryPolicy | null | undefined {
  const retry =
    overrides.retry === undefined
      ? undefined
      : resolveRetryPolicy(overrides.retry, `call "${id}" retry`);
  optional(overrides.timeoutMs, (v) => assertDuration(`call "${id}" timeoutMs`, v, { min: 1 }));
  optional(overrides.priority, (v) => assertFiniteNumber(`call "${id}" priority`, v));
  optional(overrides.expectedMs, (v) =>
    assertDuration(`call "${id}" expectedMs`, v, { allowInfinity: false }),
  );
  optional(overrides.group, (v) => {
    if (typeof v !== "string" || v.length === 0)
      throw new TypeError(
        `Expected call "${id}" group to be a non-empty string, got ${describeValue(v)}`,
      );
  });
  return retry;
}

const NO_CALLS: readonly unknown[] = Object.freeze([]);

/**
 * `execute()`'s calls as an array: the caller's own array when it is one (never copied).
 * `undefined` and `null` are an empty batch, because a model's message carries no `tool_calls`
 * when it asks for none (`AIMessage.tool_calls` is optional).
 */
export function toCallList(calls: unknown): readonly unknown[] {
  if (Array.isArray(calls)) return calls;
  if (calls === undefined || calls === null) return NO_CALLS;
  if (
    typeof calls === "object" &&
    typeof (calls as Iterable<unknown>)[Symbol.iterator] === "function"
  ) {
    return [...(calls as Iterable<unknown>)];
  }
  throw new TypeError(
    `Expected calls to be an array of tool calls (or undefined), got ${describeValue(calls)}`,
  );
}

function assertBackend(where: string, backend: unknown): void {
  if (
    typeof backend !== "object" ||
    backend === null ||
    typeof (backend as Backend).run !== "function"
  ) {
    throw new TypeError(
      `Expected ${where} to be a Backend with a run() method, got ${describeValue(backend)}`,
    );
  }
}

/** Checks the `policies` option: an object of policies by tool name. */
function checkPolicies(
  policies: Readonly<Record<string, Policy>> | undefined,
): Readonly<Record<string, Policy>> | undefined {
  if (policies === undefined) return undefined;
  if (typeof policies !== "object" || policies === null || Array.isArray(policies)) {
    throw new TypeError(
      `Expected policies to be an object of policies by tool name, got ${describeValue(policies)}`,
    );
  }
  for (const [name, policy] of Object.entries(policies)) {
    if (typeof policy !== "object" || policy === null)
      throw new TypeError(
        `Expected policies.${name} to be an object, got ${describeValue(policy)}`,
      );
    assertKnownKeys(`policies.${name}`, policy, POLICY_KEYS);
    assertPolicy(`policies.${name}`, policy);
  }
  return policies;
}
