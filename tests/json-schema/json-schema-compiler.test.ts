import { describe, expect, it } from "vitest";
import {
  JsonSchemaCompiler,
  MAX_ISSUES,
  type JsonSchemaCompilerOptions,
} from "../../src/json-schema/json-schema-compiler.js";

const DRAFT_04 = "http://json-schema.org/draft-04/schema#";
const DRAFT_07 = "http://json-schema.org/draft-07/schema#";
const DRAFT_2019 = "https://json-schema.org/draft/2019-09/schema";
const DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema";

/** MCP's settings and the AI SDK's, as their subpaths give them. */
const MCP_LIKE: JsonSchemaCompilerOptions = {
  vendor: "test/mcp",
  dialects: ["2020-12", "draft-07"],
  checkSchemas: false,
  messages: "after-path",
};
const AI_SDK_LIKE: JsonSchemaCompilerOptions = {
  vendor: "test/ai-sdk",
  dialects: ["draft-07"],
  checkSchemas: true,
  messages: "ajv",
};

const compiler = (options: JsonSchemaCompilerOptions) => new JsonSchemaCompiler("tests", options);

/** The issues of checking `value`, or `undefined` when it passes. */
async function issues(options: JsonSchemaCompilerOptions, schema: object, value: unknown) {
  const checked = compiler(options).standardSchema("schema", schema);
  return (await checked["~standard"].validate(value)).issues;
}

const tuple = { type: "array", items: [{ type: "string" }, { type: "number" }] };
const prefixTuple = { type: "array", prefixItems: [{ type: "string" }, { type: "number" }] };

describe("json-schema: the dialect", () => {
  it("follows $schema: draft-04 and draft-07 as draft-07, 2019-09, 2020-12", async () => {
    for (const options of [MCP_LIKE, AI_SDK_LIKE]) {
      for (const [$schema, pair] of [
        [DRAFT_04, tuple],
        [DRAFT_07, tuple],
        [DRAFT_2020, prefixTuple],
      ] as const) {
        expect(await issues(options, { $schema, ...pair }, ["a", "b"])).toEqual([
          { path: ["1"], message: expect.stringContaining("must be number") },
        ]);
      }
      const needsB = { $schema: DRAFT_2019, dependentRequired: { a: ["b"] } };
      expect(await issues(options, needsB, { a: 1 })).toEqual([
        { path: [], message: expect.stringContaining("must have property b when property a") },
      ]);
    }
  });

  it("without $schema, the first dialect that compiles: 2020-12 then draft-07, or draft-07", async () => {
    // 2020-12 first: prefixItems is checked.
    expect(await issues(MCP_LIKE, prefixTuple, ["a", "b"])).toHaveLength(1);
    // items as an array does not compile in 2020-12: draft-07 takes it.
    expect(await issues(MCP_LIKE, tuple, ["a", "b"])).toHaveLength(1);
    // draft-07 only: prefixItems is an unknown keyword, so nothing is checked.
    expect(await issues(AI_SDK_LIKE, prefixTuple, ["a", "b"])).toBeUndefined();
    expect(await issues(AI_SDK_LIKE, tuple, ["a", "b"])).toHaveLength(1);
  });

  it("does not assert formats, and lets unknown keywords through", async () => {
    const schema = { type: "string", format: "email", "x-hint": "an address" };
    expect(await issues(MCP_LIKE, schema, "not an email")).toBeUndefined();
    expect(await issues(AI_SDK_LIKE, schema, "not an email")).toBeUndefined();
  });

  it("two schemas with the same $id compile side by side", () => {
    const c = compiler(AI_SDK_LIKE);
    c.standardSchema("a", { $id: "https://example.com/args", type: "string" });
    expect(() => c.standardSchema("b", { $id: "https://example.com/args" })).not.toThrow();
  });
});

