import { z } from "zod";
import { describeValue } from "../core/describe-value.js";
import { NonRetryableError } from "../core/errors/non-retryable-error.js";
import type { Policy } from "../core/policy.js";
import type { ArgsSchema } from "../core/schema.js";
import { defineTool, type Tool } from "../core/tool.js";

/** A tool that runs on remote workers only, as a caller knows it. */
export interface RemoteToolSpec extends Omit<Policy, "needsApproval"> {
  /** The tool's name, as its workers know it. */
  readonly name: string;
  /** What the tool does, for the model. @default "" */
  readonly description?: string;
  /**
   * The arguments' schema, checked here before anything is sent.
   * @default none: any arguments are sent, and the workers check them
   */
  readonly schema?: ArgsSchema;
}

/**
 * Tools for a caller that does not have their code: only their names (and, when given, their
 * schemas, checked before a call is sent). Their attempts must run on a backend such as
 * `bullmqBackend()`; run inline, they fail at once.
 * @example
 * const executor = createExecutor({
 *   tools: remoteTools(["search", { name: "fetch_page", schema: z.object({ url: z.string() }) }]),
 *   backend: bullmqBackend({ connection, queue: "tools" }),
 * });
 */
export function remoteTools(specs: readonly (string | RemoteToolSpec)[]): Tool[] {
  if (!Array.isArray(specs)) {
    throw new TypeError(
      `Expected remoteTools() to get an array of tool names or specs, got ${describeValue(specs)}`,
    );
  }
  return specs.map((spec, index) => {
    const given: RemoteToolSpec =
      typeof spec === "string" ? { name: spec } : (spec as RemoteToolSpec);
    if (typeof given !== "object" || given === null) {
      throw new TypeError(
        `Expected remoteTools()'s entry ${index} to be a tool name or { name, schema? }, got ${describeValue(spec)}`,
      );
    }
    const { name, description = "", schema = z.unknown(), ...policy } = given;
    return defineTool({
      ...policy,
      name,
      description,
      schema,
      run: () => {
        throw new NonRetryableError(
          `Tool "${name}" runs on remote workers only: give its executor a backend, such as bullmqBackend() from "volley/bullmq"`,
        );
      },
    }) as unknown as Tool;
  });
}
