import { errorText } from "../core/describe-value.js";

/**
 * How many levels of arrays and objects the JSON of {@link toJson} nests, at most: a deeper
 * array or object is printed as {@link DEPTH_MARKER}. `JSON.stringify` overflows the stack a few
 * thousand levels down, and many readers of JSON refuse far less (Rust's serde_json: 128; Python's
 * `json`: about 1,000).
 */
export const JSON_MAX_DEPTH = 100;

/** What an array or object deeper than {@link JSON_MAX_DEPTH} levels is printed as. */
export const DEPTH_MARKER = "[depth limit]";

/** What an array or object that contains itself is printed as, where it recurs. */
export const CIRCULAR_MARKER = "[Circular]";

/**
 * What an array or object is printed as once the JSON has grown to {@link JSON_MAX_CHARS}; a
 * string that crosses that size is cut, and ends with `…[size limit: N more chars]`.
 */
export const SIZE_MARKER = "[size limit]";

/**
 * About how many characters {@link toJson} writes at most (V8 cannot make a string longer than
 * about 512 million characters: `JSON.stringify` throws `Invalid string length` past it).
 */
export const JSON_MAX_CHARS = 200_000_000;

/** How much of a thrown error's message the {@link unserialisable} marker keeps. */
const REASON_WIDTH = 200;

/** Options of {@link toJson}; each defaults to the constant of its name. */
export interface ToJsonOptions {
  /** Spaces of indentation; 0 writes one line. @default 2 */
  readonly indent?: number;
  /** @default JSON_MAX_DEPTH */
  readonly maxDepth?: number;
  /** @default JSON_MAX_CHARS */
  readonly maxChars?: number;
}

/**
 * JSON for anything, never throwing: what `JSON.stringify` writes, except where it would throw
 * or lose everything for one bad value, which is replaced by a marker string in place:
 * - a BigInt is written as its digits, as a string (`"12"`);
 * - an array or object met again inside itself is {@link CIRCULAR_MARKER};
 * - one nested deeper than {@link JSON_MAX_DEPTH} levels is {@link DEPTH_MARKER};
 * - a `toJSON()`, a getter or a Proxy trap that throws gives
 *   `"[unserialisable: <its message>]"` for the value it should have given;
 * - past about {@link JSON_MAX_CHARS} characters, the rest is {@link SIZE_MARKER}.
 * @example toJson({ n: 1n, deep: [[[]]] }, { maxDepth: 2, indent: 0 }) // '{"n":"1","deep":["[depth limit]"]}'
 */
export function toJson(value: unknown, options: ToJsonOptions = {}): string {
  const indent = options.indent ?? 2;
  let maxChars = options.maxChars ?? JSON_MAX_CHARS;
  for (;;) {
    const walker = new Walker(options.maxDepth ?? JSON_MAX_DEPTH, maxChars);
    try {
      const json = JSON.stringify(walker.plain(value, "", 0), null, indent) as string | undefined;
      // `undefined`, a function or a symbol at the top: JSON has no word for them.
      return json ?? "null";
    } catch (error) {
      // Only the size can still fail (strings full of characters JSON escapes grow up to six
      // times): try again, keeping less.
      if (maxChars < 1_000) return JSON.stringify(unserialisable(error));
      maxChars = Math.floor(maxChars / 8);
    }
  }
}

/** `"[unserialisable: <why>]"`: what stands for a value whose reading threw. */
export function unserialisable(error: unknown): string {
  const reason = errorText(error);
  const cut = reason.length > REASON_WIDTH ? `${reason.slice(0, REASON_WIDTH - 1)}…` : reason;
  return `[unserialisable: ${cut}]`;
}

/** Turns a value into plain JSON data (null-prototype objects, arrays, primitives), as JSON reads it. */
class Walker {
  /** The arrays and objects being walked, from the top down to the current one. */
  private readonly path = new Set<object>();
  /** Characters still to spend; an estimate, counting the indentation too. */
  private budget: number;

  constructor(
    private readonly maxDepth: number,
    maxChars: number,
  ) {
    this.budget = maxChars;
  }

  /**
   * `value` (the property `key` of its holder, at `depth`) as JSON would write it: `undefined`
   * where JSON leaves the property out (a function, a symbol, `undefined`).
   */
  plain(value: unknown, key: string, depth: number): unknown {
    this.budget -= key.length + 2 * depth + 8;
    try {
      if ((typeof value === "object" && value !== null) || typeof value === "bigint") {
        const toJSON = (value as { toJSON?: unknown }).toJSON;
        if (typeof toJSON === "function")
          value = (toJSON as (key: string) => unknown).call(value, key);
      }
      // Boxed primitives are written as their primitive, as JSON does.
      if (value instanceof Number) value = Number(value);
      else if (value instanceof String) value = String(value);
      else if (value instanceof Boolean || value instanceof BigInt) value = value.valueOf();
    } catch (error) {
      return this.string(unserialisable(error));
    }
    switch (typeof value) {
      case "string":
        return this.string(value);
      case "number":
        return Number.isFinite(value) ? value : null;
      case "boolean":
        return value;
      case "bigint":
        return this.string(value.toString());
      case "undefined":
      case "function":
      case "symbol":
        return undefined;
      default:
        break;
    }
    if (value === null) return null;
    const object = value as object;
    if (this.path.has(object)) return CIRCULAR_MARKER;
    if (depth >= this.maxDepth) return DEPTH_MARKER;
    if (this.budget <= 0) return SIZE_MARKER;
    this.path.add(object);
    try {
      return Array.isArray(object)
        ? this.array(object as unknown[], depth)
        : this.object(object, depth);
    } catch (error) {
      // A Proxy whose `ownKeys` or `getPrototypeOf` throws, a revoked Proxy, a throwing `length`.
      return this.string(unserialisable(error));
    } finally {
      this.path.delete(object);
    }
  }

  private array(array: readonly unknown[], depth: number): unknown[] {
    const out: unknown[] = [];
    const length = array.length;
    for (let i = 0; i < length; i++) {
      if (this.budget <= 0) {
        out.push(SIZE_MARKER);
        break;
      }
      const item = this.read(array, String(i), depth + 1);
      out.push(item === undefined ? null : item);
    }
    return out;
  }

  private object(object: object, depth: number): Record<string, unknown> {
    // Null-prototype: a `__proto__` key from a model's JSON stays a key.
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (this.budget <= 0) {
        out[key] = SIZE_MARKER;
        break;
      }
      const item = this.read(object, key, depth + 1);
      if (item !== undefined) out[key] = item;
    }
    return out;
  }

  /** The property `key` of `holder`, walked; a getter or Proxy trap that throws gives a marker. */
  private read(holder: object, key: string, depth: number): unknown {
    let item: unknown;
    try {
      item = (holder as Record<string, unknown>)[key];
    } catch (error) {
      return this.string(unserialisable(error));
    }
    return this.plain(item, key, depth);
  }

  private string(text: string): string {
    const room = Math.max(0, this.budget);
    this.budget -= text.length;
    if (text.length <= room) return text;
    return `${text.slice(0, room)}…[size limit: ${text.length - room} more chars]`;
  }
}
