/**
 * The one voice for mistakes: how every message of Volley (the core and each subpath) shows a
 * bad value, as p-queue does: the value short and exact, then its type.
 *
 * - `` `4.5` (number) ``, `` `"fast"` (string) ``, `` `10n` (bigint) ``, `` `Symbol(id)` (symbol) ``
 * - `` `null` ``, `` `undefined` ``
 * - `` `[1, 2, 3]` (array of 3) ``, `` `{ concurency: 4 }` (object) ``,
 *   `` `{ a: 1 }` (null-prototype object) ``
 * - `` a function `run` ``, `` a class `Foo` ``, `an anonymous function`
 * - `a Date`, `an AbortController` (built-in classes), `an instance of Foo` (any other class)
 *
 * Neither function ever throws, whatever it is given: no getter, `toString`, `toJSON` or Proxy
 * trap of the value is run where it could be avoided, and any that is run is caught.
 */

/** How long the shown value may grow (characters) before it is cut with `…`. */
const VALUE_WIDTH = 60;
/** How long a shown name (a function's, a class's) may grow. */
const NAME_WIDTH = 40;
/** How long a string nested in an array or object may grow. */
const NESTED_STRING_WIDTH = 24;
/** How deep arrays and objects are shown: deeper ones read `[…]` and `{…}`. */
const MAX_DEPTH = 2;
/** At most this many entries of an array or object are read. */
const MAX_ENTRIES = 8;

/**
 * A short, exact description of any value, for "Expected X to be Y, got …" messages.
 * @example
 * describeValue(4.5)                 // "`4.5` (number)"
 * describeValue({ concurency: 4 })   // "`{ concurency: 4 }` (object)"
 * describeValue(pino)                // "a function `pino`"
 * describeValue(new Date())          // "a Date"
 */
export function describeValue(value: unknown): string {
  try {
    return describe(value);
  } catch {
    return fallback(value);
  }
}

/**
 * What a thrown value says: an `Error`'s message (of any realm), or else the value as a string.
 * Never throws: a value `String()` cannot convert (a null-prototype object, a throwing
 * `toString`, a Proxy) or a throwing `message` getter is described with {@link describeValue}.
 * @example
 * errorText(new Error("boom"))       // "boom"
 * errorText("plain")                 // "plain"
 * errorText(Object.create(null))     // "`{}` (null-prototype object)"
 */
export function errorText(error: unknown): string {
  let said: unknown = error;
  try {
    if (isError(error)) said = (error as { message?: unknown }).message;
  } catch {
    // A throwing `message` getter or Proxy trap: say what the value is instead.
    return describeValue(error);
  }
  if (typeof said === "string") return said;
  try {
    return String(said);
  } catch {
    return describeValue(said);
  }
}

function isError(value: unknown): boolean {
  if (value instanceof Error) return true;
  // An Error from another realm (a vm context): it carries the brand, not our prototype.
  return (
    typeof value === "object" &&
    value !== null &&
    Object.prototype.toString.call(value) === "[object Error]"
  );
}

function describe(value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "`undefined`";
    case "string":
      return `\`${quote(value, VALUE_WIDTH)}\` (string)`;
    case "number":
    case "boolean":
    case "bigint":
    case "symbol":
      return `\`${clip(primitive(value), VALUE_WIDTH)}\` (${typeof value})`;
    case "function":
      return describeFunction(value);
    default:
      break;
  }
  if (value === null) return "`null`";
  const object = value as object;
  if (Array.isArray(object)) {
    return `\`${shown(object)}\` (array of ${(object as unknown[]).length})`;
  }
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto === null) return `\`${shown(object)}\` (null-prototype object)`;
  const ctor = constructorOf(object);
  if (ctor === undefined || isObjectConstructor(ctor)) return `\`${shown(object)}\` (object)`;
  const name = nameOf(ctor);
  if (name === undefined) return "an instance of an anonymous class";
  return isBuiltIn(name, ctor) ? `${article(name)} ${name}` : `an instance of ${name}`;
}

function describeFunction(fn: unknown): string {
  const name = nameOf(fn);
  const kind = isClass(fn) ? "class" : "function";
  return name === undefined ? `an anonymous ${kind}` : `a ${kind} \`${name}\``;
}

/** The value as a literal, at most {@link VALUE_WIDTH} characters. */
function shown(value: unknown): string {
  return clip(literal(value, 0, VALUE_WIDTH), VALUE_WIDTH);
}

/** A value as code would write it, in about `width` characters; deeper than `depth` elided. */
function literal(value: unknown, depth: number, width: number): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return quote(value, depth === 0 ? width : Math.min(width, NESTED_STRING_WIDTH));
    case "number":
    case "boolean":
    case "bigint":
    case "symbol":
      return clip(primitive(value), Math.min(width, NESTED_STRING_WIDTH));
    case "function": {
      const name = nameOf(value);
      return name === undefined ? "[function]" : `[function ${name}]`;
    }
    default:
      break;
  }
  if (value === null) return "null";
  try {
    const object = value as object;
    if (Array.isArray(object)) return arrayLiteral(object as unknown[], depth, width);
    const proto: unknown = Object.getPrototypeOf(object);
    const ctor = proto === null ? undefined : constructorOf(object);
    if (proto !== null && ctor !== undefined && !isObjectConstructor(ctor)) {
      return `[${nameOf(ctor) ?? "object"}]`;
    }
    return objectLiteral(object, depth, width);
  } catch {
    return "[object]";
  }
}

