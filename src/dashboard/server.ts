import { readdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { describeValue, errorText } from "../core/describe-value.js";
import { missingPackage } from "../core/optional-peer.js";
import { authorize } from "./auth.js";
import {
  resolveDashboardOptions,
  type DashboardOptions,
  type MetricsRegistry,
  type ResolvedDashboardOptions,
} from "./options.js";
import { SseHub } from "./sse.js";
import { DashboardState, type DashboardSource } from "./state.js";

/** A running dashboard, made by {@link attachDashboard}. */
export interface Dashboard extends AsyncDisposable {
  /** Where it serves, such as `http://127.0.0.1:4317/` (without the token). */
  readonly url: string;
  /** The port it listens on (the free one picked for `port: 0`). */
  readonly port: number;
  /** Stops listening to the executor, ends the live streams and closes the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * The page: plain HTML, CSS and JS in `page/` beside this module. `npm run build` copies it
 * next to the compiled module, so the same relative URL works from `src/` and from `dist/`.
 */
const PAGE_DIR = new URL("./page/", import.meta.url);
const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
};
const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};
const MAX_CLIENTS = 32;
const HEARTBEAT_MS = 15_000;

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

async function loadPage(): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  const dir = fileURLToPath(PAGE_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const type = TYPES[name.slice(name.lastIndexOf(".") + 1)];
    if (type) assets.set(`/${name}`, { type, body: await readFile(new URL(name, PAGE_DIR)) });
  }
  const index = assets.get("/index.html");
  if (!index) {
    throw new Error(
      `The dashboard page is missing from ${dir}: build with "npm run build", which copies src/dashboard/page there`,
    );
  }
  assets.set("/", index);
  return assets;
}

/** What `/metrics` serves: the given registry, or volley/metrics on a registry of our own. */
async function metricsFor(
  executor: DashboardSource,
  option: ResolvedDashboardOptions["metrics"],
): Promise<{ registry?: MetricsRegistry; problem?: [number, string]; detach?: () => void }> {
  if (option === false) return { problem: [404, "Metrics are turned off (metrics: false)"] };
  if (option !== true) return { registry: option };
  try {
    // Loaded only when wanted: prom-client is an optional peer dependency.
    const [{ Registry }, { attachMetrics }] = await Promise.all([
      import("prom-client"),
      import("../metrics/index.js"),
    ]);
    const handle = attachMetrics(executor, { registry: new Registry() });
    return { registry: handle.registry, detach: () => handle.detach() };
  } catch (error) {
    // A missing prom-client needs only the install hint; anything else, the error's own words.
    const detail = missingPackage(error) === "prom-client" ? "" : ` (${errorText(error)})`;
    return { problem: [501, `Metrics need prom-client: npm install prom-client${detail}`] };
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function text(res: ServerResponse, status: number, message: string): void {
  send(res, status, "text/plain; charset=utf-8", `${message}\n`);
}

/**
 * Serves a live dashboard of an executor: the calls in flight, a timeline of recent batches,
 * per-tool latency and error rates, retries and timeouts, updated over server-sent events.
 * Also serves `/events` (the stream), `/snapshot.json` and `/metrics` (Prometheus).
 * Resolves once it listens.
 * @throws TypeError at once for a bad option, or a non-loopback `host` without a `token`.
 * @example
 * const dashboard = await attachDashboard(executor, { port: 4317 });
 * console.log(`Dashboard: ${dashboard.url}`);
 * // …
 * await dashboard.close();
 */
export function attachDashboard(
  executor: DashboardSource,
  options: DashboardOptions,
): Promise<Dashboard> {
  const resolved = resolveDashboardOptions(options);
  if (
    typeof executor !== "object" ||
    executor === null ||
    typeof executor.on !== "function" ||
    typeof executor.stats !== "function"
  ) {
    throw new TypeError(
      `Expected an executor (from createExecutor), got ${describeValue(executor)}`,
    );
  }
  return start(executor, resolved);
}

async function start(
  executor: DashboardSource,
  options: ResolvedDashboardOptions,
): Promise<Dashboard> {
  const page = await loadPage();
  const metrics = await metricsFor(executor, options.metrics);

  let timer: NodeJS.Timeout | undefined;
  const state = new DashboardState(executor, {
    maxBatches: options.maxBatches,
    maxCallsPerBatch: options.maxCallsPerBatch,
    // Changes are coalesced: one update per interval, however many events arrived.
    onChange: () => {
      if (timer) return;
      timer = setTimeout(flush, options.updateIntervalMs);
      timer.unref();
    },
  });
  const hub = new SseHub({
    snapshot: () => state.snapshot(),
    maxClients: MAX_CLIENTS,
    heartbeatMs: HEARTBEAT_MS,
  });
  function flush(): void {
    timer = undefined;
    if (hub.size === 0) state.discardChanges();
    else {
      const update = state.takeUpdate();
      if (update) hub.broadcast("update", update);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return text(res, 405, `Method ${req.method ?? ""} not allowed`);
    }
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    const decision = authorize(req, url, options.token, port);
    if (decision.kind === "deny") {
      if (decision.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="volley"');
      return text(res, decision.status, decision.message);
    }
    if (decision.kind === "login") {
      res.writeHead(303, { Location: decision.location, "Set-Cookie": decision.cookie });
      return void res.end();
    }
    const asset = page.get(url.pathname);
    if (asset) return send(res, 200, asset.type, asset.body);
    switch (url.pathname) {
      case "/events":
        return req.method === "HEAD" ? text(res, 200, "") : hub.open(req, res);
      case "/snapshot.json":
        return send(res, 200, "application/json", JSON.stringify(state.snapshot()));
      case "/metrics":
        if (!metrics.registry) return text(res, ...(metrics.problem ?? [404, "No metrics"]));
        return send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
      default:
        return text(res, 404, `Not found: ${url.pathname}`);
    }
  }

  let port = options.port;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else text(res, 500, `Dashboard error: ${(error as Error).message}`);
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    state.dispose();
    hub.close();
    metrics.detach?.();
    throw error;
  }

  ({ port } = server.address() as AddressInfo);
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      state.dispose();
      metrics.detach?.();
      clearTimeout(timer);
      hub.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  return { url: `http://${host}:${port}/`, port, close, [Symbol.asyncDispose]: close };
}
