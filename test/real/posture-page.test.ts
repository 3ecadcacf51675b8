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
import { DUE_ORDER, ENTRIES, LONGEST, MARKERS, META, OWNERS } from "../support/posture-entries.js";

// The posture page in Debian's chromium: it loads cleanly, sorts, and fits the screens operators read it on. The
// same page as text is test/posture-html.test.ts.

const browserSkip = browserSkipReason();
if (browserSkip) console.warn(`posture page in chromium: skipped: ${browserSkip}`);

/** Screens the page must fit: the laptop the table was designed for, and a common desktop. */
const SCREENS = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

/** Sub-pixel layout rounds boxes; anything past this is a real overflow. */
const EPSILON = 0.5;

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
    tab.on("pageerror", (error) =>
      errors.push(`${name}: pageerror: ${error instanceof Error ? error.message : String(error)}`),
    );
    tab.on("request", (request) => requests.push(request.url()));
    await tab.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return tab;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      assert.fail(`${CHROMIUM} not found but POSTURE_REQUIRE_BROWSER=1: install it with \`${INSTALL_CHROMIUM}\``);
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

  const rowOrder = () =>
    page.$$eval("#posture-table tbody tr", (rows) => rows.map((r) => r.getAttribute("data-purpose")));

  it("loads without errors and requests nothing but the page itself", () => {
    assert.deepEqual(errors, []);
    assert.ok(
      requests.every((url) => url.startsWith("file:")),
      requests.join(", "),
    );
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
    assert.equal(
      await page.$eval('#posture-table th[data-col="0"]', (th) => th.getAttribute("aria-sort")),
      "descending",
    );
    assert.deepEqual(errors, []);
  });

  it("renders to a full-page screenshot", async () => {
    const png = join(dir!, "posture.png");
    await page.screenshot({ path: png, fullPage: true });
    assert.ok(statSync(png).size > 10_000, `screenshot is ${statSync(png).size} bytes`);
  });

  // The widest page the registry allows (every id at its maximum length, the model's longest reasons): if it fits,
  // every registry's page fits.
  for (const screen of SCREENS) {
    describe(`at ${screen.width}×${screen.height} with the longest ids the registry allows`, () => {
      let wide: Page;
      beforeAll(async () => {
        wide = await open(
          `longest-${screen.width}.html`,
          postureHtml(LONGEST, { ...META, cluster: "x".repeat(63) }),
          screen,
        );
      });

      it("fits the table in the viewport, nothing scrolled sideways", async () => {
        const fit = await wide.evaluate(() => {
          const root = document.documentElement;
          const container = document.querySelector<HTMLElement>(".table-wrap")!;
          const table = document.getElementById("posture-table")!.getBoundingClientRect();
          return {
            viewport: root.clientWidth,
            tableRight: table.right,
            container: { scrollWidth: container.scrollWidth, clientWidth: container.clientWidth },
            document: { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth },
          };
        });
        assert.ok(
          fit.tableRight <= fit.viewport + EPSILON,
          `the table's right edge is at ${fit.tableRight} px, ${(fit.tableRight - fit.viewport).toFixed(1)} px past the ${fit.viewport} px viewport`,
        );
        assert.ok(
          fit.container.scrollWidth <= fit.container.clientWidth,
          `the table's container scrolls sideways: ${fit.container.scrollWidth} px of content in ${fit.container.clientWidth} px`,
        );
        assert.ok(
          fit.document.scrollWidth <= fit.document.clientWidth,
          `the page scrolls sideways: ${fit.document.scrollWidth} px of content in ${fit.document.clientWidth} px`,
        );
      });

      it("shows every table cell whole: inside the table's container, its content inside the cell", async () => {
        const clipped = await wide.evaluate((epsilon) => {
          const container = document.querySelector<HTMLElement>(".table-wrap")!;
          const box = container.getBoundingClientRect();
          const visibleLeft = box.left + container.clientLeft;
          const visibleRight = visibleLeft + container.clientWidth;
          const headings = Array.from(document.querySelectorAll("#posture-table th"), (th) => th.textContent ?? "");
          // Per column and way of being clipped: how many cells, and by how much at worst.
          const worst = new Map<string, { cells: number; px: number }>();
          const note = (column: number, how: string, px: number) => {
            const key = `${headings[column] ?? `column ${column}`}: ${how}`;
            const seen = worst.get(key) ?? { cells: 0, px: 0 };
            worst.set(key, { cells: seen.cells + 1, px: Math.max(seen.px, px) });
          };
          for (const cell of Array.from(
            document.querySelectorAll<HTMLTableCellElement>("#posture-table th, #posture-table td"),
          )) {
            const r = cell.getBoundingClientRect();
            if (r.right > visibleRight + epsilon)
              note(cell.cellIndex, "past the container's right edge", r.right - visibleRight);
            if (r.left < visibleLeft - epsilon)
              note(cell.cellIndex, "past the container's left edge", visibleLeft - r.left);
            if (cell.scrollWidth > cell.clientWidth)
              note(cell.cellIndex, "content wider than the cell", cell.scrollWidth - cell.clientWidth);
          }
          return [...worst].map(([key, { cells, px }]) => `${key} (${cells} cells, up to ${px.toFixed(1)} px)`);
        }, EPSILON);
        assert.deepEqual(clipped, []);
      });

      it("keeps every text label of the timeline inside the chart's visible box", async () => {
        const clipped = await wide.evaluate((epsilon) => {
          const svg = document.getElementById("timeline")!;
          const box = svg.getBoundingClientRect();
          // The visible box is inside the border: that is where the viewBox is drawn and what clips it.
          const left = box.left + svg.clientLeft;
          const top = box.top + svg.clientTop;
          const right = left + svg.clientWidth;
          const bottom = top + svg.clientHeight;
          const problems: string[] = [];
          for (const text of Array.from(svg.querySelectorAll("text"))) {
            const r = text.getBoundingClientRect();
            const label = `${text.getAttribute("class") ?? text.parentElement?.getAttribute("class")} label "${text.firstChild?.textContent ?? ""}"`;
            const past = { left: left - r.left, right: r.right - right, top: top - r.top, bottom: r.bottom - bottom };
            for (const [edge, by] of Object.entries(past))
              if (by > epsilon) problems.push(`${label}: ${by.toFixed(1)} px past the ${edge} edge`);
          }
          return problems;
        }, EPSILON);
        assert.deepEqual(clipped, []);
      });
    });
  }
});
