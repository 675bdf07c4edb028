import { describeValue } from "../core/describe-value.js";
import type { Outcome, OutcomeError } from "../core/index.js";
import { toJson } from "./to-json.js";

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
 * A result as one readable line: strings as they are, everything else as one line of JSON, by
 * the same total writer as `--json` ({@link toJson}: BigInt as a string, a cycle, a value nested
 * too deep or a throwing `toJSON` as a marker); a function or a symbol, which JSON has no word
 * for, is described by the shared {@link describeValue}. Never throws.
 */
export function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "undefined";
  if (typeof value === "function" || typeof value === "symbol") return describeValue(value);
  return toJson(value, { indent: 0 });
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
