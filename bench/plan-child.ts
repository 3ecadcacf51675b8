import { RESOURCE_TYPES } from "../policies/resource-types.js";
// One bench measurement of the platform, in a process of its own so its peak memory is its own: the offline plan of
// a generated project (every stack program, every run of the signing ceremony), then the policy pack over the plan.
// Writes every run's resources to --record for the baseline, and one JSON line of figures to stdout.
import { appendFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { RecordedResource } from "../plan/engine/monitor.js";
import { unwire } from "../plan/engine/wire.js";
import { cliPassphrase } from "../plan/passphrase-source.js";
import { planDocument } from "../plan/report/plan-json.js";
import { planCluster } from "../plan/run.js";
import { stacksOfPlan } from "../policies/documents.js";
import { evaluate } from "../policies/evaluate.js";
import { RULES } from "../policies/rules/index.js";
import { recordRun } from "./record.js";

const { values } = parseArgs({ options: { root: { type: "string" }, record: { type: "string" } } });
if (!values.root || !values.record) throw new Error("usage: plan-child --root DIR --record FILE");
process.chdir(values.root);

// Each run goes to the record as it ends (one JSON line), so the plan holds no more than it would without the bench.
writeFileSync(values.record, "");
let registrations = 0;
let customRegistrations = 0;
/** Each run's time, from the end of the one before (the first includes validating every input). */
const runTimes: { stack: string; ms: number }[] = [];
// Recording and counting are the bench's work, not the plan's: their time is taken out of the plan's.
let recordingMs = 0;
const started = performance.now();
let runStarted = started;
const result = await planCluster({
  cluster: "demo",
  now: new Date("2026-11-22T00:00:00Z"),
  passphrase: cliPassphrase("demo"),
  onStackRun: (run) => {
    const t = performance.now();
    runTimes.push({ stack: run.stack, ms: t - runStarted });
    appendFileSync(values.record!, `${JSON.stringify(recordRun(run))}\n`);
    registrations += run.resources.filter((r) => !r.read).length;
    customRegistrations += run.resources.filter((r) => !r.read && r.custom).length;
    runStarted = performance.now();
    recordingMs += runStarted - t;
  },
});
const planMs = performance.now() - started - recordingMs;
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
if (!result.ok)
  throw new Error(
    `the generated registry is invalid:\n${result.problems
      .slice(0, 20)
      .map((p) => `${p.file}: ${p.subject ?? ""}: ${p.field ?? ""}: ${p.message}`)
      .join("\n")}`,
  );

const doc = planDocument(result);
const stacks = stacksOfPlan(doc);
// The first pass is what `npm run policy` pays once (module and JIT warm-up included); the next ones are the
// steady per-resource cost, which is what grows with a platform.
const policyPasses: number[] = [];
let violations: ReturnType<typeof evaluate> = [];
for (let i = 0; i < 4; i++) {
  const t = performance.now();
  violations = evaluate(stacks, { registry: result.registry, now: result.now });
  policyPasses.push(performance.now() - t);
}
const [policyFirstMs, ...warm] = policyPasses as [number, ...number[]];
const policyMs = warm.sort((a, b) => a - b)[1]!;
// Each rule alone too, so the report shows where the pack's time goes.
const policyMsByRule = Object.fromEntries(
  RULES.map((rule) => {
    const t = performance.now();
    evaluate(stacks, { registry: result.registry, now: result.now, rules: [rule] });
    return [rule.name, performance.now() - t];
  }),
);
const policyResources = stacks.reduce((n, s) => n + s.resources.length, 0);
const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
if (mandatory > 0)
  throw new Error(
    `the plan of a generated registry has ${mandatory} mandatory policy violations: ${violations[0]!.policy}: ${violations[0]!.message}`,
  );

const managed = result.stacks.flatMap((s) => s.resources.filter((r) => !r.read));
const identity = managed.map(identityOf).filter((x) => x !== undefined);
process.stdout.write(
  `${JSON.stringify({
    purposes: result.registry.purposes.length,
    resources: managed.length,
    custom: managed.filter((r) => r.custom).length,
    identityResources: identity.length,
    identities: new Set(identity).size,
    registrations,
    customRegistrations,
    byPurposeDelivery: Object.fromEntries(
      result.registry.purposes.reduce(
        (m, p) => m.set(p.delivery, (m.get(p.delivery) ?? 0) + 1),
        new Map<string, number>(),
      ),
    ),
    planMs,
    runTimes,
    peakRssBytes,
    policyMs,
    policyFirstMs,
    policyResources,
    policyMsByRule,
  })}\n`,
);

/**
 * The workload identity a resource exists for, if it exists for one rather than for a purpose: a consumer's or a
 * team issuer's Vault policy and auth role, a consumer's ClusterSecretStore, a team issuer's service account. These
 * grow with workloads and teams, not with purposes; the report counts them apart.
 */
function identityOf(r: RecordedResource): string | undefined {
  const inputs = unwire(r.inputs) as { name?: string; roleName?: string; kind?: string; metadata?: { name?: string } };
  if (r.type === RESOURCE_TYPES.vaultPolicy && /^(consumer|issuer)\./.test(inputs.name ?? "")) return inputs.name;
  if (r.type === RESOURCE_TYPES.vaultKubernetesAuthRole && /^(consumer|issuer)\./.test(inputs.roleName ?? ""))
    return inputs.roleName;
  if (r.type === "kubernetes:external-secrets.io/v1:ClusterSecretStore")
    return `consumer.${(inputs.metadata?.name ?? "").replace(/^vault\./, "")}`;
  if (r.type === "kubernetes:core/v1:ServiceAccount" && (inputs.metadata?.name ?? "").startsWith("vault-issuer-"))
    return `issuer.${inputs.metadata!.name!.slice("vault-issuer-".length)}`;
  return undefined;
}
