import { describeValue } from "../core/describe-value.js";
import type { Outcome, OutcomeError } from "../core/index.js";

/**
 * A duration for people: `850 ms`, `1.02 s`, `2 m 05 s`.
 * @example formatDuration(1020) // "1.02 s"
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "∞";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(2)} s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, "0")} s`;
}

/**
 * Text for one line of a terminal: line breaks and tabs become spaces, and the other control
 * characters are shown as `\u001b` and the like. Call ids, results and messages come from
 * models, tools and web pages; printed raw, an escape sequence among them could clear the screen,
 * rewrite lines or retitle the terminal.
 * @example printable("a\x1b[2Jb") // "a\\u001b[2Jb"
 */
export function printable(text: string): string {
  return text.replace(/\s*\n\s*|\t/g, " ").replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Cuts `text` to at most `width` characters, marking the cut with `…`; made {@link printable}
 * first.
 */
export function shorten(text: string, width: number): string {
  const flat = printable(text);
  if (width <= 0) return "";
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * A result as one readable line: strings as they are, everything else as JSON (BigInt as a
 * string); what JSON cannot render (a cycle, a throwing getter) is described by the shared
 * {@link describeValue}, so this never throws.
 */
export function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "undefined";
  if (typeof value === "function") return describeValue(value);
  try {
    const json = JSON.stringify(value, jsonReplacer);
    if (json !== undefined) return json;
  } catch {
    // A cycle, a throwing getter or toJSON: described below.
  }
  return describeValue(value);
}

/**
 * An outcome error's message, after the thrown error's class name when there was one
 * (`Error: Simulated failure`, `ToolTimeoutError: …`); the kind is shown beside it elsewhere.
 */
export function outcomeErrorText(error: OutcomeError): string {
  const name = error.data?.["name"];
  return typeof name === "string" && name !== "" ? `${name}: ${error.message}` : error.message;
}

/** What a call's outcome says, in one line: its value, or its error's message. */
export function outcomeText(outcome: Outcome): string {
  return outcome.status === "ok" ? valueText(outcome.value) : outcomeErrorText(outcome.error);
}

/** A `JSON.stringify` replacer that keeps BigInt values (as strings) instead of throwing. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * Serialises a report (or anything) as indented JSON without throwing: BigInt becomes a string,
 * a cycle becomes `"[Circular]"`.
 */
export function toJson(value: unknown): string {
  const ancestors: unknown[] = [];
  return JSON.stringify(
    value,
    function (this: unknown, key: string, v: unknown): unknown {
      const plain = jsonReplacer(key, v);
      if (typeof plain !== "object" || plain === null) return plain;
      // `this` is the object holding `key`: drop the ancestors we have left.
      while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
      if (ancestors.includes(plain)) return "[Circular]";
      ancestors.push(plain);
      return plain;
    },
    2,
  );
}