function arrayLiteral(array: readonly unknown[], depth: number, width: number): string {
  const length = array.length;
  if (length === 0) return "[]";
  if (depth >= MAX_DEPTH) return "[…]";
  const entries: Entry[] = [];
  for (let i = 0; i < Math.min(length, MAX_ENTRIES); i++)
    entries.push({ label: "", key: String(i) });
  return joined(array, ["[", "]"], entries, length > MAX_ENTRIES, depth, width);
}

function objectLiteral(object: object, depth: number, width: number): string {
  const entries: Entry[] = [];
  let more = false;
  for (const key of Object.keys(object)) {
    if (entries.length === MAX_ENTRIES) {
      more = true;
      break;
    }
    entries.push({ label: `${propertyName(key)}: `, key });
  }
  if (entries.length === 0) return "{}";
  if (depth >= MAX_DEPTH) return "{…}";
  return joined(object, ["{ ", " }"], entries, more, depth, width);
}

interface Entry {
  /** What is shown before the value: `key: `, or nothing in an array. */
  readonly label: string;
  /** The own property that holds the value. */
  readonly key: string;
}

/** Entries between brackets, as many as fit in `width`, then `…` for the rest. */
function joined(
  object: object,
  [open, close]: readonly [string, string],
  entries: readonly Entry[],
  more: boolean,
  depth: number,
  width: number,
): string {
  let text = open;
  for (const [i, { label, key }] of entries.entries()) {
    const separator = i === 0 ? "" : ", ";
    const last = i === entries.length - 1 && !more;
    // What is left for this value, keeping room for ", …" when more entries follow.
    const room =
      width - text.length - separator.length - label.length - close.length - (last ? 0 : 3);
    const value = room < 1 ? undefined : ownEntry(object, key, depth, room);
    if (value === undefined || value.length > room) return `${text}${separator}…${close}`;
    text += separator + label + value;
  }
  return more ? `${text}, …${close}` : `${text}${close}`;
}

/** An own property's value as a literal, without running a getter. */
function ownEntry(object: object, key: string, depth: number, width: number): string {
  try {
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    if (descriptor === undefined) return "<empty>";
    if (!("value" in descriptor)) return "[getter]";
    return literal(descriptor.value, depth + 1, width);
  } catch {
    return "[?]";
  }
}

function propertyName(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key, NESTED_STRING_WIDTH);
}

function primitive(value: number | boolean | bigint | symbol): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return printable(value.toString());
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

/** A string in double quotes, at most `width` characters: cut with `…` inside the quotes. */
function quote(text: string, width: number): string {
  const inner = Math.max(1, width - 3);
  const cut = text.length > width - 2;
  const json = printable(JSON.stringify(cut ? text.slice(0, width) : text));
  if (!cut && json.length <= width) return json;
  // Whole characters and escapes only: never half of `\n` or `\u2028`.
  let kept = "";
  for (const [token] of json.slice(1, -1).matchAll(/\\u[0-9a-fA-F]{4}|\\.|[^\\]/gsu)) {
    if (kept.length + token.length > inner) break;
    kept += token;
  }
  return `"${kept}…"`;
}

/** `text` cut to at most `width` characters, the cut marked with `…`. */
function clip(text: string, width: number): string {
  const flat = printable(text);
  if (flat.length <= width) return flat;
  let end = width - 1;
  // Never split a surrogate pair.
  const code = flat.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${flat.slice(0, end)}…`;
}

/** One line of well-formed text: control characters and lone surrogates escaped. */
function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The nearest `constructor` on the prototype chain, read without running getters. */
function constructorOf(object: object): unknown {
  let proto: unknown = Object.getPrototypeOf(object);
  for (let hops = 0; proto !== null && hops < 32; hops++) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, "constructor");
    if (descriptor !== undefined && "value" in descriptor) {
      return typeof descriptor.value === "function" ? descriptor.value : undefined;
    }
    proto = Object.getPrototypeOf(proto);
  }
  return undefined;
}

function isObjectConstructor(ctor: unknown): boolean {
  // `Object` of another realm (a vm context) too.
  return ctor === Object || nameOf(ctor) === "Object";
}

/** A function's own `name`, read without running getters, cut and made printable. */
function nameOf(fn: unknown): string | undefined {
  try {
    if (typeof fn !== "function") return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(fn, "name");
    const name: unknown = descriptor !== undefined && "value" in descriptor ? descriptor.value : "";
    return typeof name === "string" && name !== "" ? clip(name, NAME_WIDTH) : undefined;
  } catch {
    return undefined;
  }
}

function isClass(fn: unknown): boolean {
  try {
    return /^class\b/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}

/** A class of the platform (`Date`, `Map`, `AbortController`, `Buffer`), not a user's. */
function isBuiltIn(name: string, ctor: unknown): boolean {
  try {
    return (globalThis as Record<string, unknown>)[name] === ctor;
  } catch {
    return false;
  }
}

function article(name: string): string {
  return /^[AEIOaeio]/.test(name) ? "an" : "a";
}

/** Last resort, when looking at the value threw: its `Object.prototype.toString` tag. */
function fallback(value: unknown): string {
  try {
    return `\`${clip(Object.prototype.toString.call(value), VALUE_WIDTH)}\` (${typeof value})`;
  } catch {
    return `${article(typeof value)} ${typeof value} that cannot be inspected`;
  }
}

/** The longest id or name a message quotes in full. */
const MAX_QUOTED = 80;

/**
 * A text (a call's id, a tool's name) as a message quotes it: in JSON quotes, so that control
 * characters and quotes in it cannot break the message, and cut short when long.
 * @example quoted("say \"hi\"") // the 12 characters "say \"hi\""
 */
export function quoted(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}
