// One bench measurement of the platform, in a process of its own so its peak memory is its own: the offline plan of
// a generated project (every stack program, every run of the signing ceremony), then the policy pack over the plan.
// Writes every run's resources to --record for the baseline, and one JSON line of figures to stdout.
import { appendFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
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
const started = performance.now();
const result = await planCluster({ cluster: "demo", now: new Date("2026-11-22T00:00:00Z"), passphrase: cliPassphrase("demo"), onStackRun: (run) => {
  appendFileSync(values.record!, `${JSON.stringify(recordRun(run))}\n`);
  registrations += run.resources.filter((r) => !r.read).length;
  customRegistrations += run.resources.filter((r) => !r.read && r.custom).length;
} });
const planMs = performance.now() - started;
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
if (!result.ok) throw new Error(`the generated registry is invalid:\n${result.problems.slice(0, 20).map((p) => `${p.file}: ${p.subject ?? ""}: ${p.field ?? ""}: ${p.message}`).join("\n")}`);

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
if (mandatory > 0) throw new Error(`the plan of a generated registry has ${mandatory} mandatory policy violations: ${violations[0]!.policy}: ${violations[0]!.message}`);

const managed = result.stacks.flatMap((s) => s.resources.filter((r) => !r.read));
process.stdout.write(
  `${JSON.stringify({
    purposes: result.registry.purposes.length,
    resources: managed.length,
    custom: managed.filter((r) => r.custom).length,
    registrations,
    customRegistrations,
    byPurposeDelivery: Object.fromEntries(result.registry.purposes.reduce((m, p) => m.set(p.delivery, (m.get(p.delivery) ?? 0) + 1), new Map<string, number>())),
    planMs,
    peakRssBytes,
    policyMs,
    policyFirstMs,
    policyResources,
    policyMsByRule,
  })}\n`,
);
