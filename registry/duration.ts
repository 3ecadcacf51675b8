/**
 * Durations in the registry use the Go duration units that Vault and cert-manager read (`h`, `m`, `s`), plus `d` and
 * `w` because rotation periods are counted in days. The grammar is strict on purpose: a lenient parser would
 * accept "30x" or "1 month" and plan a rotation nobody asked for.
 */
export const DURATION_PATTERN = /^(?:\d+[wdhms])+$/;
const PART = /(\d+)([wdhms])/g;
const SECONDS: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };

/** Seconds in `text`, or `undefined` when it is not a duration of the registry's grammar (or is zero). */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * SECONDS[unit!]!;
  return total > 0 ? total : undefined;
}

/** The Go duration (hours, minutes, seconds) that Vault and cert-manager accept, e.g. 90d -> "2160h". */
export function toGoDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || (!h && !m) ? `${s}s` : ""}`;
}

/**
 * The duration as Go's `time.Duration.String()` prints it, which is how Vault answers a duration it stored, e.g.
 * 90d -> "2160h0m0s", 0 -> "0s". A value Vault reads back must be written this way, or every `pulumi refresh` finds
 * it changed (KV v2 `delete_version_after`, compared as text inside a generic endpoint's `data_json`).
 */
export function toGoDurationString(seconds: number): string {
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
}

export const DURATION_HINT = "use whole numbers with units w, d, h, m, s, e.g. 90d, 12h, 1h30m";
