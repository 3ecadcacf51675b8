import { MAX_REFRESH_SECONDS, MIN_REFRESH_SECONDS } from "../delivery/timing.js";
import { parseDuration } from "./duration.js";
import type { RuleViolation } from "./rules.js";
import type { Purpose } from "./schema.js";

/**
 * The shortest and longest durations the registry accepts, per field and per kind of purpose: what the engine that
 * honours the duration accepts (cert-manager, Vault, ESO) and what a rotation contract can mean. Without an upper
 * bound `100000w` reads as "healthy" for 1,900 years and `99999999999999999999d` is no number at all; without a
 * lower bound a `2s` KV period would regenerate faster than any consumer refreshes. Every maximum is far below the
 * ~292 years a Go `time.Duration` (int64 nanoseconds) holds, so every value converts for Vault and cert-manager.
 * This table is the contract; docs/registry.md ("Duration limits") is generated from it (`npm run docs`).
 */

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** The deliveries whose ExternalSecrets refresh periodically, every quarter of the grace (delivery/timing.ts). */
const refreshed = (p: Pick<Purpose, "delivery">) =>
  p.delivery === "external-secret" || p.delivery === "push-secret" || p.delivery === "bootstrap";

export type BoundedField = "rotation.period" | "rotation.grace" | "kv.deleteVersionAfter";

export interface DurationLimit {
  field: BoundedField;
  /** The purposes the row bounds, as the docs name them. */
  appliesTo: string;
  applies: (p: Pick<Purpose, "kind" | "delivery" | "rotation">) => boolean;
  /** Seconds, inclusive. */
  min: number;
  max: number;
  why: string;
}

const method = (m: Purpose["rotation"]["method"]) => (p: Pick<Purpose, "rotation">) => p.rotation.method === m;

export const DURATION_LIMITS: readonly DurationLimit[] = [
  {
    field: "rotation.period",
    appliesTo: "certificates (rotation `issued`)",
    applies: method("issued"),
    min: HOUR,
    max: 365 * DAY,
    why:
      "the period is the certificate's duration and its PKI role's `max_ttl`: cert-manager refuses a duration under 1h; " +
      "a certificate is re-issued at least yearly, and period + grace must also fit the issuing intermediate's lifetime",
  },
  {
    field: "rotation.period",
    appliesTo: "transit keys (rotation `transit-auto`)",
    applies: method("transit-auto"),
    min: HOUR,
    max: 730 * DAY,
    why:
      "the period is the key's `auto_rotate_period`: Vault refuses one under 1h; NIST SP 800-57 part 1 gives a " +
      "symmetric data key an originator-usage period of at most two years",
  },
  {
    field: "rotation.period",
    appliesTo: "generated values (rotation `generated`)",
    applies: method("generated"),
    min: MAX_REFRESH_SECONDS,
    max: 730 * DAY,
    why:
      "a push-secret's generator makes a new value every period, and each value is a KV version: consumers " +
      "refresh as rarely as hourly, so a shorter period outruns them; longer than two years is no rotation",
  },
  {
    field: "rotation.period",
    appliesTo: "values rotated at their issuing service (rotation `external`)",
    applies: method("external"),
    min: MAX_REFRESH_SECONDS,
    max: 730 * DAY,
    why: "consumers refresh as rarely as hourly, so a shorter period outruns them; longer than two years is no rotation",
  },
  {
    field: "rotation.period",
    appliesTo: "values rotated in a recorded ceremony (rotation `manual`)",
    applies: method("manual"),
    min: DAY,
    max: 730 * DAY,
    why: "people rotate these: a ceremony more often than daily is no ceremony; longer than two years is no rotation",
  },
  {
    field: "rotation.grace",
    appliesTo: "values ESO refreshes (delivery `external-secret`, `push-secret`, `bootstrap`)",
    applies: refreshed,
    // Four refreshes at ESO's fastest pace: every consumer has the rotated value before the old one stops working.
    min: 4 * MIN_REFRESH_SECONDS,
    max: 730 * DAY,
    why: "the grace window must hold four refreshes at ESO's fastest pace (1m), so every consumer has the new value in time",
  },
  {
    field: "rotation.grace",
    appliesTo: "every other purpose",
    applies: (p) => !refreshed(p),
    min: MINUTE,
    max: 730 * DAY,
    why: "posture and certificate renewal count in minutes; grace is also always shorter than the period",
  },
  {
    field: "kv.deleteVersionAfter",
    appliesTo: "Vault KV values (tier `vault_kv`)",
    applies: () => true,
    min: HOUR,
    max: 3650 * DAY,
    why:
      "KV v2 `delete_version_after` is a Go duration: under 1h a value may be gone before its ExternalSecret first " +
      "reads it; over ten years, leave it out (never delete) rather than pretend",
  },
];

/** The value of a bounded field of a purpose, when it has one. */
function valueOf(p: Purpose, field: BoundedField): string | undefined {
  return field === "rotation.period"
    ? p.rotation.period
    : field === "rotation.grace"
      ? p.rotation.grace
      : p.kv?.deleteVersionAfter;
}

/** Every duration of `p` outside its limits (durations that do not parse are the schema's to report). */
export function durationLimitViolations(p: Purpose): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const limit of DURATION_LIMITS) {
    const text = valueOf(p, limit.field);
    const seconds = text === undefined ? undefined : parseDuration(text);
    if (seconds === undefined || !limit.applies(p)) continue;
    if (seconds < limit.min || seconds > limit.max)
      out.push({
        field: limit.field,
        message: `${text} is ${seconds < limit.min ? "below" : "above"} ${formatDuration(seconds < limit.min ? limit.min : limit.max)}, the ${seconds < limit.min ? "shortest" : "longest"} ${limit.field} for ${limit.appliesTo.replace(/`/g, "")}: ${limit.why.replace(/`/g, "")}`,
      });
  }
  return out;
}

/** Seconds in the registry's grammar, in the largest unit that divides them: 86400 -> "1d", 240 -> "4m". */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [
    ["d", DAY],
    ["h", HOUR],
    ["m", MINUTE],
  ] as const)
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}
