import { DURATION_LIMITS, formatDuration } from "../registry/duration-limits.js";
import { table } from "./markdown.js";

/** The registry's duration limits (docs/registry.md, section `duration-limits`), rendered from the table itself. */
export function durationLimitsTable(limits = DURATION_LIMITS): string {
  return table(
    ["field", "for", "shortest", "longest", "why"],
    limits.map((l) => [`\`${l.field}\``, l.appliesTo, formatDuration(l.min), formatDuration(l.max), l.why]),
  );
}
