/**
 * What one fuzz run is made of, as plain data that fast-check generates, prints and shrinks:
 * the executor's options, its tools (each with a policy), the batches (when each starts, its
 * deadline, its cancel point, its calls), and what each attempt of each call does. Hostile
 * values are tags (see `hostile.ts`); the harness makes them.
 */
import fc from "fast-check";
import { THROWN_TAGS, VALUE_TAGS, type ThrownTag, type ValueTag } from "./hostile.js";

/** How an attempt settles: with a value, or by throwing (rejecting). */
export type End = { readonly value: ValueTag } | { readonly thrown: ThrownTag };

/** Holds the event loop before the attempt does anything else. */
export interface Block {
  readonly ms: number;
  /** Busy-wait on the clock (fractional steps) rather than jump. */
  readonly spin: boolean;
}

/** The thenables a tool may return instead of a promise. */
export const THENABLE_KINDS = [
  /** Settles once, after `ms`. */
  "once",
  /** Settles after `ms`, then the other way at once, then again later. */
  "twice",
  /** Settles inside `then`, synchronously. */
  "sync-once",
  /** Calls both callbacks inside `then`. */
  "sync-both",
  /** `then` throws. */
  "throwing-then",
  /** Reading `then` throws. */
  "then-getter",
] as const;
export type ThenableKind = (typeof THENABLE_KINDS)[number];

/** What one attempt does. `honour`: it rejects with the signal's reason when aborted. */
export type Step =
  | { readonly how: "sync"; readonly end: End; readonly block?: Block | undefined }
  | {
      readonly how: "async";
      readonly ms: number;
      readonly honour: boolean;
      readonly end: End;
      readonly block?: Block | undefined;
    }
  | { readonly how: "hang"; readonly honour: boolean; readonly block?: Block | undefined }
  | {
      readonly how: "thenable";
      readonly kind: ThenableKind;
      readonly ms: number;
      readonly honour: boolean;
      readonly end: End;
      readonly block?: Block | undefined;
    };

export interface RetrySpec {
  readonly maxAttempts: number;
  readonly initialInterval: number;
  readonly backoffFactor: number;
  readonly maxInterval?: number | undefined;
  readonly jitter: boolean;
  /** `kinds` lists timeout and tool_error; the predicates see the thrown value. */
  readonly retryOn?: "kinds" | "timeout-only" | "predicate" | "throwing-predicate" | undefined;
}

/** A recovery: a default value, or another tool (`fallback` tools further on, modulo the count). */
export type RecoverySpec = { readonly default: ValueTag } | { readonly fallback: number };

export interface ToolSpec {
  readonly concurrency?: number | undefined;
  readonly timeoutMs?: number | undefined;
  readonly maxTimeoutMs?: number | undefined;
  readonly maxAttempts?: number | undefined;
  readonly retry?: RetrySpec | false | undefined;
  readonly rateLimit?: { readonly max: number; readonly perMs: number } | undefined;
  readonly circuitBreaker?:
    | {
        readonly failures?: number | undefined;
        readonly cooldownMs: number;
        readonly failureRate?: number | undefined;
        readonly windowMs?: number | undefined;
        readonly minCalls?: number | undefined;
      }
    | undefined;
  readonly exclusive?: boolean | undefined;
  readonly idempotent?:
    true | { readonly cacheTtlMs: number; readonly cacheMax?: number | undefined } | undefined;
  readonly onTimeout?: RecoverySpec | undefined;
  readonly onError?: RecoverySpec | undefined;
  readonly priority?: number | undefined;
  readonly expectedMs?: number | undefined;
  /** A schema whose check takes this long (virtual ms), if set; else a synchronous one. */
  readonly asyncSchemaMs?: number | undefined;
  /**
   * `needsApproval`: always, for calls whose `k` has an even length, or always but decided
   * asynchronously (after 2 virtual ms).
   */
  readonly needsApproval?: "always" | "even" | "async" | undefined;
  /** The policy goes in the executor's `policies` option rather than on the tool. */
  readonly viaPolicies: boolean;
}

