import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "puppeteer-core";
import { countByStatus, escapeHtml, postureHtml, ticks } from "../posture/html.js";
import { STATUSES, type PostureEntry } from "../posture/model.js";
import { CHROMIUM, launchChromium } from "../scripts/posture-screenshot.js";

const NOW = new Date("2025-06-01T12:00:00.000Z");
const DAY = 86_400_000;
/** RFC 3339 time `days` from NOW (negative: in the past). */
const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();

/** A healthy external-secret purpose of `owner`; override any field. */
function entry(purpose: string, owner: string, overrides: Partial<PostureEntry> = {}): PostureEntry {
  return {
    purpose,
    owner,
    tier: "vault_kv",
    delivery: "external-secret",
    evidence: `${owner}-evidence`,
    rotationPeriod: "30d",
    rotationGrace: "7d",
    lastRotatedAt: at(-10),
    rotationDueAt: at(20),
    graceEndsAt: at(27),
    status: "healthy",
    reason: "rotated recently",
    sources: ["plan"],
    ...overrides,
  };
}

/** A certificate purpose: due `grace` before it expires, issued by an intermediate. */
function certificate(purpose: string, owner: string, dueInDays: number, overrides: Partial<PostureEntry> = {}): PostureEntry {
  return entry(purpose, owner, {
    tier: "vault_kv",
    delivery: "cert-manager",
    rotationPeriod: "90d",
    rotationGrace: "30d",
    lastRotatedAt: at(dueInDays - 60),
    rotationDueAt: at(dueInDays),
    graceEndsAt: at(dueInDays + 30),
    expiresAt: at(dueInDays + 30),
    issuerExpiresAt: at(365),
    ...overrides,
  });
}

const HOSTILE_REASON = `</td><script>alert("pwned")</script><img src="https://evil.example/x.png">`;

const ENTRIES: PostureEntry[] = [
  entry("payments-db", "payments"),
  // Same next date as payments-db: the purpose id breaks the tie.
  entry("payments-api-key", "payments"),
  certificate("payments-tls", "payments", -2, { status: "rotation-due", reason: "renewal was due" }),
  // Due 40 days ago: before the chart's window, clamped to the left edge.
  certificate("identity-signing", "identity", -40, { status: "expired", expiresAt: at(-1), reason: "expired yesterday" }),
  // Due in 500 days: beyond the 400-day horizon, clamped to the right edge.
  entry("ledger-root", "ledger", { delivery: "bootstrap", tier: "kubernetes_secret", rotationDueAt: at(500), graceEndsAt: at(530), status: "fail-closed", reason: "issuer expires soon" }),
  // No dates at all: last in the table, no markers.
  entry("legacy-token", "platform & ops", { lastRotatedAt: undefined, rotationDueAt: undefined, graceEndsAt: undefined, status: "stale", reason: HOSTILE_REASON }),
];

/** The order the page must show: earliest of rotation due and expiry, then purpose id; dateless last. */
const DUE_ORDER = ["identity-signing", "payments-tls", "payments-api-key", "payments-db", "ledger-root", "legacy-token"];
const OWNERS = ["identity", "ledger", "payments", "platform & ops"];
const MARKERS = ENTRIES.filter((e) => e.rotationDueAt).length + ENTRIES.filter((e) => e.expiresAt).length;

const META = { cluster: "prod-eu-1", now: NOW, source: "plan (plan-out/plan.json)" };
const html = postureHtml(ENTRIES, META);

/** The timeline SVG's markup. */
function timeline(page: string): string {
  const svgs = page.match(/<svg id="timeline"[\s\S]*?<\/svg>/g) ?? [];
  assert.equal(svgs.length, 1, "exactly one timeline SVG");
  return svgs[0]!;
}

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;
const tableOrder = (page: string) => [...page.matchAll(/<tr class="status-row-[a-z-]+" data-purpose="([^"]*)"/g)].map((m) => m[1]);

