import type { PlatformRule } from "./rule.js";

/**
 * The policy pack's rule table in docs/policy-pack.md, rendered from the rules themselves so that the reference
 * says what the pack enforces and suggests, word for word. Pure: `npm run docs` writes it, a test compares it.
 */

/** The markers in docs/policy-pack.md between which the table is generated. */
export const RULES_BEGIN = "<!-- rules:begin -->";
export const RULES_END = "<!-- rules:end -->";

/**
 * One table cell: a pipe would end the cell and a line break the row; outside code spans `<owner>` would be read as
 * an HTML tag and vanish.
 */
function cell(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
  return flat
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith("`") ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
    .join("");
}

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

/** The Markdown table of the rules, in the pack's order, ending with a newline. */
export function rulesTable(rules: readonly PlatformRule[]): string {
  const row = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`.replace(/ {2,}\|/g, " |");
  const rows = rules.map((r) => row([`\`${r.name}\``, r.enforcementLevel, r.severity, r.description, r.remediation, configCell(r)]));
  return [row(["rule", "level", "severity", "what it enforces", "fix it suggests", "config"]), "|---|---|---|---|---|---|", ...rows].join("\n") + "\n";
}

function markers(markdown: string): { start: number; end: number } {
  const begin = markdown.indexOf(RULES_BEGIN);
  const end = markdown.indexOf(RULES_END);
  if (begin < 0 || end < begin) throw new Error(`the rule table's markers ${RULES_BEGIN} ... ${RULES_END} are missing or out of order`);
  return { start: begin + RULES_BEGIN.length, end };
}

/** What stands between the markers now, without the line breaks that frame it. */
export function generatedRules(markdown: string): string {
  const { start, end } = markers(markdown);
  return markdown.slice(start, end).replace(/^\n/, "");
}

/** The document with `table` between the markers; everything outside them is kept as it is. */
export function withRulesTable(markdown: string, table: string): string {
  const { start, end } = markers(markdown);
  return `${markdown.slice(0, start)}\n${table}${markdown.slice(end)}`;
}