/** How a batch's approver answers: the same for every call, by turns, or badly. */
export const APPROVAL_ANSWERS = [
  "approve",
  "edit",
  "reject",
  "mixed",
  "malformed",
  "throws",
] as const;
export type ApprovalAnswer = (typeof APPROVAL_ANSWERS)[number];

/** How a call is written. */
export const CALL_FORMS = [
  "valid",
  "tutorial-shape",
  "unknown-tool",
  "no-id",
  "repeated-id",
  "bad-args",
  "schema-throws",
  "bad-override",
  "unreadable",
] as const;
export type CallForm = (typeof CALL_FORMS)[number];

export interface CallSpec {
  readonly form: CallForm;
  /** The tool it names (modulo the tool count). */
  readonly tool: number;
  /** Its attempts on the tool it names (the last repeats). */
  readonly steps: readonly Step[];
  /** Its attempts on a fallback tool. */
  readonly fallback: readonly Step[];
  /** Identical calls of an idempotent tool share a key. */
  readonly key: number;
  readonly timeoutMs?: number | undefined;
  readonly retry?: RetrySpec | false | undefined;
  readonly priority?: number | undefined;
  readonly group?: "g0" | "g1" | undefined;
}

export interface CancelSpec {
  /** After the batch starts (virtual ms). */
  readonly at: number;
  /** `batch.cancel()`, its own AbortSignal, or a signal shared by every batch that says so. */
  readonly via: "cancel" | "signal" | "shared-signal";
}

export interface BatchSpec {
  /** When `execute()` is called (virtual ms from the start). */
  readonly startAt: number;
  readonly deadlineMs?: number | undefined;
  readonly cancel?: CancelSpec | undefined;
  readonly concurrency?: number | undefined;
  readonly collect: boolean;
  /** Reads the batch as a stream, from before its first outcome. */
  readonly iterate: boolean;
  readonly priority?: number | undefined;
  readonly fair?:
    | {
        readonly tenant: "a" | "b";
        readonly weight: number;
        readonly class: "interactive" | "background";
      }
    | undefined;
  readonly calls: readonly CallSpec[];
  /** That many more calls, each answering at once, to the first tool: work for the pacer. */
  readonly flood?: number | undefined;
  /** The batch's approver: it answers `afterMs` (virtual) after it is asked. */
  readonly approve?: { readonly afterMs: number; readonly answer: ApprovalAnswer } | undefined;
}

/** Listeners that misbehave: they throw, hold the loop, or cancel a batch mid-operation. */
export interface ListenerSpec {
  readonly throws: boolean;
  readonly block?:
    | {
        readonly event: "call:started" | "call:finished" | "call:queued";
        readonly ms: number;
        readonly every: number;
      }
    | undefined;
  readonly cancel?:
    | {
        readonly event: "call:started" | "call:finished" | "call:queued" | "call:retry";
        readonly nth: number;
        readonly batch: number;
      }
    | undefined;
}

export interface Scenario {
  /** Seeds the clock's `random()` (retry jitter). */
  readonly seed: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly retry?: RetrySpec | undefined;
  readonly maxQueued?: number | undefined;
  readonly maxBatchSize?: number | undefined;
  readonly overflow: "reject" | "split";
  readonly tools: readonly ToolSpec[];
  readonly batches: readonly BatchSpec[];
  readonly listeners: ListenerSpec;
}

// ─── arbitraries ────────────────────────────────────────────────────────────

/** `undefined` most of the time (`1 / (odds + 1)` of the time `arb`); shrinks to `undefined`. */
function rarely<T>(arb: fc.Arbitrary<T>, odds = 3): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: odds },
    { arbitrary: arb, weight: 1 },
  );
}

const valueTag = fc.oneof(
  { arbitrary: fc.constant<ValueTag>("number"), weight: 6 },
  { arbitrary: fc.constantFrom<ValueTag>(...VALUE_TAGS), weight: 1 },
);

