import { issuerCoverageSeconds } from "../delivery/timing.js";
import { parseDuration } from "../registry/duration.js";
import type { Registry } from "../registry/load.js";
import type { RegisteredPurpose } from "../registry/purpose.js";
import type { Delivery, Tier } from "../registry/schema.js";

/**
 * Posture: for every purpose, is it healthy, when does it expire, when is rotation due, and what proves it. Pure:
 * the registry plus observed facts (from an offline plan or from live Vault and Kubernetes) at a given time.
 */

/** The status vocabulary, worst first. */
export const STATUSES = ["expired", "fail-closed", "stale", "rotation-due", "healthy", "retired"] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_MEANING: Readonly<Record<Status, string>> = {
  expired: "the value or certificate is past its expiry: consumers are failing or about to",
  "fail-closed":
    "new issuance or renewal is refused: the issuer or credential it depends on is outside its grace window",
  stale: "rotation is past due and past the grace window, or nothing shows the value was ever rotated",
  "rotation-due": "rotation is due: inside the grace window, the previous value is still accepted",
  healthy: "rotated within its period, and nothing it depends on is near expiry",
  retired:
    "no longer in the registry: its stored values and trust material are kept (protected) until removed deliberately",
};

/** A fact about one purpose, from one source. Times are RFC 3339. */
export interface Observation {
  purpose: string;
  /** Where the fact comes from: `plan`, `vault`, `kubernetes`. */
  source: string;
  /** When the current value, key version or certificate came into use. */
  lastRotatedAt?: string;
  /** When the current value or certificate stops working (certificate notAfter, lease or token expiry). */
  expiresAt?: string;
  /** When the CA (or credential) that issues or renews it expires. */
  issuerExpiresAt?: string;
  /** A short, value-free description of what was read (e.g. "KV version 3", "Certificate Ready"). */
  detail?: string;
  /** The contract the source knew the purpose by, so a purpose removed from the registry can still be reported. */
  contract?: PostureContract;
}

/** What posture reports of a purpose's contract: who owns it, where it lives, how it rotates, what proves it. */
export type PostureContract = Pick<
  PostureEntry,
  "owner" | "tier" | "delivery" | "evidence" | "rotationPeriod" | "rotationGrace"
>;

export function postureContract(
  p: Pick<RegisteredPurpose, "owner" | "tier" | "delivery" | "evidence" | "rotation">,
): PostureContract {
  return {
    owner: p.owner,
    tier: p.tier,
    delivery: p.delivery,
    evidence: p.evidence,
    rotationPeriod: p.rotation.period,
    rotationGrace: p.rotation.grace,
  };
}

export interface PostureEntry {
  purpose: string;
  owner: string;
  tier: Tier;
  delivery: Delivery;
  evidence: string;
  rotationPeriod: string;
  rotationGrace: string;
  lastRotatedAt?: string;
  /** When rotation is due, and when its grace window ends (for certificates: renewal time and expiry). */
  rotationDueAt?: string;
  graceEndsAt?: string;
  expiresAt?: string;
  issuerExpiresAt?: string;
  status: Status;
  /** Why, in one sentence. */
  reason: string;
  sources: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const time = (t: string | undefined) => (t === undefined ? undefined : Date.parse(t));

/** Later facts win over earlier ones per field; live sources are listed after the plan by the caller. */
function merge(observations: readonly Observation[]): Observation | undefined {
  if (observations.length === 0) return undefined;
  return observations.reduce((a, b) => ({
    ...a,
    ...Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)),
  }));
}

/**
 * The posture of every purpose of the registry at `now`, sorted by purpose id, then every purpose observed (with its
 * contract) that the registry no longer has: retired, never silently dropped.
 */
export function posture(registry: Registry, observations: readonly Observation[], now: Date): PostureEntry[] {
  return [...current(registry, observations, now), ...retired(registry, observations)];
}

function retired(registry: Registry, observations: readonly Observation[]): PostureEntry[] {
  const known = new Set(registry.purposes.map((p) => p.id));
  const ids = [
    ...new Set(observations.filter((o) => !known.has(o.purpose) && o.contract).map((o) => o.purpose)),
  ].sort();
  return ids.map((id) => {
    const seen = observations.filter((o) => o.purpose === id);
    const fact = merge(seen)!;
    return {
      purpose: id,
      ...fact.contract!,
      ...(fact.lastRotatedAt ? { lastRotatedAt: fact.lastRotatedAt } : {}),
      ...(fact.expiresAt ? { expiresAt: fact.expiresAt } : {}),
      status: "retired" as const,
      reason: `no longer in the registry${seenIn(seen)}; its stored values and trust material stay protected until removed deliberately`,
      sources: [...new Set(seen.map((o) => o.source))].sort(),
    };
  });
}

