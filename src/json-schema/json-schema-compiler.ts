/**
 * A JSON Schema as a Standard Schema whose `validate` runs Ajv 8 (the optional peer `ajv`), so
 * that the core checks a call's arguments and a bad call ends `invalid_args` with the path of
 * each problem. One module for every subpath that takes JSON Schemas (`volley/mcp`,
 * `volley/ai-sdk`); each says, in {@link JsonSchemaCompilerOptions}, what its users expect.
 */
import type { ErrorObject, Options, ValidateFunction } from "ajv";
import { describeValue, errorText } from "../core/describe-value.js";
import type { StandardResult, StandardSchemaLike } from "../core/schema.js";
import { ajvClass, type AjvInstance, type Dialect } from "./load-ajv.js";

export type { Dialect } from "./load-ajv.js";

/** A JSON Schema (draft-04 to 2020-12), or a promise of one, as the AI SDK's `jsonSchema()` holds it. */
export type JsonSchemaSource = object | PromiseLike<object>;

/** How a subpath's schemas are read and its issues worded. */
export interface JsonSchemaCompilerOptions {
  /** The Standard Schema `vendor` of the schemas made. @example "volley/mcp" */
  readonly vendor: string;
  /**
   * The dialects tried, in order, for a schema whose `$schema` names none Volley knows (or that
   * has none): the first that compiles it is used, and the first one's error is thrown when none
   * does.
   * @example ["2020-12", "draft-07"]
   */
  readonly dialects: readonly [Dialect, ...Dialect[]];
  /**
   * Whether a schema is first checked against its dialect's meta-schema: then a malformed one
   * fails with Ajv's "schema is invalid: …"; without, it fails only where Ajv cannot compile it.
   */
  readonly checkSchemas: boolean;
  /**
   * How an issue's message reads: `"ajv"`, Ajv's own words (`must have required property
   * 'city'`); `"after-path"`, words that read after the issue's path, which names a missing or
   * extra property (`is required`, `is not an allowed property`), then where in the schema the
   * check is (`(schema #/required)`).
   */
  readonly messages: "ajv" | "after-path";
}

/** The most problems reported for one value: a model needs the first few, not hundreds. */
export const MAX_ISSUES = 20;

/**
 * Ajv's settings for schemas written by others: every issue reported, not only the first;
 * unknown keywords pass (servers and schemas written for models carry their own); formats are
 * not asserted (2020-12 makes them annotations, and `ajv-formats` is not a peer, so `format` is a
 * hint); a schema's `$id` is not kept, so two tools' schemas never clash; Ajv never logs.
 */
const AJV_OPTIONS = {
  strict: false,
  allErrors: true,
  validateFormats: false,
  addUsedSchema: false,
  logger: false,
} as const satisfies Options;

/** The dialect a `$schema` names; `undefined` for none Volley knows. */
function dialectOf(uri: unknown): Dialect | undefined {
  if (typeof uri !== "string") return undefined;
  if (uri.includes("2020-12")) return "2020-12";
  if (uri.includes("2019-09")) return "2019-09";
  // Draft 4 and 6 are near enough to 7 for argument schemas; what is not fails to compile.
  if (/draft-0[4-7]\b/.test(uri)) return "draft-07";
  return undefined;
}

/**
 * Makes Standard Schemas of JSON Schemas, with one Ajv instance per dialect made when first
 * needed and shared by the schemas of one compiler (an instance costs milliseconds to make; its
 * compiled schemas go when the compiler goes).
 */
export class JsonSchemaCompiler {
  readonly #needer: string;
  readonly #options: JsonSchemaCompilerOptions;
  readonly #instances = new Map<Dialect, AjvInstance>();

  /**
   * @param needer who needs Ajv, for the "npm install ajv" message: `volley/mcp`, …
   * @param options how schemas are read and issues worded
   */
  constructor(needer: string, options: JsonSchemaCompilerOptions) {
    this.#needer = needer;
    this.#options = options;
  }

  /**
   * Loads Ajv now, for a caller that must fail at once when the peer is missing rather than at
   * its first schema.
   * @throws Error saying "npm install ajv" when the peer `ajv` is missing.
   */
  loadAjv(): void {
    this.#ajv(this.#options.dialects[0]);
  }

