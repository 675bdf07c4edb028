/**
 * The result of a streaming AI SDK tool (an `execute` that returns an `AsyncIterable`): its last
 * value, which the SDK itself takes as the tool's final output. The values before it (the SDK's
 * preliminary results) are read but not handed on.
 * @param signal the attempt's: once it aborts, reading stops and the iterator is closed.
 */
export async function lastOutput(
  outputs: AsyncIterable<unknown>,
  signal: AbortSignal,
): Promise<unknown> {
  let last: unknown;
  for await (const output of outputs) {
    last = output;
    if (signal.aborted) break;
  }
  return last;
}
