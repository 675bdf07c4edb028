import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeValue, errorText } from "../../src/core/describe-value.js";

const boom = (): never => {
  throw new Error("boom");
};

/** A Proxy every trap of which throws. */
function throwingProxy<T extends object>(target: T): T {
  const traps: ProxyHandler<T> = {};
  for (const trap of [
    "get",
    "set",
    "has",
    "ownKeys",
    "getOwnPropertyDescriptor",
    "getPrototypeOf",
    "setPrototypeOf",
    "defineProperty",
    "deleteProperty",
    "isExtensible",
    "preventExtensions",
    "apply",
    "construct",
  ] as const) {
    traps[trap] = boom;
  }
  return new Proxy(target, traps);
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/**
 * Every way a value can fight back, each wrapping an inner value. Values are made inside the
 * property (from a recipe), so that fast-check itself never touches a throwing Proxy.
 */
const hostileMakers: ReadonlyArray<(inner: unknown) => unknown> = [
  (inner) => throwingProxy({ inner }),
  (inner) => throwingProxy([inner]),
  () => throwingProxy(function named() {}),
  () => revokedProxy(),
  (inner) => ({
    inner,
    get bad() {
      return boom();
    },
  }),
  (inner) => Object.assign(Object.create(null) as object, { inner }),
  (inner) => {
    const cyclic: Record<string, unknown> = { inner };
    cyclic["self"] = cyclic;
    return cyclic;
  },
  (inner) => ({ inner, toString: boom, toJSON: boom, valueOf: boom, [Symbol.toPrimitive]: boom }),
  (inner) => Object.defineProperty(() => inner, "name", { get: boom }),
  (inner) => {
    class Evil {
      static get name(): string {
        return boom();
      }
    }
    return Object.assign(new Evil(), { inner });
  },
  (inner) => Object.defineProperty({ inner }, Symbol.toStringTag, { get: boom }),
  () => Object.create(throwingProxy({})) as object,
  (inner) => Object.assign(new Error("inner"), { inner }),
  () => Object.defineProperty(new Error("x"), "message", { get: boom }),
  (inner) => Object.assign(new Array<unknown>(3), { 0: inner, 2: inner }),
  (inner) => ({ [`a\n${"k".repeat(200)}`]: inner, "\u2028": "\ud800" }),
];

const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: "binary",
  maxDepth: 3,
});

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type Recipe = () => unknown;

/** A recipe that fast-check prints, on a failure, as what it makes. */
function labelled(label: string, make: Recipe): Recipe {
  return Object.assign(make, { [fc.toStringMethod]: () => label });
}

const recipe: fc.Arbitrary<Recipe> = fc.letrec<{ value: Recipe }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    anything.map((v) => labelled(fc.stringify(v), () => v)),
    fc.string({ unit: "binary", maxLength: 500 }).map((v) => labelled(fc.stringify(v), () => v)),
    fc
      .constantFrom<unknown>(Symbol("s\ny"), 10n ** 40n, -0, NaN, describeValue, class Foo {})
      .map((v) => labelled(String(v), () => v)),
    fc
      .tuple(tie("value"), fc.nat(hostileMakers.length - 1))
      .map(([inner, i]) =>
        labelled(`hostile#${i}(${fc.stringify(inner)})`, () => hostileMakers[i]!(inner())),
      ),
    fc
      .array(tie("value"), { maxLength: 12 })
      .map((items) =>
        labelled(`[${items.map((make) => fc.stringify(make)).join(", ")}]`, () =>
          items.map((make) => make()),
        ),
      ),
    fc
      .dictionary(fc.string({ unit: "binary", maxLength: 80 }), tie("value"), { maxKeys: 12 })
      .map((entries) =>
        // A label built by hand: fc.stringify would call a recipe stored under the key "toString".
        labelled(
          `{${Object.entries(entries)
            .map(([k, make]) => `${JSON.stringify(k)}: ${fc.stringify(make)}`)
            .join(", ")}}`,
          () => Object.fromEntries(Object.entries(entries).map(([k, make]) => [k, make()])),
        ),
      ),
  ),
})).value;

