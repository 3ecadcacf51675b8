import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { refusedPaths, writableFile } from "../cli/files.js";
import { readPlanFile, type PlanDocument } from "../plan/report/plan-json.js";
import { loadRegistryOrReport } from "../registry/load.js";
import { InvalidInputError } from "../registry/problems.js";
import { failing, posture, sortByNextDate, STATUSES, type Observation, type PostureEntry } from "./model.js";
import { planObservations, retiredObservations } from "./plan-source.js";

const USAGE = `usage: npm run posture -- [--plan FILE | --live] [--previous FILE] [--now RFC3339] [--sort due|status|purpose] [--json] [--html FILE]
  --plan      observations from an offline plan (default plan-out/plan.json)
  --live      observations from Vault (VAULT_ADDR, VAULT_TOKEN or VAULT_TOKEN_FILE, VAULT_CACERT) and Kubernetes (kubeconfig)
  --previous  an earlier plan: the purposes it deployed that the registry no longer lists are reported retired
  --registry  the purpose registry (default: the plan's, or purposes/)
  --now       evaluate at this time (default: now), e.g. to see what a plan's posture becomes without rotation
  --json      print the entries as JSON instead of a table
  --html      also write a self-contained page with the table and a timeline of expiries and rotations
exit codes: 0 nothing expired or fail-closed, 1 something is, 2 invalid input or an unreachable source`;

type Flags = {
  plan: string;
  live?: boolean;
  previous?: string;
  registry?: string;
  now?: string;
  sort: string;
  json?: boolean;
  html?: string;
};

export async function main(
  argv: readonly string[],
  io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) },
): Promise<number> {
  let flags: Flags;
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        plan: { type: "string", default: "plan-out/plan.json" },
        live: { type: "boolean" },
        previous: { type: "string" },
        registry: { type: "string" },
        now: { type: "string" },
        sort: { type: "string", default: "due" },
        json: { type: "boolean" },
        html: { type: "string" },
      },
      strict: true,
    }).values;
    if (!["due", "status", "purpose"].includes(flags.sort))
      throw new Error(`--sort: ${flags.sort} is not due, status or purpose`);
  } catch (e) {
    io.err(`posture: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const now = flags.now ? new Date(flags.now) : new Date();
  if (Number.isNaN(now.getTime())) {
    io.err(`posture: --now: ${JSON.stringify(flags.now)} is not an RFC 3339 date-time`);
    return 2;
  }
  // Every path before any source is read: a page that cannot be written is refused now, not after the table.
  if (refusedPaths("posture", [flags.html !== undefined && writableFile(flags.html)], io.err)) return 2;
  let doc: PlanDocument | undefined;
  let previous: PlanDocument | undefined;
  try {
    if (!flags.live) doc = readPlanFile(flags.plan);
  } catch (e) {
    io.err(`posture: ${(e as Error).message} (run npm run plan first, or use --live)`);
    return 2;
  }
  try {
    if (flags.previous !== undefined) previous = readPlanFile(flags.previous);
  } catch (e) {
    io.err(`posture: --previous: ${(e as Error).message}`);
    return 2;
  }
  const registry = loadRegistryOrReport(
    resolve(flags.registry ?? doc?.registry.dir ?? "purposes"),
    "posture: invalid purpose registry:",
    io.err,
  );
  if (!registry) return 2;
  let observations: Observation[];
  let source: string;
  if (doc) {
    observations = planObservations(doc, registry);
    source = `plan ${flags.plan} (${doc.generatedAt})`;
  } else {
    // Loaded only for --live: the Kubernetes client is large, and plan mode never needs it.
    const live = await import("./live/index.js");
    const problems: string[] = [];
    const attempt = <T>(make: () => T): T | undefined => {
      try {
        return make();
      } catch (e) {
        problems.push((e as Error).message);
        return undefined;
      }
    };
    // Both sources' settings are checked before either is read, so every missing setting is named in one run.
    const vault = attempt(() => live.vaultReaderFromEnv());
    const kubernetes = attempt(() => live.kubernetesApiFromEnv());
    if (!vault || !kubernetes) {
      io.err(`posture: live sources:\n  ${problems.join("\n  ")}`);
      return 2;
    }
    try {
      observations = await live.readLiveObservations(registry, { vault, kubernetes });
      source = "live Vault and Kubernetes";
    } catch (e) {
      // An InvalidInputError already says "live sources: N problems" and lists them.
      io.err(`posture: ${e instanceof InvalidInputError ? e.message : `live sources: ${(e as Error).message}`}`);
      return 2;
    }
  }
  if (previous) observations = [...retiredObservations(previous, registry), ...observations];
  const entries = sortEntries(posture(registry, observations, now), flags.sort);
  if (flags.json) io.out(JSON.stringify(entries, null, 2));
  else for (const line of table(entries)) io.out(line);
  if (flags.html) {
    const { postureHtml } = await import("./html.js");
    writeFileSync(flags.html, postureHtml(entries, { cluster: doc?.cluster ?? "live", now, source }));
    if (!flags.json) io.out(`wrote ${flags.html}`);
  }
  const bad = failing(entries);
  if (!flags.json)
    io.out(
      `posture at ${now.toISOString()}: ${STATUSES.map((s) => `${entries.filter((e) => e.status === s).length} ${s}`).join(", ")}`,
    );
  return bad.length > 0 ? 1 : 0;
}

function sortEntries(entries: PostureEntry[], by: string): PostureEntry[] {
  if (by === "due") return sortByNextDate(entries);
  const rank = (e: PostureEntry) => (by === "status" ? STATUSES.indexOf(e.status) : 0);
  return [...entries].sort((a, b) => rank(a) - rank(b) || a.purpose.localeCompare(b.purpose));
}

function table(entries: readonly PostureEntry[]): string[] {
  const rows = entries.map((e) => [e.status, e.purpose, e.owner, day(e.rotationDueAt), day(e.expiresAt), e.reason]);
  const head = ["STATUS", "PURPOSE", "OWNER", "ROTATION DUE", "EXPIRES", "WHY"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  return [line(head), ...rows.map(line)];
}

const day = (t: string | undefined) => (t ? t.slice(0, 10) : "-");
