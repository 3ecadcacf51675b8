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
export function certificate(purpose: string, owner: string, dueInDays: number, overrides: Partial<PostureEntry> = {}): PostureEntry {
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
  certificate("identity-signing", "identity", -40, { status: "expired", expiresAt: at(-1), reason: "expired yesterday" }),
  // Due in 500 days: beyond the 400-day horizon, clamped to the right edge.
  entry("ledger-root", "ledger", { delivery: "bootstrap", tier: "kubernetes_secret", rotationDueAt: at(500), graceEndsAt: at(530), status: "fail-closed", reason: "issuer expires soon" }),
  // No dates at all: last in the table, no markers.
  entry("legacy-token", "platform & ops", { lastRotatedAt: undefined, rotationDueAt: undefined, graceEndsAt: undefined, status: "stale", reason: HOSTILE_REASON }),
];

/** The order the page must show: earliest of rotation due and expiry, then purpose id; dateless last. */
export const DUE_ORDER = ["identity-signing", "payments-tls", "payments-api-key", "payments-db", "ledger-root", "legacy-token"];
export const OWNERS = ["identity", "ledger", "payments", "platform & ops"];
export const MARKERS = ENTRIES.filter((e) => e.rotationDueAt).length + ENTRIES.filter((e) => e.expiresAt).length;

export const META = { cluster: "prod-eu-1", now: NOW, source: "plan (plan-out/plan.json)" };
