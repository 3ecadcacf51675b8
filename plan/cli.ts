import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { refusedPaths, writableFolder } from "../cli/files.js";
import { formatProblem, sortProblems } from "../registry/problems.js";
import { cliPassphrase } from "./passphrase-source.js";
import { blocking, evaluate } from "../policies/evaluate.js";
import { stacksOfPlan } from "../policies/documents.js";
import { posture, STATUSES } from "../posture/model.js";
import { planObservations } from "../posture/plan-source.js";
import { planDocument } from "./report/plan-json.js";
import { planMarkdown } from "./report/plan-md.js";
import { planCluster } from "./run.js";

/** Exit codes of `npm run plan`, documented in docs/offline-plan.md. */
export const EXIT = { ok: 0, violations: 1, invalidInput: 2, failed: 3 } as const;

const USAGE = `usage: npm run plan -- [--cluster NAME] [--registry DIR] [--out DIR] [--now RFC3339]

  --cluster   cluster whose stacks (stacks/Pulumi.<cluster>-<phase>.yaml) to plan   (default: demo)
  --registry  purpose registry directory, instead of the stacks' registryDir       (default: from config)
  --out       where plan.json and plan.md are written                             (default: plan-out)
  --now       the plan's "now", e.g. 2027-01-01T00:00:00Z                          (default: the clock)

exit codes: 0 clean, 1 mandatory policy violations, 2 invalid input, 3 the plan failed`;

/** What the plan writes into `--out`. */
const PLAN_FILES = ["plan.json", "plan.md"] as const;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The offline plan as a command. Returns the exit code; prints nothing that could hold a secret value. */
export async function main(
  argv: readonly string[],
  io: Io = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  let flags: { cluster: string; registry?: string; out: string; now?: string; help?: boolean };
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        cluster: { type: "string", default: "demo" },
        registry: { type: "string" },
        out: { type: "string", default: "plan-out" },
        now: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    io.err(`plan: ${(e as Error).message}\n${USAGE}`);
    return EXIT.invalidInput;
  }
  if (flags.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const now = flags.now ? new Date(flags.now) : new Date();
  if (Number.isNaN(now.getTime()) || (flags.now && !/^\d{4}-\d{2}-\d{2}T/.test(flags.now))) {
    io.err(`plan: --now: ${JSON.stringify(flags.now)} is not an RFC 3339 date-time\n${USAGE}`);
    return EXIT.invalidInput;
  }
  // Refused before anything is planned: an hour of planning must not end in a write that cannot happen.
  if (refusedPaths("plan", [writableFolder(flags.out, PLAN_FILES)], io.err)) return EXIT.invalidInput;

  let result: Awaited<ReturnType<typeof planCluster>>;
  try {
    result = await planCluster({
      cluster: flags.cluster,
      registryDir: flags.registry,
      now,
      passphrase: cliPassphrase(flags.cluster),
    });
  } catch (e) {
    // A RunError is the program refusing its input (e.g. a bad CSR in the ceremony); anything else is a failure.
    const message = e instanceof Error ? e.message : String(e);
    io.err(`plan: ${pulumi.RunError.isInstance(e) ? "invalid input" : "failed"}: ${message}`);
    return pulumi.RunError.isInstance(e) ? EXIT.invalidInput : EXIT.failed;
  }
  if (!result.ok) {
    const problems = sortProblems(result.problems);
    io.err(`plan: invalid input, ${problems.length} problem${problems.length === 1 ? "" : "s"} (nothing was planned):`);
    for (const p of problems) io.err(`  ${formatProblem(p)}`);
    return EXIT.invalidInput;
  }

  const doc = planDocument(result);
  // The policy pack, applied to the plan exactly as `npm run policy -- --plan plan.json` applies it later.
  doc.violations = evaluate(stacksOfPlan(doc), { registry: result.registry, now });
  doc.posture = posture(result.registry, planObservations(doc, result.registry), now);
  mkdirSync(flags.out, { recursive: true });
  writeFileSync(join(flags.out, PLAN_FILES[0]), `${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(join(flags.out, PLAN_FILES[1]), planMarkdown(doc));
  io.out(`Offline plan of cluster ${doc.cluster}: ${doc.registry.purposes} purposes from ${doc.registry.dir}`);
  for (const s of doc.stacks) {
    const managed = s.resources.filter((r) => !r.read);
    io.out(
      `  phase ${s.phase}  ${s.stack.padEnd(28)} authority ${s.authority.padEnd(13)} ${managed.length} resources, ${managed.filter((r) => r.options.protect).length} protected`,
    );
  }
  const mandatory = blocking(doc.violations);
  const counts = STATUSES.map((st) => [st, doc.posture.filter((e) => e.status === st).length] as const).filter(
    ([, n]) => n > 0,
  );
  io.out(`  posture: ${counts.map(([st, n]) => `${n} ${st}`).join(", ")}`);
  io.out(`  policy violations: ${mandatory.length} mandatory, ${doc.violations.length - mandatory.length} advisory`);
  for (const v of doc.violations) io.out(`    [${v.enforcementLevel}] ${v.policy}: ${v.stack}: ${v.message}`);
  io.out(`Wrote ${relative(process.cwd(), join(flags.out, "plan.json"))} and plan.md`);
  return mandatory.length ? EXIT.violations : EXIT.ok;
}
