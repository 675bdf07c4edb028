/**
 * What the ported files import in place of `vitest`: vitest itself, with `describe` and `it`
 * (`test`) that know each test's full name (`<file> > <describe> > … > <test>`), so that
 * `known-failures.ts` runs its entries as `it.fails` for their variants, `left-out.ts` skips its
 * entries in every variant and `timing-sensitive.ts` retries its entries. An entry that names no test of the file fails the file, so a
 * renamed upstream test cannot leave a stale entry behind.
 */
import { describe as vitestDescribe, it as vitestIt } from "vitest";
import { variant } from "../variant.js";
import { KNOWN_FAILURES } from "./known-failures.js";
import { LEFT_OUT } from "./left-out.js";
import { TIMING_SENSITIVE } from "./timing-sensitive.js";

export * from "vitest";

type DescribeFn = typeof vitestDescribe;
type ItFn = typeof vitestIt;

let file: string | undefined;
/** The names of the describes around the code running now. */
let path: readonly string[] = [];
const seen = new Set<string>();

/** Names the ported file the entry file imports next (the first part of each test's name). */
export function usePortedFile(name: string): void {
  file = name;
}

function nameOf(name: unknown): string {
  return typeof name === "function" ? name.name : String(name);
}

function fullName(name: unknown): string {
  if (file === undefined)
    throw new Error("tests/compat/langchain: the entry file must call usePortedFile() first");
  return [file, ...path, nameOf(name)].join(" > ");
}

const describeImpl = (name: unknown, ...rest: unknown[]): unknown => {
  const body = rest.find((arg) => typeof arg === "function") as (() => unknown) | undefined;
  if (body === undefined) return (vitestDescribe as (...args: unknown[]) => unknown)(name, ...rest);
  // vitest runs a describe's body after the one around it has returned: the path is the one
  // where it was declared, set again while it runs.
  const own = [...path, nameOf(name)];
  const wrapped = (): unknown => {
    const outer = path;
    path = own;
    try {
      return body();
    } finally {
      path = outer;
    }
  };
  return (vitestDescribe as (...args: unknown[]) => unknown)(
    name,
    ...rest.map((arg) => (arg === body ? wrapped : arg)),
  );
};

const itImpl = (name: unknown, ...rest: unknown[]): unknown => {
  const id = fullName(name);
  seen.add(id);
  const current = variant();
  const leftOut = LEFT_OUT.find((entry) => entry.test === id);
  if (leftOut !== undefined)
    return (vitestIt.skip as (...args: unknown[]) => unknown)(name, ...rest);
  const known = KNOWN_FAILURES.find(
    (entry) => entry.test === id && entry.variants.includes(current),
  );
  const define = (known === undefined ? vitestIt : vitestIt.fails) as (
    ...args: unknown[]
  ) => unknown;
  if (TIMING_SENSITIVE.some((entry) => entry.test === id)) {
    // Spread out, so that a burst of load on the machine does not fail every try.
    const [body, timeout] = rest;
    const retry = { count: 4, delay: 1_000 };
    return define(name, { retry, ...(typeof timeout === "number" ? { timeout } : {}) }, body);
  }
  return define(name, ...rest);
};

/** vitest's `describe`, which records the path of the tests it holds. */
export const describe = Object.assign(describeImpl, vitestDescribe) as DescribeFn;
/** vitest's `it`, with this suite's known failures and left-out tests applied. */
export const it = Object.assign(itImpl, vitestIt) as ItFn;
/** The same as {@link it}. */
export const test = it;

/**
 * Adds the check that every entry of `known-failures.ts`, `left-out.ts` and
 * `timing-sensitive.ts` for this file (and variant) named a test of it. The entry file calls it after importing the ported file.
 */
export function checkEntries(): void {
  const prefix = `${file} > `;
  const current = variant();
  const entries = [
    ...LEFT_OUT.map((entry) => entry.test),
    ...TIMING_SENSITIVE.map((entry) => entry.test),
    ...KNOWN_FAILURES.filter((entry) => entry.variants.includes(current)).map(
      (entry) => entry.test,
    ),
  ].filter((id) => id.startsWith(prefix));
  vitestIt(
    "every known-failures, left-out and timing-sensitive entry names a test of this file",
    () => {
      // Read when the test runs: vitest collects the tests of a describe after the file loads.
      const stale = entries.filter((id) => !seen.has(id));
      if (stale.length > 0) throw new Error(`Entries that name no test: ${stale.join("; ")}`);
    },
  );
}
