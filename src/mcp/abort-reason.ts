/** The kinds of Volley abort reasons, which are also what the server is told. */
const KINDS: ReadonlySet<unknown> = new Set(["timeout", "deadline", "cancelled"]);

/**
 * The reason sent to the server in `notifications/cancelled` (the SDK sends `String(reason)`):
 * only the kind of the Volley error that aborted the attempt (`timeout`, `deadline`,
 * `cancelled`), never its message, stack or class, which would tell a third party about the
 * caller's limits and code.
 */
export function abortReason(reason: unknown): string {
  try {
    const kind = (reason as { kind?: unknown } | null | undefined)?.kind;
    if (KINDS.has(kind)) return kind as string;
  } catch {
    // A reason whose getter throws: say only that the call was cancelled.
  }
  return "cancelled";
}
