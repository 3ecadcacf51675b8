// `npm run docs`: writes the generated parts of docs/ (the policy pack's rules, the delivery mechanisms, OpenBao and
// Vault side by side, the registry's reserved names).
// `npm run docs -- --check` writes nothing and exits 1 naming every file that is not what this would write,
// so a rule changed without its documentation is caught; test/docs.test.ts makes the same comparison.
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readableFile, refusedPaths, writableFile } from "../cli/files.js";
import { MECHANISMS } from "../delivery/mechanisms/index.js";
import { RULES } from "../policies/rules/index.js";
import { withSection } from "../reference/markdown.js";
import { distributionsTable } from "../reference/distributions.js";
import { durationLimitsTable } from "../reference/durations.js";
import { mechanismsTable } from "../reference/mechanisms.js";
import { reservedNamesTable } from "../reference/reserved.js";
import { rulesTable } from "../reference/rules.js";
import { DELIVERIES } from "../registry/schema.js";

/** Each generated section: the document, the section's name, and what belongs in it. */
export const GENERATED: readonly { file: string; section: string; render: () => string }[] = [
  { file: "docs/policy-pack.md", section: "rules", render: () => rulesTable(RULES) },
  {
    file: "docs/phases/4-steady-state.md",
    section: "mechanisms",
    render: () => mechanismsTable(MECHANISMS, DELIVERIES),
  },
  { file: "docs/phases/3-runtime-authority.md", section: "distributions", render: distributionsTable },
  { file: "docs/registry.md", section: "duration-limits", render: () => durationLimitsTable() },
  { file: "docs/registry.md", section: "reserved", render: reservedNamesTable },
];

const USAGE = "usage: npm run docs [-- --check]";

/**
 * Returns the exit code: 0 written or current, 1 stale (with --check), 2 bad flags, a document that cannot be read
 * or written, or one without markers.
 */
export function main(
  argv: readonly string[],
  io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) },
): number {
  let check: boolean;
  try {
    check =
      parseArgs({ args: [...argv], options: { check: { type: "boolean", default: false } }, strict: true }).values
        .check === true;
  } catch (e) {
    io.err(`docs: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const files = GENERATED.map((g) => g.file);
  if (refusedPaths("docs", [...files.map(readableFile), ...(check ? [] : files.map(writableFile))], io.err)) return 2;
  let code = 0;
  for (const { file, section, render } of GENERATED) {
    try {
      const text = readFileSync(file, "utf8");
      const next = withSection(text, section, render());
      if (next === text) {
        if (!check) io.out(`current ${file}`);
      } else if (check) {
        io.err(`docs: ${file} is not what \`npm run docs\` generates; run it and commit the result`);
        code = Math.max(code, 1);
      } else {
        writeFileSync(file, next);
        io.out(`wrote ${file}`);
      }
    } catch (e) {
      io.err(`docs: ${file}: ${(e as Error).message}`);
      code = 2;
    }
  }
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
