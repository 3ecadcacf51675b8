import { stringify } from "yaml";
import { resourceSummary, valueInBrief } from "../../review/targets.js";
import type { PlanDocument } from "./plan-json.js";

/**
 * A reviewer's view of the plan: per stack, what each resource is, targets or grants, what is protected, and what the
 * stack publishes.
 */
export function planMarkdown(doc: PlanDocument): string {
  const lines = [
    `# Offline plan: cluster \`${doc.cluster}\``,
    "",
    `Planned at ${doc.generatedAt} from \`${doc.registry.dir}\` (${doc.registry.purposes} purposes, ${doc.registry.evidence} evidence components).`,
    "Every secret value is shown as `[secret]`.",
    "",
    "| phase | stack | authority | runs | resources | protected |",
    "|---|---|---|---|---|---|",
    ...doc.stacks.map((s) => {
      const managed = s.resources.filter((r) => !r.read);
      return `| ${s.phase} | \`${s.stack}\` | ${s.authority} | ${s.runs} | ${managed.length} | ${managed.filter((r) => r.options.protect).length} |`;
    }),
  ];
  for (const s of doc.stacks) {
    lines.push(
      "",
      `## Phase ${s.phase}: \`${s.stack}\``,
      "",
      "| resource | type | options | targets or grants |",
      "|---|---|---|---|",
    );
    for (const r of s.resources) {
      const options = [
        r.read ? "read" : "",
        r.options.protect ? "protect" : "",
        r.options.retainOnDelete ? "retainOnDelete" : "",
        r.options.ignoreChanges.length ? `ignoreChanges: ${r.options.ignoreChanges.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join(", ");
      const grants = r.custom && !r.read ? cell(resourceSummary({ type: r.type, props: r.inputs })) : "";
      lines.push(`| \`${r.name}\` | \`${r.type}\` | ${options} | ${grants} |`);
    }
    lines.push("", "Outputs:", "", "```yaml", stringify(shortPems(s.outputs), { lineWidth: 0 }).trimEnd(), "```");
  }
  lines.push("", `## Policy violations`, "");
  if (doc.violations.length === 0) lines.push("None.");
  else {
    lines.push("| level | policy | stack | message |", "|---|---|---|---|");
    for (const v of doc.violations)
      lines.push(`| ${v.enforcementLevel} | \`${v.policy}\` | ${v.stack} | ${v.message.replaceAll("|", "\\|")} |`);
  }
  lines.push("");
  return lines.join("\n");
}

/** A table cell: pipes escaped, so a value never ends the row early. */
const cell = (text: string) => text.replaceAll("|", "\\|");

/** Outputs whole, except PEM blocks, which name their type (the stack's fingerprint outputs identify them). */
function shortPems(v: unknown): unknown {
  if (typeof v === "string") return v.startsWith("-----BEGIN") ? valueInBrief(v) : v;
  if (Array.isArray(v)) return v.map(shortPems);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shortPems(x)]));
  return v;
}
