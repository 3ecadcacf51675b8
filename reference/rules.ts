import type { PlatformRule } from "../policies/rule.js";
import { table } from "./markdown.js";

/** The policy pack's rule table (docs/policy-pack.md, section `rules`), rendered from the rules themselves. */

function value(v: unknown): string {
  if (v === undefined) return "no default";
  if (Array.isArray(v)) return v.length === 0 ? "none" : v.map((x) => `\`${String(x)}\``).join(", ");
  return `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;
}

/** A rule's config properties, as `--policy-pack-config` takes them: name, type, default, meaning. */
function configCell(rule: PlatformRule): string {
  const properties = Object.entries(rule.configSchema?.properties ?? {});
  return properties
    .map(([name, schema]) => {
      const s = schema as { type?: string; default?: unknown; description?: string };
      const type = s.type ? `${s.type}, ` : "";
      return `\`${name}\` (${type}default ${value(s.default)})${s.description ? `: ${s.description}` : ""}`;
    })
    .join("<br>");
}

/** The Markdown table of the rules, in the pack's order. */
export function rulesTable(rules: readonly PlatformRule[]): string {
  return table(
    ["rule", "level", "severity", "what it enforces", "fix it suggests", "config"],
    rules.map((r) => [`\`${r.name}\``, r.enforcementLevel, r.severity, r.description, r.remediation, configCell(r)]),
  );
}
