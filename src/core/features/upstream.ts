/**
 * Upstreams: limits shared by several tools that call one service (an MCP server, an API). The
 * tools that name the same upstream share its concurrency limit, its rate limit and its circuit
 * breaker, on top of each tool's own policy: a call starts only when its tool and its upstream
 * both have room. While the upstream's circuit is open, the calls of all its tools end
 * `rejected` at once.
 */
import type { Clock } from "../clock.js";
import type { OutcomeError } from "../outcome.js";
import type { UpstreamStats } from "../stats.js";
import { describeValue } from "../describe-value.js";
import { assertCount, assertKnownKeys, optionKeys, optional } from "../validate-options.js";
import { CircuitBreaker, circuitError } from "./circuit-breaker/breaker.js";
import { COUNTED, type CircuitListener } from "./circuit-breaker/index.js";
import {
  assertCircuitBreakerOptions,
  type CircuitBreakerOptions,
} from "./circuit-breaker/options.js";
import type { Feature, FeatureCall, FeatureHost, FeatureTool, ToolHooks } from "./feature.js";
import { StartLog, assertRateLimit, type RateLimit } from "./rate-limit.js";

/** A service several tools call, and the limits they share on it. */
export interface Upstream {
  /** Names the upstream: tools that give the same name share its limits. */
  readonly name: string;
  /**
   * Most calls of its tools running at once, across all batches.
   * @default Infinity
   */
  readonly concurrency?: number;
  /**
   * At most `max` attempts of its tools start in any window of `perMs` ms.
   * @default no limit
   */
  readonly rateLimit?: RateLimit;
  /**
   * When the upstream's circuit opens: failed attempts of any of its tools count. While open,
   * the calls of all its tools end `rejected`.
   * @default no breaker
   */
  readonly circuitBreaker?: CircuitBreakerOptions;
}

/** The policy field of this feature. */
export interface UpstreamPolicy {
  /**
   * The service this tool calls, with the limits it shares with the other tools that call it:
   * give them the same object (or equal settings under the same `name`).
   * @default none
   * @example upstream: { name: "github", concurrency: 4, rateLimit: { max: 10, perMs: 1_000 } }
   */
  readonly upstream?: Upstream;
}

/** The keys of an {@link Upstream}. */
const UPSTREAM_KEYS = optionKeys<Upstream>()([
  "name",
  "concurrency",
  "rateLimit",
  "circuitBreaker",
]);

/** Checks an {@link Upstream}; throws a `TypeError` naming the bad field. */
export function assertUpstream(where: string, value: unknown): asserts value is Upstream {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Expected ${where} to be { name, concurrency?, rateLimit?, circuitBreaker? }, got ${describeValue(value)}`,
    );
  }
  assertKnownKeys(where, value, UPSTREAM_KEYS);
  const upstream = value as Upstream;
  if (typeof upstream.name !== "string" || upstream.name === "") {
    throw new TypeError(
      `Expected ${where}.name to be a non-empty string, got ${describeValue(upstream.name)}`,
    );
  }
  optional(upstream.concurrency, (v) => assertCount(`${where}.concurrency`, v));
  optional(upstream.rateLimit, (v) => assertRateLimit(`${where}.rateLimit`, v));
  optional(upstream.circuitBreaker, (v) =>
    assertCircuitBreakerOptions(`${where}.circuitBreaker`, v),
  );
}

/** One upstream's shared state. */
class UpstreamState {
  readonly definition: Upstream;
  /** The first tool that named it, for the message when another gives other limits. */
  readonly firstTool: string;
  readonly concurrency: number;
  readonly log: StartLog | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly subject: string;
  /** Attempts of its tools running now. */
  running = 0;

  constructor(
    definition: Upstream,
    tool: string,
    clock: Clock,
    wake: () => void,
    onCircuit: CircuitListener,
  ) {
    this.definition = definition;
    this.firstTool = tool;
    this.subject = `upstream "${definition.name}"`;
    this.concurrency = definition.concurrency ?? Number.POSITIVE_INFINITY;
    this.log =
      definition.rateLimit === undefined
        ? undefined
        : new StartLog(definition.rateLimit, clock, wake);
    this.breaker =
      definition.circuitBreaker === undefined
        ? undefined
        : new CircuitBreaker(definition.circuitBreaker, (snapshot) =>
            onCircuit(definition.name, snapshot, clock.now()),
          );
  }
}

/** True when two upstream definitions set the same limits. */
function sameLimits(a: Upstream, b: Upstream): boolean {
  return (
    a.concurrency === b.concurrency &&
    a.rateLimit?.max === b.rateLimit?.max &&
    a.rateLimit?.perMs === b.rateLimit?.perMs &&
    JSON.stringify(a.circuitBreaker ?? null) === JSON.stringify(b.circuitBreaker ?? null)
  );
}

/** The upstream feature: shared limits for the tools that name the same upstream. */
export function upstreams<C extends FeatureCall>(
  onCircuit: CircuitListener,
): (host: FeatureHost<C>) => Feature<C> {
  return (host) => {
    const states = new Map<string, UpstreamState>();
    const clock = host.clock;
    return {
      name: "upstream",
      forTool(tool: FeatureTool, policy: UpstreamPolicy): ToolHooks<C> | undefined {
        const definition = policy.upstream;
        if (definition === undefined) return undefined;
        let state = states.get(definition.name);
        if (state === undefined) {
          state = new UpstreamState(definition, tool.name, clock, () => host.drain(), onCircuit);
          states.set(definition.name, state);
        } else if (state.definition !== definition && !sameLimits(state.definition, definition)) {
          throw new TypeError(
            `Tools "${state.firstTool}" and "${tool.name}" give upstream "${definition.name}" different limits: give every tool of one upstream the same object`,
          );
        }
        const shared = state;
        const breaker = shared.breaker;
        const refuse = (call: C | undefined): OutcomeError | undefined => {
          if (breaker === undefined) return undefined;
          const refused = breaker.check(clock.now(), shared.subject, call);
          return refused === undefined ? undefined : circuitError(refused);
        };
        // Every attempt that started ends in exactly one of `attempted` and `abandoned`. The
        // scheduler drains after either; the freed slot may open the lanes of the other tools.
        const ended = (): void => {
          shared.running--;
        };
        return {
          place() {
            const error = refuse(undefined);
            return error === undefined ? undefined : { fail: error };
          },
          open: () =>
            shared.running < shared.concurrency &&
            (shared.log === undefined || shared.log.ready()) &&
            (breaker === undefined || !breaker.probing),
          start(call: C) {
            const error = refuse(call);
            if (error !== undefined) return error;
            // Last of the start hooks (see features/index.ts): nothing refuses the attempt after
            // this, so the slot taken here is given back when the attempt ends.
            shared.running++;
            shared.log?.take();
            return undefined;
          },
          attempted(call: C, failure: OutcomeError | undefined) {
            breaker?.record(call, failure !== undefined && COUNTED.has(failure.kind), clock.now());
            ended();
          },
          abandoned(call: C) {
            breaker?.abandon(call);
            ended();
          },
        };
      },
      stats: () => {
        if (states.size === 0) return {};
        const upstreams: Record<string, UpstreamStats> = Object.create(null);
        for (const [name, state] of states) {
          upstreams[name] =
            state.breaker === undefined
              ? { running: state.running }
              : { running: state.running, circuit: state.breaker.snapshot() };
        }
        return { upstreams };
      },
    };
  };
}
