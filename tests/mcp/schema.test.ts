import { McpError, ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { createExecutor, type ErrorOutcome, type Outcome } from "volley";
import { mcpTools } from "volley/mcp";
import { captureWarnings } from "../helpers/warnings.js";
import { connectListed, listedTool } from "./fixtures/listed-server.js";

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";
const DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema";
const DRAFT_2019 = "https://json-schema.org/draft/2019-09/schema";

/** A pair: a string, then a number, in each dialect's own words. */
const tools = [
  listedTool("pair_07", {
    $schema: DRAFT_07,
    properties: { pair: { type: "array", items: [{ type: "string" }, { type: "number" }] } },
    required: ["pair"],
  }),
  listedTool("pair_2020", {
    $schema: DRAFT_2020,
    properties: { pair: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }] } },
    required: ["pair"],
  }),
  // No $schema: 2020-12, MCP's default.
  listedTool("pair_default", {
    properties: { pair: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }] } },
  }),
  // No $schema, written as draft-07 (items as an array): 2020-12 refuses it, draft-07 takes it.
  listedTool("pair_old", {
    properties: { pair: { type: "array", items: [{ type: "string" }, { type: "number" }] } },
  }),
  listedTool("needs_b_2019", {
    $schema: DRAFT_2019,
    properties: { a: { type: "string" }, b: { type: "string" } },
    dependentRequired: { a: ["b"] },
  }),
  listedTool("strict", {
    properties: {
      "odd/key": { type: "object", properties: { deep: { type: "integer", minimum: 1 } } },
    },
    additionalProperties: false,
  }),
  listedTool("broken", { properties: { a: { $ref: "#/$defs/missing" } } }),
];

async function setup() {
  using captured = captureWarnings();
  const server = await connectListed("schemas", tools);
  const executor = createExecutor({ tools: await mcpTools(server.client) });
  const warnings = [...captured.warnings];
  return {
    server,
    executor,
    warnings,
    async close() {
      await executor.close();
      await server.close();
    },
  };
}

const errorOf = (o: Outcome | undefined): ErrorOutcome["error"] => {
  if (o?.status !== "error") throw new Error(`expected an error outcome, got ${JSON.stringify(o)}`);
  return o.error;
};

describe("volley/mcp: arguments checked against each tool's JSON Schema, before sending", () => {
  it("follows $schema: draft-07, 2019-09 and 2020-12, and 2020-12 when there is none", async () => {
    const s = await setup();
    try {
      const bad = { pair: ["a", "b"] };
      const report = await s.executor.execute([
        { id: "07", name: "pair_07", args: bad },
        { id: "2020", name: "pair_2020", args: bad },
        { id: "default", name: "pair_default", args: bad },
        { id: "old", name: "pair_old", args: bad },
        { id: "2019", name: "needs_b_2019", args: { a: "x" } },
        { id: "ok", name: "pair_2020", args: { pair: ["a", 1] } },
      ]);
      const [o07, o2020, oDefault, oOld, o2019, ok] = report.outcomes;
      for (const o of [o07, o2020, oDefault, oOld]) {
        const error = errorOf(o);
        expect(error.kind).toBe("invalid_args");
        expect(error.data).toMatchObject({
          issues: [{ path: "pair.1", message: expect.stringContaining("must be number") }],
        });
        expect(error.message).toMatch(/pair\.1: must be number \(schema #\/properties\/pair\//);
      }
      expect(errorOf(o2019).message).toContain("must have property b when property a is present");
      expect(ok).toMatchObject({ status: "ok", value: { pair: ["a", 1] } });
      // Only the valid call reached the server.
      expect(s.server.calls.map((c) => c.name)).toEqual(["pair_2020"]);
    } finally {
      await s.close();
    }
  });

  it("names the property that is missing, extra or wrong, by its path (JSON Pointer unescaped)", async () => {
    const s = await setup();
    try {
      const report = await s.executor.execute([
        { id: "extra", name: "strict", args: { other: 1 } },
        { id: "deep", name: "strict", args: { "odd/key": { deep: 0 } } },
        { id: "missing", name: "pair_07", args: {} },
        { id: "not-object", name: "strict", args: "text" },
      ]);
      const [extra, deep, missing, notObject] = report.outcomes.map(errorOf);
      expect(extra!.data).toMatchObject({
        issues: [{ path: "other", message: expect.stringContaining("is not an allowed property") }],
      });
      expect(deep!.data).toMatchObject({
        issues: [{ path: "odd/key.deep", message: expect.stringContaining("must be >= 1") }],
      });
      expect(missing!.data).toMatchObject({
        issues: [{ path: "pair", message: expect.stringContaining("is required") }],
      });
      expect(notObject!.kind).toBe("invalid_args");
      expect(notObject!.message).toContain("must be object");
    } finally {
      await s.close();
    }
  });

  it("a schema Ajv cannot compile: a VOLLEY_MCP warning naming the tool, and calls go unchecked", async () => {
    const s = await setup();
    try {
      expect(s.warnings).toHaveLength(1);
      expect(s.warnings[0]).toMatchObject({ code: "VOLLEY_MCP" });
      expect(s.warnings[0]!.message).toContain('tool "broken" of MCP server "schemas"');
      expect(s.warnings[0]!.message).toContain("unchecked");
      const [outcome] = (await s.executor.execute([{ id: "b", name: "broken", args: { a: 1 } }]))
        .outcomes;
      expect(outcome).toMatchObject({ status: "ok", value: { a: 1 } });
    } finally {
      await s.close();
    }
  });
});

describe("volley/mcp: errors the server answers with", () => {
  it("InvalidParams ends invalid_args; other protocol errors end tool_error, with the code", async () => {
    const server = await connectListed("errors", [listedTool("picky"), listedTool("broken")], {
      call: ({ name }) => {
        if (name === "picky") throw new McpError(ErrorCode.InvalidParams, "city is not known");
        throw new McpError(ErrorCode.InternalError, "database down");
      },
    });
    const executor = createExecutor({
      tools: await mcpTools(server.client),
      retry: { maxAttempts: 3, initialInterval: 1, jitter: false },
    });
    try {
      const [picky, broken] = (
        await executor.execute([
          { id: "p", name: "picky", args: {} },
          { id: "b", name: "broken", args: {} },
        ])
      ).outcomes;
      expect(picky).toMatchObject({
        status: "error",
        attempts: 1,
        error: {
          kind: "invalid_args",
          message: 'Tool "picky" of MCP server "errors" refused the arguments: city is not known',
          data: { name: "McpCallError", code: -32602 },
        },
      });
      expect(broken).toMatchObject({
        status: "error",
        attempts: 3,
        error: { kind: "tool_error", data: { name: "McpCallError", code: -32603 } },
      });
    } finally {
      await executor.close();
      await server.close();
    }
  });
});

describe("volley/mcp: listing the tools", () => {
  it("follows nextCursor through every page", async () => {
    const names = ["a", "b", "c", "d", "e"];
    const server = await connectListed(
      "paged",
      names.map((n) => listedTool(n)),
      { pageSize: 2 },
    );
    try {
      const listed = await mcpTools(server.client);
      expect(listed.map((t) => t.name)).toEqual(names);
    } finally {
      await server.close();
    }
  });

  it("refuses a server whose pages loop", async () => {
    const server = await connectListed("loop", [listedTool("a"), listedTool("b")], {
      pageSize: 1,
      stuckCursor: "again",
    });
    try {
      await expect(mcpTools(server.client)).rejects.toThrow(/cursor it had already given/);
    } finally {
      await server.close();
    }
  });
});
