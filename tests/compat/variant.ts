/**
 * Which implementation a ported upstream suite runs against. Each suite has one entry file per
 * variant (`*.upstream.test.ts`, `*.volley.test.ts`, …) that selects it before importing the ported
 * file, so the same unchanged assertions run against upstream's original (the control) and Volley.
 */
export type Variant = "upstream" | "volley" | "volley-first" | "volley-last";

let current: Variant | undefined;

/** Selects the variant for the ported files this test file imports next. */
export function useVariant(variant: Variant): void {
  current = variant;
}

/** The variant the running test file selected; throws if an entry file forgot to select one. */
export function variant(): Variant {
  if (current === undefined)
    throw new Error("tests/compat: the entry file must call useVariant() first");
  return current;
}
