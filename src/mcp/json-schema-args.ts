/**
 * A tool's `inputSchema` (JSON Schema) as a Standard Schema, compiled once with Ajv, so that
 * the core checks a call's arguments before anything is sent and a bad call ends `invalid_args`
 * with the path of each problem.
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { errorText } from "../core/describe-value.js";
import type { StandardResult, StandardSchemaLike } from "../core/schema.js";
import { ajvClass, type AjvInstance, type Dialect } from "./load-ajv.js";

/** The arguments of an MCP tool: a JSON object. */
export type McpArgs = Record<string, unknown>;

/** The most problems reported for one call: a model needs the first few, not hundreds. */
const MAX_ISSUES = 20;

/**
 * Ajv's settings for schemas written by others: unknown keywords pass (servers add their own),
 * formats are not asserted (2020-12 makes them annotations; the server checks what it needs),
 * the schema itself is not checked against its meta-schema (a bad one fails to compile
 * instead), and a schema's `$id` is not kept, so two servers' schemas never clash.
 */
const AJV_OPTIONS = {
  strict: false,
  allErrors: true,
  validateFormats: false,
  validateSchema: false,
  addUsedSchema: false,
  logger: false,
} as const;

/** The dialect a `$schema` names; `undefined` for none (MCP's default is 2020-12). */
function dialectOf(uri: unknown): Dialect | undefined {
  if (typeof uri !== "string") return undefined;
  if (/json-schema\.org\/draft\/2020-12\//.test(uri)) return "2020-12";
  if (/json-schema\.org\/draft\/2019-09\//.test(uri)) return "2019-09";
  // Draft 4 and 6 are near enough to 7 for argument schemas; what is not fails to compile.
  if (/json-schema\.org\/draft-0[4-7]\//.test(uri)) return "draft-07";
  return undefined;
}

/** One Ajv instance per dialect, made when first needed: the tools of one `mcpTools()` share it. */
export class SchemaCompiler {
  readonly #instances = new Map<Dialect, AjvInstance>();

  /** @throws Error saying what to install when the peer `ajv` is missing. */
  constructor() {
    // Loaded now, so that a missing peer fails mcpTools() rather than passing for a bad schema.
    ajvClass("2020-12");
  }

  #ajv(dialect: Dialect): AjvInstance {
    let ajv = this.#instances.get(dialect);
    if (ajv === undefined) {
      const Ajv = ajvClass(dialect);
      ajv = new Ajv(AJV_OPTIONS);
      this.#instances.set(dialect, ajv);
    }
    return ajv;
  }

  /**
   * Compiles `schema` in the dialect its `$schema` names. Without one, as 2020-12 (MCP's
   * default), then as draft-07 if that fails (what servers used before that default, such as
   * `items` given as an array). Throws Ajv's error when the schema compiles in neither.
   */
  compile(schema: object): ValidateFunction {
    const declared = (schema as { $schema?: unknown }).$schema;
    const dialect = dialectOf(declared);
    if (dialect !== undefined || declared !== undefined) {
      return this.#ajv(dialect ?? "2020-12").compile(schema);
    }
    try {
      return this.#ajv("2020-12").compile(schema);
    } catch (error) {
      try {
        return this.#ajv("draft-07").compile(schema);
      } catch {
        throw error;
      }
    }
  }
}

/** Makes the Standard Schema of a compiled JSON Schema. */
export function jsonSchemaArgs(validate: ValidateFunction): StandardSchemaLike<McpArgs> {
  return {
    "~standard": {
      version: 1,
      vendor: "volley/mcp",
      validate: (value: unknown): StandardResult<McpArgs> =>
        validate(value) ? { value: value as McpArgs } : { issues: issuesOf(validate.errors) },
    },
  };
}

/** Ajv's errors as Standard Schema issues: the path to the value, then what is wrong with it. */
function issuesOf(errors: ValidateFunction["errors"]): { message: string; path: string[] }[] {
  if (!errors || errors.length === 0) return [{ message: "does not match the schema", path: [] }];
  return errors.slice(0, MAX_ISSUES).map(issueOf);
}

function issueOf(error: ErrorObject): { message: string; path: string[] } {
  const path =
    error.instancePath === "" ? [] : error.instancePath.slice(1).split("/").map(unescape);
  const params = error.params as Record<string, unknown>;
  let message = error.message ?? `fails "${error.keyword}"`;
  // Ajv names a missing or extra property in its params, with the object's path: the property's
  // own path says it better.
  if (error.keyword === "required" && typeof params["missingProperty"] === "string") {
    path.push(params["missingProperty"]);
    message = "is required";
  } else if (
    (error.keyword === "additionalProperties" || error.keyword === "unevaluatedProperties") &&
    typeof (params["additionalProperty"] ?? params["unevaluatedProperty"]) === "string"
  ) {
    path.push((params["additionalProperty"] ?? params["unevaluatedProperty"]) as string);
    message = "is not an allowed property";
  }
  return { message: `${message} (schema ${error.schemaPath})`, path };
}

/** A JSON Pointer segment: `~1` is `/`, `~0` is `~`. */
function unescape(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** What Ajv said about a schema it could not compile, in one line. */
export function compileProblem(error: unknown): string {
  return errorText(error).split("\n")[0]!;
}
