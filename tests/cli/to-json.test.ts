import { describe, expect, it } from "vitest";
import {
  CIRCULAR_MARKER,
  DEPTH_MARKER,
  JSON_MAX_DEPTH,
  SIZE_MARKER,
  toJson,
} from "../../src/cli/to-json.js";

/** `n` levels of `{ next }` around `bottom`. */
function nested(n: number, bottom: unknown = "bottom"): unknown {
  let value = bottom;
  for (let i = 0; i < n; i++) value = { next: value };
  return value;
}

const line = (value: unknown, options = {}): unknown =>
  JSON.parse(toJson(value, { indent: 0, ...options }));

describe("toJson: JSON for anything, never throwing", () => {
  it("writes what JSON.stringify writes for plain data", () => {
    const value = {
      s: "a\nb",
      n: 1.5,
      nan: NaN,
      inf: -Infinity,
      t: true,
      z: null,
      u: undefined,
      f: () => 1,
      sym: Symbol("x"),
      list: [1, undefined, () => 1, , "x"], // eslint-disable-line no-sparse-arrays
      date: new Date(0),
      boxed: [Object(1), Object("s"), Object(false)],
      map: new Map([[1, 2]]),
      withKey: { toJSON: (key: string) => `key was ${key}` },
    };
    expect(toJson(value)).toBe(JSON.stringify(value, null, 2));
    expect(toJson(undefined)).toBe("null");
    expect(toJson("x")).toBe('"x"');
  });

  it("keeps a __proto__ key as a key", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    expect(toJson(value, { indent: 0 })).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it("writes a BigInt as its digits, in a string, also inside a boxed BigInt", () => {
    expect(line({ n: 10n ** 30n, boxed: Object(5n) })).toEqual({
      n: "1000000000000000000000000000000",
      boxed: "5",
    });
  });

  it("marks a cycle where it recurs, but not an object met twice side by side", () => {
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic["self"] = cyclic;
    const list: unknown[] = [];
    list.push(list);
    const shared = { x: 1 };
    expect(line({ cyclic, list, a: shared, b: [shared] })).toEqual({
      cyclic: { n: "1", self: CIRCULAR_MARKER },
      list: [CIRCULAR_MARKER],
      a: { x: 1 },
      b: [{ x: 1 }],
    });
  });

  it(`nests at most ${JSON_MAX_DEPTH} levels: deeper arrays and objects are a marker`, () => {
    expect(line(nested(JSON_MAX_DEPTH))).toEqual(nested(JSON_MAX_DEPTH));
    expect(line(nested(JSON_MAX_DEPTH + 1))).toEqual(nested(JSON_MAX_DEPTH, DEPTH_MARKER));
    // Far deeper than JSON.stringify's stack reaches, and through toJSON() too.
    expect(() => JSON.stringify(nested(100_000))).toThrow(RangeError);
    expect(line(nested(100_000))).toEqual(nested(JSON_MAX_DEPTH, DEPTH_MARKER));
    expect(line({ toJSON: () => nested(10_000) }, { maxDepth: 3 })).toEqual(
      nested(3, DEPTH_MARKER),
    );
    // Primitives at the limit are kept: only containers count.
    expect(line([[1, [2]]], { maxDepth: 2 })).toEqual([[1, DEPTH_MARKER]]);
  });

  it("marks what a throwing toJSON(), getter or Proxy trap should have given, and keeps the rest", () => {
    const value = {
      kept: 1,
      toJSON: {
        toJSON() {
          throw new Error("no JSON");
        },
      },
      get getter(): never {
        throw new TypeError("no getter");
      },
      toJSONGetter: Object.defineProperty({}, "toJSON", {
        get() {
          throw new Error("no toJSON to read");
        },
      }),
      proxy: new Proxy(
        {},
        {
          ownKeys() {
            throw new Error("no keys");
          },
        },
      ),
      thrownString: {
        toJSON() {
          throw "a string";
        },
      },
      long: {
        toJSON() {
          throw new Error("x".repeat(1_000));
        },
      },
    };
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const out = line(value) as Record<string, unknown>;
    expect(out).toMatchObject({
      kept: 1,
      getter: "[unserialisable: no getter]",
      toJSON: "[unserialisable: no JSON]",
      toJSONGetter: "[unserialisable: no toJSON to read]",
      proxy: "[unserialisable: no keys]",
      thrownString: "[unserialisable: a string]",
    });
    expect(String(out["long"])).toHaveLength("[unserialisable: ]".length + 200);
    expect(line([revocable.proxy])).toEqual([
      expect.stringMatching(/^\[unserialisable: .*revoked/),
    ]);
  });

  it("stops at about maxChars: longer strings are cut, later values become a marker", () => {
    const out = line({ a: "x".repeat(100), b: [1, 2, 3], c: { d: 1 } }, { maxChars: 60 }) as Record<
      string,
      unknown
    >;
    expect(out["a"]).toMatch(/^x+…\[size limit: \d+ more chars\]$/);
    expect(String(out["a"]).length).toBeLessThan(100);
    expect(out["b"]).toBe(SIZE_MARKER);
    // A huge sparse array is not walked to its end.
    const sparse = line([new Array(2 ** 32 - 1)], { maxChars: 1_000 }) as unknown[][];
    expect(sparse[0]!.at(-1)).toBe(SIZE_MARKER);
    expect(sparse[0]!.length).toBeLessThan(1_000);
  });
});
