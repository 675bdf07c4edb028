import type { Variant } from "../variant.js";

/** A ported test that fails in some variants: it runs as `it.fails` there. */
export interface KnownFailure {
  /** `<file> > <describe> > … > <test>`, as `vitest.ts` names it. */
  readonly test: string;
  readonly variants: readonly Variant[];
  /** Why it fails, in one line. */
  readonly why: string;
}

/**
 * The ported tests that fail against a Volley variant. The goal is none: a fix that makes one
 * pass fails the suite until its entry is deleted.
 */
export const KNOWN_FAILURES: readonly KnownFailure[] = [];
