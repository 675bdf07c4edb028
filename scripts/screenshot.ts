/**
 * Refreshes docs/dashboard.png: runs the reference demo's batch, the tutorial's next steps
 * (a retry, a timeout, a concurrency limit, an unknown tool) and a third batch, and captures
 * the dashboard in Chromium while that one runs.
 *
 *   npm run screenshot              # dark theme
 *   npm run screenshot -- light     # light theme
 */
import { fileURLToPath } from "node:url";
import { createExecutor } from "../src/index.js";
import { attachDashboard } from "../src/dashboard/index.js";
import { hasChromium, launchChromium, CHROMIUM } from "../tests/dashboard/chromium.js";
import { demoCalls, demoTools, nextStepsCalls, sleep } from "../tests/dashboard/demo.js";

const out = fileURLToPath(new URL("../docs/dashboard.png", import.meta.url));
const colorScheme = process.argv[2] === "light" ? "light" : "dark";

if (!hasChromium()) {
  console.error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium`);
  process.exit(1);
}

const executor = createExecutor({ tools: demoTools });
const dashboard = await attachDashboard(executor, { port: 0 });
const browser = await launchChromium({ colorScheme, width: 1280, height: 900 });
try {
  const page = await browser.context.newPage();
  await page.goto(dashboard.url);
  await page.locator("#conn[data-state=live]").waitFor();
  await sleep(500); // let the browser settle, so it does not slow the demo's tools

  await executor.execute(demoCalls);
  await executor.execute(nextStepsCalls);
  const third = executor.execute(demoCalls.map((c) => ({ ...c, id: `${c.id}b` })));
  await sleep(600);
  await page.screenshot({ path: out, fullPage: true });
  await third;
  console.log(`Wrote ${out}`);
} finally {
  await browser.close();
  await dashboard.close();
  await executor.close();
}
