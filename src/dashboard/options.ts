import { describeValue } from "../core/describe-value.js";
import { assertKnownKeys, optionKeys } from "../core/validate-options.js";
import { isLoopback } from "./auth.js";

/** Something that renders Prometheus metrics, such as a prom-client `Registry`. */
export interface MetricsRegistry {
  /** The text exposition of every metric. */
  metrics(): Promise<string>;
  /** Its content type, such as `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
}

/** Options of {@link attachDashboard}. */
export interface DashboardOptions {
  /**
   * The TCP port to listen on; `0` picks a free one (read it back from `url` or `port`).
   * @example port: 4317
   */
  readonly port: number;
  /**
   * The interface to listen on. A host that is not loopback needs a `token`.
   * @default "127.0.0.1"
   */
  readonly host?: string;
  /**
   * A secret every request must carry: `Authorization: Bearer <token>`, or the cookie set by
   * opening the page once with `?token=<token>`.
   * @default none (loopback only)
   * @example token: crypto.randomBytes(24).toString("base64url")
   */
  readonly token?: string;
  /**
   * Recent batches kept for the timeline.
   * @default 20
   */
  readonly maxBatches?: number;
  /**
   * Calls drawn per batch on the timeline; the rest are counted (and still in the stats).
   * @default 200
   */
  readonly maxCallsPerBatch?: number;
  /**
   * What `/metrics` serves: a registry (yours, to which you attached `volley/metrics`), `true`
   * to attach `volley/metrics` to a registry of the dashboard's own, or `false` for no
   * `/metrics`. `true` needs `prom-client` installed; without it `/metrics` answers 501.
   * @default true
   */
  readonly metrics?: boolean | MetricsRegistry;
  /**
   * Changes are gathered and sent to pages at most this often (ms).
   * @default 100
   */
  readonly updateIntervalMs?: number;
}

/** The keys of {@link DashboardOptions}. */
const DASHBOARD_OPTION_KEYS = optionKeys<DashboardOptions>()([
  "port",
  "host",
  "token",
  "maxBatches",
  "maxCallsPerBatch",
  "metrics",
  "updateIntervalMs",
]);

/** The options with defaults applied. */
export interface ResolvedDashboardOptions {
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
  readonly maxBatches: number;
  readonly maxCallsPerBatch: number;
  readonly metrics: boolean | MetricsRegistry;
  readonly updateIntervalMs: number;
}

function wholeNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(
      `Expected dashboard option ${name} to be a whole number from ${min} to ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * Checks the options once, at attach time.
 * @throws TypeError for a bad option, or a non-loopback `host` without a `token`.
 */
export function resolveDashboardOptions(options: DashboardOptions): ResolvedDashboardOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Expected dashboard options to be an object { port, host?, token? }, got ${describeValue(options)}`,
    );
  }
  assertKnownKeys("attachDashboard", options, DASHBOARD_OPTION_KEYS);
  const port = wholeNumber("port", options.port, 0, 65_535);
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") {
    throw new TypeError(
      `Expected dashboard option host to be a host name or address, got ${describeValue(host)}`,
    );
  }
  const { token } = options;
  if (token !== undefined && (typeof token !== "string" || token.trim() === "")) {
    throw new TypeError(
      `Expected dashboard option token to be a non-empty string, got ${describeValue(token)}`,
    );
  }
  if (token === undefined && !isLoopback(host)) {
    throw new TypeError(
      `Refusing to serve the dashboard on non-loopback host ${JSON.stringify(host)} without a token: ` +
        "anyone who can reach it would see your tool calls. Set the token option, or use 127.0.0.1",
    );
  }
  const metrics = options.metrics ?? true;
  if (
    typeof metrics !== "boolean" &&
    (typeof metrics !== "object" || metrics === null || typeof metrics.metrics !== "function")
  ) {
    throw new TypeError(
      `Expected dashboard option metrics to be a boolean or a prom-client Registry, got ${describeValue(metrics)}`,
    );
  }
  return {
    port,
    host,
    token,
    maxBatches: wholeNumber("maxBatches", options.maxBatches ?? 20, 1, 1_000),
    maxCallsPerBatch: wholeNumber("maxCallsPerBatch", options.maxCallsPerBatch ?? 200, 1, 10_000),
    metrics,
    updateIntervalMs: wholeNumber("updateIntervalMs", options.updateIntervalMs ?? 100, 10, 60_000),
  };
}
