import type { ToolContext } from "../core/index.js";

/**
 * The result of a streaming AI SDK tool (an `execute` that returns an `AsyncIterable`): its last
 * value, which the SDK itself takes as the tool's final output. Each value before it (the SDK's
 * preliminary results, not handed on) reports progress, which restarts the tool's
 * `idleTimeoutMs`. Once the attempt's signal aborts, reading stops and the iterator is closed.
 */
export async function lastOutput(
  outputs: AsyncIterable<unknown>,
  ctx: ToolContext,
): Promise<unknown> {
  let last: unknown;
  for await (const output of outputs) {
    last = output;
    if (ctx.signal.aborted) break;
    ctx.progress();
  }
  return last;
}
