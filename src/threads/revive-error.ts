import { NonRetryableError } from "../core/errors/non-retryable-error.js";
import { VolleyError } from "../core/errors/volley-error.js";
import type { WireError } from "./protocol.js";

/**
 * Turns an error flattened in a worker thread back into something the executor classifies the
 * same way as if the tool had thrown it inline: same kind, message, name, code and data.
 */
export function reviveError(wire: WireError): unknown {
  if (wire.name === "NonError") return "thrown" in wire ? wire.thrown : wire.message;
  if (wire.final === true) {
    const data = wire.name === "NonRetryableError" ? wire.data : { ...wire.data, error: wire.name };
    const error = new NonRetryableError(wire.message, data === undefined ? undefined : { data });
    if (wire.stack !== undefined) error.stack = wire.stack;
    return error;
  }
  const error =
    wire.kind !== undefined ? new VolleyError(wire.kind, wire.message) : new Error(wire.message);
  const fields = error as unknown as Record<string, unknown>;
  Object.defineProperty(error, "name", {
    value: wire.name,
    writable: true,
    configurable: true,
  });
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.code !== undefined) fields["code"] = wire.code;
  if (wire.data !== undefined) fields["data"] = wire.data;
  if (wire.retryAfterMs !== undefined) fields["retryAfterMs"] = wire.retryAfterMs;
  return error;
}
