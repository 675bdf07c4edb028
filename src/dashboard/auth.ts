import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";

/**
 * The name of the cookie that carries the token once the page was opened with `?token=`.
 * Cookies are shared by every port of a host, so the name carries the port: two dashboards on
 * one machine keep their own.
 */
export function tokenCookieName(port: number): string {
  return `volley_dashboard_token_${port}`;
}

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** True for `localhost`, `127.0.0.0/8` and `::1` (brackets allowed). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  const family = isIP(bare);
  if (family === 4) return loopback.check(bare, "ipv4");
  if (family === 6) return loopback.check(bare, "ipv6");
  return false;
}

/** What to do with a request. */
export type AuthDecision =
  | { readonly kind: "allow" }
  | { readonly kind: "deny"; readonly status: 401 | 403; readonly message: string }
  /** The token came in the URL: set the cookie and send the browser to the URL without it. */
  | { readonly kind: "login"; readonly location: string; readonly cookie: string };

/** Compares in constant time (over digests, so lengths leak nothing either). */
function same(given: string, token: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function cookieToken(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Decides whether a request may see the dashboard. With a token, it must come as
 * `Authorization: Bearer <token>`, as the cookie, or as `?token=` (which sets the cookie).
 * Without one, only requests addressed to a loopback name are served, so that a web page
 * cannot reach the dashboard through DNS rebinding.
 */
export function authorize(
  req: IncomingMessage,
  url: URL,
  token: string | undefined,
  port: number,
): AuthDecision {
  if (token === undefined) {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    return isLoopback(host)
      ? { kind: "allow" }
      : { kind: "deny", status: 403, message: `Host "${host}" is not a loopback name` };
  }
  const fromQuery = url.searchParams.get("token");
  if (fromQuery !== null) {
    if (!same(fromQuery, token)) return denied;
    const clean = new URL(url);
    clean.searchParams.delete("token");
    return {
      kind: "login",
      // One leading slash, always: "//host" would send the browser to another site.
      location: `/${clean.pathname.replace(/^\/+/, "")}${clean.search}`,
      cookie: `${tokenCookieName(port)}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`,
    };
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
  const given = bearer ?? cookieToken(req.headers.cookie, tokenCookieName(port));
  return given !== undefined && same(given, token) ? { kind: "allow" } : denied;
}

const denied: AuthDecision = {
  kind: "deny",
  status: 401,
  message:
    "This dashboard needs its token: open the URL with ?token=<token> once, " +
    "or send Authorization: Bearer <token>",
};
