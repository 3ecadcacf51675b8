import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { describe, it } from "vitest";
import type { PhaseId } from "../phases/catalog.js";
import type { PhaseContext } from "../phases/context.js";
import { namespacesOfEarlierPhases } from "../phases/namespaces.js";
import type { PlanDocument } from "../plan/report/plan-json.js";
import { stacksOfPlan } from "../policies/documents.js";
import { evaluate } from "../policies/evaluate.js";
import { createdObject, objectCreatedOnce } from "../policies/rules/object-created-once.js";
import { demoPlan, demoPlanCommand, inputs, outputsOf, runOf } from "./support/demo-plan.js";
import {
  assertHasViolation,
  assertNoViolations,
  createResourceValidationArgs,
  createStackValidationArgs,
  stackViewOf,
} from "./support/policy-harness.js";

const namespace = (name: string, stack: string, resource = `${name}-namespace`) =>
  createResourceValidationArgs(
    k8s.core.v1.Namespace,
    { apiVersion: "v1", kind: "Namespace", metadata: { name } },
    { stack, name: resource },
  );
const secret = (type: typeof k8s.core.v1.Secret | typeof k8s.core.v1.SecretPatch, name: string, stack: string) =>
  createResourceValidationArgs(
    type,
    { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "vault" } },
    { stack, name: `${name}-${type === k8s.core.v1.Secret ? "secret" : "patch"}` },
  );

/** The rule over a cluster of stacks, as the offline plan and `npm run policy` run it. */
const clusterViolations = (...stacks: ReturnType<typeof stackViewOf>[]) =>
  evaluate(stacks, { registry: demoPlan().registry, now: new Date(), rules: [objectCreatedOnce] });

describe("object-created-once", () => {
  it("refuses a Namespace created by two stacks, naming both stacks and both URNs, under the later stack", () => {
    const first = namespace("vault", "demo-bootstrap", "bootstrap-vault-namespace");
    const again = namespace("vault", "demo-runtime-authority", "vault-namespace");
    const violations = clusterViolations(
      stackViewOf("demo-bootstrap", [first]),
      stackViewOf("demo-runtime-authority", [again]),
    );
    assert.equal(violations.length, 1, JSON.stringify(violations));
    const [v] = violations;
    assert.equal(v!.stack, "demo-runtime-authority");
    assert.equal(v!.urn, again.urn);
    for (const part of ["/Namespace vault", "demo-bootstrap", first.urn, "demo-runtime-authority", again.urn])
      assert.ok(v!.message.includes(part), `${v!.message} names ${part}`);
    assert.ok(v!.message.endsWith(`(fix: ${objectCreatedOnce.remediation})`));
    assert.equal(v!.enforcementLevel, "mandatory");
  });

  it("accepts a later stack that patches what an earlier one created, and objects that differ in group, kind or namespace", () => {
    const cluster = [
      stackViewOf("demo-gitops", [secret(k8s.core.v1.Secret, "flux-git-deploy-key", "demo-gitops")]),
      stackViewOf("demo-runtime-authority", [
        secret(k8s.core.v1.SecretPatch, "flux-git-deploy-key", "demo-runtime-authority"),
        // Same name, another kind and group: another object.
        createResourceValidationArgs(
          "kubernetes:external-secrets.io/v1:ExternalSecret",
          {
            apiVersion: "external-secrets.io/v1",
            kind: "ExternalSecret",
            metadata: { name: "flux-git-deploy-key", namespace: "vault" },
          },
          { stack: "demo-runtime-authority", name: "es" },
        ),
        namespace("flux-git-deploy-key", "demo-runtime-authority"),
      ]),
    ];
    assert.deepEqual(clusterViolations(...cluster), []);
  });

  it("knows one object under two API versions of its group, and the core group under both spellings", () => {
    const v1 = createResourceValidationArgs(
      "kubernetes:policy.cert-manager.io/v1alpha1:CertificateRequestPolicy",
      { apiVersion: "policy.cert-manager.io/v1alpha1", kind: "CertificateRequestPolicy", metadata: { name: "p" } },
      { stack: "demo-runtime-authority" },
    );
    const v2 = createResourceValidationArgs(
      "kubernetes:policy.cert-manager.io/v1:CertificateRequestPolicy",
      { apiVersion: "policy.cert-manager.io/v1", kind: "CertificateRequestPolicy", metadata: { name: "p" } },
      { stack: "demo-steady-state" },
    );
    assert.equal(
      clusterViolations(stackViewOf("demo-runtime-authority", [v1]), stackViewOf("demo-steady-state", [v2])).length,
      1,
    );
    const view = (r: ReturnType<typeof namespace>) => stackViewOf("demo-bootstrap", [r]).resources[0]!;
    assert.equal(createdObject(view(namespace("vault", "demo-bootstrap"))), "/Namespace vault");
    const bare = createResourceValidationArgs(
      k8s.core.v1.Namespace,
      { metadata: { name: "vault" } },
      { stack: "demo-bootstrap" },
    );
    assert.equal(
      createdObject(view(bare)),
      "/Namespace vault",
      "from the type token when the inputs carry no apiVersion",
    );
  });

  it("under pulumi preview, where it sees one stack, refuses an object that stack creates twice", async () => {
    const stack = "demo-steady-state";
    await assertHasViolation(
      objectCreatedOnce,
      createStackValidationArgs([namespace("reloader", stack, "a"), namespace("reloader", stack, "b")]),
      /\/Namespace reloader is created by stack demo-steady-state .* and again by stack demo-steady-state/,
    );
    await assertNoViolations(objectCreatedOnce, createStackValidationArgs([namespace("reloader", stack)]));
  });
});

