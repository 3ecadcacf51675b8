import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { postureHtml } from "../../posture/html.js";
import { VIEWPORT } from "../../scripts/posture-screenshot.js";
import { browserSkipReason, CHROMIUM, INSTALL_CHROMIUM, startChromium, type Chromium } from "../support/chromium.js";
import { DUE_ORDER, ENTRIES, MARKERS, META, OWNERS } from "../support/posture-entries.js";

// The posture page in Debian's chromium: it loads cleanly and sorts. The same page as text is
// test/posture-html.test.ts.

const browserSkip = browserSkipReason();
if (browserSkip) console.warn(`posture page in chromium: skipped: ${browserSkip}`);

describe.skipIf(browserSkip)("posture HTML page in chromium", { timeout: 30_000 }, () => {
  let chromium: Chromium | undefined;
  let dir: string | undefined;
  let page: Page;
  const errors: string[] = [];
  const requests: string[] = [];

  /** Writes `html` to the run's temp dir and opens it from there in a new tab of `width` × `height`. */
  async function open(name: string, html: string, viewport: { width: number; height: number }): Promise<Page> {
    const file = join(dir!, name);
    writeFileSync(file, html);
    const tab = await chromium!.browser.newPage();
    await tab.setViewport(viewport);
    tab.on("console", (message) => {
      if (message.type() === "error") errors.push(`${name}: console: ${message.text()}`);
    });
    tab.on("pageerror", (error) => errors.push(`${name}: pageerror: ${error instanceof Error ? error.message : String(error)}`));
    tab.on("request", (request) => requests.push(request.url()));
    await tab.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return tab;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} not found but POSTURE_REQUIRE_BROWSER=1: install it with \`${INSTALL_CHROMIUM}\``);
    dir = mkdtempSync(join(tmpdir(), "posture-page-"));
    chromium = await startChromium();
    page = await open("posture.html", postureHtml(ENTRIES, META), VIEWPORT);
  });

  // Runs also when beforeAll or a test failed: no chromium and no temp dir outlive the file.
  afterAll(async () => {
    try {
      await chromium?.stop();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  const rowOrder = () => page.$$eval("#posture-table tbody tr", (rows) => rows.map((r) => r.getAttribute("data-purpose")));

  it("loads without errors and requests nothing but the page itself", () => {
    assert.deepEqual(errors, []);
    assert.ok(requests.every((url) => url.startsWith("file:")), requests.join(", "));
  });

  it("shows the timeline with every marker", async () => {
    const svg = await page.$("#timeline");
    assert.ok(svg, "the timeline SVG is in the page");
    assert.ok(await svg.isVisible());
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 0 && box.height > 0, `bounding box ${JSON.stringify(box)}`);
    assert.equal((await page.$$("#timeline .lane")).length, OWNERS.length);
    assert.equal((await page.$$("#timeline .marker")).length, MARKERS);
    const marker = await page.$("#timeline .marker");
    const markerBox = await marker?.boundingBox();
    assert.ok(markerBox && markerBox.width > 0, "markers are drawn");
  });

  it("re-sorts the table when a heading is clicked, and reverses on a second click", async () => {
    assert.deepEqual(await rowOrder(), DUE_ORDER);
    await page.click('#posture-table th[data-col="0"] button');
    const byPurpose = [...DUE_ORDER].sort();
    assert.deepEqual(await rowOrder(), byPurpose);
    await page.click('#posture-table th[data-col="0"] button');
    assert.deepEqual(await rowOrder(), [...byPurpose].reverse());
    assert.equal(await page.$eval('#posture-table th[data-col="0"]', (th) => th.getAttribute("aria-sort")), "descending");
    assert.deepEqual(errors, []);
  });

  it("renders to a full-page screenshot", async () => {
    const png = join(dir!, "posture.png");
    await page.screenshot({ path: png, fullPage: true });
    assert.ok(statSync(png).size > 10_000, `screenshot is ${statSync(png).size} bytes`);
  });
});
