/** Seeded randomness for the trials, so that a seed replays a trial's plan and choices. */

/** mulberry32: small, fast, and seeded. Returns numbers in [0, 1). The fuzzer's own. */
export { prng as rng } from "../tests/fuzz/virtual-loop.js";

/** A whole number from `lo` to `hi`, both included. */
export const int = (random: () => number, lo: number, hi: number): number =>
  lo + Math.floor(random() * (hi - lo + 1));

/** One of `items`. */
export const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;
