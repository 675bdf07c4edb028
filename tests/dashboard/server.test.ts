import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { attachDashboard, type Dashboard } from "../../src/dashboard/index.js";
import { attachMetrics } from "../../src/metrics/index.js";
import { createExecutor, defineTool } from "../../src/index.js";
import { request } from "./http.js";

const instant = defineTool({
  name: "instant",
  description: "Returns at once",
  schema: z.object({}),
  run: () => "done",
});

const TOKEN = "s3cret-token-for-tests";
const open: Dashboard[] = [];
async function start(options: Parameters<typeof attachDashboard>[1]) {
  const executor = createExecutor({ tools: [instant] });
  const dashboard = await attachDashboard(executor, options);
  open.push(dashboard);
  return { executor, dashboard };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

describe("attachDashboard options", () => {
  const executor = createExecutor({ tools: [instant] });

  it("refuses a non-loopback host without a token, at once", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) {
      expect(() => attachDashboard(executor, { port: 0, host })).toThrow(TypeError);
    }
    expect(() => attachDashboard(executor, { port: 0, host: "0.0.0.0" })).toThrow(
      /non-loopback host "0.0.0.0" without a token/,
    );
  });

  it("accepts a non-loopback host with a token", async () => {
    // 192.0.2.1 (TEST-NET-1) is on no interface here: the options pass, listening fails.
    await expect(
      attachDashboard(executor, { port: 0, host: "192.0.2.1", token: TOKEN }),
    ).rejects.toThrow(/EADDRNOTAVAIL/);
  });

  it("rejects bad options with a TypeError naming them", () => {
    const bad = [
      [{ port: -1 }, /port to be a whole number from 0 to 65535, got `-1` \(number\)/],
      [{ port: 70_000 }, /port/],
      [{ port: "80" }, /port.*got `"80"` \(string\)/],
      [{ port: 0, token: "" }, /token to be a non-empty string/],
      [{ port: 0, host: "" }, /host/],
      [{ port: 0, maxBatches: 0 }, /maxBatches/],
      [{ port: 0, metrics: "yes" }, /metrics/],
    ] as const;
    for (const [options, message] of bad) {
      expect(() => attachDashboard(executor, options as never)).toThrow(message);
    }
    expect(() => attachDashboard({} as never, { port: 0 })).toThrow(/Expected an executor/);
  });

  it("reports a port in use", async () => {
    const { dashboard } = await start({ port: 0 });
    await expect(attachDashboard(executor, { port: dashboard.port })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe("the dashboard server", () => {
  it("serves the page, the snapshot and security headers on 127.0.0.1", async () => {
    const { dashboard, executor } = await start({ port: 0 });
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
    await executor.execute([{ id: "a", name: "instant", args: {} }]);

    const page = await request(dashboard.url);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.body).toContain('<script type="module" src="app.js">');
    for (const [path, type] of [
      ["app.js", /javascript/],
      ["style.css", /css/],
      ["favicon.svg", /svg/],
    ] as const) {
      const reply = await request(new URL(path, dashboard.url).href);
      expect([reply.status, reply.headers["content-type"]]).toEqual([
        200,
        expect.stringMatching(type),
      ]);
    }
    const snapshot = await request(new URL("snapshot.json", dashboard.url).href);
    expect(JSON.parse(snapshot.body)).toMatchObject({
      reset: true,
      totals: { finished: 1, ok: 1 },
      calls: [{ id: "a", status: "ok", tool: "instant" }],
    });
  });

  it("answers 404, 405, and 403 to a request addressed to another host name", async () => {
    const { dashboard } = await start({ port: 0 });
    expect((await request(new URL("nope", dashboard.url).href)).status).toBe(404);
    const post = await request(dashboard.url, { method: "POST" });
    expect([post.status, post.headers.allow]).toEqual([405, "GET, HEAD"]);
    // A DNS-rebinding page reaches 127.0.0.1 under its own name: refused without a token.
    const rebound = await request(dashboard.url, { headers: { Host: "evil.example:80" } });
    expect(rebound.status).toBe(403);
    const local = await request(dashboard.url, {
      headers: { Host: `localhost:${dashboard.port}` },
    });
    expect(local.status).toBe(200);
  });

  it("serves Prometheus metrics at /metrics", async () => {
    const { dashboard, executor } = await start({ port: 0 });
    await executor.execute([{ id: "a", name: "instant", args: {} }]);
    const reply = await request(new URL("metrics", dashboard.url).href);
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^text\/plain/);
    expect(reply.body).toMatch(/volley_calls_total\{[^}]*tool="instant"[^}]*\} 1/);
    expect(reply.body).toContain("volley_call_duration_seconds_bucket");
  });

  it("serves the user's own registry, or no /metrics", async () => {
    const registry = new Registry();
    const mine = await start({ port: 0, metrics: registry });
    const handle = attachMetrics(mine.executor, { registry });
    await mine.executor.execute([{ id: "a", name: "instant", args: {} }]);
    const reply = await request(new URL("metrics", mine.dashboard.url).href);
    expect(reply.body).toMatch(/volley_calls_total\{[^}]*\} 1/);
    handle.detach();

    const none = await start({ port: 0, metrics: false });
    expect((await request(new URL("metrics", none.dashboard.url).href)).status).toBe(404);
  });

  it("closes idempotently and stops serving", async () => {
    const { dashboard } = await start({ port: 0 });
    await Promise.all([dashboard.close(), dashboard.close()]);
    await expect(request(dashboard.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("the dashboard with a token", () => {
  it("refuses requests without the token", async () => {
    const { dashboard } = await start({ port: 0, token: TOKEN });
    for (const path of ["", "app.js", "events", "snapshot.json", "metrics"]) {
      const reply = await request(new URL(path, dashboard.url).href);
      expect(reply.status, path).toBe(401);
      expect(reply.headers["www-authenticate"]).toBe('Bearer realm="volley"');
    }
    const wrong = await request(dashboard.url, { headers: { Authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect((await request(`${dashboard.url}?token=nope`)).status).toBe(401);
  });

  it("accepts a bearer header", async () => {
    const { dashboard } = await start({ port: 0, token: TOKEN });
    const headers = { Authorization: `Bearer ${TOKEN}` };
    expect((await request(dashboard.url, { headers })).status).toBe(200);
    expect((await request(new URL("metrics", dashboard.url).href, { headers })).status).toBe(200);
    // Any host name is fine once the token is checked.
    const other = await request(dashboard.url, { headers: { ...headers, Host: "dash.example" } });
    expect(other.status).toBe(200);
  });

  it("trades ?token= for a cookie and a redirect to the URL without it", async () => {
    const { dashboard } = await start({ port: 0, token: TOKEN });
    const login = await request(`${dashboard.url}?view=compact&token=${TOKEN}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe("/?view=compact");
    const cookie = login.headers["set-cookie"]?.[0] ?? "";
    expect(cookie).toMatch(new RegExp(`^volley_dashboard_token_${dashboard.port}=`));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");

    const pair = cookie.split(";")[0]!;
    const page = await request(new URL("/?view=compact", dashboard.url).href, {
      headers: { Cookie: `theme=dark; ${pair}` },
    });
    expect(page.status).toBe(200);
    const events = await request(new URL("snapshot.json", dashboard.url).href, {
      headers: { Cookie: pair },
    });
    expect(events.status).toBe(200);
    // A path that normalises to "//host" must not become an open redirect.
    for (const path of ["/.//evil.example/", "//evil.example/", "/\\evil.example/"]) {
      const sneaky = await request(dashboard.url, { path: `${path}?token=${TOKEN}` });
      expect(sneaky.headers.location, path).toMatch(/^\/(?!\/)/);
    }
    const forged = await request(dashboard.url, {
      headers: { Cookie: `volley_dashboard_token_${dashboard.port}=x` },
    });
    expect(forged.status).toBe(401);
    // Cookies are shared across ports: another dashboard's cookie is not this one's.
    const otherPort = await request(dashboard.url, {
      headers: { Cookie: `volley_dashboard_token_${dashboard.port + 1}=${TOKEN}` },
    });
    expect(otherPort.status).toBe(401);
  });
});
