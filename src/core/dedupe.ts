import type { Outcome } from "./outcome.js";
import { assertCount, assertDuration, describeValue, optional } from "./validate-options.js";

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

/** Checks an `idempotent` option; throws a `TypeError` naming the bad field. */
export function assertDedupeOption(where: string, value: unknown): void {
  if (typeof value === "boolean") return;
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Expected ${where} to be a boolean or { cacheTtlMs, cacheMax }, got ${describeValue(value)}`,
    );
  }
  const o = value as { cacheTtlMs?: unknown; cacheMax?: unknown };
  optional(o.cacheTtlMs, (v) => assertDuration(`${where}.cacheTtlMs`, v));
  optional(o.cacheMax, (v) => assertCount(`${where}.cacheMax`, v));
}

/**
 * A canonical key for a tool's args: JSON with object keys sorted, so `{ a, b }` and `{ b, a }`
 * match. `undefined` when the args cannot be keyed (a cycle, a bigint, a function, a class
 * instance other than Date): such calls simply run.
 */
export function canonicalKey(args: unknown): string | undefined {
  try {
    return canonical(args, new Set());
  } catch {
    return undefined;
  }
}

function canonical(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
    case "undefined":
      return "null";
    case "object": {
      if (value === null) return "null";
      if (seen.has(value)) throw new TypeError("cycle");
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = `[${value.map((v) => canonical(v, seen)).join(",")}]`;
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
 * One tool's dedupe state: the call in flight per key (its leader), and the optional cache of
 * successful outcomes. Bounded: entries leave when their call ends or their time is up.
 */
export class DedupeTable<C> {
  readonly inflight = new Map<string, C>();
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
