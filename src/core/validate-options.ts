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