describe("describeValue", () => {
  it.each<[string, unknown, string]>([
    ["a number", 4.5, "`4.5` (number)"],
    ["negative zero", -0, "`-0` (number)"],
    ["NaN", NaN, "`NaN` (number)"],
    ["Infinity", Infinity, "`Infinity` (number)"],
    ["a string", "fast", '`"fast"` (string)'],
    ["the empty string", "", '`""` (string)'],
    ["a string with a line break", "a\nb", '`"a\\nb"` (string)'],
    ["a boolean", false, "`false` (boolean)"],
    ["a bigint", 10n, "`10n` (bigint)"],
    ["a symbol", Symbol("id"), "`Symbol(id)` (symbol)"],
    ["null", null, "`null`"],
    ["undefined", undefined, "`undefined`"],
    ["an array", [1, 2, 3], "`[1, 2, 3]` (array of 3)"],
    ["an empty array", [], "`[]` (array of 0)"],
    [
      "a sparse array",
      Object.assign(new Array<unknown>(2), { 1: 1 }),
      "`[<empty>, 1]` (array of 2)",
    ],
    ["a plain object", { concurency: 4 }, "`{ concurency: 4 }` (object)"],
    ["an empty object", {}, "`{}` (object)"],
    ["a quoted key", { "a-b": 1 }, '`{ "a-b": 1 }` (object)'],
    [
      "a nested object",
      { retry: { maxAttempts: 0 }, timeoutMs: -1 },
      "`{ retry: { maxAttempts: 0 }, timeoutMs: -1 }` (object)",
    ],
    ["a deep object", { a: { b: { c: 1 } } }, "`{ a: { b: {…} } }` (object)"],
    [
      "functions and instances inside",
      { run() {}, at: new Date(0) },
      "`{ run: [function run], at: [Date] }` (object)",
    ],
    [
      "a null-prototype object",
      Object.assign(Object.create(null) as object, { a: 1 }),
      "`{ a: 1 }` (null-prototype object)",
    ],
    ["a named function", function run() {}, "a function `run`"],
    ["an anonymous function", (() => () => {})(), "an anonymous function"],
    ["a class", class Foo {}, "a class `Foo`"],
    ["a built-in instance", new Date(0), "a Date"],
    ["a built-in starting with a vowel", new AbortController(), "an AbortController"],
    ["an error", new TypeError("x"), "a TypeError"],
    ["a class instance", new (class Foo {})(), "an instance of Foo"],
    ["an anonymous class's instance", new (class {})(), "an instance of an anonymous class"],
  ])("shows %s exactly", (_, value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  it("cuts long values at about 60 characters with an ellipsis", () => {
    expect(describeValue("x".repeat(200))).toBe(`\`"${"x".repeat(57)}…"\` (string)`);
    expect(describeValue(Array.from({ length: 100 }, (_, i) => i))).toBe(
      "`[0, 1, 2, 3, 4, 5, 6, 7, …]` (array of 100)",
    );
    expect(describeValue({ a: "a".repeat(50), b: 2 })).toBe(
      '`{ a: "aaaaaaaaaaaaaaaaaaaaa…", b: 2 }` (object)',
    );
    const long = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, i]));
    expect(describeValue(long)).toBe(
      "`{ key0: 0, key1: 1, key2: 2, key3: 3, key4: 4, key5: 5, … }` (object)",
    );
  });

  it("never cuts an escape or a surrogate pair in half", () => {
    expect(describeValue(`${"x".repeat(56)}\n`)).toBe(`\`"${"x".repeat(56)}\\n"\` (string)`);
    expect(describeValue(`${"x".repeat(57)}\n`)).toBe(`\`"${"x".repeat(57)}…"\` (string)`);
    expect(describeValue("😀".repeat(40))).toBe(`\`"${"😀".repeat(28)}…"\` (string)`);
    expect(describeValue("\ud800")).toBe('`"\\ud800"` (string)');
  });

  it("runs no getter, toString or toJSON of the value", () => {
    let ran = 0;
    const value = {
      get x() {
        ran++;
        return 1;
      },
      toString() {
        ran++;
        return "s";
      },
      toJSON() {
        ran++;
        return "j";
      },
    };
    expect(describeValue(value)).toBe(
      "`{ x: [getter], toString: [function toString], … }` (object)",
    );
    expect(ran).toBe(0);
  });

  it("describes values that fight back, without throwing", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic["self"] = cyclic;
    expect(describeValue(cyclic)).toBe("`{ a: 1, self: { a: 1, self: {…} } }` (object)");
    expect(describeValue(throwingProxy({}))).toBe("an object that cannot be inspected");
    expect(describeValue(revokedProxy())).toBe("an object that cannot be inspected");
    expect(describeValue(throwingProxy(function run() {}))).toBe("an anonymous function");
    expect(
      describeValue({
        get bad() {
          return boom();
        },
      }),
    ).toBe("`{ bad: [getter] }` (object)");
    expect(describeValue({ toString: boom })).toBe("`{ toString: [function boom] }` (object)");
    expect(describeValue(Object.defineProperty(() => 1, "name", { get: boom }))).toBe(
      "an anonymous function",
    );
    expect(describeValue(Object.create(null))).toBe("`{}` (null-prototype object)");
  });

  it("never throws, and always says something short on one line (property)", () => {
    fc.assert(
      fc.property(recipe, (make) => {
        const text = describeValue(make());
        expect(typeof text).toBe("string");
        expect(text.length).toBeGreaterThan(0);
        expect(text.length).toBeLessThanOrEqual(120);
        expect(text).not.toMatch(/[\n\r\u2028\u2029]/);
        expect(text).not.toMatch(LONE_SURROGATE);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("errorText", () => {
  it("is an Error's message, or the thrown value as a string", () => {
    expect(errorText(new Error("boom"))).toBe("boom");
    expect(errorText(new TypeError(""))).toBe("");
    expect(errorText(new Proxy(new Error("through a proxy"), {}))).toBe("through a proxy");
    expect(errorText("plain")).toBe("plain");
    expect(errorText(42)).toBe("42");
    expect(errorText(undefined)).toBe("undefined");
    expect(errorText({ toString: () => "custom" })).toBe("custom");
    expect(errorText(Object.assign(new Error("x"), { message: 7 }))).toBe("7");
  });

  it("reads the message of an Error from another realm", async () => {
    const { runInNewContext } = await import("node:vm");
    expect(errorText(runInNewContext('new Error("elsewhere")'))).toBe("elsewhere");
  });

  it("describes what cannot become a string, without throwing", () => {
    expect(errorText(Object.create(null))).toBe("`{}` (null-prototype object)");
    expect(errorText({ toString: boom })).toBe("`{ toString: [function boom] }` (object)");
    expect(errorText(Object.defineProperty(new Error("x"), "message", { get: boom }))).toBe(
      "an Error",
    );
    expect(errorText(throwingProxy({}))).toBe("an object that cannot be inspected");
    expect(errorText(revokedProxy())).toBe("an object that cannot be inspected");
  });

  it("never throws (property)", () => {
    fc.assert(
      fc.property(recipe, (make) => {
        expect(typeof errorText(make())).toBe("string");
      }),
      { numRuns: 1_000 },
    );
  });
});
