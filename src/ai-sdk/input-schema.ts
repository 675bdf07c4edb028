/**
 * An AI SDK tool's `inputSchema` as a Volley argument schema. The SDK takes four kinds
 * (`FlexibleSchema`), and each keeps the checks it has:
 * - a zod schema or any Standard Schema: used as it is, as `defineTool` takes it;
 * - a schema with a `validate` of its own (`zodSchema()`, `valibotSchema()`,
 *   `jsonSchema(s, { validate })`): that function checks, as in the SDK;
 * - a `jsonSchema()` without one: Ajv checks the JSON Schema (the SDK would check nothing);
 * - a lazy schema (`lazySchema()`, a function): made once, here, then one of the above.
 *
 * The first two take an input the SDK already parsed with the same schema (a call through
 * `volleyTools`) as it is; the SDK checks nothing for the third, so Ajv checks every input.
 */
import { describeValue, errorText } from "../core/describe-value.js";
import {
  isArgsSchema,
  type ArgsSchema,
  type SafeParseSchema,
  type StandardResult,
  type StandardSchemaLike,
} from "../core/schema.js";
import type { JsonSchemaCompiler, JsonSchemaSource } from "../json-schema/json-schema-compiler.js";
import { sdkParsed } from "./sdk-calls.js";

/** The marker of the AI SDK's own schemas (`jsonSchema()`, `zodSchema()`), across its copies. */
const SDK_SCHEMA = Symbol.for("vercel.ai.schema");

/** What `validate` of an AI SDK schema returns. */
type SdkValidation =
  | { readonly success: true; readonly value: unknown }
  | { readonly success: false; readonly error: unknown };

/** The AI SDK's own schema object: its JSON Schema, and maybe a `validate`. */
interface SdkSchema {
  readonly jsonSchema: unknown;
  readonly validate?: (value: unknown) => SdkValidation | PromiseLike<SdkValidation>;
}

/**
 * The Volley schema for an AI SDK `inputSchema`.
 * @param where names it in messages: `tool "weather".inputSchema`
 * @throws TypeError for anything the SDK would not take as a schema, or a JSON Schema Ajv
 *   cannot compile.
 */
export function argsSchemaOf(
  where: string,
  inputSchema: unknown,
  compiler: JsonSchemaCompiler,
): ArgsSchema {
  let schema = inputSchema;
  if (typeof schema === "function") {
    try {
      schema = (schema as () => unknown)();
    } catch (error) {
      throw new TypeError(`${where} (a lazy schema) threw when made: ${errorText(error)}`, {
        cause: error,
      });
    }
  }
  if (isArgsSchema(schema)) return trustingSdkParse(schema, inputSchema);
  if (!isSdkSchema(schema)) {
    throw new TypeError(
      `Expected ${where} to be a zod schema, a Standard Schema or an AI SDK jsonSchema(), got ${describeValue(schema)}`,
    );
  }
  const validate = schema.validate;
  if (typeof validate === "function") {
    return trustingSdkParse(fromSdkValidate(schema, validate), inputSchema);
  }
  // The SDK checks nothing for a bare JSON Schema, so Ajv checks every input, whoever sent it.
  let source: unknown;
  try {
    source = schema.jsonSchema;
  } catch (error) {
    throw new TypeError(`${where}.jsonSchema cannot be read: ${errorText(error)}`, {
      cause: error,
    });
  }
  return compiler.standardSchema(`${where}.jsonSchema`, source as JsonSchemaSource);
}

/**
 * `schema`, of the same kind (zod's `safeParse`, a Standard Schema's `validate`), taking as it
 * is an input the AI SDK already parsed with `source` (see {@link sdkParsed}); any other input,
 * from `execute()`, the CLI or a LangGraph node, it checks.
 */
function trustingSdkParse(schema: ArgsSchema, source: unknown): ArgsSchema {
  const parsedBySdk = (value: unknown): boolean =>
    typeof value === "object" && value !== null && sdkParsed.get(value) === source;
  const trusting: { -readonly [K in keyof (SafeParseSchema & StandardSchemaLike)]?: unknown } = {};
  const zodLike = schema as Partial<SafeParseSchema>;
  if (typeof zodLike.safeParse === "function") {
    const safeParse = zodLike.safeParse.bind(schema);
    trusting.safeParse = (value: unknown) =>
      parsedBySdk(value) ? { success: true, data: value } : safeParse(value);
  }
  const standard = (schema as Partial<StandardSchemaLike>)["~standard"];
  if (typeof standard?.validate === "function") {
    const validate = standard.validate.bind(standard);
    trusting["~standard"] = {
      version: 1,
      vendor: standard.vendor,
      validate: (value: unknown) => (parsedBySdk(value) ? { value } : validate(value)),
    };
  }
  return trusting as ArgsSchema;
}

function isSdkSchema(value: unknown): value is SdkSchema {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[SDK_SCHEMA] === true &&
    "jsonSchema" in value
  );
}

/** A schema's own `validate` as a Standard Schema: synchronous when it is. */
function fromSdkValidate(
  schema: SdkSchema,
  validate: NonNullable<SdkSchema["validate"]>,
): StandardSchemaLike {
  return {
    "~standard": {
      version: 1,
      vendor: "ai-sdk",
      validate: (value) => {
        const result = validate.call(schema, value);
        return isPromiseLike(result)
          ? Promise.resolve(result).then(standardOf)
          : standardOf(result);
      },
    },
  };
}

function standardOf(result: SdkValidation): StandardResult<unknown> {
  return result.success ? { value: result.value } : { issues: issuesOf(result.error) };
}

/** The issues of a failed check: a zod error's, a Standard Schema's (the `cause` of the SDK's `TypeValidationError`), or the error's message. */
function issuesOf(error: unknown): NonNullable<StandardResult<unknown>["issues"]> {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const found = issueList(error) ?? issueList(cause);
  if (found !== undefined) return found;
  return [{ message: errorText(cause instanceof Error ? cause : error) }];
}

/** The path of a Standard Schema issue. */
type IssuePath = NonNullable<NonNullable<StandardResult<unknown>["issues"]>[number]["path"]>;

function issueList(value: unknown): NonNullable<StandardResult<unknown>["issues"]> | undefined {
  const list = Array.isArray(value) ? value : (value as { issues?: unknown } | null)?.issues;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const issues = [];
  for (const issue of list as unknown[]) {
    const message = (issue as { message?: unknown } | null)?.message;
    if (typeof message !== "string") return undefined;
    const path = (issue as { path?: unknown }).path;
    issues.push(Array.isArray(path) ? { message, path: path as IssuePath } : { message });
  }
  return issues;
}

function isPromiseLike(value: unknown): value is PromiseLike<SdkValidation> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
