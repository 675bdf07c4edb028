/**
 * A JSON Schema as a Volley argument schema: a Standard Schema whose `validate` runs Ajv 8 (the
 * optional peer `ajv`), for AI SDK tools whose input is a `jsonSchema()` without a `validate` of
 * its own. The AI SDK checks nothing for such a tool; through Volley, bad arguments end
 * `invalid_args`, each issue with its JSON path (`filters.0.field`).
 */
import type { Ajv as AjvClass, ErrorObject, Options, ValidateFunction } from "ajv";
import { describeValue, errorText } from "../core/describe-value.js";
import type { StandardResult, StandardSchemaLike } from "../core/index.js";
import { requirePeer } from "../core/optional-peer.js";

/** A JSON Schema (draft-07, 2019-09 or 2020-12), or a promise of one, as `jsonSchema()` holds it. */
export type JsonSchemaSource = object | PromiseLike<object>;

/**
 * How Ajv is set: every issue reported, not only the first; unknown keywords and formats allowed
 * (schemas written for models carry annotations Ajv does not know, and `ajv-formats` is not a
 * peer, so `format` is a hint to the model, not checked); the `$id`s of tools never clash; Ajv
 * never logs.
 */
const AJV_OPTIONS: Options = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  addUsedSchema: false,
  logger: false,
};

/** The Ajv class for a schema's `$schema`, and the schema as that class should compile it. */
type Dialect = "ajv" | "ajv/dist/2019" | "ajv/dist/2020";

/**
 * Makes Ajv instances on demand, one per dialect, shared by the tools of one `fromAiSdkTools()`
 * call (an instance costs milliseconds to make; its compiled schemas go when the tools go).
 */
export class JsonSchemaCompiler {
  readonly #needer: string;
  readonly #instances = new Map<Dialect, AjvClass>();

  /** @param needer who needs Ajv, for the "npm install ajv" message */
  constructor(needer: string) {
    this.#needer = needer;
  }

  /**
   * The Standard Schema that checks values against `source`. A schema given as it is compiles
   * now; a promised one compiles on the first check.
   * @param where names the schema in messages: `tool "weather".inputSchema`
   * @throws TypeError when Ajv cannot compile the schema; an Error saying "npm install ajv"
   *   when the peer is missing.
   */
  standardSchema(where: string, source: JsonSchemaSource): StandardSchemaLike {
    let validator: ValidateFunction | Promise<ValidateFunction>;
    if (isPromiseLike(source)) {
      this.#ajv("ajv"); // Says "npm install ajv" now rather than at the first call.
      validator = Promise.resolve(source).then((schema) => this.#compile(where, schema));
      // A schema that fails to compile fails each check (with what Ajv said), not the process.
      validator.catch(() => undefined);
    } else {
      validator = this.#compile(where, source);
    }
    return {
      "~standard": {
        version: 1,
        vendor: "volley-ajv",
        validate: (value) =>
          validator instanceof Promise
            ? validator.then((v) => check(v, value))
            : check(validator, value),
      },
    };
  }

  #compile(where: string, schema: unknown): ValidateFunction {
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      throw new TypeError(
        `Expected ${where} to hold a JSON Schema object, got ${describeValue(schema)}`,
      );
    }
    const [dialect, compiled] = dialectOf(schema as Record<string, unknown>);
    try {
      return this.#ajv(dialect).compile(compiled);
    } catch (error) {
      throw new TypeError(
        `Expected ${where} to be a JSON Schema Ajv can compile: ${errorText(error)}`,
        { cause: error },
      );
    }
  }

  #ajv(dialect: Dialect): AjvClass {
    let ajv = this.#instances.get(dialect);
    if (ajv === undefined) {
      const loaded = requirePeer<{ readonly default: new (options: Options) => AjvClass }>(
        dialect,
        this.#needer,
        "ajv",
      );
      ajv = new loaded.default(AJV_OPTIONS);
      this.#instances.set(dialect, ajv);
    }
    return ajv;
  }
}

/** The Ajv class a schema's `$schema` asks for; others compile as draft-07 without it. */
function dialectOf(schema: Record<string, unknown>): [Dialect, object] {
  const meta = typeof schema["$schema"] === "string" ? schema["$schema"] : "";
  if (meta.includes("2020-12")) return ["ajv/dist/2020", schema];
  if (meta.includes("2019-09")) return ["ajv/dist/2019", schema];
  if (meta === "" || /draft-07\/schema#?$/.test(meta)) return ["ajv", schema];
  // Draft-04 and -06 schemas are, for the checks tools need, draft-07 ones: Ajv 8 has no
  // meta-schema for them and would refuse them by their `$schema` alone.
  const { $schema: _meta, ...rest } = schema;
  return ["ajv", rest];
}

function check(
  validate: ValidateFunction,
  value: unknown,
): StandardResult<unknown> | Promise<StandardResult<unknown>> {
  const valid = validate(value) as boolean | Promise<unknown>;
  if (valid instanceof Promise) {
    // An `$async` schema: it resolves with the value or rejects with Ajv's ValidationError.
    return valid.then(
      () => ({ value }),
      (error: unknown) => {
        const errors = (error as { errors?: unknown }).errors;
        if (!Array.isArray(errors)) throw error;
        return { issues: errors.map(issueOf) };
      },
    );
  }
  return valid ? { value } : { issues: (validate.errors ?? []).map(issueOf) };
}

/** One Ajv error as a Standard Schema issue: its JSON pointer made keys, the property it names added. */
function issueOf(error: ErrorObject): { message: string; path: string[] } {
  const path =
    error.instancePath === "" ? [] : error.instancePath.slice(1).split("/").map(unescape);
  const params = error.params as Record<string, unknown>;
  // A missing or unexpected property is the parent's error in Ajv; it is about the property.
  const named =
    error.keyword === "required"
      ? params["missingProperty"]
      : error.keyword === "additionalProperties"
        ? params["additionalProperty"]
        : undefined;
  if (typeof named === "string") path.push(named);
  return { message: error.message ?? `fails "${error.keyword}"`, path };
}

/** A JSON pointer segment as the key it names. */
function unescape(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
