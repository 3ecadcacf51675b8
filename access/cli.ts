import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readableFile, refusedPaths } from "../cli/files.js";
import { readPlanFile, type PlanDocument } from "../plan/report/plan-json.js";
import { loadRegistryOrReport } from "../registry/load.js";
import { evaluate, type PolicyRule } from "../vault/acl-eval.js";
import { parsePolicyDocument } from "../vault/policy-parse.js";
import { describeGrant, serviceAccountAccess } from "./kubernetes-rbac.js";
import { accessMatrix } from "./matrix.js";

const USAGE = `usage: npm run access -- [--plan FILE] [--purpose ID] [--identity NS/SA] [--json]
       npm run access -- --kubernetes [--plan FILE] [--identity NS/SA] [--json]
       npm run access -- --policy FILE [--policy FILE ...] --path PATH [--json]
  the matrix: who can do what with each purpose, from the Vault policies and auth roles a plan registers
  --kubernetes: what each service account the stacks create or bind may do in the Kubernetes API (RBAC)
  --policy/--path: what those policy documents (HCL or JSON) grant together on PATH, one capability per line, or deny
exit codes: 0 printed, 2 invalid input`;

export async function main(
  argv: readonly string[],
  io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) },
): Promise<number> {
  let flags: {
    plan: string;
    purpose?: string;
    identity?: string;
    policy?: string[];
    path?: string;
    json?: boolean;
    kubernetes?: boolean;
  };
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        plan: { type: "string", default: "plan-out/plan.json" },
        purpose: { type: "string" },
        identity: { type: "string" },
        policy: { type: "string", multiple: true },
        path: { type: "string" },
        json: { type: "boolean" },
        kubernetes: { type: "boolean" },
      },
      strict: true,
    }).values;
    if (flags.policy && !flags.path) throw new Error("--policy needs --path");
    if (flags.kubernetes && (flags.policy || flags.purpose))
      throw new Error("--kubernetes lists service accounts: it takes no --policy or --purpose");
  } catch (e) {
    io.err(`access: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (flags.policy) return checkPolicies(flags.policy, flags.path!, flags.json === true, io);
  return flags.kubernetes ? printKubernetesAccess(flags, io) : printMatrix(flags, io);
}

async function checkPolicies(
  files: readonly string[],
  path: string,
  json: boolean,
  io: { out: (l: string) => void; err: (l: string) => void },
): Promise<number> {
  if (refusedPaths("access", files.map(readableFile), io.err)) return 2;
  const rules: PolicyRule[] = [];
  for (const file of files) {
    try {
      rules.push(...(await parsePolicyDocument(file, readFileSync(file, "utf8"))));
    } catch (e) {
      for (const problem of (e as Error).message.split("\n")) io.err(`access: ${file}: ${problem}`);
      return 2;
    }
  }
  const grant = evaluate(rules, path);
  if (json) io.out(JSON.stringify({ path, ...grant }));
  else for (const c of grant.capabilities) io.out(c);
  return 0;
}

type Io = { out: (l: string) => void; err: (l: string) => void };

/** The plan document `file`, or undefined once its problem is said (exit 2). */
function planOrReport(file: string, io: Io): PlanDocument | undefined {
  try {
    return readPlanFile(file);
  } catch (e) {
    io.err(`access: ${(e as Error).message} (run npm run plan first)`);
    return undefined;
  }
}

function printKubernetesAccess(flags: { plan: string; identity?: string; json?: boolean }, io: Io): number {
  const doc = planOrReport(flags.plan, io);
  if (!doc) return 2;
  let accounts;
  try {
    accounts = serviceAccountAccess(
      doc.stacks.flatMap((s) => s.resources.map((r) => ({ type: r.type, props: r.inputs }))),
    );
  } catch (e) {
    io.err(`access: ${flags.plan}: ${(e as Error).message}`);
    return 2;
  }
  accounts = accounts.filter((a) => !flags.identity || a.identity === flags.identity);
  if (flags.json) {
    io.out(JSON.stringify(accounts, null, 2));
    return 0;
  }
  printTable(
    [
      ["IDENTITY", "NAMESPACE", "VERBS", "RESOURCES", "NAMES", "VIA"],
      ...accounts.flatMap((a) =>
        a.grants.length === 0
          ? [[a.identity, "-", "(nothing)", "-", "-", "-"]]
          : a.grants.map((g) => [a.identity, ...describeGrant(g)]),
      ),
    ],
    io,
  );
  return 0;
}

function printTable(table: string[][], io: Io): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) io.out(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
}

function printMatrix(flags: { plan: string; purpose?: string; identity?: string; json?: boolean }, io: Io): number {
  const doc = planOrReport(flags.plan, io);
  if (!doc) return 2;
  const registry = loadRegistryOrReport(resolve(doc.registry.dir), "access: invalid purpose registry:", io.err);
  if (!registry) return 2;
  if (flags.purpose && !registry.purposes.some((p) => p.id === flags.purpose)) {
    io.err(`access: --purpose: ${flags.purpose} is not a purpose of the registry`);
    return 2;
  }
  const resources = doc.stacks.flatMap((s) => s.resources.map((r) => ({ type: r.type, props: r.inputs })));
  const rows = accessMatrix(resources, registry).filter(
    (r) => (!flags.purpose || r.purpose === flags.purpose) && (!flags.identity || r.identity === flags.identity),
  );
  if (flags.json) io.out(JSON.stringify(rows, null, 2));
  else {
    printTable(
      [
        ["IDENTITY", "ROLE", "PURPOSE", "PATH", "CAPABILITIES"],
        ...rows.map((r) => [r.identity, r.role, r.purpose, r.path, r.capabilities.join(",")]),
      ],
      io,
    );
  }
  return 0;
}
