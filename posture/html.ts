import { createHash } from "node:crypto";
import { sortByNextDate, STATUS_MEANING, STATUSES, type PostureEntry, type Status } from "./model.js";

export { sortByNextDate };

/**
 * The posture as one self-contained HTML page for operations: header with counts, a legend, a timeline of when
 * each purpose is due and expires, and a sortable table. Pure: the same entries and meta give the same bytes. Nothing
 * is fetched (no scripts, styles, fonts or images from anywhere), so the page can be archived as evidence or opened
 * from an air-gapped bastion; a Content-Security-Policy pins the one inline style and script by hash, so even a
 * purpose id that slipped through escaping could not run.
 */

/** What the page says about where and when the posture was evaluated. */
export interface PosturePageMeta {
  /** The cluster (stack) the posture describes. */
  cluster: string;
  /** The evaluation time: relative dates and the "now" line are measured from it. */
  now: Date;
  /** Where the observations came from, e.g. `plan (plan-out/plan.json)` or `vault + kubernetes`. */
  source: string;
}

const DAY_MS = 86_400_000;
/** The chart shows a week of history, so something that just became due is still visible left of "now". */
const HISTORY_MS = 7 * DAY_MS;
/** Beyond a year and a bit the chart would squash everything near "now"; later markers are clamped to the edge. */
const HORIZON_MS = 400 * DAY_MS;
/** Even when everything is due tomorrow, show a month ahead so the axis stays readable. */
const MIN_AHEAD_MS = 30 * DAY_MS;

/**
 * Badge and marker colours per status. Every foreground/background pair has a contrast ratio of at least 4.5:1
 * (WCAG AA for small text); the yellow of rotation-due carries dark text, and markers get a dark outline so it
 * stays visible on white.
 */
const STATUS_COLOURS: Readonly<Record<Status, { background: string; foreground: string }>> = {
  expired: { background: "#991b1b", foreground: "#ffffff" },
  "fail-closed": { background: "#c2410c", foreground: "#ffffff" },
  stale: { background: "#6d28d9", foreground: "#ffffff" },
  "rotation-due": { background: "#facc15", foreground: "#1f2937" },
  healthy: { background: "#15803d", foreground: "#ffffff" },
  retired: { background: "#4b5563", foreground: "#ffffff" },
};

