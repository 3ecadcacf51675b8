import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import type { PlanDocument, PlanResource } from "../plan/report/plan-json.js";
import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { demoPlanCommand } from "./support/demo-plan.js";

/** plan.md of the demo: each resource row says what it targets or grants; outputs are shown whole. */

const { dir } = demoPlanCommand();
const md = readFileSync(join(dir, "plan.md"), "utf8");
const doc = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as PlanDocument;
const resources = doc.stacks.flatMap((s) => s.resources);
const ofKind = (kind: string) => resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === kind);
/** The row of a resource: found by its name and type, as the table spells them. */
const row = (r: PlanResource) => {
  const found = md.split("\n").filter((l) => l.startsWith(`| \`${r.name}\` | \`${r.type}\` |`));
  assert.equal(found.length, 1, `one row for ${r.type} ${r.name}`);
  return found[0]!;
};

describe("plan.md", () => {
  it("shows each Vault policy's paths with their capabilities", () => {
    const policies = resources.filter((r) => r.type === RESOURCE_TYPES.vaultPolicy);
    assert.ok(policies.length > 5);
    for (const p of policies) {
      const paths = JSON.parse(p.inputs.policy as string).path as Record<string, { capabilities: string[] }>;
      for (const [path, body] of Object.entries(paths))
        assert.ok(row(p).includes(`${path} [${body.capabilities.join(", ")}]`), `${p.name}: ${path}`);
    }
  });

  it("shows each Kubernetes auth role's bound service accounts and policies", () => {
    for (const r of resources.filter((x) => x.type === RESOURCE_TYPES.vaultKubernetesAuthRole)) {
      const [ns] = r.inputs.boundServiceAccountNamespaces as string[];
      const [sa] = r.inputs.boundServiceAccountNames as string[];
      assert.ok(row(r).includes(`${ns}/${sa} → policies ${(r.inputs.tokenPolicies as string[]).join(", ")}`), r.name);
    }
  });

  it("shows each ExternalSecret's target Secret and Vault key, and each Certificate's Secret and DNS names", () => {
    for (const es of ofKind("ExternalSecret")) {
      const spec = es.inputs.spec as Record<string, any>;
      const ns = (es.inputs.metadata as { namespace: string }).namespace;
      assert.ok(row(es).includes(`Secret ${ns}/${spec.target.name} ←`), es.name);
      for (const from of spec.dataFrom ?? []) if (from.extract) assert.ok(row(es).includes(from.extract.key), es.name);
    }
    const certificates = ofKind("Certificate");
    assert.ok(certificates.length > 0);
    for (const c of certificates) {
      const spec = c.inputs.spec as { secretName: string; dnsNames: string[] };
      assert.ok(row(c).includes(`Secret ${(c.inputs.metadata as { namespace: string }).namespace}/${spec.secretName}`));
      assert.ok(row(c).includes(`DNS ${spec.dnsNames.join(", ")}`), c.name);
    }
  });

  it("shows every stack output whole: no value cut in the middle", () => {
    const leaves = (v: unknown): string[] =>
      typeof v === "string"
        ? [v]
        : Array.isArray(v)
          ? v.flatMap(leaves)
          : v && typeof v === "object"
            ? Object.values(v).flatMap(leaves)
            : [];
    const strings = doc.stacks.flatMap((s) => leaves(s.outputs)).filter((v) => !v.startsWith("-----BEGIN"));
    assert.ok(strings.length > 50);
    for (const v of strings) assert.ok(md.includes(v), `output value ${v} appears whole`);
    assert.ok(!/\.\.\.$/m.test(md), "no line ends in a cut");
  });
});