const thrownTag = fc.oneof(
  { arbitrary: fc.constant<ThrownTag>("error"), weight: 4 },
  { arbitrary: fc.constantFrom<ThrownTag>(...THROWN_TAGS), weight: 3 },
);

const endArb: fc.Arbitrary<End> = fc.oneof(
  { arbitrary: fc.record({ value: valueTag }), weight: 3 },
  { arbitrary: fc.record({ thrown: thrownTag }), weight: 2 },
);

const blockArb: fc.Arbitrary<Block | undefined> = rarely(
  fc.record({ ms: fc.integer({ min: 1, max: 60 }), spin: fc.boolean() }),
  9,
);

const msArb = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 250 }), weight: 1 },
);

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({ how: fc.constant("sync" as const), end: endArb, block: blockArb }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      how: fc.constant("async" as const),
      ms: msArb,
      honour: fc.boolean(),
      end: endArb,
      block: blockArb,
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      how: fc.constant("hang" as const),
      honour: fc.boolean(),
      block: blockArb,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      how: fc.constant("thenable" as const),
      kind: fc.constantFrom(...THENABLE_KINDS),
      ms: msArb,
      honour: fc.boolean(),
      end: endArb,
      block: blockArb,
    }),
    weight: 2,
  },
);

const retryArb: fc.Arbitrary<RetrySpec> = fc.record({
  maxAttempts: fc.integer({ min: 2, max: 4 }),
  initialInterval: fc.integer({ min: 0, max: 20 }),
  backoffFactor: fc.constantFrom(1, 1.5, 2),
  maxInterval: rarely(fc.integer({ min: 0, max: 40 })),
  jitter: fc.boolean(),
  retryOn: rarely(
    fc.constantFrom("kinds", "timeout-only", "predicate", "throwing-predicate") as fc.Arbitrary<
      RetrySpec["retryOn"]
    >,
    2,
  ),
});

const recoveryArb: fc.Arbitrary<RecoverySpec> = fc.oneof(
  fc.record({ default: valueTag }),
  fc.record({ fallback: fc.integer({ min: 1, max: 4 }) }),
);

export const toolArb: fc.Arbitrary<ToolSpec> = fc.record({
  concurrency: rarely(fc.integer({ min: 1, max: 3 }), 2),
  timeoutMs: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.integer({ min: 5, max: 150 }), weight: 3 },
    { arbitrary: fc.constant(Number.POSITIVE_INFINITY), weight: 1 },
  ),
  maxTimeoutMs: rarely(fc.integer({ min: 10, max: 300 }), 6),
  maxAttempts: rarely(fc.integer({ min: 1, max: 4 }), 6),
  retry: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: retryArb, weight: 2 },
    { arbitrary: fc.constant(false as const), weight: 1 },
  ),
  rateLimit: rarely(
    fc.record({ max: fc.integer({ min: 1, max: 3 }), perMs: fc.integer({ min: 1, max: 40 }) }),
  ),
  circuitBreaker: rarely(
    fc.record({
      failures: rarely(fc.integer({ min: 1, max: 3 }), 1),
      cooldownMs: fc.integer({ min: 1, max: 60 }),
      failureRate: rarely(fc.constantFrom(0.5, 1), 2),
      windowMs: rarely(fc.integer({ min: 10, max: 100 }), 2),
      minCalls: rarely(fc.integer({ min: 1, max: 4 }), 2),
    }),
  ),
  exclusive: rarely(fc.constant(true), 5),
  idempotent: rarely(
    fc.oneof(
      fc.constant(true as const),
      fc.record({
        cacheTtlMs: fc.integer({ min: 0, max: 50 }),
        cacheMax: rarely(fc.integer({ min: 1, max: 3 }), 1),
      }),
    ),
    4,
  ),
  onTimeout: rarely(recoveryArb, 3),
  onError: rarely(recoveryArb, 3),
  priority: rarely(fc.integer({ min: 0, max: 2 }), 4),
  expectedMs: rarely(fc.integer({ min: 0, max: 50 }), 6),
  asyncSchemaMs: rarely(fc.integer({ min: 0, max: 10 }), 6),
  needsApproval: rarely(fc.constantFrom("always" as const, "even" as const, "async" as const), 4),
  viaPolicies: fc.boolean(),
});

