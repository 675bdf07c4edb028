import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { McpToolPolicy } from "./mcp-tools-options.js";

const NONE: McpToolPolicy = Object.freeze({});
const IDEMPOTENT: McpToolPolicy = Object.freeze({ idempotent: true });
const DESTRUCTIVE: McpToolPolicy = Object.freeze({ retry: false, needsApproval: true });
const BOTH: McpToolPolicy = Object.freeze({ ...IDEMPOTENT, ...DESTRUCTIVE });

/**
 * The policy a tool's annotations ask for, under the policy given in `mcpTools()`'s `tools`:
 * - `readOnlyHint` or `idempotentHint` → `idempotent: true` (identical calls in flight share one
 *   request; retries are safe);
 * - `destructiveHint: true` (on a tool not marked read-only, as the spec reads it) → no retries
 *   and `needsApproval: true`.
 *
 * Only a hint set to `true` counts. The spec's default of `destructiveHint` is `true`, but most
 * servers set no annotations at all: reading the default would put every call of theirs behind
 * an approval.
 */
export function annotationPolicy(annotations: ToolAnnotations | undefined): McpToolPolicy {
  if (annotations === undefined) return NONE;
  const readOnly = annotations.readOnlyHint === true;
  const idempotent = readOnly || annotations.idempotentHint === true;
  const destructive = !readOnly && annotations.destructiveHint === true;
  if (destructive) return idempotent ? BOTH : DESTRUCTIVE;
  return idempotent ? IDEMPOTENT : NONE;
}
