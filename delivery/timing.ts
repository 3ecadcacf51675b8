import { parseDuration } from "../registry/duration.js";
import type { Purpose } from "../registry/schema.js";

/**
 * How often materialized values are refreshed and certificates renewed, derived from each purpose's rotation
 * contract (pure; shared by the steady-state program, the policy pack and posture). `period` is how long one value
 * is used; `grace` how long the previous one stays valid after a rotation.
 */

/** ESO refreshes no faster than this: every refresh is a Vault login and read (leaked leases hurt Vault, ESO #376). */
export const MIN_REFRESH_SECONDS = 60;
/** ...and no slower than this, so a rotated or revoked value reaches consumers within the hour. */
export const MAX_REFRESH_SECONDS = 3600;

const seconds = (text: string): number => parseDuration(text)!;

/**
 * The refresh interval of an ExternalSecret reading a purpose's value: a quarter of the grace window, so a rotated
 * value reaches consumers at least four refreshes before the previous one stops working, clamped to
 * [1 minute, 1 hour].
 */
export function refreshIntervalSeconds(rotation: Purpose["rotation"]): number {
  return Math.min(MAX_REFRESH_SECONDS, Math.max(MIN_REFRESH_SECONDS, Math.floor(seconds(rotation.grace) / 4)));
}

/** The rotation period itself: how often a generator makes a new value (rotation without Git). */
export function generationIntervalSeconds(rotation: Purpose["rotation"]): number {
  return seconds(rotation.period);
}

export interface CertificateTiming {
  /** The certificate's lifetime: the rotation period (the PKI role's max_ttl is the same period). */
  durationSeconds: number;
  /**
   * When to renew, as a percentage of the lifetime left: the grace window's share of the period. A percentage, not
   * `renewBefore`, because cert-manager applies it to the lifetime Vault actually issued: if Vault ever caps a
   * certificate below the requested duration, renewal still happens at the same share instead of looping (#1038).
   */
  renewBeforePercentage: number;
  /** The same lead time as a duration (csi-driver volumes take `renew-before`, not a percentage). */
  renewBeforeSeconds: number;
}

/** Renewal never starts later than 10% or earlier than 50% of the lifetime before expiry. */
const MIN_RENEW_PERCENT = 10;
const MAX_RENEW_PERCENT = 50;

export function certificateTiming(rotation: Purpose["rotation"]): CertificateTiming {
  const period = seconds(rotation.period);
  const percent = Math.min(
    MAX_RENEW_PERCENT,
    Math.max(MIN_RENEW_PERCENT, Math.round((100 * seconds(rotation.grace)) / period)),
  );
  return {
    durationSeconds: period,
    renewBeforePercentage: percent,
    renewBeforeSeconds: Math.floor((period * percent) / 100),
  };
}

/**
 * How long an issuer must still be valid for a purpose to be served: one more rotation period and its grace. An
 * issuer that expires sooner fails closed (Vault refuses or truncates the next issuance or renewal); the policy pack
 * and posture both judge by this.
 */
export function issuerCoverageSeconds(rotation: Purpose["rotation"]): number {
  return seconds(rotation.period) + seconds(rotation.grace);
}
