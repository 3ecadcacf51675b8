import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readableFile, refusedPaths } from "../cli/files.js";
import { loadRegistryOrReport } from "../registry/load.js";
import { parseDocument } from "./documents.js";
import { blocking, evaluate, type PackConfig } from "./evaluate.js";

const USAGE = `usage: npm run policy -- --plan FILE [--registry DIR] [--config FILE] [--now RFC3339]
  --plan      an offline plan (plan-out/plan.json) or the output of \`pulumi preview --json\`
  --registry  the purpose registry (default: the plan's, or purposes/)
  --config    a policy pack config file, as \`pulumi preview --policy-pack-config\` takes it
  --now       evaluation time (default: the plan's generatedAt, or now)
exit codes: 0 no mandatory violation, 1 mandatory violations, 2 invalid input`;

/** Evaluates the policy pack against a plan or preview document without running any program. */
export function main(
  argv: readonly string[],
  io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) },
): number {
  let flags: { plan?: string; registry?: string; config?: string; now?: string };
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        plan: { type: "string" },
        registry: { type: "string" },
        config: { type: "string" },
        now: { type: "string" },
      },
      strict: true,
    }).values;
  } catch (e) {
    io.err(`policy: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!flags.plan) {
    io.err(`policy: --plan is required\n${USAGE}`);
    return 2;
  }
  if (
    refusedPaths("policy", [readableFile(flags.plan), flags.config !== undefined && readableFile(flags.config)], io.err)
  )
    return 2;
  let config: PackConfig = {};
  const read = <T>(file: string, parse: (text: string) => T): T | undefined => {
    try {
      return parse(readFileSync(file, "utf8"));
    } catch (e) {
      io.err(`policy: ${file}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const parsed = read(flags.plan, parseDocument);
  if (!parsed) return 2;
  const doc = parsed;
  if (flags.config) {
    const given = read(flags.config, (text) => JSON.parse(text) as PackConfig);
    if (!given) return 2;
    config = given;
  }
  const now = new Date(flags.now ?? (doc.kind === "plan" ? doc.generatedAt : Date.now()));
  if (Number.isNaN(now.getTime())) {
    io.err(`policy: --now: ${JSON.stringify(flags.now)} is not an RFC 3339 date-time`);
    return 2;
  }
  const registry = loadRegistryOrReport(
    resolve(flags.registry ?? (doc.kind === "plan" ? doc.registryDir : "purposes")),
    "policy: invalid purpose registry, nothing evaluated:",
    io.err,
  );
  if (!registry) return 2;
  const violations = evaluate(doc.stacks, { registry, now, config });
  const mandatory = blocking(violations);
  for (const v of violations) io.out(`[${v.enforcementLevel}] ${v.policy}: ${v.stack}: ${v.message}`);
  io.out(
    `policy: ${doc.stacks.reduce((n, s) => n + s.resources.length, 0)} resources in ${doc.stacks.length} stacks: ${mandatory.length} mandatory, ${violations.length - mandatory.length} advisory violations`,
  );
  return mandatory.length > 0 ? 1 : 0;
}
