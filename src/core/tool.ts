import { assertBatchingPolicy } from "./batching-policy.js";
import type { NeedsApproval } from "./features/approvals/options.js";
import type { Policy } from "./policy.js";
import { resolveRetryPolicy } from "./retry.js";
import { isArgsSchema, type ArgsSchema, type InferArgs } from "./schema.js";
import { describeValue } from "./describe-value.js";
import {
  assertCount,
  assertDuration,
  assertFiniteNumber,
  assertKnownKeys,
  optionKeys,
  optional,
} from "./validate-options.js";

/** What a running tool is given besides its arguments. */
export interface ToolContext {
  /** Aborts when the attempt times out, the batch deadline passes or the caller cancels. */
  readonly signal: AbortSignal;
  /** The call's id. */
  readonly callId: string;
  /** The batch's id. */
  readonly batchId: string;
  /** This attempt, 1-based. */
  readonly attempt: number;
  /** When this attempt must be done: the earlier of its timeout and the batch deadline (epoch ms, or `Infinity`). */
  readonly deadline: number;
  /** Stable across retries and resumes of the same call: pass it to downstream APIs that dedupe. */
  readonly idempotencyKey: string;
  /**
   * Reports that the attempt is making progress: it restarts the tool's `idleTimeoutMs`, and
   * listeners of `call:progress` (logs, traces, the dashboard) see `update`. Cheap enough to call
   * for every chunk of a stream; a report after the attempt ended is ignored.
   * @example ctx.progress({ progress: done, total: files.length, message: file })
   */
  progress(update?: ProgressUpdate): void;
}

/** What a tool says of its progress: every field optional. */
export interface ProgressUpdate {
  /** Work done so far, in the tool's own unit (a finite number). */
  readonly progress?: number;
  /** The work in all, when the tool knows it (a finite number). */
  readonly total?: number;
  /** A short human-readable note. */
  readonly message?: string;
}

/** The definition given to {@link defineTool}. */
export interface ToolDefinition<Name extends string, S, Result> extends Omit<
  Policy,
  "needsApproval"
> {
  /**
   * Whether a call waits for a reviewer's approval before it runs: `true`, a predicate of the
   * parsed arguments, or `{ when, allowedDecisions, description }`. The batch's `approve` option
   * decides (`volley/langgraph` asks a human through one `interrupt()`); a batch without one ends
   * such calls `rejected` instead of running them.
   * @default false
   * @example needsApproval: ({ path }) => path.startsWith("/etc")
   */
  readonly needsApproval?: NeedsApproval<InferArgs<S>>;
  /** Unique within an executor; what calls name. */
  readonly name: Name;
  /** What the tool does, for the model. */
  readonly description: string;
  /** The arguments' schema: zod (v3 or v4) or any Standard Schema. */
  readonly schema: S;
  /** Does the work. Honour `ctx.signal`: it aborts on timeout, deadline and cancel. */
  readonly run: (args: InferArgs<S>, ctx: ToolContext) => Result | Promise<Result>;
  /**
   * Where attempts run: `"inline"` (this event loop) or the name of a backend given to the
   * executor, such as `"worker"` from `volley/threads`.
   * @default "inline"
   */
  readonly isolation?: string;
  /**
   * The URL of the tools module that exports this tool (`import.meta.url`), so that a worker
   * thread or a remote worker can load it by name.
   */
  readonly module?: string;
}

/** A tool made by {@link defineTool}. */
export interface Tool<Name extends string = string, Args = unknown, Result = unknown> extends Omit<
  Policy,
  "needsApproval"
> {
  /** Whether a call waits for a reviewer's approval (see {@link ToolDefinition.needsApproval}). */
  readonly needsApproval?: NeedsApproval<Args>;
  /** Unique within an executor; what calls name. */
  readonly name: Name;
  /** What the tool does, for the model. */
  readonly description: string;
  /** The arguments' schema, as given to {@link defineTool}. */
  readonly schema: ArgsSchema;
  /** Does the work, given the arguments the schema parsed. */
  readonly run: (args: Args, ctx: ToolContext) => Result | Promise<Result>;
  /** Where attempts run: `"inline"` or the name of a backend. @default "inline" */
  readonly isolation?: string;
  /** The URL of the tools module that exports this tool, for threads and remote workers. */
  readonly module?: string;
  /** Brand: marks a Volley tool. */
  readonly [TOOL_BRAND]: true;
}

/** Marks tools made by {@link defineTool}, across copies of the library. */
export const TOOL_BRAND: unique symbol = Symbol.for("volley.tool") as never;

/**
 * The part of a `@langchain/core` tool Volley uses: a `tool()` or `StructuredTool` is accepted
 * as it is. Its schema is checked by Volley, and it is invoked with the attempt's signal.
 */
export interface LangChainToolLike {
  /** The tool's name, what calls name. */
  readonly name: string;
  /** What the tool does, for the model. */
  readonly description: string;
  /** The arguments' schema (zod or JSON Schema), which Volley checks the args against. */
  readonly schema?: unknown;
  /** LangChain's serialisation namespace: its presence marks a LangChain tool. */
  readonly lc_namespace: readonly string[];
  // LangChain types `invoke` in ways we must not depend on; this is the shape we call.
  /** Runs the tool; Volley passes the call's args and a config with the attempt's signal. */
  invoke(input: never, config?: never): Promise<unknown>;
}

