import { describe, expect, it } from "vitest";
import { DEFAULT_REDACT_PATTERN } from "../../src/logging/index.js";
import { makeSanitizer } from "../../src/logging/sanitize.js";

const sanitize = makeSanitizer({
  redact: DEFAULT_REDACT_PATTERN,
  maxStringLength: 20,
  maxItems: 3,
  maxDepth: 3,
});

describe("makeSanitizer", () => {
  it("makes errors, maps, sets, dates, binary data and odd primitives readable", () => {
    const error = Object.assign(new TypeError("bad"), { code: "E_BAD", token: "t" });
    const roomy = makeSanitizer({
      redact: DEFAULT_REDACT_PATTERN,
      maxStringLength: 20,
      maxItems: 20,
      maxDepth: 3,
    });
    expect(
      roomy({
        error,
        map: new Map<unknown, unknown>([
          ["a", 1],
          ["secret", 2],
        ]),
        set: new Set([1, 2]),
        date: new Date(0),
        bytes: new Uint8Array(16),
        buffer: new ArrayBuffer(8),
        nan: Number.NaN,
        fn: function named() {},
        sym: Symbol("s"),
        undef: undefined,
      }),
    ).toEqual({
      error: { name: "TypeError", message: "bad", code: "E_BAD", token: "[Redacted]" },
      map: { a: 1, secret: "[Redacted]" },
      set: [1, 2],
      date: new Date(0),
      bytes: "[Uint8Array 16 bytes]",
      buffer: "[ArrayBuffer 8 bytes]",
      nan: "NaN",
      fn: "[Function named]",
      sym: "Symbol(s)",
      undef: undefined,
    });
  });

  it("counts the keys it leaves out of a wide object", () => {
    expect(sanitize({ a: 1, b: 2, c: 3, d: 4, e: 5 })).toEqual({
      a: 1,
      b: 2,
      c: 3,
      "…": "[2 more keys]",
    });
  });

  it("marks only true cycles, not shared references", () => {
    const shared = { x: 1 };
    expect(sanitize([shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
  });

  it("works with a global RegExp, whose lastIndex would otherwise carry over", () => {
    const global = makeSanitizer({
      redact: /token/gi,
      maxStringLength: 100,
      maxItems: 10,
      maxDepth: 5,
    });
    expect(global({ token: 1, Token: 2, other: 3, TOKEN: 4 })).toEqual({
      token: "[Redacted]",
      Token: "[Redacted]",
      other: 3,
      TOKEN: "[Redacted]",
    });
  });

  it("never mutates its input", () => {
    const input = { apiKey: "k", list: [1, 2, 3, 4, 5], text: "x".repeat(50) };
    const copy = structuredClone(input);
    sanitize(input);
    expect(input).toEqual(copy);
  });
});

describe("makeSanitizer on untrusted keys", () => {
  it('keeps a "__proto__" key of parsed JSON as data, redacted inside, not as a prototype', () => {
    const args = JSON.parse('{"__proto__": {"password": "hunter2", "q": 1}, "a": 2}') as object;
    const out = sanitize(args) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(out))).toEqual(
      JSON.parse('{"__proto__": {"password": "[Redacted]", "q": 1}, "a": 2}'),
    );
    expect(JSON.stringify(out)).toContain('"__proto__":{"password":"[Redacted]","q":1}');
  });
});
