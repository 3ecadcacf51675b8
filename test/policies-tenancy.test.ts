import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { evaluate } from "../policies/evaluate.js";
import type { StackView } from "../policies/rule.js";
import { platformSecretsReserved } from "../policies/rules/platform-secrets-reserved.js";
import { DEMO_NOW, demoPlan, inputs } from "./support/demo-plan.js";
import {
  assertHasViolation,
  assertNoViolations,
  createResourceValidationArgs,
  createStackValidationArgs,
} from "./support/policy-harness.js";

/** The demo plan's stacks as the pack sees them (what the offline plan evaluates), editable per test. */
function demoStacks(): StackView[] {
  return demoPlan().stacks.map((run) => ({
    stack: run.stack,
    phase: run.phase.id,
    resources: run.resources
      .filter((r) => r.custom && !r.read)
      .map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: structuredClone(inputs(r)),
        protect: r.options.protect ?? false,
        stack: run.stack,
        phase: run.phase.id,
        secretsMarked: true,
      })),
  }));
}

const check = (stacks: readonly StackView[]) =>
  evaluate(stacks, { registry: demoPlan().registry, now: DEMO_NOW, rules: [platformSecretsReserved] }).map((v) => ({
    stack: v.stack,
    message: v.message.split(" (fix:")[0]!,
  }));

/** A team's ExternalSecret of the steady state, retargeted at `namespace/name`. */
function plantedExternalSecret(stacks: StackView[], namespace: string, name: string): void {
  const steady = stacks.find((s) => s.phase === "steady-state")!;
  const es = steady.resources.find(
    (r) => r.type.endsWith(":ExternalSecret") && r.props.metadata.labels["secrets-platform/owner"] === "payments",
  )!;
  es.props.metadata.namespace = namespace;
  es.props.spec.target.name = name;
}

describe("platform-secrets-reserved: no team's object writes the platform's Secret, whatever stack writes it", () => {
  it("passes the demo plan, whose platform Secrets (gitops, runtime-authority) no team object names", () => {
    assert.deepEqual(check(demoStacks()), []);
  });

  it("finds a team's ExternalSecret in the steady state that writes the SOPS age key the gitops stack writes", () => {
    const stacks = demoStacks();
    plantedExternalSecret(stacks, "flux-system", "sops-age");
    assert.deepEqual(check(stacks), [
      {
        stack: "demo-steady-state",
        message:
          "team payments: ExternalSecret flux-system/payments-db-password writes Secret flux-system/sops-age, which the platform writes (Secret flux-system/sops-age of stack demo-gitops)",
      },
    ]);
  });

  it("finds a team's Certificate that caches its key pair in Vault's listener Secret (runtime-authority)", () => {
    const stacks = demoStacks();
    const steady = stacks.find((s) => s.phase === "steady-state")!;
    const cert = steady.resources.find(
      (r) => r.type.endsWith(":Certificate") && r.props.metadata.labels["secrets-platform/owner"] === "storefront",
    )!;
    cert.props.metadata.namespace = "vault";
    cert.props.spec.secretName = "vault-tls";
    const found = check(stacks);
    assert.equal(found.length, 1);
    assert.match(
      found[0]!.message,
      /^team storefront: Certificate vault\/\S+ writes Secret vault\/vault-tls, which the platform writes \(Secret vault\/vault-tls of stack demo-runtime-authority\)$/,
    );
  });

  it("tells the platform's own writer from a team's by the owner label, not by the namespace", () => {
    const stacks = demoStacks();
    const deployKey = stacks
      .find((s) => s.phase === "steady-state")!
      .resources.find((r) => r.type.endsWith(":ExternalSecret") && r.props.metadata.namespace === "flux-system")!;
    assert.equal(deployKey.props.metadata.labels["secrets-platform/owner"], "platform");
    assert.deepEqual(check(stacks), [], "the platform keeps its deploy key (written by the gitops stack) current");
    deployKey.props.metadata.labels["secrets-platform/owner"] = "payments";
    assert.deepEqual(
      check(stacks).map((v) => v.message.replace(/ExternalSecret \S+/, "ExternalSecret")),
      [
        "team payments: ExternalSecret writes Secret flux-system/flux-git-deploy-key, which the platform writes (Secret flux-system/flux-git-deploy-key of stack demo-gitops)",
      ],
    );
  });

  it("under pulumi preview sees the one stack it is given: both writers in it, or no violation", async () => {
    const platform = createResourceValidationArgs(
      "kubernetes:core/v1:Secret",
      { metadata: { name: "sops-age", namespace: "flux-system", labels: {} } },
      { stack: "demo-gitops" },
    );
    const team = createResourceValidationArgs(
      "kubernetes:external-secrets.io/v1:ExternalSecret",
      {
        metadata: { name: "x", namespace: "flux-system", labels: { "secrets-platform/owner": "payments" } },
        spec: { target: { name: "sops-age" } },
      },
      { stack: "demo-gitops" },
    );
    await assertHasViolation(
      platformSecretsReserved,
      createStackValidationArgs([platform, team]),
      /team payments: ExternalSecret flux-system\/x writes Secret flux-system\/sops-age/,
    );
    await assertNoViolations(platformSecretsReserved, createStackValidationArgs([team]));
  });
});