describe("posture HTML page", () => {
  it("is self-contained: nothing is loaded from the network", () => {
    assert.doesNotMatch(html, /\b(src|href|action|srcset|xlink:href)\s*=\s*["']?\s*(https?:)?\/\//i);
    assert.doesNotMatch(html, /@import/i);
    assert.doesNotMatch(html, /url\(/i);
    assert.doesNotMatch(html, /<link\b/i);
    assert.match(html, /<style>[\s\S]+<\/style>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  it("shows the cluster, evaluation time and source in the header", () => {
    assert.match(html, /<h1>Secrets posture: prod-eu-1<\/h1>/);
    assert.ok(html.includes(NOW.toISOString()));
    assert.ok(html.includes("plan (plan-out/plan.json)"));
  });

  it("counts purposes per status, zeros included", () => {
    const expected = countByStatus(ENTRIES);
    assert.deepEqual(expected, { expired: 1, "fail-closed": 1, stale: 1, "rotation-due": 1, healthy: 2, retired: 0 });
    for (const status of STATUSES) assert.ok(html.includes(`data-status="${status}" data-count="${expected[status]}"`), status);
    const empty = postureHtml([], META);
    for (const status of STATUSES) assert.ok(empty.includes(`data-status="${status}" data-count="0"`), status);
  });

  it("explains every status in the legend", () => {
    for (const status of STATUSES) assert.ok(html.includes(`<dt><span class="badge status-${status}">${status}</span></dt>`), status);
  });

  it("has one table row per purpose, soonest rotation due or expiry first", () => {
    assert.deepEqual(tableOrder(html), DUE_ORDER);
    const reversedInput = postureHtml([...ENTRIES].reverse(), META);
    assert.deepEqual(tableOrder(reversedInput), DUE_ORDER, "the order does not depend on the input order");
  });

  it("draws one timeline lane per owner and one marker per date, clamping dates outside the window", () => {
    const svg = timeline(html);
    const lanes = [...svg.matchAll(/<g class="lane" data-owner="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(lanes, OWNERS.map(escapeHtml));
    assert.equal(count(svg, /class="marker marker-/g), MARKERS);
    for (const e of ENTRIES) {
      assert.equal(count(svg, new RegExp(`marker-due status-${e.status}" data-purpose="${e.purpose}"`, "g")), e.rotationDueAt ? 1 : 0, `${e.purpose} due`);
      assert.equal(count(svg, new RegExp(`marker-expiry status-${e.status}" data-purpose="${e.purpose}"`, "g")), e.expiresAt ? 1 : 0, `${e.purpose} expiry`);
    }
    assert.match(svg, /data-purpose="ledger-root" data-kind="due" data-clamped="after"/);
    assert.match(svg, /data-purpose="identity-signing" data-kind="due" data-clamped="before"/);
    assert.equal(count(svg, /<circle /g), ENTRIES.filter((e) => e.rotationDueAt).length - 2, "due markers inside the window are circles");
    assert.equal(count(svg, /<g class="now">/g), 1);
    assert.ok(count(svg, /<g class="tick">/g) >= 4, "a time axis with date ticks");
    assert.ok(count(svg, /<title>/g) >= MARKERS, "every marker has a tooltip");
  });

  it("escapes a hostile reason and owner instead of running them", () => {
    assert.equal(count(html, /<script/gi), 1, "only the page's own sort script");
    assert.ok(!html.includes(HOSTILE_REASON));
    assert.ok(html.includes(escapeHtml(HOSTILE_REASON)));
    assert.ok(html.includes("platform &#38; ops"));
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), "&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;");
  });

  it("ticks whole days over a short window and month starts over a long one", () => {
    const start = Date.parse("2025-06-01T12:00:00Z");
    const short = ticks(start, start + 30 * DAY).map((t) => new Date(t).toISOString());
    assert.ok(short.length >= 3 && short.length <= 10);
    assert.ok(short.every((t) => t.endsWith("T00:00:00.000Z")));
    const long = ticks(start, start + 400 * DAY).map((t) => new Date(t).toISOString());
    assert.ok(long.length >= 4 && long.length <= 10);
    assert.ok(long.every((t) => /-01T00:00:00.000Z$/.test(t)));
  });
});

/** Chromium is a test dependency: absent, the browser tests fail unless explicitly skipped. */
// The browser test runs wherever Debian's chromium is installed, and CI requires it (.ci/run installs chromium and
// sets POSTURE_REQUIRE_BROWSER=1); `npm test` on a fresh machine without chromium skips it with this reason.
const browserSkip = !existsSync(CHROMIUM) && process.env.POSTURE_REQUIRE_BROWSER !== "1" ? `${CHROMIUM} is absent (apt-get install -y chromium to run it)` : false;

describe("posture HTML page in chromium", { skip: browserSkip, timeout: 30_000 }, () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  const errors: string[] = [];
  const requests: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} not found but POSTURE_REQUIRE_BROWSER=1: install it with \`apt-get install -y chromium\``);
    dir = mkdtempSync(join(tmpdir(), "posture-html-"));
    const file = join(dir, "posture.html");
    writeFileSync(file, html);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`));
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
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
    const png = join(dir, "posture.png");
    await page.screenshot({ path: png, fullPage: true });
    assert.ok(statSync(png).size > 10_000, `screenshot is ${statSync(png).size} bytes`);
  });
});
