/**
 * The cluster's dashboard in Chromium: the page served on `clusterSource()` shows the calls two
 * workers run, live, with the worker of each call in flight and on the timeline, readably in
 * both colour schemes at 1280×900. A local executor's page shows no worker at all.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../../src/index.js";
import {
  bullmqBackend,
  clusterSource,
  startWorker,
  type ClusterSource,
  type VolleyWorker,
} from "../../src/bullmq/index.js";
import { attachDashboard } from "../../src/dashboard/index.js";
import { launchChromium, requireChromium, runBrowserTests } from "../dashboard/chromium.js";
import { demoCalls, demoTools } from "../dashboard/demo.js";
import { redisMissing, startRedis, type RedisServer } from "../helpers/redis-server.js";
import { allTools as tools } from "./fixtures/tools.js";
import { legibility, READABLE } from "../dashboard/legibility.js";

const missing = redisMissing();
if (missing !== undefined && process.env["CI"] === "true") throw new Error(missing);

const WORKERS = ["worker-alpha", "worker-beta"];

/** The boxes of a timeline row's cells, left to right. */
function cells(page: Page, callId: string) {
  return page.locator("body").evaluate((body, callId) => {
    const row = body.querySelector(`#timeline .row.call[data-call-id="${callId}"]`)!;
    const box = (selector: string) => {
      const r = row.querySelector(selector)!.getBoundingClientRect();
      return { left: r.left, right: r.right, width: r.width };
    };
    return { label: box(".label"), worker: box(".worker"), track: box(".track") };
  }, callId);
}

describe.runIf(missing === undefined && runBrowserTests("the cluster's dashboard page test"))(
  "the cluster's dashboard in Chromium",
  () => {
    let redis: RedisServer;
    const workers: VolleyWorker[] = [];

    beforeAll(async () => {
      redis = await startRedis();
    }, 30_000);
    afterAll(async () => {
      await Promise.all(workers.map((w) => w.close({ graceMs: 1_000 })));
      await redis?.stop();
    });

    for (const colorScheme of ["dark", "light"] as const) {
      it(`shows the cluster's calls live, with the worker of each in flight and on the timeline, readably (${colorScheme})`, async () => {
        requireChromium();
        const queue = `page-${colorScheme}`;
        for (const id of WORKERS) {
          workers.push(
            await startWorker({
              connection: redis.url,
              queue,
              tools,
              id,
              concurrency: 2,
              heartbeatMs: 200,
            }),
          );
        }
        const source: ClusterSource = await clusterSource({
          connection: redis.url,
          queue,
          discoveryMs: 500,
        });
        const dashboard = await attachDashboard(source, { port: 0 });
        const executor = createExecutor({
          tools,
          backend: bullmqBackend({ connection: redis.url, queue }),
        });
        const browser = await launchChromium({ colorScheme, width: 1280, height: 900 });
        try {
          const page = await browser.context.newPage();
          await page.goto(dashboard.url);
          await page.locator("#conn[data-state=live]").waitFor({ timeout: 10_000 });
          // The workers' tools, known before any call.
          await expect.poll(() => page.locator("#tools").innerText()).toMatch(/sleep/);

          const calls = ["s1", "s2", "s3", "s4"].map((id) => ({
            id,
            name: "sleep",
            args: { ms: 3_000 },
          }));
          const batch = executor.execute(calls, { batchId: "cluster-page" });

          // In flight: four calls, two on each worker, each naming its worker.
          await expect.poll(() => page.locator("#inflight .flight .worker").count()).toBe(4);
          const names = await page.locator("#inflight .flight .worker").allInnerTexts();
          expect(names.sort()).toEqual([...WORKERS, ...WORKERS].sort());
          const running = await legibility(page, "#inflight .flight .worker");
          expect(WORKERS).toContain(running.text);
          expect(running.title).toBe(`worker ${running.text}`);
          expect(running.width).toBeGreaterThan(40);
          expect(running.contrast).toBeGreaterThanOrEqual(READABLE);
          await expect.poll(() => page.locator("#cards").innerText()).toMatch(/RUNNING\s+4\b/i);
          // The running calls are on the timeline already, in their batch.
          await expect
            .poll(() => page.locator("#timeline .row.call[data-status=running]").count())
            .toBe(4);

          const report = await batch;
          expect(report.outcomes.every((o) => o.status === "ok")).toBe(true);
          await expect
            .poll(() => page.locator("#timeline .row.call[data-status=ok]").count())
            .toBe(4);
          await page.locator("#inflight .empty").waitFor({ timeout: 10_000 });
          // The batch is done once its calls have been for a second.
          await expect
            .poll(() => page.locator("#timeline .batch-head .chip").innerText())
            .toBe("all ok");
          expect(await page.locator("#timeline .batch-head").innerText()).toMatch(/4 calls/);

          // Each timeline row names its worker, in a column of its own, and in its tooltip.
          const shown = await page.locator("#timeline .row.call .worker").allInnerTexts();
          expect(shown.sort()).toEqual([...WORKERS, ...WORKERS].sort());
          expect(await page.locator("#timeline .axis .worker").innerText()).toMatch(/worker/i);
          for (const id of ["s1", "s2", "s3", "s4"]) {
            const cell = await legibility(
              page,
              `#timeline .row.call[data-call-id="${id}"] .worker`,
            );
            expect(WORKERS).toContain(cell.text);
            expect(cell.contrast).toBeGreaterThanOrEqual(READABLE);
            const label = await legibility(
              page,
              `#timeline .row.call[data-call-id="${id}"] .label`,
            );
            expect(label.title).toContain(`worker ${cell.text}`);
            const box = await cells(page, id);
            // Whole, between the call's name and its bar, with the bar still wide.
            expect(box.worker.width).toBeGreaterThan(60);
            expect(box.label.right).toBeLessThanOrEqual(box.worker.left);
            expect(box.worker.right).toBeLessThanOrEqual(box.track.left);
            expect(box.track.width).toBeGreaterThan(250);
          }
          // The tools table stays on the first screen.
          const fold = await page.locator("body").evaluate((body) => ({
            bottom: body.querySelector("#tools table")!.getBoundingClientRect().bottom,
          }));
          expect(fold.bottom).toBeLessThanOrEqual(900);
        } finally {
          await browser.close();
          await dashboard.close();
          await executor.close();
          await source.close();
        }
      }, 90_000);
    }

    it("shows no worker column for a local executor", async () => {
      requireChromium();
      const executor = createExecutor({ tools: demoTools });
      const dashboard = await attachDashboard(executor, { port: 0 });
      const browser = await launchChromium({ width: 1280, height: 900 });
      try {
        const page = await browser.context.newPage();
        await page.goto(dashboard.url);
        await page.locator("#conn[data-state=live]").waitFor({ timeout: 10_000 });
        const batch = executor.execute(demoCalls);
        await expect.poll(() => page.locator("#inflight .flight").count()).toBeGreaterThan(0);
        expect(await page.locator("#inflight .worker").count()).toBe(0);
        await batch;
        await expect
          .poll(() => page.locator("#timeline .row.call[data-status=ok]").count())
          .toBe(3);
        expect(await page.locator("#timeline .worker").count()).toBe(0);
        expect(await page.locator("#timeline").getAttribute("class")).not.toMatch(/workers/);
      } finally {
        await browser.close();
        await dashboard.close();
        await executor.close();
      }
    }, 60_000);
  },
);
