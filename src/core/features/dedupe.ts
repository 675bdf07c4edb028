/**
 * Dedupe: identical calls of an idempotent tool (same tool, same canonical args) run once and
 * share the outcome; the duplicates' outcomes carry `deduped: true`. With `cacheTtlMs`,
 * successful outcomes also answer later identical calls for that long.
 */
import type { Outcome } from "../outcome.js";
import { describeValue } from "../describe-value.js";
import {
  assertCount,
  assertDuration,
  assertKnownKeys,
  optionKeys,
  optional,
} from "../validate-options.js";
import type {
  Feature,
  FeatureCall,
  FeatureHost,
  FeatureTool,
  Placement,
  ToolHooks,
} from "./feature.js";

/** `true`, or the result cache's settings. */
export type IdempotentOption =
  | boolean
  | {
      /**
       * Keep each successful outcome this long (ms) and answer later identical calls from it.
       * @default 0 (no cache: only calls in flight are shared)
       */
      readonly cacheTtlMs?: number;
      /**
       * Most outcomes kept; the oldest goes first.
       * @default 1_000
       */
      readonly cacheMax?: number;
    };

/** The keys of an `idempotent` object. */
const IDEMPOTENT_KEYS = optionKeys<Exclude<IdempotentOption, boolean>>()([
  "cacheTtlMs",
  "cacheMax",
]);

