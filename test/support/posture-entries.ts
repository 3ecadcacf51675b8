import { PurposeSchema } from "../../registry/schema.js";
import type { PostureEntry } from "../../posture/model.js";

/** The posture fixtures of the page's tests: the HTML string checks (unit) and the page in chromium (real). */

export const NOW = new Date("2025-06-01T12:00:00.000Z");
export const DAY = 86_400_000;
/** RFC 3339 time `days` from NOW (negative: in the past). */
export const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();

/** A healthy external-secret purpose of `owner`; override any field. */
export function entry(purpose: string, owner: string, overrides: Partial<PostureEntry> = {}): PostureEntry {
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
export function certificate(
  purpose: string,
  owner: string,
  dueInDays: number,
  overrides: Partial<PostureEntry> = {},
): PostureEntry {
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

export const HOSTILE_REASON = `</td><script>alert("pwned")</script><img src="https://evil.example/x.png">`;

export const ENTRIES: PostureEntry[] = [
  entry("payments-db", "payments"),
  // Same next date as payments-db: the purpose id breaks the tie.
  entry("payments-api-key", "payments"),
  certificate("payments-tls", "payments", -2, { status: "rotation-due", reason: "renewal was due" }),
  // Due 40 days ago: before the chart's window, clamped to the left edge.
  certificate("identity-signing", "identity", -40, {
    status: "expired",
    expiresAt: at(-1),
    reason: "expired yesterday",
  }),
  // Due in 500 days: beyond the 400-day horizon, clamped to the right edge.
  entry("ledger-root", "ledger", {
    delivery: "bootstrap",
    tier: "kubernetes_secret",
    rotationDueAt: at(500),
    graceEndsAt: at(530),
    status: "fail-closed",
    reason: "issuer expires soon",
  }),
  // No dates at all: last in the table, no markers.
  entry("legacy-token", "platform & ops", {
    lastRotatedAt: undefined,
    rotationDueAt: undefined,
    graceEndsAt: undefined,
    status: "stale",
    reason: HOSTILE_REASON,
  }),
];

/** The order the page must show: earliest of rotation due and expiry, then purpose id; dateless last. */
export const DUE_ORDER = [
  "identity-signing",
  "payments-tls",
  "payments-api-key",
  "payments-db",
  "ledger-root",
  "legacy-token",
];
export const OWNERS = ["identity", "ledger", "payments", "platform & ops"];
export const MARKERS = ENTRIES.filter((e) => e.rotationDueAt).length + ENTRIES.filter((e) => e.expiresAt).length;

export const META = { cluster: "prod-eu-1", now: NOW, source: "plan (plan-out/plan.json)" };

/** The longest purpose, owner and evidence id the registry accepts (kebab-case ids, RFC 1123 labels). */
export const MAX_ID = PurposeSchema.shape.id.maxLength ?? 63;

/** A kebab-case id of exactly `length` characters made of `word`: `word-word-…-wo`, never ending in '-'. */
export function longId(word: string, length = MAX_ID): string {
  const id = Array.from({ length: Math.ceil(length / (word.length + 1)) + 1 }, () => word)
    .join("-")
    .slice(0, length);
  return id.endsWith("-") ? `${id.slice(0, -1)}x` : id;
}

/**
 * The widest page the registry allows: every id as long as the schema lets it be (one owner without a hyphen to
 * break at), the tier and delivery with the longest names, reasons as long as the model writes them, every source.
 */
export const LONGEST: PostureEntry[] = [
  certificate(longId("payments-gateway-mtls"), longId("payments"), -40, {
    status: "expired",
    expiresAt: at(-1),
    reason: `expired ${at(-1)}`,
    sources: ["kubernetes", "plan", "vault"],
  }),
  certificate(longId("identity-oidc-signing"), "x".repeat(MAX_ID), 3, {
    evidence: longId("identity-transport"),
    status: "fail-closed",
    reason: `the issuer expires ${at(30)}, before one more rotation period and grace`,
  }),
  entry(longId("platform-vault-snapshot-storage-credentials"), longId("platform"), {
    tier: "kubernetes_secret",
    delivery: "bootstrap",
    evidence: "e".repeat(MAX_ID),
    lastRotatedAt: at(-60),
    rotationDueAt: at(-30),
    graceEndsAt: at(-23),
    status: "stale",
    reason: `rotation was due ${at(-30)} and the grace window ended ${at(-23)}`,
    sources: ["plan", "vault"],
  }),
  entry(longId("storefront-session-secret"), longId("storefront"), {
    tier: "vault_transit",
    delivery: "transit",
    rotationDueAt: at(-2),
    graceEndsAt: at(5),
    status: "rotation-due",
    reason: `rotation was due ${at(-2)}; grace ends ${at(5)}`,
  }),
  // The latest date, on a month start: the axis's last tick, and its date label, sit on the chart's right edge.
  entry(longId("data-warehouse-credentials"), longId("data"), {
    delivery: "push-secret",
    rotationPeriod: "365d",
    rotationGrace: "30d",
    lastRotatedAt: "2025-06-01T00:00:00.000Z",
    rotationDueAt: "2026-06-01T00:00:00.000Z",
    graceEndsAt: "2026-07-01T00:00:00.000Z",
    reason: "rotated 2025-06-01T00:00:00.000Z; next due 2026-06-01T00:00:00.000Z",
  }),
  entry(longId("legacy-break-glass-token"), longId("legacy"), {
    delivery: "reveal-once",
    lastRotatedAt: undefined,
    rotationDueAt: undefined,
    graceEndsAt: undefined,
    status: "retired",
    reason: "no longer in the registry; its stored values and trust material stay protected until removed deliberately",
  }),
];
