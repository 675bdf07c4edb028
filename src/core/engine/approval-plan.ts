/**
 * `executor.approvalRequests()`: which of some calls would wait for a reviewer, asked before any
 * of them runs, the way admission and the approvals feature would decide it: the call read as
 * admission reads it, its arguments checked by its tool's schema, its tool's `needsApproval`
 * asked with the parsed arguments.
 */
import type { ApprovalRequest } from "../features/approvals/decisions.js";
import { resolveApproval } from "../features/approvals/options.js";
import { needsApproval, requestOf } from "../features/approvals/requests.js";
import type { FeatureCall } from "../features/feature.js";
import { checkArgs } from "./check-args.js";
import type { ToolEntry } from "./tool-entry.js";

/**
 * The approval requests of `calls`, in call order. A call that would not wait is left out: it
 * needs no approval, or it would end before its review (malformed, a repeated id, an unknown
 * tool, bad arguments, a `needsApproval` or `description` that throws).
 */
export async function planApprovals<C extends FeatureCall>(
  tools: ReadonlyMap<string, ToolEntry<C>>,
  calls: readonly unknown[],
): Promise<ApprovalRequest[]> {
  const seen = new Set<string>();
  const pending: Array<Promise<ApprovalRequest | undefined>> = [];
  calls.forEach((input, index) => {
    const call = readCall(input);
    if (call === undefined || seen.has(call.id)) return;
    seen.add(call.id);
    const tool = tools.get(call.name);
    const settings = tool === undefined ? undefined : resolveApproval(tool.policy.needsApproval);
    if (tool === undefined || settings === undefined) return;
    const target = { id: call.id, index, name: call.name };
    pending.push(
      (async () => {
        const check = await checkArgs(tool, call.args);
        if (!check.success) return undefined;
        const verdict = await needsApproval(settings, target, check.data);
        if (verdict !== true) return undefined;
        return requestOf(settings, target, check.data);
      })().catch(() => undefined),
    );
  });
  const requests = await Promise.all(pending);
  return requests.filter((r) => r !== undefined);
}

function readCall(input: unknown): { id: string; name: string; args: unknown } | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  try {
    const raw = input as { id?: unknown; name?: unknown; tool_name?: unknown; args?: unknown };
    const id = raw.id;
    const name = raw.name ?? raw.tool_name;
    if (typeof id !== "string" || id === "" || typeof name !== "string" || name === "") return;
    return { id, name, args: raw.args };
  } catch {
    return undefined;
  }
}