/** Anything an executor accepts as a tool. */
export type AnyTool = Tool<string, never, unknown> | LangChainToolLike;

/** The name of a tool, as a literal type where known. */
export type ToolName<T> = T extends {
  /** The tool's name, a string literal type when it was written as one. */
  readonly name: infer N extends string;
}
  ? N
  : string;

/** The result type of a tool. */
export type ToolResult<T> = T extends Tool<string, never, infer R> ? Awaited<R> : unknown;

/** True for a tool made by {@link defineTool}. */
export function isVolleyTool(value: unknown): value is Tool<string, never, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[TOOL_BRAND] === true
  );
}

/** True for a `@langchain/core` tool (a `StructuredTool`, `DynamicTool`, or `tool()`). */
export function isLangChainTool(value: unknown): value is LangChainToolLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as LangChainToolLike).invoke === "function" &&
    typeof (value as LangChainToolLike).name === "string" &&
    Array.isArray((value as LangChainToolLike).lc_namespace)
  );
}

/** The keys of a {@link Policy}: what an entry of the executor's `policies` may set. */
export const POLICY_KEYS = optionKeys<Policy>()([
  "timeoutMs",
  "idleTimeoutMs",
  "retry",
  "maxTimeoutMs",
  "maxAttempts",
  "concurrency",
  "priority",
  "expectedMs",
  "rateLimit",
  "idempotent",
  "onTimeout",
  "onError",
  "exclusive",
  "circuitBreaker",
  "needsApproval",
  "upstream",
]);

/** The keys of a {@link ToolDefinition}: its own fields and its policy's. */
const TOOL_DEFINITION_KEYS = optionKeys<ToolDefinition<string, unknown, unknown>>()([
  "name",
  "description",
  "schema",
  "run",
  "isolation",
  "module",
  ...POLICY_KEYS,
]);

/** Checks the policy fields shared by tools and executors. */
export function assertPolicy(where: string, policy: Policy): void {
  optional(policy.timeoutMs, (v) => assertDuration(`${where}.timeoutMs`, v, { min: 1 }));
  optional(policy.idleTimeoutMs, (v) => assertDuration(`${where}.idleTimeoutMs`, v, { min: 1 }));
  optional(policy.concurrency, (v) => assertCount(`${where}.concurrency`, v));
  optional(policy.maxTimeoutMs, (v) => assertDuration(`${where}.maxTimeoutMs`, v, { min: 1 }));
  optional(policy.maxAttempts, (v) => assertCount(`${where}.maxAttempts`, v));
  optional(policy.priority, (v) => assertFiniteNumber(`${where}.priority`, v));
  optional(policy.expectedMs, (v) =>
    assertDuration(`${where}.expectedMs`, v, { allowInfinity: false }),
  );
  resolveRetryPolicy(policy.retry, `${where}.retry`);
  assertBatchingPolicy(where, policy);
}

/**
 * Defines a tool. The argument type is inferred from the schema, the result type from `run`.
 * @throws TypeError when a field is missing or out of range, naming it.
 * @example
 * const search = defineTool({
 *   name: "search",
 *   description: "Search the web",
 *   schema: z.object({ query: z.string() }),
 *   timeoutMs: 2_000,
 *   run: async ({ query }, { signal }) => fetchResults(query, { signal }),
 * });
 */
export function defineTool<const Name extends string, S extends ArgsSchema, Result>(
  definition: ToolDefinition<Name, S, Result>,
): Tool<Name, InferArgs<S>, Awaited<Result>> {
  if (typeof definition !== "object" || definition === null) {
    throw new TypeError(`Expected a tool definition object, got ${describeValue(definition)}`);
  }
  const { name } = definition;
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`Expected tool name to be a non-empty string, got ${describeValue(name)}`);
  }
  const where = `tool "${name}"`;
  assertKnownKeys(where, definition, TOOL_DEFINITION_KEYS);
  if (typeof definition.description !== "string") {
    throw new TypeError(
      `Expected ${where}.description to be a string, got ${describeValue(definition.description)}`,
    );
  }
  if (!isArgsSchema(definition.schema)) {
    throw new TypeError(
      `Expected ${where}.schema to be a zod schema or a Standard Schema, got ${describeValue(definition.schema)}`,
    );
  }
  if (typeof definition.run !== "function") {
    throw new TypeError(
      `Expected ${where}.run to be a function, got ${describeValue(definition.run)}`,
    );
  }
  optional(definition.isolation, (v) => {
    if (typeof v !== "string" || v.length === 0) {
      throw new TypeError(
        `Expected ${where}.isolation to be a backend name such as "worker", got ${describeValue(v)}`,
      );
    }
  });
  optional(definition.module, (v) => {
    if (typeof v !== "string")
      throw new TypeError(`Expected ${where}.module to be a URL string, got ${describeValue(v)}`);
  });
  assertPolicy(where, definition as Policy);
  return Object.freeze({ ...definition, [TOOL_BRAND]: true as const }) as unknown as Tool<
    Name,
    InferArgs<S>,
    Awaited<Result>
  >;
}