describe("who creates each namespace of the demo cluster", () => {
  const doc = JSON.parse(readFileSync(join(demoPlanCommand().dir, "plan.json"), "utf8")) as PlanDocument;

  it("no Kubernetes object of the demo plan is created by two stacks (the pack finds none in plan.json)", () => {
    const creators = new Map<string, string[]>();
    for (const s of stacksOfPlan(doc))
      for (const r of s.resources) {
        const key = createdObject(r);
        if (key) creators.set(key, [...(creators.get(key) ?? []), r.urn]);
      }
    assert.ok(creators.has("/Namespace vault"), "the plan creates Vault's namespace");
    const twice = [...creators].filter(([, urns]) => urns.length > 1);
    assert.deepEqual(twice, [], "objects created more than once");
    assert.deepEqual(
      doc.violations.filter((v) => v.policy === objectCreatedOnce.name),
      [],
    );
  });

  it("the bootstrap stack creates Vault's namespace and publishes it; the runtime-authority stack deploys into it by name", () => {
    const namespaces = (phase: PhaseId) =>
      runOf(phase)
        .resources.filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .map((r) => inputs(r).metadata.name as string);
    const vault = outputsOf(runOf("runtime-authority")).vault.namespace as string;
    assert.ok(namespaces("bootstrap").includes(vault));
    assert.deepEqual(outputsOf(runOf("bootstrap")).namespaces, namespaces("bootstrap"));
    assert.deepEqual(namespaces("runtime-authority"), []);
    assert.deepEqual(outputsOf(runOf("runtime-authority")).namespaces, []);
    const release = runOf("runtime-authority").resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
    assert.equal(inputs(release).namespace, vault);
  });
});

describe("namespacesOfEarlierPhases", () => {
  /** A reader of earlier stacks' outputs, with what each has published. */
  const reader =
    (published: Partial<Record<PhaseId, Record<string, unknown>>>): PhaseContext["phaseOutputs"] =>
    async (phase, keys) =>
      Object.fromEntries(
        keys.flatMap((k) => (published[phase]?.[k] === undefined ? [] : [[k, published[phase][k]]])),
      ) as never;
  const cluster = {
    gitops: { fluxNamespace: "flux-system" },
    bootstrap: { namespaces: ["vault"] },
    "runtime-authority": { namespaces: ["openbao"] },
  };

  it("counts only the phases before the one asking", async () => {
    assert.deepEqual([...(await namespacesOfEarlierPhases(reader(cluster), "bootstrap"))], ["flux-system"]);
    assert.deepEqual(
      [...(await namespacesOfEarlierPhases(reader(cluster), "runtime-authority"))],
      ["flux-system", "vault"],
    );
    assert.deepEqual(
      [...(await namespacesOfEarlierPhases(reader(cluster), "steady-state"))],
      ["flux-system", "vault", "openbao"],
    );
  });

  it("counts nothing for a stack that has not published, so the later stack creates what it needs", async () => {
    assert.deepEqual(
      [...(await namespacesOfEarlierPhases(reader({ gitops: cluster.gitops }), "runtime-authority"))],
      ["flux-system"],
    );
  });
});
