/**
 * Argument schemas. Volley takes zod (v3 or v4) through its `safeParse`, and any Standard Schema
 * (`~standard`), without importing either: the core stays free of dependencies.
 */

import { errorText } from "./describe-value.js";

/** The part of the Standard Schema spec Volley uses (zod ≥ 3.24, valibot, arktype implement it). */
export interface StandardSchemaLike<Input = unknown, Output = Input> {
  /** The Standard Schema interface, under the key the spec fixes. */
  readonly "~standard": {
    /** The spec's version. */
    readonly version: 1;
    /** The library that made the schema (`"zod"`, `"valibot"`). */
    readonly vendor: string;
    /** Checks a value: the parsed value, or the issues; a promise for async schemas. */
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    /** The schema's types, for inference only (never read at run time). */
    readonly types?:
      | {
          /** What the schema accepts. */
          readonly input: Input;
          /** What it parses that into: a tool's argument type. */
          readonly output: Output;
        }
      | undefined;
  };
}

/** What a Standard Schema's `validate` returns: `value` when valid, else `issues`. */
export interface StandardResult<Output> {
  /** The parsed value, when there are no issues. */
  readonly value?: Output;
  /** What is wrong, when the value is invalid. */
  readonly issues?: ReadonlyArray<{
    /** The problem, in the schema library's words. */
    readonly message: string;
    /** Where: the keys from the value's root, plain or as `{ key }`. */
    readonly path?: ReadonlyArray<
      | PropertyKey
      | {
          /** One key of the path. */
          readonly key: PropertyKey;
        }
    >;
  }>;
}

/** A zod-like schema: anything with `safeParse` (zod 3 and 4 both have it). */
export interface SafeParseSchema<Output = unknown> {
  /** Checks a value without throwing: the parsed `data`, or an `error` with the issues. */
  safeParse(value: unknown):
    | {
        /** `true`: the value is valid. */
        success: true;
        /** The parsed value: a tool's arguments. */
        data: Output;
      }
    | {
        /** `false`: the value is invalid. */
        success: false;
        /** Why. */
        error: {
          /** Each problem found. */
          issues: ReadonlyArray<{
            /** The problem, in zod's words. */
            message: string;
            /** Where: the keys from the value's root. */
            path: ReadonlyArray<PropertyKey>;
          }>;
        };
      };
}

/** What a tool's `schema` may be. */
export type ArgsSchema = SafeParseSchema | StandardSchemaLike;

/** The parsed argument type of a schema. */
export type InferArgs<S> =
  S extends StandardSchemaLike<unknown, infer O>
    ? O
    : S extends {
          /** zod 3's marker of its output type. */
          _output: infer O;
        }
      ? O
      : S extends SafeParseSchema<infer O>
        ? O
        : unknown;

/** One problem with a call's arguments. */
export interface ArgsIssue {
  /** Where, as a dotted path (`filters.0.field`); empty for the arguments as a whole. */
  readonly path: string;
  /** What is wrong, in the schema library's words. */
  readonly message: string;
}

/** The result of checking arguments: the parsed value (`data`), or the issues. */
export type ArgsCheck =
  | { readonly success: true; readonly data: unknown }
  | { readonly success: false; readonly issues: ArgsIssue[] };

/** A function that checks arguments; async only for async Standard Schemas. */
export type ArgsValidator = (args: unknown) => ArgsCheck | Promise<ArgsCheck>;

function pathOf(
  path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined,
): string {
  if (!path || path.length === 0) return "";
  return path.map((p) => String(typeof p === "object" && p !== null ? p.key : p)).join(".");
}

/** True for something Volley can use as a schema. */
export function isArgsSchema(schema: unknown): schema is ArgsSchema {
  return (
    typeof schema === "object" &&
    schema !== null &&
    (typeof (schema as SafeParseSchema).safeParse === "function" ||
      typeof (schema as StandardSchemaLike)["~standard"]?.validate === "function")
  );
}

/** Makes the validator for a schema, or `null` when there is nothing to check against. */
export function makeValidator(schema: unknown): ArgsValidator | null {
  if (typeof schema !== "object" || schema === null) return null;
  const standardValidator = makeStandardValidator(schema);
  if (typeof (schema as SafeParseSchema).safeParse === "function") {
    const zodLike = schema as SafeParseSchema;
    // Set once the schema turned out to be asynchronous (an async refine or transform), which
    // zod's synchronous safeParse refuses by throwing.
    let asyncOnly = false;
    return (args) => {
      if (asyncOnly) return standardValidator!(args);
      let result: ReturnType<SafeParseSchema["safeParse"]>;
      try {
        result = zodLike.safeParse(args);
      } catch (error) {
        if (standardValidator === null || !isAsyncParseError(error)) throw error;
        asyncOnly = true;
        return standardValidator(args);
      }
      // zod's own result has the success shape: hand it on rather than allocate another.
      if (result.success) return result;
      return {
        success: false,
        issues: result.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })),
      };
    };
  }
  return standardValidator;
}

/** zod's refusal to run an asynchronous schema synchronously (zod 3 and 4). */
function isAsyncParseError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.constructor.name === "$ZodAsyncError" || /parseAsync|promise/i.test(error.message))
  );
}

function makeStandardValidator(schema: object): ArgsValidator | null {
  const standard = (schema as StandardSchemaLike)["~standard"];
  if (standard && typeof standard.validate === "function") {
    const fromResult = (result: StandardResult<unknown>): ArgsCheck =>
      result.issues
        ? {
            success: false,
            issues: result.issues.map((i) => ({ path: pathOf(i.path), message: i.message })),
          }
        : { success: true, data: result.value };
    return (args) => {
      const result = standard.validate(args);
      return result instanceof Promise ? result.then(fromResult) : fromResult(result);
    };
  }
  return null;
}

/** Formats issues for an outcome message: `query: Expected string, received number`. */
export function formatIssues(issues: readonly ArgsIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
}

/** The failed check of a schema that threw (or whose async check rejected). */
export function schemaThrew(error: unknown): ArgsCheck {
  return {
    success: false,
    issues: [
      {
        path: "",
        message: `the schema threw: ${errorText(error)}`,
      },
    ],
  };
}
