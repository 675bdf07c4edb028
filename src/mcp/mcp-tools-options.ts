import { describeValue } from "../core/describe-value.js";
import type { CircuitBreakerOptions } from "../core/features/circuit-breaker/options.js";
import { assertCircuitBreakerOptions } from "../core/features/circuit-breaker/options.js";
import { assertRateLimit, type RateLimit } from "../core/features/rate-limit.js";
import type { Policy } from "../core/policy.js";
import { POLICY_KEYS, assertPolicy } from "../core/tool.js";
import { assertCount, assertKnownKeys, optionKeys, optional } from "../core/validate-options.js";

/** The policy of one MCP tool: any {@link Policy} field but `upstream`, which is the server's. */
export type McpToolPolicy = Omit<Policy, "upstream">;

/** Options of {@link mcpTools}: limits for the server as a whole, and policy per tool. */
export interface McpToolsOptions {
  /**
   * The server's name: its tools share the upstream `mcp:<name>` (its limits), and messages
   * name it.
   * @default the name the server gave at connection (`client.getServerVersion().name`)
   * @example name: "github"
   */
  readonly name?: string;
  /**
   * Put before each tool's name, so that two servers' tools cannot clash. `options.tools` and
   * the server still use the tool's own name.
   * @default "" (the server's names as they are)
   * @example prefix: "github_"
   */
  readonly prefix?: string;
  /**
   * Most calls running at once on this server, across all its tools and batches (on top of
   * each tool's own `concurrency`).
   * @default Infinity
   * @example concurrency: 4
   */
  readonly concurrency?: number;
  /**
   * At most `max` calls to this server start in any window of `perMs` ms, across all its tools.
   * @default no limit
   * @example rateLimit: { max: 10, perMs: 1_000 }
   */
  readonly rateLimit?: RateLimit;
  /**
   * The server's circuit breaker: failed calls of any of its tools count, and while it is
   * open the calls of all its tools end `rejected` at once.
   * @default no breaker
   * @example circuitBreaker: { failures: 5, cooldownMs: 30_000 }
   */
  readonly circuitBreaker?: CircuitBreakerOptions;
  /**
   * Policy per tool, by the server's name for it (without `prefix`): `timeoutMs`,
   * `idleTimeoutMs`, `retry`, `concurrency`, `idempotent`, `needsApproval`, …. It wins over
   * what the tool's annotations ask for. Naming a tool the server does not have is an error.
   * @default {}
   * @example tools: { search: { timeoutMs: 5_000, idleTimeoutMs: 1_000, retry: { maxAttempts: 3 } } }
   */
  readonly tools?: Readonly<Record<string, McpToolPolicy>>;
}

const OPTION_KEYS = optionKeys<McpToolsOptions>()([
  "name",
  "prefix",
  "concurrency",
  "rateLimit",
  "circuitBreaker",
  "tools",
]);

/** What a per-tool entry may set: a policy without `upstream`. */
const TOOL_POLICY_KEYS: readonly string[] = POLICY_KEYS.filter((key) => key !== "upstream");

/** Checks {@link McpToolsOptions}; throws a `TypeError` naming the bad field. */
export function assertMcpToolsOptions(options: unknown): asserts options is McpToolsOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Expected mcpTools() options to be an object, got ${describeValue(options)}`,
    );
  }
  assertKnownKeys("mcpTools", options, OPTION_KEYS);
  const o = options as McpToolsOptions;
  optional(o.name, (v) => {
    if (typeof v !== "string" || v.length === 0)
      throw new TypeError(
        `Expected mcpTools's name to be a non-empty string, got ${describeValue(v)}`,
      );
  });
  optional(o.prefix, (v) => {
    if (typeof v !== "string")
      throw new TypeError(`Expected mcpTools's prefix to be a string, got ${describeValue(v)}`);
  });
  optional(o.concurrency, (v) => assertCount("mcpTools's concurrency", v));
  optional(o.rateLimit, (v) => assertRateLimit("mcpTools's rateLimit", v));
  optional(o.circuitBreaker, (v) => assertCircuitBreakerOptions("mcpTools's circuitBreaker", v));
  optional(o.tools, (tools) => {
    if (typeof tools !== "object" || tools === null || Array.isArray(tools)) {
      throw new TypeError(
        `Expected mcpTools's tools to be an object of policies by tool name, such as { search: { timeoutMs: 5000 } }, got ${describeValue(tools)}`,
      );
    }
    for (const [name, policy] of Object.entries(tools)) {
      const where = `mcpTools's tools.${name}`;
      if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
        throw new TypeError(
          `Expected ${where} to be a policy object, such as { timeoutMs: 5000 }, got ${describeValue(policy)}`,
        );
      }
      if (Object.hasOwn(policy, "upstream")) {
        throw new TypeError(
          `Unknown option "upstream" for ${where}: a server's tools share one upstream, set by mcpTools's own concurrency, rateLimit and circuitBreaker`,
        );
      }
      assertKnownKeys(where, policy, TOOL_POLICY_KEYS);
      assertPolicy(where, policy as Policy);
    }
  });
}