describe("json-schema: issues", () => {
  const strict = {
    type: "object",
    properties: {
      "odd/key": { type: "object", properties: { "deep~er": { type: "integer", minimum: 1 } } },
      list: { type: "array", items: { type: "object", required: ["field"] } },
    },
    required: ["list"],
    additionalProperties: false,
  };

  it("give the path to the value, JSON Pointer unescaped, and the property missing or extra", async () => {
    const value = { "odd/key": { "deep~er": 0 }, other: 1 };
    expect(await issues(AI_SDK_LIKE, strict, value)).toEqual([
      { path: ["list"], message: "must have required property 'list'" },
      { path: ["other"], message: "must NOT have additional properties" },
      { path: ["odd/key", "deep~er"], message: "must be >= 1" },
    ]);
    expect(await issues(MCP_LIKE, strict, { list: [{}] })).toEqual([
      {
        path: ["list", "0", "field"],
        message: "is required (schema #/properties/list/items/required)",
      },
    ]);
    expect(await issues(MCP_LIKE, strict, { list: [], other: 1 })).toEqual([
      { path: ["other"], message: "is not an allowed property (schema #/additionalProperties)" },
    ]);
    const closed = { $schema: DRAFT_2020, unevaluatedProperties: false };
    expect(await issues(MCP_LIKE, closed, { stray: 1 })).toEqual([
      { path: ["stray"], message: "is not an allowed property (schema #/unevaluatedProperties)" },
    ]);
  });

  it(`stop at ${MAX_ISSUES}`, async () => {
    const required = Array.from({ length: 50 }, (_, i) => `p${i}`);
    for (const options of [MCP_LIKE, AI_SDK_LIKE]) {
      const found = await issues(options, { type: "object", required }, {});
      expect(found).toHaveLength(MAX_ISSUES);
      expect(found?.[0]?.path).toEqual(["p0"]);
    }
  });

  it("from an $async schema too", async () => {
    const schema = { $async: true, type: "object", properties: { n: { type: "integer" } } };
    expect(await issues(AI_SDK_LIKE, schema, { n: 1.5 })).toEqual([
      { path: ["n"], message: "must be integer" },
    ]);
    expect(await issues(AI_SDK_LIKE, schema, { n: 1 })).toBeUndefined();
  });

  it("a valid value passes as it is, under the caller's vendor", async () => {
    const schema = compiler(MCP_LIKE).standardSchema("s", strict);
    expect(schema["~standard"].vendor).toBe("test/mcp");
    const value = { list: [{ field: 1 }] };
    expect(await schema["~standard"].validate(value)).toEqual({ value });
  });
});

describe("json-schema: a promised schema", () => {
  it("compiles on the first check", async () => {
    const schema = compiler(AI_SDK_LIKE).standardSchema(
      "later",
      Promise.resolve({ type: "object", properties: { n: { type: "integer" } }, required: ["n"] }),
    );
    const check = schema["~standard"].validate({ n: 1.5 });
    expect(check).toBeInstanceOf(Promise);
    expect(await check).toEqual({ issues: [{ path: ["n"], message: "must be integer" }] });
    expect(await schema["~standard"].validate({ n: 2 })).toEqual({ value: { n: 2 } });
  });

  it("that does not compile fails each check with a TypeError, not the process", async () => {
    const schema = compiler(AI_SDK_LIKE).standardSchema(
      "later",
      Promise.resolve({ type: "objec" }),
    );
    for (let i = 0; i < 2; i++) {
      await expect(schema["~standard"].validate({})).rejects.toThrow(
        /^Expected later to be a JSON Schema Ajv can compile: schema is invalid/,
      );
    }
  });
});

describe("json-schema: a schema that does not compile", () => {
  it("is a TypeError naming it, with Ajv's error as its cause", () => {
    const c = compiler(MCP_LIKE);
    let thrown: unknown;
    try {
      c.standardSchema('tool "t"', { properties: { a: { $ref: "#/$defs/missing" } } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(
      /^Expected tool "t" to be a JSON Schema Ajv can compile: /,
    );
    expect((thrown as Error).cause).toBeInstanceOf(Error);
    expect(String((thrown as Error).cause)).toContain("#/$defs/missing");
  });

  it("is checked against its meta-schema only when the caller asks", () => {
    expect(() => compiler(AI_SDK_LIKE).standardSchema("s", { type: "objec" })).toThrow(
      /: schema is invalid: /,
    );
    expect(() => compiler(MCP_LIKE).standardSchema("s", { type: "objec" })).toThrow(
      /^Expected s to be a JSON Schema Ajv can compile: (?!schema is invalid)/,
    );
  });

  it("is a TypeError when it is not a schema object at all", () => {
    expect(() => compiler(AI_SDK_LIKE).standardSchema("s", [] as object)).toThrow(
      new TypeError("Expected s to hold a JSON Schema object, got `[]` (array of 0)"),
    );
  });
});
