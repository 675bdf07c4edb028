/**
 * The default key pattern of redaction: the names secrets go by in args, headers and results.
 * Not a bare `auth`, which would hide an `author` too.
 */
export const DEFAULT_REDACT_PATTERN: RegExp =
  /api[-_]?key|access[-_]?key|private[-_]?key|token|passw(?:or)?d|authorization|secret|cookie|credential|session[-_]?id/i;

/** What replaces a redacted value. */
export const REDACTED = "[Redacted]";

/** Limits of {@link makeSanitizer}. */
export interface SanitizeLimits {
  readonly redact: RegExp;
  readonly maxStringLength: number;
  readonly maxItems: number;
  readonly maxDepth: number;
}

/**
 * Makes a function that turns any value into plain JSON-safe data for a log line: values under
 * secret-looking keys redacted, long strings cut, wide and deep structures summarised, cycles,
 * errors, bigints and binary data made readable. The input is never mutated.
 */
export function makeSanitizer(limits: SanitizeLimits): (value: unknown) => unknown {
  const { redact, maxStringLength, maxItems, maxDepth } = limits;

  const cut = (s: string): string =>
    s.length <= maxStringLength
      ? s
      : `${s.slice(0, maxStringLength)}…[${s.length - maxStringLength} more chars]`;

  const walk = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    switch (typeof value) {
      case "string":
        return cut(value);
      case "number":
        return Number.isFinite(value) ? value : String(value);
      case "boolean":
        return value;
      case "bigint":
        return `${value}n`;
      case "undefined":
        return undefined;
      case "symbol":
        return value.toString();
      case "function":
        return `[Function ${value.name || "anonymous"}]`;
    }
    if (value === null) return null;
    const object = value as object;
    if (seen.has(object)) return "[Circular]";
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? "Invalid Date" : object;
    if (ArrayBuffer.isView(object))
      return `[${object.constructor.name} ${object.byteLength} bytes]`;
    if (object instanceof ArrayBuffer) return `[ArrayBuffer ${object.byteLength} bytes]`;
    if (depth >= maxDepth) {
      return Array.isArray(object) ? `[Array(${object.length})]` : "[Object]";
    }
    seen.add(object);
    try {
      if (Array.isArray(object)) {
        const out = object.slice(0, maxItems).map((item) => walk(item, depth + 1, seen));
        if (object.length > maxItems) out.push(`…[${object.length - maxItems} more items]`);
        return out;
      }
      if (object instanceof Map) return walkEntries([...object], depth, seen);
      if (object instanceof Set) return walk([...object], depth, seen);
      const entries: Array<[unknown, unknown]> = Object.entries(object);
      if (object instanceof Error) {
        entries.unshift(["name", object.name], ["message", object.message]);
      }
      return walkEntries(entries, depth, seen);
    } finally {
      seen.delete(object);
    }
  };

  const walkEntries = (
    entries: Array<[unknown, unknown]>,
    depth: number,
    seen: WeakSet<object>,
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    let kept = 0;
    for (const [rawKey, item] of entries) {
      if (kept === maxItems) {
        out["…"] = `[${entries.length - maxItems} more keys]`;
        break;
      }
      const key = String(rawKey);
      redact.lastIndex = 0; // a /g or /y pattern keeps state between tests
      const clean = redact.test(key) ? REDACTED : walk(item, depth + 1, seen);
      // JSON from a model may hold a "__proto__" key: assigned, it would set the prototype and
      // vanish from the line.
      if (key === "__proto__") {
        Object.defineProperty(out, key, {
          value: clean,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[key] = clean;
      kept++;
    }
    return out;
  };

  return (value) => walk(value, 0, new WeakSet());
}

/** Turns the `redact` option into a RegExp. */
export function redactPattern(redact: RegExp | readonly string[]): RegExp {
  if (redact instanceof RegExp) return redact;
  const escaped = redact.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  // An empty list redacts nothing.
  return escaped.length === 0 ? /(?!)/ : new RegExp(escaped.join("|"), "i");
}
