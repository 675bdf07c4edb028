/**
 * What the ported files import in place of `vitest`: vitest itself, with `describe` and `it`
 * (`test`) that know each test's full name (`<file> > <describe> > … > <test>`), so that
 * `known-failures.ts` runs its entries as `it.fails` for their variants and `left-out.ts` skips
 * its entries in every variant. An entry that names no test of the file fails the file, so a
 * renamed upstream test cannot leave a stale entry behind.
 */
import { describe as vitestDescribe, it as vitestIt } from "vitest";
import { variant } from "../variant.js";
import { KNOWN_FAILURES } from "./known-failures.js";
import { LEFT_OUT } from "./left-out.js";

export * from "vitest";

type DescribeFn = typeof vitestDescribe;
type ItFn = typeof vitestIt;

let file: string | undefined;
const path: string[] = [];
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
  const wrapped = (): unknown => {
    path.push(nameOf(name));
    try {
      return body();
    } finally {
      path.pop();
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
  return define(name, ...rest);
};

/** vitest's `describe`, which records the path of the tests it holds. */
export const describe = Object.assign(describeImpl, vitestDescribe) as DescribeFn;
/** vitest's `it`, with this suite's known failures and left-out tests applied. */
export const it = Object.assign(itImpl, vitestIt) as ItFn;
/** The same as {@link it}. */
export const test = it;

/**
 * Adds the check that every entry of `known-failures.ts` and `left-out.ts` for this file (and
 * variant) named a test of it. The entry file calls it after importing the ported file.
 */
export function checkEntries(): void {
  const prefix = `${file} > `;
  const current = variant();
  const stale = [
    ...LEFT_OUT.map((entry) => entry.test),
    ...KNOWN_FAILURES.filter((entry) => entry.variants.includes(current)).map(
      (entry) => entry.test,
    ),
  ].filter((id) => id.startsWith(prefix) && !seen.has(id));
  vitestIt("every known-failures and left-out entry names a test of this file", () => {
    if (stale.length > 0) throw new Error(`Entries that name no test: ${stale.join("; ")}`);
  });
}
