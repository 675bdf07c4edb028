import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { attachDashboard, type DashboardUpdate } from "../../src/dashboard/index.js";
import { createExecutor } from "../../src/index.js";
import { launchChromium, requireChromium, runBrowserTests } from "./chromium.js";
import { demoCalls, demoTools } from "./demo.js";
import { request } from "./http.js";

const TOKEN = "browser-test-token";

describe.runIf(runBrowserTests("the dashboard browser test"))(
  "the dashboard in Chromium (apt-get install chromium)",
  () => {
    let shots: string;

    beforeAll(async () => {
      shots = await mkdtemp(join(tmpdir(), "volley-dashboard-shots-"));
    });

    for (const colorScheme of ["dark", "light"] as const) {
      it(`shows the demo's four calls with their outcomes and draws the timeline (${colorScheme})`, async () => {
        requireChromium();
        const executor = createExecutor({ tools: demoTools });
        const dashboard = await attachDashboard(executor, { port: 0, token: TOKEN });
        const browser = await launchChromium({ colorScheme });
        try {
          const page = await browser.context.newPage();
          const problems: string[] = [];
          page.on("pageerror", (error) => problems.push(error.message));
          page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));

          // The token in the URL becomes a cookie, and the page reloads without it.
          await page.goto(`${dashboard.url}?token=${TOKEN}`);
          expect(new URL(page.url()).search).toBe("");
          await page.locator("#conn[data-state=live]").waitFor({ timeout: 10_000 });

          // The slow calls run for a second: they show as in flight, with a running bar. The page
          // records what it showed as it redraws, since on a loaded machine the second may be
          // over before a look taken afterwards.
          await page.locator("body").evaluate((body) => {
            const doc = body.ownerDocument;
            const seen = { inflight: false, running: false };
            body.dataset["seen"] = JSON.stringify(seen);
            const look = () => {
              const inflight = doc.querySelector("#inflight");
              if (inflight?.querySelectorAll(".flight").length === 2) {
                seen.inflight ||= inflight.textContent?.includes("slow_tool") ?? false;
              }
              seen.running ||=
                doc.querySelector('#timeline .row.call[data-call-id="slow_1"] .bar.running') !==
                null;
              body.dataset["seen"] = JSON.stringify(seen);
            };
            new doc.defaultView!.MutationObserver(look).observe(doc.querySelector("main") ?? body, {
              subtree: true,
              childList: true,
              attributes: true,
              characterData: true,
            });
          });
          const batch = executor.execute(demoCalls);
          await page
            .locator("#inflight .flight")
            .nth(1)
            .waitFor({ timeout: 5_000 })
            .catch(() => {});
          await page.screenshot({
            path: join(shots, `running-${colorScheme}.png`),
            fullPage: true,
          });
          await batch;
          await expect
            .poll(() => page.locator("body").getAttribute("data-seen"))
            .toBe(JSON.stringify({ inflight: true, running: true }));

          // Settled: the batch is marked finished and nothing runs.
          await page.locator("#timeline .batch-head .chip.error").waitFor({ timeout: 5_000 });
          await page.locator("#inflight .empty").waitFor({ timeout: 5_000 });
          // Read every row at once: the page redraws panels whole, so handles go stale.
          const rows = await page.locator("#timeline .row.call").evaluateAll((els) =>
            els.map((el) => ({
              id: el.getAttribute("data-call-id"),
              status: el.getAttribute("data-status"),
              look: el.getAttribute("data-look"),
              title: el.querySelector(".label")?.getAttribute("title") ?? "",
              width: el.querySelector(".bar")?.getBoundingClientRect().width ?? 0,
            })),
          );
          const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
          expect(Object.fromEntries(rows.map((r) => [r.id, `${r.status}/${r.look}`]))).toEqual({
            fast_1: "ok/ok",
            slow_1: "ok/ok",
            fast_2: "ok/ok",
            error_1: "error/error",
          });
          expect(byId["error_1"]!.title).toContain("tool_error: Simulated failure");

          // The timeline draws: every call has a bar, as long as the call took (slow ≈ 10× fast).
          const snapshot = await request(new URL("snapshot.json", dashboard.url).href, {
            headers: { Authorization: `Bearer ${TOKEN}` },
          });
          const took = Object.fromEntries(
            (JSON.parse(snapshot.body) as DashboardUpdate).calls.map((c) => [
              c.id,
              c.endedAt! - c.startedAt!,
            ]),
          );
          const [fast, slow] = [byId["fast_1"]!.width, byId["slow_1"]!.width];
          expect(fast).toBeGreaterThan(1);
          expect(slow).toBeGreaterThan(fast);
          expect(slow / fast / (took["slow_1"]! / took["fast_1"]!)).toBeCloseTo(1, 1);
          expect(await page.locator("#timeline .axis .tick").count()).toBeGreaterThan(2);

          // Per-tool latency and error rates, and the totals.
          await expect
            .poll(() => page.locator("#tools tbody tr", { hasText: "slow_tool" }).innerText())
            .toMatch(/1\.\d\d s[\s\S]*50%/);
          await expect.poll(() => page.locator("#cards").innerText()).toMatch(/FAILED\s+1\b/i);

          const file = join(shots, `done-${colorScheme}.png`);
          await page.screenshot({ path: file, fullPage: true });
          expect((await stat(file)).size).toBeGreaterThan(10_000);
          expect(problems).toEqual([]);
        } finally {
          await browser.close();
          await dashboard.close();
          await executor.close();
        }
      }, 60_000);
    }

    it("serves a late page the batches so far, and reconnects when the server restarts", async () => {
      requireChromium();
      const first = createExecutor({ tools: demoTools });
      await first.execute(demoCalls);
      let dashboard = await attachDashboard(first, { port: 0, token: TOKEN });
      const { port } = dashboard;
      const second = createExecutor({ tools: demoTools });
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        // Before the page connected: the batch is not in the snapshot (nothing was watching).
        await page.goto(`${dashboard.url}?token=${TOKEN}`);
        await page.locator("#conn[data-state=live]").waitFor({ timeout: 10_000 });
        await page.locator("#timeline .empty").waitFor({ timeout: 5_000 });
        await expect.poll(() => page.locator("#tools").innerText()).toMatch(/fast_tool/);

        await first.execute(demoCalls.slice(0, 2));
        await page.locator("#timeline .row.call").nth(1).waitFor({ timeout: 5_000 });
        const late = await browser.context.newPage();
        await late.goto(dashboard.url); // the cookie is already set
        await late.locator('#timeline .row.call[data-call-id="slow_1"][data-status=ok]').waitFor({
          timeout: 5_000,
        });

        await dashboard.close();
        await page.locator("#conn[data-state=down]").waitFor({ timeout: 10_000 });
        dashboard = await attachDashboard(second, { port, token: TOKEN });
        await page.locator("#conn[data-state=live]").waitFor({ timeout: 15_000 });
        await second.execute([{ id: "after_restart", name: "fast_tool", args: { query: "x" } }]);
        await page
          .locator('#timeline .row.call[data-call-id="after_restart"][data-status=ok]')
          .waitFor({ timeout: 5_000 });
        // The new server's snapshot replaced what the page had.
        expect(await page.locator("#timeline .row.call").count()).toBe(1);
      } finally {
        await browser.close();
        await dashboard.close();
        await first.close();
        await second.close();
      }
    }, 60_000);
  },
);
