/** Checks used once, at construction: each throws a `TypeError` that says what was expected and given. */

import { describeValue } from "./describe-value.js";

/** A whole number ≥ `min`, or `Infinity` when `allowInfinity`. */
export function assertCount(
  where: string,
  value: unknown,
  { min = 1, allowInfinity = true }: { min?: number; allowInfinity?: boolean } = {},
): asserts value is number {
  const ok =
    typeof value === "number" &&
    ((allowInfinity && value === Number.POSITIVE_INFINITY) ||
      (Number.isInteger(value) && value >= min));
  if (!ok) {
    throw new TypeError(
      `Expected ${where} to be a whole number ≥ ${min}${allowInfinity ? " or Infinity" : ""}, got ${describeValue(value)}`,
    );
  }
}

/** A duration in ms: a finite number ≥ 0, or `Infinity` when `allowInfinity`. */
export function assertDuration(
  where: string,
  value: unknown,
  { allowInfinity = true, min = 0 }: { allowInfinity?: boolean; min?: number } = {},
): asserts value is number {
  const ok =
    typeof value === "number" &&
    !Number.isNaN(value) &&
    value >= min &&
    (allowInfinity || Number.isFinite(value));
  if (!ok) {
    throw new TypeError(
      `Expected ${where} to be a number of milliseconds ≥ ${min}${allowInfinity ? " or Infinity" : ""}, got ${describeValue(value)}`,
    );
  }
}

/** A finite number. */
export function assertFiniteNumber(where: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`Expected ${where} to be a finite number, got ${describeValue(value)}`);
  }
}

/** `undefined`, or a value that passes `check`. */
export function optional<T>(value: T | undefined, check: (value: T) => void): void {
  if (value !== undefined) check(value);
}

/**
 * Refuses an options object with a key that is not an option, so that a typo (`concurency`)
 * fails at once instead of being ignored: `Unknown option "concurency" for createExecutor; did
 * you mean "concurrency"? Known options: …`. `where` names the options object (`createExecutor`,
 * `tool "search".retry`). Only own enumerable string keys count, so a symbol brand passes.
 */
export function assertKnownKeys(where: string, options: object, known: readonly string[]): void {
  for (const key in options) {
    if (!Object.hasOwn(options, key) || known.includes(key)) continue;
    const near = closest(key, known);
    throw new TypeError(
      `Unknown option ${JSON.stringify(key)} for ${where}${near === undefined ? "." : `; did you mean ${JSON.stringify(near)}?`} Known options: ${known.join(", ")}.`,
    );
  }
}

/** Every key of any member of the union `T` (`keyof` of a union has only the shared ones). */
export type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/** The keys of `T` that the list `K` leaves out. */
type MissingKeys<T, K extends readonly PropertyKey[]> = Exclude<keyof T, K[number]>;

/** Nothing more when `K` lists every key of `T`; else a field naming the keys it leaves out. */
type AllKeys<T, K extends readonly PropertyKey[]> = [MissingKeys<T, K>] extends [never]
  ? unknown
  : { readonly missing: MissingKeys<T, K> };

/**
 * Lists every key of the options type `T`, for {@link assertKnownKeys}. The compiler refuses a
 * list that leaves one out, so an option added to the type is never refused at run time.
 * @example const CLOSE_KEYS = optionKeys<CloseOptions>()(["cancel"]);
 */
export function optionKeys<T extends object>(): KeyLister<T> {
  return ((keys: readonly string[]) => Object.freeze([...keys])) as unknown as KeyLister<T>;
}

/** What {@link optionKeys} returns: takes the full list of `T`'s keys, and returns it. */
type KeyLister<T> = <const K extends readonly (keyof T & string)[]>(keys: K & AllKeys<T, K>) => K;

/**
 * The known key nearest to `key`, ignoring case, if one is near enough: at most two edits, or
 * one in three letters of the longer key (`timout` → `timeoutMs`, a typo plus the unit).
 */
function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const limit = Math.max(2, Math.floor(Math.max(key.length, candidate.length) / 3));
    const d = editDistance(lower, candidate.toLowerCase(), limit);
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, or `limit + 1` once it is sure to exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length]!;
}