/** Checks an `idempotent` option; throws a `TypeError` naming the bad field. */
export function assertDedupeOption(where: string, value: unknown): void {
  if (typeof value === "boolean") return;
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Expected ${where} to be a boolean or { cacheTtlMs, cacheMax }, got ${describeValue(value)}`,
    );
  }
  assertKnownKeys(where, value, IDEMPOTENT_KEYS);
  const o = value as { cacheTtlMs?: unknown; cacheMax?: unknown };
  optional(o.cacheTtlMs, (v) => assertDuration(`${where}.cacheTtlMs`, v));
  optional(o.cacheMax, (v) => assertCount(`${where}.cacheMax`, v));
}

/**
 * A canonical key for a tool's args: JSON-like text with object keys sorted, so `{ a, b }` and
 * `{ b, a }` match. Two args get the same key exactly when they are equal as data: strings and
 * booleans alike; numbers by `Object.is` (`NaN` matches `NaN`, `-0` does not match `0`); `null`
 * and `undefined` apart; Dates of the same time (a Date never matches its ISO string); arrays of
 * equal items (a hole reads as `undefined`); plain objects with equal enumerable string-keyed
 * properties, where a property set to `undefined` counts as absent.
 *
 * What JSON cannot hold is written as a token JSON never makes (`NaN`, `Infinity`, `-Infinity`,
 * `-0`, `undefined`, `Date(ms)`), and every string is quoted, so no two values share a key.
 * `undefined` when the args cannot be keyed (a cycle, a bigint, a symbol, a function, a class
 * instance other than Date): such calls simply run.
 */
export function canonicalKey(args: unknown): string | undefined {
  try {
    return canonical(args, new Set());
  } catch {
    return undefined;
  }
}

/** A number as a key token: JSON's text when JSON can hold it exactly, a tag otherwise. */
function numberKey(value: number): string {
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  // Finite numbers: JSON's shortest round-trip text, so each number has exactly one.
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

function canonical(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return numberKey(value);
    case "undefined":
      return "undefined";
    case "object": {
      if (value === null) return "null";
      if (seen.has(value)) throw new TypeError("cycle");
      if (value instanceof Date) return `Date(${numberKey(value.getTime())})`;
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        const items = value as readonly unknown[];
        const parts: string[] = [];
        // By index, so that a hole is keyed as the `undefined` it reads as.
        for (let i = 0; i < items.length; i++) parts.push(canonical(items[i], seen));
        out = `[${parts.join(",")}]`;
      } else {
        const proto = Object.getPrototypeOf(value) as unknown;
        if (proto !== Object.prototype && proto !== null) throw new TypeError("not plain");
        const keys = Object.keys(value).sort();
        const parts: string[] = [];
        for (const key of keys) {
          const v = (value as Record<string, unknown>)[key];
          if (v === undefined) continue;
          parts.push(`${JSON.stringify(key)}:${canonical(v, seen)}`);
        }
        out = `{${parts.join(",")}}`;
      }
      seen.delete(value);
      return out;
    }
    default:
      throw new TypeError("not serialisable");
  }
}

/**
 * One tool's cache of successful outcomes, by key. Bounded: entries leave when their time is up,
 * or the oldest when there are too many.
 */
class OutcomeCache {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #cache = new Map<string, { outcome: Outcome; expiresAt: number }>();

  constructor(option: IdempotentOption) {
    const o = typeof option === "object" ? option : {};
    this.#ttlMs = o.cacheTtlMs ?? 0;
    this.#max = o.cacheMax ?? 1_000;
  }

  /** A cached successful outcome for `key`, if one is still fresh. */
  cached(key: string, now: number): Outcome | undefined {
    if (this.#ttlMs === 0) return undefined;
    const hit = this.#cache.get(key);
    if (hit === undefined) return undefined;
    if (hit.expiresAt <= now) {
      this.#cache.delete(key);
      return undefined;
    }
    return hit.outcome;
  }

  /** Keeps a successful outcome (no-op without a cache). */
  remember(key: string, outcome: Outcome, now: number): void {
    if (this.#ttlMs === 0 || outcome.status !== "ok") return;
    this.#cache.delete(key);
    this.#cache.set(key, { outcome, expiresAt: now + this.#ttlMs });
    // Drop expired entries from the old end, then the oldest while over the bound.
    for (const [k, entry] of this.#cache) {
      if (this.#cache.size > this.#max || entry.expiresAt <= now) this.#cache.delete(k);
      else break;
    }
  }

  /** Cached outcomes held now. */
  get cacheSize(): number {
    return this.#cache.size;
  }
}

/** The policy field of this feature. */
export interface DedupePolicy {
  /**
   * Identical calls in flight (same tool, same canonical args) run once and share the outcome;
   * the duplicates' outcomes carry `deduped: true`. `{ cacheTtlMs }` also keeps successful
   * outcomes that long for later identical calls.
   * @default false
   * @example idempotent: { cacheTtlMs: 60_000 }
   */
  readonly idempotent?: IdempotentOption;
}

/** A call that leads identical ones: it runs, they wait for its outcome. */
interface Lead<C> {
  readonly key: string;
  readonly followers: C[];
}

/** The dedupe feature: a table per idempotent tool of the calls in flight, by key. */
export function dedupe<C extends FeatureCall>(host: FeatureHost<C>): Feature<C> {
  return {
    name: "dedupe",
    forTool(_tool: FeatureTool, policy: DedupePolicy): ToolHooks<C> | undefined {
      if (!policy.idempotent) return undefined;
      const cache = new OutcomeCache(policy.idempotent);
      /** The leader in flight, by key. */
      const inflight = new Map<string, C>();
      const leads = new Map<C, Lead<C>>();
      /** Each follower's leader. */
      const leaders = new Map<C, C>();
      return {
        place(call: C): Placement {
          // A fallback keeps the place its call had: it leads, or follows, already.
          if (call.recoveredFrom !== undefined) return undefined;
          const key = canonicalKey(call.parsedArgs);
          if (key === undefined) return undefined;
          const cached = cache.cached(key, host.clock.now());
          if (cached !== undefined) return { answer: cached };
          const leader = inflight.get(key);
          if (leader !== undefined) {
            leads.get(leader)!.followers.push(call);
            leaders.set(call, leader);
            return "hold";
          }
          inflight.set(key, call);
          leads.set(call, { key, followers: [] });
          return undefined;
        },
        ended(call: C, outcome: Outcome): void {
          const leader = leaders.get(call);
          if (leader !== undefined) {
            // A follower that left before its leader ended (its batch did).
            leaders.delete(call);
            const followers = leads.get(leader)?.followers;
            const at = followers?.indexOf(call) ?? -1;
            if (at >= 0) followers!.splice(at, 1);
            return;
          }
          const lead = leads.get(call);
          if (lead === undefined) return;
          leads.delete(call);
          if (inflight.get(lead.key) === call) inflight.delete(lead.key);
          cache.remember(lead.key, outcome, host.clock.now());
          const followers = lead.followers;
          if (followers.length === 0) return;
          for (const follower of followers) leaders.delete(follower);
          const kind = outcome.status === "error" ? outcome.error.kind : undefined;
          if (kind === "deadline" || kind === "cancelled") {
            // The leader's batch ended, not theirs: the first duplicate runs, the others wait for it.
            for (const follower of followers) host.resume(follower);
            host.drain();
            return;
          }
          for (const follower of followers) host.answer(follower, outcome);
        },
      };
    },
  };
}
