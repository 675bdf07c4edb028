/**
 * A tool's `inputSchema` (JSON Schema) as a Standard Schema, compiled once with Ajv, so that
 * the core checks a call's arguments before anything is sent and a bad call ends `invalid_args`
 * with the path of each problem.
 */
import { errorText } from "../core/describe-value.js";
import { JsonSchemaCompiler } from "../json-schema/json-schema-compiler.js";

/** The arguments of an MCP tool: a JSON object. */
export type McpArgs = Record<string, unknown>;

/**
 * The compiler of one `mcpTools()`'s schemas. A schema without `$schema` is read as 2020-12
 * (MCP's default), then as draft-07 if that fails (what servers used before that default, such
 * as `items` given as an array). A server's schema is not checked against its meta-schema (one
 * that is off fails only where Ajv cannot compile it), and each issue's message reads after its
 * path and says where in the schema the check is.
 * @throws Error saying what to install when the peer `ajv` is missing: loaded now, so that a
 *   missing peer fails `mcpTools()` rather than passing for a bad schema.
 */
export function mcpSchemaCompiler(): JsonSchemaCompiler {
  const compiler = new JsonSchemaCompiler("volley/mcp", {
    vendor: "volley/mcp",
    dialects: ["2020-12", "draft-07"],
    checkSchemas: false,
    messages: "after-path",
  });
  compiler.loadAjv();
  return compiler;
}

/** What Ajv said about a schema it could not compile, in one line. */
export function compileProblem(error: unknown): string {
  const cause = error instanceof TypeError ? error.cause : undefined;
  return errorText(cause ?? error).split("\n")[0]!;
}
