/**
 * Circuit breakers: a tool that keeps failing is not called for a cool-down. While its circuit
 * is open, its calls end `rejected` (an `onError` recovery may still answer them); then one probe
 * call decides whether it closes again, the others waiting in the queue for its verdict.
 */
import type { Clock } from "../../clock.js";
import type { OutcomeError } from "../../outcome.js";
import type { Feature, FeatureCall, FeatureHost, FeatureTool, ToolHooks } from "../feature.js";
import { CircuitBreaker, circuitError } from "./breaker.js";
import type { CircuitBreakerPolicy, CircuitSnapshot } from "./options.js";

/** Told when a tool's circuit changes state (the `circuit:state` event). */
export type CircuitListener = (tool: string, snapshot: CircuitSnapshot, at: number) => void;

/** Kinds of failed attempt that count against a circuit. */
export const COUNTED = new Set(["tool_error", "crashed", "timeout"]);

/** The circuit-breaker feature: a breaker per tool that sets `circuitBreaker`. */
export function circuitBreakers<C extends FeatureCall>(
  onChange: CircuitListener,
): (host: FeatureHost<C>) => Feature<C> {
  return (host) => ({
    name: "circuit breaker",
    forTool(tool: FeatureTool, policy: CircuitBreakerPolicy): ToolHooks<C> | undefined {
      const options = policy.circuitBreaker;
      if (options === undefined) return undefined;
      const clock: Clock = host.clock;
      const breaker = new CircuitBreaker(options, (snapshot) =>
        onChange(tool.name, snapshot, clock.now()),
      );
      const subject = `tool "${tool.name}"`;
      const refuse = (call: C | undefined): OutcomeError | undefined => {
        const refused = breaker.check(clock.now(), subject, call);
        return refused === undefined ? undefined : circuitError(refused);
      };
      return {
        // Refused at admission while open; the start decides once the cool-down is over.
        place() {
          const error = refuse(undefined);
          return error === undefined ? undefined : { fail: error };
        },
        open: () => !breaker.probing,
        start: (call: C) => refuse(call),
        attempted(call: C, failure: OutcomeError | undefined) {
          breaker.record(call, failure !== undefined && COUNTED.has(failure.kind), clock.now());
        },
        abandoned(call: C) {
          breaker.abandon(call);
        },
        stats: () => ({ circuit: breaker.snapshot() }),
      };
    },
  });
}