/** Where a retired purpose was last seen, from its observations' details: ` (last seen: in the plan of ...)`. */
function seenIn(seen: readonly Observation[]): string {
  const details = [...new Set(seen.map((o) => o.detail).filter((d): d is string => d !== undefined))];
  return details.length ? ` (last seen: ${details.join("; ")})` : "";
}

function current(registry: Registry, observations: readonly Observation[], now: Date): PostureEntry[] {
  return registry.purposes.map((p) => {
    const seen = observations.filter((o) => o.purpose === p.id);
    const fact = merge(seen);
    // A certificate lives exactly its period, and its grace is the renewal lead: rotation is due `grace` before it
    // expires. Other values stay valid `grace` past their period, while consumers switch to the new one.
    const certificate = p.kind === "certificate";
    const grace = parseDuration(p.rotation.grace)! * 1000;
    const period = parseDuration(p.rotation.period)! * 1000 - (certificate ? grace : 0);
    const last = time(fact?.lastRotatedAt);
    const expires = time(fact?.expiresAt);
    const issuerExpires = time(fact?.issuerExpiresAt);
    const t = now.getTime();
    const entry: Omit<PostureEntry, "status" | "reason"> = {
      purpose: p.id,
      ...postureContract(p),
      ...(last !== undefined
        ? { lastRotatedAt: iso(last), rotationDueAt: iso(last + period), graceEndsAt: iso(last + period + grace) }
        : {}),
      ...(expires !== undefined ? { expiresAt: iso(expires) } : {}),
      ...(issuerExpires !== undefined ? { issuerExpiresAt: iso(issuerExpires) } : {}),
      sources: [...new Set(seen.map((o) => o.source))].sort(),
    };
    const [status, reason] = statusOf({
      t,
      last,
      expires,
      issuerExpires,
      period,
      grace,
      coverage: issuerCoverageSeconds(p.rotation) * 1000,
    });
    return { ...entry, status, reason };
  });
}

function statusOf(f: {
  t: number;
  last?: number;
  expires?: number;
  issuerExpires?: number;
  period: number;
  grace: number;
  coverage: number;
}): [Status, string] {
  if (f.expires !== undefined && f.expires <= f.t) return ["expired", `expired ${iso(f.expires)}`];
  // An issuer that cannot cover one more period and its grace refuses (or truncates) the next issuance or renewal.
  if (f.issuerExpires !== undefined && f.issuerExpires - f.t < f.coverage)
    return ["fail-closed", `the issuer expires ${iso(f.issuerExpires)}, before one more rotation period and grace`];
  if (f.last === undefined) return ["stale", "no source shows when it was last rotated"];
  if (f.t >= f.last + f.period + f.grace)
    return [
      "stale",
      `rotation was due ${iso(f.last + f.period)} and the grace window ended ${iso(f.last + f.period + f.grace)}`,
    ];
  if (f.t >= f.last + f.period)
    return [
      "rotation-due",
      `rotation was due ${iso(f.last + f.period)}; grace ends ${iso(f.last + f.period + f.grace)}`,
    ];
  return ["healthy", `rotated ${iso(f.last)}; next due ${iso(f.last + f.period)}`];
}

/** Whether a posture should fail a gate (CI, cron): anything expired or fail-closed. */
export function failing(entries: readonly PostureEntry[]): PostureEntry[] {
  return entries.filter((e) => e.status === "expired" || e.status === "fail-closed");
}

/** The earliest of rotation due and expiry: the next thing an operator must act on. */
function nextDate(entry: PostureEntry): number | undefined {
  const dates = [time(entry.rotationDueAt), time(entry.expiresAt)].filter(
    (t): t is number => t !== undefined && !Number.isNaN(t),
  );
  return dates.length === 0 ? undefined : Math.min(...dates);
}

/** Soonest first; purposes without any date last (they are stale, and the status says so); ties by purpose id. */
export function sortByNextDate(entries: readonly PostureEntry[]): PostureEntry[] {
  const key = (e: PostureEntry) => nextDate(e) ?? Number.POSITIVE_INFINITY;
  return [...entries].sort((a, b) => key(a) - key(b) || (a.purpose < b.purpose ? -1 : a.purpose > b.purpose ? 1 : 0));
}