  /**
   * The Standard Schema that checks values against `source`. A schema given as it is compiles
   * now; a promised one compiles on the first check (and a failure fails each check).
   * @param where names the schema in messages: `tool "weather".inputSchema`
   * @throws TypeError when `source` is not a schema object or Ajv cannot compile it (Ajv's
   *   error as its `cause`); an Error saying "npm install ajv" when the peer is missing.
   */
  standardSchema<T = unknown>(where: string, source: JsonSchemaSource): StandardSchemaLike<T> {
    let validator: ValidateFunction | Promise<ValidateFunction>;
    if (isPromiseLike(source)) {
      this.loadAjv(); // Says "npm install ajv" now rather than at the first call.
      validator = Promise.resolve(source).then((schema) => this.#compile(where, schema));
      // A schema that fails to compile fails each check (with what Ajv said), not the process.
      validator.catch(() => undefined);
    } else {
      validator = this.#compile(where, source);
    }
    const messages = this.#options.messages;
    return {
      "~standard": {
        version: 1,
        vendor: this.#options.vendor,
        validate: (value: unknown) =>
          validator instanceof Promise
            ? validator.then((v) => check<T>(v, value, messages))
            : check<T>(validator, value, messages),
      },
    };
  }

  #compile(where: string, schema: unknown): ValidateFunction {
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      throw new TypeError(
        `Expected ${where} to hold a JSON Schema object, got ${describeValue(schema)}`,
      );
    }
    // Ajv knows only its own meta-schemas, by their exact URI: the dialect is read from
    // `$schema` here, and Ajv compiles the schema without it.
    const { $schema: declared, ...rest } = schema as Record<string, unknown>;
    const named = dialectOf(declared);
    const dialects = named === undefined ? this.#options.dialects : [named];
    const compiled = "$schema" in schema ? rest : schema;
    let first: unknown;
    for (const dialect of dialects) {
      const ajv = this.#ajv(dialect); // A missing peer is not a schema's fault: it passes as it is.
      try {
        return ajv.compile(compiled);
      } catch (error) {
        first ??= error;
      }
    }
    throw new TypeError(
      `Expected ${where} to be a JSON Schema Ajv can compile: ${errorText(first)}`,
      { cause: first },
    );
  }

  #ajv(dialect: Dialect): AjvInstance {
    let ajv = this.#instances.get(dialect);
    if (ajv === undefined) {
      const Ajv = ajvClass(dialect, this.#needer);
      ajv = new Ajv({ ...AJV_OPTIONS, validateSchema: this.#options.checkSchemas });
      this.#instances.set(dialect, ajv);
    }
    return ajv;
  }
}

/** Issues as the Standard Schema spec has them. */
type Issues = { message: string; path: string[] }[];

function check<T>(
  validate: ValidateFunction,
  value: unknown,
  messages: JsonSchemaCompilerOptions["messages"],
): StandardResult<T> | Promise<StandardResult<T>> {
  const valid = validate(value) as boolean | Promise<unknown>;
  if (valid instanceof Promise) {
    // An `$async` schema: it resolves with the value or rejects with Ajv's ValidationError.
    return valid.then(
      () => ({ value: value as T }),
      (error: unknown) => {
        const errors = (error as { errors?: unknown }).errors;
        if (!Array.isArray(errors)) throw error;
        return { issues: issuesOf(errors as ErrorObject[], messages) };
      },
    );
  }
  return valid ? { value: value as T } : { issues: issuesOf(validate.errors, messages) };
}

/** Ajv's errors as Standard Schema issues, the first {@link MAX_ISSUES} of them. */
function issuesOf(
  errors: readonly ErrorObject[] | null | undefined,
  messages: JsonSchemaCompilerOptions["messages"],
): Issues {
  if (!errors || errors.length === 0) return [{ message: "does not match the schema", path: [] }];
  return errors.slice(0, MAX_ISSUES).map((error) => issueOf(error, messages));
}

/** One Ajv error as an issue: its JSON Pointer made keys, the property it names added. */
function issueOf(
  error: ErrorObject,
  messages: JsonSchemaCompilerOptions["messages"],
): Issues[number] {
  const path =
    error.instancePath === "" ? [] : error.instancePath.slice(1).split("/").map(unescape);
  const params = error.params as Record<string, unknown>;
  const words = error.message ?? `fails "${error.keyword}"`;
  // Ajv names a missing or extra property in its params, with the object's path: the issue is
  // about the property, so its path goes on to it.
  const missing = error.keyword === "required" ? params["missingProperty"] : undefined;
  const extra =
    error.keyword === "additionalProperties"
      ? params["additionalProperty"]
      : error.keyword === "unevaluatedProperties"
        ? params["unevaluatedProperty"]
        : undefined;
  let afterPath = words;
  if (typeof missing === "string") {
    path.push(missing);
    afterPath = "is required";
  } else if (typeof extra === "string") {
    path.push(extra);
    afterPath = "is not an allowed property";
  }
  if (messages === "ajv") return { message: words, path };
  return { message: `${afterPath} (schema ${error.schemaPath})`, path };
}

/** A JSON Pointer segment as the key it names: `~1` is `/`, `~0` is `~`. */
function unescape(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

function isPromiseLike(value: unknown): value is PromiseLike<object> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
