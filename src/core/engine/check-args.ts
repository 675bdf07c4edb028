import { schemaThrew, type ArgsCheck, type ArgsValidator } from "../schema.js";

/**
 * Checks a call's arguments against its tool's schema, without throwing: a schema that throws,
 * or whose asynchronous check rejects, fails the check with what it threw.
 */
export function checkArgs(
  tool: { readonly validate: ArgsValidator | null },
  args: unknown,
): ArgsCheck | Promise<ArgsCheck> {
  const validate = tool.validate;
  if (validate === null) return { success: true, data: args };
  let check: ArgsCheck | Promise<ArgsCheck>;
  try {
    check = validate(args);
  } catch (error) {
    return schemaThrew(error);
  }
  return check instanceof Promise ? check.then((c) => c, schemaThrew) : check;
}
