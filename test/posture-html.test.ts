import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { countByStatus, escapeHtml, postureHtml, ticks } from "../posture/html.js";
import { STATUSES } from "../posture/model.js";
import { DAY, DUE_ORDER, ENTRIES, HOSTILE_REASON, MARKERS, META, NOW, OWNERS } from "./support/posture-entries.js";

// The page as text. The same page in chromium (no errors, sorting, layout at 1280 and 1920 px) is
// test/real/posture-page.test.ts.
const html = postureHtml(ENTRIES, META);

/** The timeline SVG's markup. */
function timeline(page: string): string {
  const svgs = page.match(/<svg id="timeline"[\s\S]*?<\/svg>/g) ?? [];
  assert.equal(svgs.length, 1, "exactly one timeline SVG");
  return svgs[0];
}

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;
const tableOrder = (page: string) =>
  [...page.matchAll(/<tr class="status-row-[a-z-]+" data-purpose="([^"]*)"/g)].map((m) => m[1]);

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
    for (const status of STATUSES)
      assert.ok(html.includes(`data-status="${status}" data-count="${expected[status]}"`), status);
    const empty = postureHtml([], META);
    for (const status of STATUSES) assert.ok(empty.includes(`data-status="${status}" data-count="0"`), status);
  });

  it("explains every status in the legend", () => {
    for (const status of STATUSES)
      assert.ok(html.includes(`<dt><span class="badge status-${status}">${status}</span></dt>`), status);
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
      assert.equal(
        count(svg, new RegExp(`marker-due status-${e.status}" data-purpose="${e.purpose}"`, "g")),
        e.rotationDueAt ? 1 : 0,
        `${e.purpose} due`,
      );
      assert.equal(
        count(svg, new RegExp(`marker-expiry status-${e.status}" data-purpose="${e.purpose}"`, "g")),
        e.expiresAt ? 1 : 0,
        `${e.purpose} expiry`,
      );
    }
    assert.match(svg, /data-purpose="ledger-root" data-kind="due" data-clamped="after"/);
    assert.match(svg, /data-purpose="identity-signing" data-kind="due" data-clamped="before"/);
    assert.equal(
      count(svg, /<circle /g),
      ENTRIES.filter((e) => e.rotationDueAt).length - 2,
      "due markers inside the window are circles",
    );
    assert.equal(count(svg, /<g class="now">/g), 1);
    assert.ok(count(svg, /<g class="tick">/g) >= 4, "a time axis with date ticks");
    assert.ok(count(svg, /<title>/g) >= MARKERS, "every marker has a tooltip");
  });

  it("escapes a hostile reason and owner instead of running them", () => {
    assert.equal(count(html, /<script/gi), 1, "only the page's own sort script");
    assert.ok(!html.includes(HOSTILE_REASON));
    assert.ok(html.includes(escapeHtml(HOSTILE_REASON)));
    assert.ok(html.includes("platform &#38; ops"));
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      "&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;",
    );
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
