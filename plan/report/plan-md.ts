import type { PlanDocument } from "./plan-json.js";

/** A reviewer's view of the plan: per stack, what is registered and protected, and what the stack publishes. */
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
    lines.push("", `## Phase ${s.phase}: \`${s.stack}\``, "", "| resource | type | options |", "|---|---|---|");
    for (const r of s.resources) {
      const options = [
        r.read ? "read" : "",
        r.options.protect ? "protect" : "",
        r.options.retainOnDelete ? "retainOnDelete" : "",
        r.options.ignoreChanges.length ? `ignoreChanges: ${r.options.ignoreChanges.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join(", ");
      lines.push(`| \`${r.name}\` | \`${r.type}\` | ${options} |`);
    }
    lines.push("", "Outputs:", "", "```yaml", ...Object.entries(s.outputs).map(([k, v]) => `${k}: ${brief(v)}`), "```");
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

/** Outputs in one line each; PEM blocks shortened to their first line so the page stays readable. */
function brief(v: unknown): string {
  const text = JSON.stringify(v, (_k, x: unknown) =>
    typeof x === "string" && x.startsWith("-----BEGIN") ? `${x.split("\n")[0]} …` : x,
  );
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