export const callArb: fc.Arbitrary<CallSpec> = fc.record({
  form: fc.oneof(
    { arbitrary: fc.constant<CallForm>("valid"), weight: 20 },
    { arbitrary: fc.constantFrom<CallForm>(...CALL_FORMS), weight: 2 },
  ),
  tool: fc.nat({ max: 4 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 3 }),
  fallback: fc.array(stepArb, { minLength: 1, maxLength: 2 }),
  key: fc.nat({ max: 2 }),
  timeoutMs: rarely(fc.integer({ min: 1, max: 200 }), 6),
  retry: rarely(fc.oneof(retryArb, fc.constant(false as const)), 6),
  priority: rarely(fc.integer({ min: 0, max: 3 }), 3),
  group: rarely(fc.constantFrom("g0" as const, "g1" as const), 4),
});

export const batchArb: fc.Arbitrary<BatchSpec> = fc.record({
  startAt: fc.oneof(
    { arbitrary: fc.constant(0), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 60 }), weight: 3 },
  ),
  deadlineMs: rarely(fc.integer({ min: 0, max: 300 }), 1),
  cancel: rarely(
    fc.record({
      at: fc.integer({ min: 0, max: 300 }),
      via: fc.constantFrom("cancel" as const, "signal" as const, "shared-signal" as const),
    }),
    2,
  ),
  concurrency: rarely(fc.integer({ min: 1, max: 3 }), 4),
  collect: fc.oneof(
    { arbitrary: fc.constant(true), weight: 4 },
    { arbitrary: fc.constant(false), weight: 1 },
  ),
  iterate: fc.boolean(),
  priority: rarely(fc.integer({ min: 0, max: 2 }), 6),
  fair: rarely(
    fc.record({
      tenant: fc.constantFrom("a" as const, "b" as const),
      weight: fc.constantFrom(1, 2),
      class: fc.constantFrom("interactive" as const, "background" as const),
    }),
    6,
  ),
  calls: fc.array(callArb, { minLength: 1, maxLength: 8 }),
  flood: rarely(fc.integer({ min: 50, max: 400 }), 40),
  approve: rarely(
    fc.record({
      afterMs: fc.integer({ min: 0, max: 80 }),
      answer: fc.constantFrom(...APPROVAL_ANSWERS),
    }),
    1,
  ),
});

export const listenerArb: fc.Arbitrary<ListenerSpec> = fc.record({
  throws: fc.oneof(
    { arbitrary: fc.constant(false), weight: 6 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
  block: rarely(
    fc.record({
      event: fc.constantFrom(
        "call:started" as const,
        "call:finished" as const,
        "call:queued" as const,
      ),
      ms: fc.integer({ min: 1, max: 40 }),
      every: fc.integer({ min: 1, max: 5 }),
    }),
    8,
  ),
  cancel: rarely(
    fc.record({
      event: fc.constantFrom(
        "call:started" as const,
        "call:finished" as const,
        "call:queued" as const,
        "call:retry" as const,
      ),
      nth: fc.integer({ min: 1, max: 12 }),
      batch: fc.nat({ max: 3 }),
    }),
    8,
  ),
});

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.integer(),
  concurrency: fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 6 }), weight: 5 },
    { arbitrary: fc.constant(Number.POSITIVE_INFINITY), weight: 1 },
  ),
  timeoutMs: fc.integer({ min: 20, max: 300 }),
  retry: rarely(retryArb, 5),
  maxQueued: rarely(fc.integer({ min: 1, max: 20 }), 5),
  maxBatchSize: rarely(fc.integer({ min: 1, max: 8 }), 5),
  overflow: fc.constantFrom("reject" as const, "split" as const),
  tools: fc.array(toolArb, { minLength: 1, maxLength: 5 }),
  batches: fc.array(batchArb, { minLength: 1, maxLength: 4 }),
  listeners: listenerArb,
});
