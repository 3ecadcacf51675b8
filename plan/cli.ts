import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { refusedPaths, writableFolder } from "../cli/files.js";
import { formatProblem, sortProblems, type Problem } from "../registry/problems.js";
import type { WireMap } from "./engine/wire.js";
import { cliPassphrase } from "./passphrase-source.js";
import { blocking, evaluate } from "../policies/evaluate.js";
import { parseDocument, stacksOfPlan } from "../policies/documents.js";
import type { StackView } from "../policies/rule.js";
import { loadRegistryOrReport, type Registry } from "../registry/load.js";
import { changeCount, reviewOf } from "../review/diff.js";
import { reviewMarkdown } from "../review/markdown.js";
import { posture, STATUSES } from "../posture/model.js";
import { planObservations } from "../posture/plan-source.js";
import { planDocument } from "./report/plan-json.js";
import { planMarkdown } from "./report/plan-md.js";
import { planCluster } from "./run.js";

/** Exit codes of `npm run plan`, documented in docs/offline-plan.md. */
export const EXIT = { ok: 0, violations: 1, invalidInput: 2, failed: 3 } as const;

const USAGE = `usage: npm run plan -- [--cluster NAME] [--registry DIR] [--out DIR] [--now RFC3339]
                         [--base FILE [--base-registry DIR]] [--previous FILE]

  --cluster   cluster whose stacks (stacks/Pulumi.<cluster>-<phase>.yaml) to plan   (default: demo)
  --registry  purpose registry directory, instead of the stacks' registryDir       (default: from config)
  --out       where plan.json and plan.md are written                             (default: plan-out)
  --now       the plan's "now", e.g. 2027-01-01T00:00:00Z                          (default: the clock)
  --base      plan.json or \`pulumi preview --json\` output of the base (e.g. main): also writes
              review.md and review.json, what this plan changes in access and trust
  --base-registry  the registry the base was planned from, to attribute its access  (default: --registry's)
  --previous  plan.json of an earlier plan (e.g. of the main branch): the stacks start from its outputs, as a
              deployed cluster's do, so a change that moves a stored value is seen (default: a new cluster)

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
  let flags: {
    cluster: string;
    registry?: string;
    out: string;
    now?: string;
    base?: string;
    "base-registry"?: string;
    previous?: string;
    help?: boolean;
  };
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        cluster: { type: "string", default: "demo" },
        registry: { type: "string" },
        out: { type: "string", default: "plan-out" },
        now: { type: "string" },
        base: { type: "string" },
        "base-registry": { type: "string" },
        previous: { type: "string" },
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
  if (flags["base-registry"] && !flags.base) {
    io.err(`plan: --base-registry needs --base\n${USAGE}`);
    return EXIT.invalidInput;
  }
  // The base is read before anything is planned: a review that cannot be made is invalid input, not a late failure.
  let base: { stacks: StackView[]; registry?: Registry } | undefined;
  if (flags.base) {
    try {
      base = { stacks: parseDocument(readFileSync(flags.base, "utf8")).stacks };
    } catch (e) {
      io.err(`plan: --base: ${flags.base}: ${(e as Error).message.split("\n")[0]}`);
      return EXIT.invalidInput;
    }
    if (flags["base-registry"]) {
      const registry = loadRegistryOrReport(
        resolve(flags["base-registry"]),
        "plan: --base-registry: invalid purpose registry:",
        io.err,
      );
      if (!registry) return EXIT.invalidInput;
      base.registry = registry;
    }
  }

  const previous = flags.previous === undefined ? undefined : previousOutputs(flags.previous, flags.cluster);
  if (previous && "problem" in previous) {
    io.err(`plan: invalid input, 1 problem (nothing was planned):\n  ${formatProblem(previous.problem)}`);
    return EXIT.invalidInput;
  }

  let result: Awaited<ReturnType<typeof planCluster>>;
  try {
    result = await planCluster({
      cluster: flags.cluster,
      registryDir: flags.registry,
      ...(previous ? { previousOutputs: previous.outputs } : {}),
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
  if (base) {
    const review = reviewOf(base.stacks, stacksOfPlan(doc), {
      base: base.registry ?? result.registry,
      head: result.registry,
    });
    writeFileSync(join(flags.out, "review.json"), `${JSON.stringify(review, null, 2)}\n`);
    writeFileSync(
      join(flags.out, "review.md"),
      reviewMarkdown(review, { base: flags.base!, head: relative(process.cwd(), join(flags.out, "plan.json")) }),
    );
    io.out(
      `Wrote ${relative(process.cwd(), join(flags.out, "review.md"))} and review.json: ${changeCount(review)} changes to access and trust against ${flags.base}`,
    );
  }
  return mandatory.length ? EXIT.violations : EXIT.ok;
}

/**
 * The stack outputs of an earlier plan's plan.json, by stack name, for `--previous`. Secret outputs are "[secret]"
 * there: only metadata (such as the KV paths, `kvSecrets`) is read from them.
 */
function previousOutputs(file: string, cluster: string): { outputs: Map<string, WireMap> } | { problem: Problem } {
  let doc: { cluster?: unknown; stacks?: { stack?: unknown; outputs?: unknown }[] };
  try {
    doc = JSON.parse(readFileSync(file, "utf8")) as typeof doc;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : "is not a plan.json (JSON)";
    return { problem: { file, field: "--previous", message: why } };
  }
  if (doc.cluster !== cluster || !Array.isArray(doc.stacks))
    return {
      problem: {
        file,
        field: "--previous",
        message: `is not a plan of cluster ${cluster} (its cluster: ${JSON.stringify(doc.cluster)})`,
      },
    };
  return {
    outputs: new Map(
      doc.stacks
        .filter((s) => typeof s.stack === "string" && s.outputs && typeof s.outputs === "object")
        .map((s) => [s.stack as string, s.outputs as WireMap]),
    ),
  };
}