/** Escapes text for HTML (element content and quoted attribute values alike, SVG included). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The HTML page of a posture. */
export function postureHtml(entries: readonly PostureEntry[], meta: PosturePageMeta): string {
  const sorted = sortByNextDate(entries);
  const title = `Secrets posture: ${meta.cluster}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src '${sha256(STYLE)}'; script-src '${sha256(SORT_SCRIPT)}'">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${header(title, sorted, meta)}
${legend()}
<section aria-labelledby="timeline-title">
<h2 id="timeline-title">Timeline</h2>
${markerKey()}
${timelineSvg(sorted, meta.now)}
</section>
<section aria-labelledby="table-title">
<h2 id="table-title">Purposes</h2>
${table(sorted, meta.now)}
</section>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------------------------
// Ordering and dates

/** Epoch milliseconds of an RFC 3339 time, or undefined when absent or unparsable. */
function ms(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const t = Date.parse(time);
  return Number.isNaN(t) ? undefined : t;
}

/** `2025-03-01 14:00` (UTC, which the page states once in the header). */
function shortDate(t: number): string {
  return new Date(t).toISOString().slice(0, 16).replace("T", " ");
}

/** `in 12 d`, `3 h ago`: how far a date is from the evaluation time, at the coarsest unit that fits. */
function relative(t: number, now: number): string {
  const delta = t - now;
  const abs = Math.abs(delta);
  const amount =
    abs >= 2 * DAY_MS
      ? `${Math.round(abs / DAY_MS)} d`
      : abs >= 3_600_000
        ? `${Math.round(abs / 3_600_000)} h`
        : `${Math.round(abs / 60_000)} min`;
  return delta >= 0 ? `in ${amount}` : `${amount} ago`;
}

// ---------------------------------------------------------------------------------------------------------------
// Header and legend

function badge(status: Status): string {
  return `<span class="badge status-${status}">${escapeHtml(status)}</span>`;
}

export function countByStatus(entries: readonly PostureEntry[]): Record<Status, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const e of entries) counts[e.status] += 1;
  return counts;
}

function header(title: string, entries: readonly PostureEntry[], meta: PosturePageMeta): string {
  const counts = countByStatus(entries);
  const items = STATUSES.map(
    (s) => `<li data-status="${s}" data-count="${counts[s]}">${badge(s)} <strong>${counts[s]}</strong></li>`,
  ).join("");
  return `<header>
<h1>${escapeHtml(title)}</h1>
<dl class="facts">
<div><dt>Cluster</dt><dd>${escapeHtml(meta.cluster)}</dd></div>
<div><dt>Evaluated at</dt><dd><time datetime="${escapeHtml(meta.now.toISOString())}">${escapeHtml(meta.now.toISOString())}</time> (all times UTC)</dd></div>
<div><dt>Source</dt><dd>${escapeHtml(meta.source)}</dd></div>
<div><dt>Purposes</dt><dd>${entries.length}</dd></div>
</dl>
<ul class="counts" aria-label="Purposes per status">${items}</ul>
</header>`;
}

function legend(): string {
  const rows = STATUSES.map((s) => `<div><dt>${badge(s)}</dt><dd>${escapeHtml(STATUS_MEANING[s])}</dd></div>`).join(
    "\n",
  );
  return `<section aria-labelledby="legend-title">
<h2 id="legend-title">Statuses, worst first</h2>
<dl class="legend">
${rows}
</dl>
</section>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Timeline

/**
 * The chart's geometry in viewBox units. Every label must fit inside the viewBox, or the SVG clips it: `gutter` holds
 * a purpose label of {@link PURPOSE_LABEL_CHARS} characters right-aligned at `gutter - 10`; `right` holds half a
 * date label centred on a tick at the right edge; `bottom` holds the "now" label below the last lane.
 */
const CHART = {
  width: 1200,
  gutter: 250,
  right: 40,
  top: 34,
  ownerRow: 22,
  purposeRow: 18,
  lanePad: 6,
  bottom: 18,
} as const;

/**
 * Purpose labels are 11 px monospace; 0.62 em is a little wider than the common monospace fonts' 0.6 em (DejaVu Sans
 * Mono, Menlo, SF Mono; Consolas is narrower), so a label of this many characters starts at least 8 units inside the
 * left edge. 34 characters: every id of the demo registry whole, longer ones cut with an ellipsis (full id in the tooltip).
 */
const PURPOSE_LABEL_CHARS = Math.floor((CHART.gutter - 10 - 8) / (11 * 0.62));

/** Which of a purpose's dates a marker stands for. */
type MarkerKind = "due" | "expiry";

const MARKER_LABEL: Readonly<Record<MarkerKind, string>> = { due: "rotation due", expiry: "expires" };

/** The chart's time window: a week before now to the latest marker, capped at the horizon. */
function timeRange(entries: readonly PostureEntry[], now: number): { start: number; end: number } {
  const dates = entries
    .flatMap((e) => [ms(e.rotationDueAt), ms(e.expiresAt)])
    .filter((t): t is number => t !== undefined);
  const latest = Math.max(now + MIN_AHEAD_MS, ...dates);
  return { start: now - HISTORY_MS, end: Math.min(latest, now + HORIZON_MS) };
}

/** Owners in name order, each with its purposes in the page's order. */
function lanes(entries: readonly PostureEntry[]): Array<{ owner: string; purposes: PostureEntry[] }> {
  const byOwner = new Map<string, PostureEntry[]>();
  for (const e of entries) byOwner.set(e.owner, [...(byOwner.get(e.owner) ?? []), e]);
  return [...byOwner.keys()].sort().map((owner) => ({ owner, purposes: byOwner.get(owner)! }));
}

/** Tick dates: whole UTC days or months, the finest step that keeps about ten labels on the axis. */
export function ticks(start: number, end: number): number[] {
  const span = end - start;
  const dayStep = [1, 2, 7, 14].find((d) => span / (d * DAY_MS) <= 10);
  const out: number[] = [];
  if (dayStep !== undefined) {
    for (let t = Math.ceil(start / DAY_MS) * DAY_MS; t <= end; t += dayStep * DAY_MS) out.push(t);
    return out;
  }
  const monthStep = [1, 2, 3, 6].find((m) => span / (m * 30.4 * DAY_MS) <= 10) ?? 12;
  const first = new Date(start);
  for (let m = first.getUTCMonth() + 1; ; m += monthStep) {
    const t = Date.UTC(first.getUTCFullYear(), m, 1);
    if (t > end) break;
    out.push(t);
  }
  return out;
}

function timelineSvg(entries: readonly PostureEntry[], nowDate: Date): string {
  const now = nowDate.getTime();
  const { start, end } = timeRange(entries, now);
  const plotLeft = CHART.gutter;
  const plotRight = CHART.width - CHART.right;
  const x = (t: number) => plotLeft + ((t - start) / (end - start)) * (plotRight - plotLeft);

  let y = CHART.top;
  const laneParts: string[] = [];
  for (const [index, lane] of lanes(entries).entries()) {
    const height = CHART.ownerRow + lane.purposes.length * CHART.purposeRow + CHART.lanePad;
    laneParts.push(
      laneSvg(lane.owner, lane.purposes, { index, top: y, height, plotLeft, plotRight, x, start, end, now }),
    );
    y += height;
  }
  const plotBottom = y;
  const height = plotBottom + CHART.bottom;
  const axis = ticks(start, end)
    .map((t) => {
      const tx = x(t).toFixed(1);
      return `<g class="tick"><line x1="${tx}" x2="${tx}" y1="${CHART.top - 4}" y2="${plotBottom}"/><text x="${tx}" y="${CHART.top - 10}" text-anchor="middle">${new Date(t).toISOString().slice(0, 10)}</text></g>`;
    })
    .join("");
  const nowX = x(now).toFixed(1);
  const nowLine = `<g class="now"><line x1="${nowX}" x2="${nowX}" y1="${CHART.top - 4}" y2="${plotBottom}"/><text x="${nowX}" y="${plotBottom + 11}" text-anchor="middle">now</text><title>now: ${escapeHtml(nowDate.toISOString())}</title></g>`;
  const summary = `When each purpose is due for rotation (circles) and expires (diamonds), per owner, from ${shortDate(start)} to ${shortDate(end)} UTC`;
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART.width} ${height}" width="100%" role="img" aria-labelledby="timeline-summary">
<title id="timeline-summary">${escapeHtml(summary)}</title>
<g class="axis">${axis}</g>
${laneParts.join("\n")}
${nowLine}
</svg>`;
}

interface LaneGeometry {
  index: number;
  top: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  x: (t: number) => number;
  start: number;
  end: number;
  now: number;
}

/** One owner's band: its name, one row per purpose (id on the left, a line from due to expiry, the markers). */
function laneSvg(owner: string, purposes: readonly PostureEntry[], g: LaneGeometry): string {
  const band = `<rect class="band${g.index % 2 ? " odd" : ""}" x="0" y="${g.top}" width="${CHART.width}" height="${g.height}"/>`;
  const label = `<text class="owner" x="8" y="${g.top + 15}">${escapeHtml(truncate(owner, 28))}<title>${escapeHtml(owner)}</title></text>`;
  const rows = purposes
    .map((entry, i) => purposeRowSvg(entry, g.top + CHART.ownerRow + i * CHART.purposeRow + CHART.purposeRow / 2, g))
    .join("");
  return `<g class="lane" data-owner="${escapeHtml(owner)}">${band}${label}${rows}</g>`;
}

function purposeRowSvg(entry: PostureEntry, cy: number, g: LaneGeometry): string {
  const label = `<text class="purpose" x="${CHART.gutter - 10}" y="${cy + 4}" text-anchor="end">${escapeHtml(truncate(entry.purpose, PURPOSE_LABEL_CHARS))}<title>${escapeHtml(entry.purpose)}</title></text>`;
  const dates = (
    [
      ["due", ms(entry.rotationDueAt)],
      ["expiry", ms(entry.expiresAt)],
    ] as const
  ).filter((d): d is readonly [MarkerKind, number] => d[1] !== undefined);
  const clampX = (t: number) => Math.min(Math.max(g.x(t), g.plotLeft), g.plotRight);
  // A faint line joins a purpose's two dates, so the eye can pair a circle with its diamond in a busy lane.
  const xs = dates.map(([, t]) => clampX(t));
  const span =
    xs.length === 2
      ? `<line class="span status-${entry.status}" x1="${Math.min(...xs).toFixed(1)}" x2="${Math.max(...xs).toFixed(1)}" y1="${cy}" y2="${cy}"/>`
      : "";
  const markers = dates.map(([kind, t]) => markerSvg(entry, kind, t, cy, g)).join("");
  return `<g class="row" data-purpose="${escapeHtml(entry.purpose)}">${label}${span}${markers}</g>`;
}

/** A circle at rotation due, a diamond at expiry; an arrow at the edge when the date is outside the window. */
function markerSvg(entry: PostureEntry, kind: MarkerKind, t: number, cy: number, g: LaneGeometry): string {
  const tooltip = `${entry.purpose} (${entry.status}): ${MARKER_LABEL[kind]} ${shortDate(t)} UTC, ${relative(t, g.now)}`;
  const attrs = `class="marker marker-${kind} status-${entry.status}" data-purpose="${escapeHtml(entry.purpose)}" data-kind="${kind}"`;
  const title = `<title>${escapeHtml(tooltip)}</title>`;
  if (t > g.end || t < g.start) {
    const beyond = t > g.end;
    const ex = beyond ? g.plotRight : g.plotLeft;
    const dir = beyond ? 1 : -1;
    // The arrow's tip sits on the edge and points off the chart; the shape inside says which date it is.
    const points = `${ex + dir * 7},${cy} ${ex - dir * 3},${cy - 6} ${ex - dir * 3},${cy + 6}`;
    return `<g ${attrs} data-clamped="${beyond ? "after" : "before"}"><polygon points="${points}"/>${title}</g>`;
  }
  const mx = g.x(t).toFixed(1);
  const shape =
    kind === "due"
      ? `<circle cx="${mx}" cy="${cy}" r="5"/>`
      : `<rect x="${Number(mx) - 4.5}" y="${cy - 4.5}" width="9" height="9" transform="rotate(45 ${mx} ${cy})"/>`;
  return `<g ${attrs}>${shape}${title}</g>`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The shapes of the chart, drawn with the same classes so the key cannot drift from the markers. */
function markerKey(): string {
  const icon = (inner: string) =>
    `<svg class="key-icon" viewBox="-8 -8 16 16" width="16" height="16" aria-hidden="true">${inner}</svg>`;
  const circle = icon(`<g class="marker key"><circle r="5"/></g>`);
  const diamond = icon(
    `<g class="marker key"><rect x="-4.5" y="-4.5" width="9" height="9" transform="rotate(45)"/></g>`,
  );
  const arrow = icon(`<g class="marker key"><polygon points="7,0 -3,-6 -3,6"/></g>`);
  return `<p class="key">${circle} rotation due ${diamond} expiry ${arrow} beyond the chart (hover for the date) <span class="now-key"></span> now. Colours are the statuses above; hover a marker for the purpose and date.</p>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Table

interface Column {
  heading: string;
  /** The cell's HTML (already escaped). */
  cell: (e: PostureEntry, now: number) => string;
  /** What the sort script compares: ISO dates and zero-padded ranks compare correctly as strings; "" sorts last. */
  sortKey: (e: PostureEntry) => string;
}

type DateField = "lastRotatedAt" | "rotationDueAt" | "graceEndsAt" | "expiresAt" | "issuerExpiresAt";

/** A date column; `deadline` dates in the past are flagged (a last rotation in the past is normal). */
const dateColumn = (heading: string, field: DateField, deadline: boolean): Column => ({
  heading,
  cell: (e, now) => dateCell(e[field], now, deadline),
  sortKey: (e) => {
    const t = ms(e[field]);
    return t === undefined ? "" : new Date(t).toISOString();
  },
});

const COLUMNS: readonly Column[] = [
  {
    heading: "Purpose",
    cell: (e) =>
      `<span class="id">${escapeHtml(e.purpose)}</span><span class="sub">every ${escapeHtml(e.rotationPeriod)}, grace ${escapeHtml(e.rotationGrace)}</span>`,
    sortKey: (e) => e.purpose,
  },
  { heading: "Status", cell: (e) => badge(e.status), sortKey: (e) => String(STATUSES.indexOf(e.status)) },
  { heading: "Owner", cell: (e) => name(e.owner), sortKey: (e) => e.owner },
  // One column for both: where the value lives and how it reaches consumers are read together, and twelve columns
  // would not fit a 1280 px screen.
  {
    heading: "Tier / delivery",
    cell: (e) => `${escapeHtml(e.tier)}<span class="sub">${escapeHtml(e.delivery)}</span>`,
    sortKey: (e) => `${e.tier} ${e.delivery}`,
  },
  dateColumn("Last rotation", "lastRotatedAt", false),
  dateColumn("Rotation due", "rotationDueAt", true),
  dateColumn("Grace ends", "graceEndsAt", true),
  dateColumn("Expiry", "expiresAt", true),
  dateColumn("Issuer expiry", "issuerExpiresAt", true),
  { heading: "Evidence", cell: (e) => name(e.evidence), sortKey: (e) => e.evidence },
  {
    heading: "Reason",
    cell: (e) =>
      `${escapeHtml(e.reason)}${e.sources.length > 0 ? `<span class="sub">from ${escapeHtml(e.sources.join(", "))}</span>` : ""}`,
    sortKey: (e) => e.reason,
  },
];

/** An owner or evidence id: on one line up to a cap, then wrapped (see STYLE). */
function name(id: string): string {
  return `<span class="name">${escapeHtml(id)}</span>`;
}

/** The day, and how far from now below it; the exact time is in the tooltip, so the columns fit a 1280 px screen. */
function dateCell(time: string | undefined, now: number, deadline: boolean): string {
  if (time === undefined) return `<span class="none">—</span>`;
  const t = ms(time);
  if (t === undefined) return escapeHtml(time);
  const iso = new Date(t).toISOString();
  const overdue = deadline && t <= now ? " overdue" : "";
  return `<time datetime="${iso}" title="${iso}">${iso.slice(0, 10)}</time><span class="sub relative${overdue}">${relative(t, now)}</span>`;
}

function table(entries: readonly PostureEntry[], now: Date): string {
  const head = COLUMNS.map(
    (c, i) => `<th scope="col" data-col="${i}"><button type="button">${escapeHtml(c.heading)}</button></th>`,
  ).join("");
  const rows = entries
    .map((e) => {
      const cells = COLUMNS.map(
        (c) => `<td data-sort="${escapeHtml(c.sortKey(e))}">${c.cell(e, now.getTime())}</td>`,
      ).join("");
      return `<tr class="status-row-${e.status}" data-purpose="${escapeHtml(e.purpose)}">${cells}</tr>`;
    })
    .join("\n");
  return `<div class="table-wrap">
<table id="posture-table">
<caption>Soonest rotation due or expiry first. Click a heading to sort by it; click again to reverse.</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Inline style and script (constants: nothing from the entries goes in, so their hashes are fixed)

function sha256(text: string): string {
  return `sha256-${createHash("sha256").update(text, "utf8").digest("base64")}`;
}

const statusRules = STATUSES.map((s) => {
  const { background, foreground } = STATUS_COLOURS[s];
  return `.badge.status-${s}{background:${background};color:${foreground}}
.marker.status-${s}{fill:${background}}
.span.status-${s}{stroke:${background}}`;
}).join("\n");

/**
 * The table fits the width it is given (1280 px screens included) instead of scrolling or clipping its last columns:
 * dates, statuses and the enum-valued tier stay on one line, because they are short and bounded; a purpose id, owner
 * or evidence id keeps its own width up to a cap in `vw` (`width:max-content` under a `max-width`, so the cap is
 * also what the table's column sizing sees) and wraps beyond it, at a hyphen where it can and anywhere where it must
 * (a 63-character id, the most the registry allows); the reason takes what is left, at least 10vw, breaking even an
 * RFC 3339 time if the column is narrow. Below 1600 px the page margin and cell padding shrink a little, leaving the
 * reason more. On screens narrower than about 1250 px the widest tables scroll sideways inside their container.
 */
const STYLE = `
:root{color-scheme:light;--ink:#111827;--muted:#4b5563;--line:#d1d5db;--band:#f9fafb;--band-odd:#f3f4f6}
*{box-sizing:border-box}
body{margin:0;padding:24px 24px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fff}
h1{font-size:24px;margin:0 0 12px}
h2{font-size:18px;margin:28px 0 10px}
.facts{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0 0 12px}
.facts dt{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.facts dd{margin:0;font-weight:600}
.counts{display:flex;flex-wrap:wrap;gap:8px 18px;list-style:none;margin:0;padding:0}
.counts strong{font-size:18px;vertical-align:middle}
.badge{display:inline-block;padding:2px 9px;border-radius:999px;font-size:12px;font-weight:700;white-space:nowrap}
.legend{display:grid;grid-template-columns:max-content 1fr;gap:6px 14px;margin:0}
.legend div{display:contents}
.legend dd{margin:0;align-self:center}
.key{color:var(--muted);display:flex;flex-wrap:wrap;align-items:center;gap:6px}
.key-icon{vertical-align:middle}
.marker.key{fill:#9ca3af;stroke:#1f2937;stroke-width:1}
.now-key{display:inline-block;width:0;height:16px;border-left:2px dashed #dc2626;margin-left:8px}
#timeline{display:block;max-width:1400px;border:1px solid var(--line);border-radius:6px;background:#fff;font-family:inherit}
#timeline .band{fill:var(--band)}
#timeline .band.odd{fill:var(--band-odd)}
#timeline .owner{font-size:13px;font-weight:700;fill:var(--ink)}
#timeline .purpose{font-size:11px;fill:var(--muted);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
#timeline .tick line{stroke:var(--line);stroke-width:1}
#timeline .tick text{font-size:11px;fill:var(--muted)}
#timeline .now line{stroke:#dc2626;stroke-width:2;stroke-dasharray:5 3}
#timeline .now text{font-size:11px;font-weight:700;fill:#dc2626}
#timeline .span{stroke-width:2;stroke-opacity:.45}
#timeline .marker{stroke:#1f2937;stroke-width:1}
#timeline .marker:hover{stroke-width:2.5}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}
caption{caption-side:top;text-align:left;padding:8px 10px;color:var(--muted)}
th{position:sticky;top:0;background:#e5e7eb;text-align:left;vertical-align:bottom;padding:0}
th button{all:unset;cursor:pointer;display:block;padding:8px 8px;font-weight:700}
th button:focus-visible{outline:2px solid #2563eb;outline-offset:-2px}
th[aria-sort=ascending] button::after{content:" ▲"}
th[aria-sort=descending] button::after{content:" ▼"}
td{padding:7px 8px;border-top:1px solid var(--line);vertical-align:top}
td:last-child{min-width:10vw;overflow-wrap:anywhere}
tbody tr:nth-child(even){background:var(--band)}
td time,.relative{white-space:nowrap}
.id,.name{display:inline-block;width:max-content;max-width:var(--cap);overflow-wrap:anywhere}
.id{--cap:14vw}
.name{--cap:8vw}
@media (max-width:1600px){body{padding-left:16px;padding-right:16px}th button{padding:8px 6px}td{padding:7px 6px}}
.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600}
.sub{display:block;font-size:12px;color:var(--muted)}
.sub.overdue{color:#991b1b;font-weight:600}
.none{color:#9ca3af}
${statusRules}
`;

/** Re-sorts the table by a clicked heading; guarded so a missing element can never throw. */
const SORT_SCRIPT = `
(function () {
  var table = document.getElementById("posture-table");
  if (!table || !table.tBodies[0]) return;
  var body = table.tBodies[0];
  var headings = table.querySelectorAll("th[data-col]");
  function key(row, col) {
    var cell = row.cells[col];
    return cell ? cell.getAttribute("data-sort") || "" : "";
  }
  headings.forEach(function (th) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var col = Number(th.getAttribute("data-col"));
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headings.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, col), y = key(b, col);
        if (x === y) return 0;
        if (x === "") return 1;
        if (y === "") return -1;
        return (x < y ? -1 : 1) * (ascending ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
`;
