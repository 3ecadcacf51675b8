import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { parseDocument } from "yaml";
import { bootstrapLayout } from "../gitops/bootstrap-layout.js";
import { sopsCreationRules } from "../gitops/sops-rules.js";
import type { PlanDocument, PlanResource } from "../plan/report/plan-json.js";
import { planCluster } from "../plan/run.js";
import { cliPassphrase } from "../plan/passphrase-source.js";
import { loadRegistry } from "../registry/load.js";
import { formatProblem } from "../registry/problems.js";
import { sopsConfigFor } from "../scripts/sops-config.js";
import { schemaProblems, typeProblems, type CustomResourceObject } from "./support/crd-models.js";
import { demoSecretCanaries } from "./support/canaries.js";
import { demoPlanCommand } from "./support/demo-plan.js";
import { projectWith } from "./support/project-copy.js";

// `npm run plan` of the demo, run once for the whole test run (test/support/demo-plan-setup.ts).
const { code, dir, ...printed } = demoPlanCommand();
const out = [...printed.out, ...printed.err];
const planText = readFileSync(join(dir, "plan.json"), "utf8");
const reportText = readFileSync(join(dir, "plan.md"), "utf8");
const doc = JSON.parse(planText) as PlanDocument;
const stack = (name: string) => doc.stacks.find((s) => s.stack === name)!;
const ofType = (s: string, type: string) => stack(s).resources.filter((r) => r.type === type);
const customResources = doc.stacks.flatMap((s) => s.resources).filter((r) => /\.toolkit\.fluxcd\.io\//.test(r.type));
const kustomizations = ofType("demo-bootstrap", "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization");
type Spec = Record<string, any>;
const spec = (r: PlanResource) => r.inputs.spec as Spec;

describe("phases 1 and 2 in the demo plan", () => {
  it("plans the gitops and bootstrap stacks after root-trust", () => {
    assert.equal(code, 0, out.join("\n"));
    assert.deepEqual(
      doc.stacks.map((s) => [s.stack, s.phase, s.authority]),
      [
        ["demo-root-trust", 0, "offline-root"],
        ["demo-gitops", 1, "git"],
        ["demo-bootstrap", 2, "git"],
        ["demo-runtime-authority", 3, "vault"],
        ["demo-steady-state", 4, "vault"],
      ],
    );
  });

  it("installs Flux from the pinned chart, in its own namespace", () => {
    const [release] = ofType("demo-gitops", "kubernetes:helm.sh/v3:Release");
    assert.equal(release!.inputs.chart, "flux2");
    assert.match(release!.inputs.version as string, /^\d+\.\d+\.\d+$/);
    assert.equal(release!.inputs.namespace, "flux-system");
    assert.equal(
      (ofType("demo-gitops", "kubernetes:core/v1:Namespace")[0]!.inputs.metadata as Spec).name,
      "flux-system",
    );
  });

  it("puts the age key into the cluster only as a secret Secret, under a .agekey entry", () => {
    const sops = ofType("demo-gitops", "kubernetes:core/v1:Secret").find(
      (r) => (r.inputs.metadata as Spec).name === "sops-age",
    )!;
    assert.equal(sops.inputs.stringData, "[secret]");
    assert.equal((stack("demo-gitops").outputs.sopsDecryption as Spec).key, "identity.agekey");
  });

  it("reads the platform repository with the deploy key of its purpose contract, and the SOPS recipients from root-trust", () => {
    const [repo] = ofType("demo-gitops", "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository");
    assert.deepEqual(spec(repo!).secretRef, { name: "flux-git-deploy-key" });
    assert.equal(spec(repo!).ref.branch, "main");
    assert.deepEqual(stack("demo-gitops").outputs.sopsRecipients, stack("demo-root-trust").outputs.sopsAgeRecipients);
    const key = ofType("demo-gitops", "kubernetes:core/v1:Secret").find(
      (r) => (r.inputs.metadata as Spec).name === "flux-git-deploy-key",
    )!;
    assert.equal((key.inputs.metadata as Spec).labels["secrets-platform/purpose"], "flux-git-deploy-key");
  });

  it("emits custom resources that validate against the upstream Flux schemas", async () => {
    assert.ok(customResources.length >= 2);
    assert.deepEqual(await schemaProblems(customResources.map((r) => r.inputs as CustomResourceObject)), []);
    assert.deepEqual(typeProblems(customResources.map((r) => r.inputs as CustomResourceObject)), []);
  });

  it("would fail on a misspelt field", async () => {
    const broken = structuredClone(kustomizations[0]!.inputs) as CustomResourceObject & { spec: Spec };
    broken.spec.targetNamespce = broken.spec.targetNamespace;
    delete broken.spec.targetNamespace;
    assert.match(typeProblems([broken]).join("\n"), /'"targetNamespce"' does not exist/);
    const wrongType = structuredClone(kustomizations[0]!.inputs) as CustomResourceObject & { spec: Spec };
    wrongType.spec.prune = "yes";
    assert.equal((await schemaProblems([wrongType])).length, 1);
  });
});

describe("bootstrap scoping", () => {
  const bootstrapResources = stack("demo-bootstrap").resources;
  it("has one Kustomization per target namespace, reading only that namespace's directory", () => {
    const targets = kustomizations.map((k) => spec(k).targetNamespace);
    assert.deepEqual(targets, [...new Set(targets)]);
    for (const k of kustomizations) {
      assert.equal(spec(k).path, `./bootstrap/${spec(k).targetNamespace}`);
      assert.equal(spec(k).prune, true);
      assert.deepEqual(spec(k).decryption, { provider: "sops", secretRef: { name: "sops-age" } });
    }
  });
  it("applies as a dedicated service account whose RBAC covers only Secrets in its namespace", () => {
    assert.equal(bootstrapResources.filter((r) => /ClusterRole/.test(r.type)).length, 0, "no cluster-wide RBAC");
    for (const k of kustomizations) {
      const ns = spec(k).targetNamespace as string;
      const account = bootstrapResources.find(
        (r) =>
          r.type === "kubernetes:core/v1:ServiceAccount" &&
          (r.inputs.metadata as Spec).name === spec(k).serviceAccountName,
      )!;
      assert.equal((account.inputs.metadata as Spec).namespace, "flux-system");
      const role = bootstrapResources.find(
        (r) => r.type.endsWith(":Role") && (r.inputs.metadata as Spec).namespace === ns,
      )!;
      for (const rule of role.inputs.rules as Spec[]) {
        assert.deepEqual(rule.resources, ["secrets"]);
        assert.deepEqual(rule.apiGroups, [""]);
        if (!(rule.verbs as string[]).every((v) => v === "create"))
          assert.ok(rule.resourceNames?.length, "only named Secrets beyond create");
      }
      const binding = bootstrapResources.find(
        (r) => r.type.endsWith(":RoleBinding") && (r.inputs.metadata as Spec).namespace === ns,
      )!;
      assert.deepEqual(binding.inputs.subjects, [
        { kind: "ServiceAccount", name: spec(k).serviceAccountName, namespace: "flux-system" },
      ]);
      assert.equal((binding.inputs.roleRef as Spec).name, (role.inputs.metadata as Spec).name);
    }
  });
  it("keeps a bootstrap namespace when the stack is removed", () => {
    for (const ns of bootstrapResources.filter((r) => r.type === "kubernetes:core/v1:Namespace"))
      assert.equal(ns.options.retainOnDelete, true);
  });
});

describe("bootstrap labels and inventory", () => {
  const registry = loadRegistry("purposes");
  assert.ok(registry.ok);
  const bootstrapPurposes = registry.registry.purposes.filter((p) => p.delivery === "bootstrap");
  it("labels every materialized Secret with phase and authority, and each with its own purpose and owner", () => {
    for (const k of kustomizations) {
      assert.deepEqual(spec(k).commonMetadata.labels["secrets-platform/authority"], "bootstrap");
      assert.deepEqual(spec(k).commonMetadata.labels["secrets-platform/phase"], "bootstrap");
      const inNamespace = bootstrapPurposes.filter(
        (p) => p.bootstrap.namespace === spec(k).targetNamespace && !p.bootstrap.source.startsWith("config:"),
      );
      assert.equal(spec(k).patches.length, inNamespace.length);
      for (const p of inNamespace) {
        const patch = (spec(k).patches as Spec[]).find((x) => x.target.name === p.bootstrap.secretName)!;
        assert.equal(patch.target.kind, "Secret");
        const patched = parseDocument(patch.patch).toJS() as Spec;
        assert.deepEqual(patched.metadata.labels, {
          "secrets-platform/purpose": p.id,
          "secrets-platform/owner": p.owner,
        });
      }
    }
  });
  it("publishes the inventory as metadata only, every bootstrap purpose once, none handed over", () => {
    const inventory = stack("demo-bootstrap").outputs.bootstrapInventory as Spec[];
    assert.deepEqual(inventory.map((e) => e.purpose).sort(), bootstrapPurposes.map((p) => p.id).sort());
    for (const e of inventory) {
      assert.deepEqual(Object.keys(e).sort(), [
        "handedOver",
        "labels",
        "materializedBy",
        "namespace",
        "owner",
        "purpose",
        "secretName",
        "source",
      ]);
      assert.equal(e.handedOver, false);
      assert.equal(e.labels["secrets-platform/authority"], "bootstrap");
    }
  });
});

describe("no secret value leaves the plan", () => {
  it("never shows a secret config value (canaries: every decrypted secure value of every demo stack)", () => {
    const canaries = demoSecretCanaries(doc.stacks.map((s) => s.stack));
    const everything = [planText, reportText, out.join("\n"), JSON.stringify(doc.stacks.map((s) => s.outputs))].join(
      "\n",
    );
    for (const canary of canaries) assert.ok(!everything.includes(canary), "a secret config value appears in the plan");
  });
});

describe(".sops.yaml", () => {
  const registry = loadRegistry("purposes");
  assert.ok(registry.ok);
  const recipients = stack("demo-root-trust").outputs.sopsAgeRecipients as string[];
  const rules = sopsCreationRules(registry.registry, recipients);
  it("is current for the demo (regenerate with npm run sops-config)", () => {
    const generated = sopsConfigFor("demo");
    assert.ok("text" in generated);
    assert.equal(readFileSync(".sops.yaml", "utf8"), generated.text);
  });
  it("has one rule per namespace with SOPS-sourced material, encrypting only data and stringData for the root-trust recipients", () => {
    const namespaces = [
      ...new Set(
        registry.registry.purposes
          .filter((p) => p.bootstrap?.source.endsWith(".sops.yaml"))
          .map((p) => p.bootstrap!.namespace),
      ),
    ];
    assert.equal(rules.length, namespaces.length);
    for (const rule of rules) {
      assert.equal(rule.encrypted_regex, "^(data|stringData)$");
      assert.deepEqual(rule.age.split(","), recipients);
    }
  });
  it("covers every bootstrap manifest with exactly its namespace's rule, and nothing else", () => {
    for (const p of registry.registry.purposes.filter((x) => x.bootstrap?.source.endsWith(".sops.yaml"))) {
      const matching = rules.filter((r) => new RegExp(r.path_regex).test(p.bootstrap!.source));
      assert.deepEqual(
        matching.map((r) => r.path_regex),
        [`^bootstrap/${p.bootstrap!.namespace}/.*\\.sops\\.ya?ml$`],
      );
    }
    for (const outside of [
      "apps/payments/secret.sops.yaml",
      "bootstrap/payments/x.sops.yaml",
      "bootstrap/vault/plain.yaml",
    ])
      assert.ok(!rules.some((r) => new RegExp(r.path_regex).test(outside)), outside);
  });
});

describe("phases 1 and 2 refuse bad input before planning", () => {
  const plan = (root: string) =>
    planCluster({ cluster: "demo", root, passphrase: cliPassphrase("demo", process.cwd()) });

  it("a bootstrap namespace outside the cluster's allowed list names the purpose and field", async () => {
    const root = projectWith({ "stacks/Pulumi.demo-bootstrap.yaml": (t) => t.replace("    - vault\n", "") });
    const result = await plan(root);
    assert.ok(!result.ok);
    const lines = result.problems.map(formatProblem);
    assert.ok(
      lines.some((l) =>
        /platform\.yaml: vault-kms-unseal-credentials: bootstrap\.namespace: vault is not one of the cluster's allowedNamespaces/.test(
          l,
        ),
      ),
      lines.join("\n"),
    );
  });
  it("two purposes writing one Secret", async () => {
    const root = projectWith({
      "purposes/platform.yaml": (t) => t.replace("secretName: vault-snapshot-storage", "secretName: vault-kms-unseal"),
    });
    const result = await plan(root);
    assert.ok(!result.ok);
    assert.match(
      result.problems.map(formatProblem).join("\n"),
      /vault-snapshot-storage-credentials: bootstrap\.secretName: writes Secret vault\/vault-kms-unseal, which purpose vault-kms-unseal-credentials/,
    );
  });
  it("a bootstrap purpose without a source", async () => {
    const root = projectWith({
      "purposes/platform.yaml": (t) =>
        t.replace("      source: bootstrap/vault/vault-snapshot-storage.sops.yaml\n", ""),
    });
    const result = await plan(root);
    assert.ok(!result.ok);
    assert.match(
      result.problems.map(formatProblem).join("\n"),
      /vault-snapshot-storage-credentials: bootstrap\.source: is required/,
    );
  });
  it("secret material in plain text, or on a stack that does not deliver it", async () => {
    const root = projectWith({
      "stacks/Pulumi.demo-gitops.yaml": (t) =>
        t.replace(/secrets-platform:gitDeployKey:\n\s+secure: .*\n/, "secrets-platform:gitDeployKey: not-a-key\n"),
      "stacks/Pulumi.demo-bootstrap.yaml": (t) => `${t}  secrets-platform:sopsAgeKey: AGE-SECRET-KEY-1XYZ\n`,
    });
    const result = await plan(root);
    assert.ok(!result.ok);
    const text = result.problems.map(formatProblem).join("\n");
    assert.match(text, /Pulumi\.demo-gitops\.yaml: secrets-platform:gitDeployKey: is stored in plain text/);
    assert.match(text, /Pulumi\.demo-bootstrap\.yaml: secrets-platform:sopsAgeKey: only the gitops stack reads it/);
    assert.ok(!text.includes("AGE-SECRET-KEY-1XYZ") && !text.includes("not-a-key"), "values are never printed");
  });
  it("an age key that is not one of the root-trust recipients", async () => {
    const other = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";
    const root = projectWith({
      "stacks/Pulumi.demo-root-trust.yaml": (t) => t.replace(/ {4}- age1\S+\n {4}- age1\S+\n/, `    - ${other}\n`),
    });
    await assert.rejects(
      plan(root),
      /sopsAgeKey: its recipient is not one of the root-trust stack's sopsAgeRecipients/,
    );
  });
  it("layout problems are reported by the pure layout too", () => {
    const registry = loadRegistry("purposes");
    assert.ok(registry.ok);
    const layout = bootstrapLayout(registry.registry, {
      fluxNamespace: "flux-system",
      allowedNamespaces: ["flux-system"],
      gitopsStack: "demo-gitops",
      configFile: "f",
    });
    assert.deepEqual(
      layout.problems.map((p) => p.subject),
      ["vault-kms-unseal-credentials", "vault-snapshot-storage-credentials"],
    );
  });
});
