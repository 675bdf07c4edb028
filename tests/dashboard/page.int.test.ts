/**
 * The page's layout and states in Chromium: what it says before the first snapshot and while
 * the stream is down, how a call that never ran reads, how long the incident feed is, and what
 * fits on the first screen.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { attachDashboard } from "../../src/dashboard/index.js";
import { createExecutor, defineTool } from "../../src/index.js";
import { launchChromium, requireChromium, runBrowserTests } from "./chromium.js";
import { legibility, READABLE } from "./legibility.js";
import { demoCalls, demoTools, nextStepsCalls } from "./demo.js";

/** Texts a panel shows when it knows it is empty: wrong before the page has heard anything. */
const EMPTY_TEXTS = [
  "No tools registered",
  "No batches yet",
  "Nothing running right now",
  "No retries or timeouts so far",
];

/** Fails every attempt: with two attempts, each call makes one retry incident. */
const alwaysDown = defineTool({
  name: "always_down",
  description: "An API that is down",
  schema: z.object({}),
  retry: { maxAttempts: 2, initialInterval: 1, jitter: false },
  run: () => {
    throw new Error("503 Service Unavailable");
  },
});

describe.runIf(runBrowserTests("the dashboard page test"))("the dashboard page in Chromium", () => {
  it("says it is connecting until the first snapshot, and reconnecting while the stream is down", async () => {
    requireChromium();
    const executor = createExecutor({ tools: demoTools });
    let dashboard = await attachDashboard(executor, { port: 0 });
    const { port } = dashboard;
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      // Hold the event stream back: the page is loaded and has heard nothing yet.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route("**/events", async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(dashboard.url);
      await page.locator("#cards .card").nth(5).waitFor({ timeout: 5_000 });
      expect(await page.locator("#conn").getAttribute("data-state")).toBe("connecting");
      for (const panel of ["#tools", "#timeline", "#inflight", "#incidents"]) {
        expect(await page.locator(panel).innerText()).toBe("Connecting…");
      }
      const before = await page.locator("main").innerText();
      for (const text of EMPTY_TEXTS) expect(before).not.toContain(text);
      expect(await page.locator("#cards .value").allInnerTexts()).toEqual(Array(6).fill("–"));

      release();
      await page.locator("#conn[data-state=live]").waitFor({ timeout: 10_000 });
      await expect.poll(() => page.locator("#tools").innerText()).toMatch(/fast_tool/);
      await expect.poll(() => page.locator("#timeline").innerText()).toMatch(/No batches yet/);
      await executor.execute(demoCalls.slice(0, 1));
      await page
        .locator('#timeline .row.call[data-call-id="fast_1"][data-status=ok]')
        .waitFor({ timeout: 5_000 });
      await page.locator("#inflight .empty").waitFor({ timeout: 5_000 });

      // The server goes away: what the page knows stays, faded; what it does not know says so.
      await dashboard.close();
      await page.locator("#conn[data-state=down]").waitFor({ timeout: 10_000 });
      await page.locator("main[data-phase=reconnecting]").waitFor({ timeout: 5_000 });
      await expect.poll(() => page.locator("#inflight").innerText()).toBe("Reconnecting…");
      expect(await page.locator("#incidents").innerText()).toBe("Reconnecting…");
      expect(await page.locator("#tools").innerText()).toMatch(/fast_tool/);
      expect(await page.locator("#timeline .row.call").count()).toBe(1);
      const faded = await page
        .locator("#timeline")
        .evaluate((el) => Number(el.ownerDocument.defaultView!.getComputedStyle(el).opacity));
      expect(faded).toBeLessThan(1);

      // It comes back on the same port: live again, from the new server's snapshot.
      dashboard = await attachDashboard(executor, { port });
      await page.locator("main[data-phase=live]").waitFor({ timeout: 15_000 });
      await expect.poll(() => page.locator("#inflight").innerText()).toMatch(/Nothing running/);
    } finally {
      await browser.close();
      await dashboard.close();
      await executor.close();
    }
  }, 60_000);

  for (const colorScheme of ["dark", "light"] as const) {
    it(`labels a call to an unknown tool readably, with the tools table on the first screen at 1280×900 (${colorScheme})`, async () => {
      requireChromium();
      const executor = createExecutor({ tools: demoTools });
      const dashboard = await attachDashboard(executor, { port: 0 });
      const browser = await launchChromium({ colorScheme, width: 1280, height: 900 });
      try {
        const page = await browser.context.newPage();
        await page.goto(dashboard.url);
        await page.locator("#conn[data-state=live]").waitFor({ timeout: 10_000 });
        await executor.execute(demoCalls);
        await executor.execute(nextStepsCalls);

        // Wait for the last update, after which the finished batches are not redrawn: all 12
        // calls counted (how many fail depends on the demo's timeouts, and so on the load).
        await expect
          .poll(() => page.locator("#cards").innerText())
          .toMatch(/FAILED\s+\d+\s+[\d.]+% of 12\b/i);
        await page.locator("#inflight .empty").waitFor({ timeout: 5_000 });
        const badge = '#timeline .row.call[data-call-id="ghost_1"] .badge';
        await page.locator(badge).waitFor({ timeout: 5_000 });
        const call = await legibility(page, badge);
        expect(call).toMatchObject({ text: "Unknown tool" });
        expect(call.width).toBeGreaterThan(50);
        expect(call.height).toBeGreaterThanOrEqual(14);
        expect(call.contrast).toBeGreaterThanOrEqual(READABLE);
        expect(call.title).toMatch(/unknown_tool: Unknown tool "summarize"/);
        // Its row in the tools table reads as well.
        const row = await legibility(page, "#tools tbody th.unknown");
        expect(row.text).toBe("(unknown)");
        expect(row.contrast).toBeGreaterThanOrEqual(READABLE);

        // Five rows (four tools and the unknown one), all of it above the fold.
        await expect.poll(() => page.locator("#tools tbody tr").count()).toBe(5);
        const fold = await page.locator("body").evaluate((body) => ({
          bottom: body.querySelector("#tools table")!.getBoundingClientRect().bottom,
          scrollY: body.ownerDocument.defaultView!.scrollY,
        }));
        expect(fold.scrollY).toBe(0);
        expect(fold.bottom).toBeLessThanOrEqual(900);
      } finally {
        await browser.close();
        await dashboard.close();
        await executor.close();
      }
    }, 60_000);
  }

  it("shows the last 50 of 60 retries in the page's flow, not in a scroll box", async () => {
    requireChromium();
    const executor = createExecutor({ tools: [alwaysDown] });
    const dashboard = await attachDashboard(executor, { port: 0 });
    const browser = await launchChromium({ width: 1280, height: 900 });
    try {
      const page = await browser.context.newPage();
      await page.goto(dashboard.url);
      await page.locator("#conn[data-state=live]").waitFor({ timeout: 10_000 });
      const calls = Array.from({ length: 60 }, (_, i) => ({
        id: `down_${i + 1}`,
        name: "always_down",
        args: {},
      }));
      const report = await executor.execute(calls);
      expect(report.outcomes.every((o) => o.attempts === 2)).toBe(true);

      await expect.poll(() => page.locator("#incidents .incident").count()).toBe(50);
      expect(await page.locator("#incidents-sub").innerText()).toBe("last 50");
      const feed = await page.locator("#incidents").evaluate((list) => {
        const boxes: { tag: string; overflowY: string; clipped: boolean }[] = [];
        const doc = list.ownerDocument;
        for (let e: typeof list | null = list; e && e !== doc.body; e = e.parentElement) {
          const style = doc.defaultView!.getComputedStyle(e);
          boxes.push({
            tag: `${e.tagName.toLowerCase()}#${e.id}.${e.className}`,
            overflowY: style.overflowY,
            clipped: e.scrollHeight > e.clientHeight + 1,
          });
        }
        const entries = [...list.querySelectorAll(".incident")].map((item) => {
          const r = item.getBoundingClientRect();
          return r.height;
        });
        return { boxes, entries };
      });
      // Neither the list nor anything around it scrolls or clips: the page itself grows.
      for (const box of feed.boxes) {
        expect(box, box.tag).toMatchObject({ overflowY: "visible", clipped: false });
      }
      expect(feed.entries.every((height) => height > 20)).toBe(true);
      // The latest 50, newest first: the first ten calls' retries made room for the rest.
      const ids = await page.locator("#incidents .incident .id").allInnerTexts();
      expect(ids[0]).toBe("down_60");
      expect(new Set(ids)).toEqual(new Set(calls.slice(10).map((c) => c.id)));
    } finally {
      await browser.close();
      await dashboard.close();
      await executor.close();
    }
  }, 60_000);
  it("shows a running call's last progress report in flight, readably", async () => {
    requireChromium();
    let finish: () => void = () => undefined;
    const crawl = defineTool({
      name: "crawl",
      description: "Crawls pages, reporting each",
      schema: z.object({}),
      run: async (_args, ctx) => {
        ctx.progress({ progress: 3, total: 10, message: "example.org/docs" });
        await new Promise<void>((resolve) => (finish = resolve));
        return "done";
      },
    });
    const executor = createExecutor({ tools: [crawl] });
    const dashboard = await attachDashboard(executor, { port: 0 });
    const browser = await launchChromium({ width: 1280, height: 900 });
    try {
      const page = await browser.context.newPage();
      await page.goto(dashboard.url);
      await page.locator("#conn[data-state=live]").waitFor({ timeout: 10_000 });
      const batch = executor.execute([{ id: "crawl_1", name: "crawl", args: {} }]);
      await page.locator("#inflight .flight .progress").waitFor({ timeout: 10_000 });
      const progress = await legibility(page, "#inflight .flight .progress");
      expect(progress.text).toBe("3/10 · example.org/docs");
      expect(progress.title).toMatch(/^last progress .+ ago$/);
      expect(progress.contrast).toBeGreaterThanOrEqual(READABLE);
      finish();
      await batch;
      await expect.poll(() => page.locator("#inflight").innerText()).toMatch(/Nothing running/);
    } finally {
      finish();
      await browser.close();
      await dashboard.close();
      await executor.close();
    }
  }, 60_000);
});
