import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as vault from "@pulumi/vault";
import { describe, it } from "vitest";
import type { PlanDocument } from "../plan/report/plan-json.js";
import { main as policyMain } from "../policies/cli.js";
import { stacksOfPlan } from "../policies/documents.js";
import { evaluate } from "../policies/evaluate.js";
import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { vaultPathWritten } from "../policies/resources.js";
import { objectCreatedOnce } from "../policies/rules/object-created-once.js";
import { singleAuthority } from "../policies/rules/single-authority.js";
import { MOUNTS } from "../vault/paths.js";
import { DEMO_NOW, demoPlan, demoPlanCommand } from "./support/demo-plan.js";
import {
  assertHasViolation,
  createResourceValidationArgs as args,
  createStackValidationArgs,
  stackViewOf,
} from "./support/policy-harness.js";
import { scratchDir } from "./support/scratch.js";

type Args = ReturnType<typeof args>;

/** The stacks of a cluster, each named `demo-<phase>`, with the resources given for it. */
const cluster = (stacks: Record<string, Args[]>) =>
  Object.entries(stacks).map(([phase, resources]) => stackViewOf(`demo-${phase}`, resources));

const check = (stacks: ReturnType<typeof cluster>, rules = [singleAuthority]) =>
  evaluate(stacks, { registry: demoPlan().registry, now: DEMO_NOW, rules });

const secret = (
  name: string,
  phase: string,
  resource = `${name}-secret`,
  type: typeof k8s.core.v1.Secret | typeof k8s.core.v1.SecretPatch = k8s.core.v1.Secret,
) =>
  args(
    type,
    { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "vault" }, stringData: "[secret]" },
    { stack: `demo-${phase}`, name: resource },
  );
const certificate = (secretName: string, phase: string) =>
  args(
    "kubernetes:cert-manager.io/v1:Certificate",
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: "vault-server-tls", namespace: "vault" },
      spec: { secretName },
    },
    { stack: `demo-${phase}`, name: "vault-certificate" },
  );
/** The steady state's ExternalSecret of the bootstrap purpose vault-kms-unseal-credentials, into Secret vault-kms-unseal. */
const unsealExternalSecret = (creationPolicy: string, phase = "steady-state") =>
  args(
    "kubernetes:external-secrets.io/v1:ExternalSecret",
    {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: {
        name: "vault-kms-unseal-credentials",
        namespace: "vault",
        labels: {
          "secrets-platform/purpose": "vault-kms-unseal-credentials",
          "secrets-platform/owner": "platform",
        },
      },
      spec: { target: { name: "vault-kms-unseal", creationPolicy } },
    },
    { stack: `demo-${phase}`, name: "unseal-external-secret" },
  );

describe("single-authority across the stacks of a cluster: one writer per Secret", () => {
  it("refuses a Secret written by two stacks, naming both stacks and URNs, under the later stack", () => {
    const first = certificate("vault-server-tls", "runtime-authority");
    const again = args(
      "kubernetes:external-secrets.io/v1:ExternalSecret",
      {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: "vault-server-tls", namespace: "vault" },
        spec: { target: { creationPolicy: "Owner" } },
      },
      { stack: "demo-steady-state", name: "tls-external-secret" },
    );
    const violations = check(cluster({ "runtime-authority": [first], "steady-state": [again] }));
    assert.equal(violations.length, 1, JSON.stringify(violations));
    const [v] = violations;
    assert.equal(v!.stack, "demo-steady-state");
    assert.equal(v!.urn, again.urn);
    assert.equal(v!.enforcementLevel, "mandatory");
    for (const part of [
      "Secret vault/vault-server-tls",
      "Certificate vault/vault-server-tls of stack demo-runtime-authority",
      first.urn,
      "ExternalSecret vault/vault-server-tls of stack demo-steady-state",
      again.urn,
    ])
      assert.ok(v!.message.includes(part), `${v!.message} names ${part}`);
    assert.ok(v!.message.endsWith(`(fix: ${singleAuthority.remediation})`));
  });

  it("accepts a later stack's SecretPatch of a Secret an earlier stack wrote (the handover renders it inert)", () =>
    assert.deepEqual(
      check(
        cluster({
          bootstrap: [secret("vault-kms-unseal", "bootstrap")],
          "runtime-authority": [secret("vault-kms-unseal", "runtime-authority", "inert", k8s.core.v1.SecretPatch)],
        }),
      ),
      [],
    ));

  it("accepts a bootstrap purpose's ExternalSecret merging, in a later stack, into the Secret an earlier stack wrote", () =>
    assert.deepEqual(
      check(
        cluster({
          bootstrap: [secret("vault-kms-unseal", "bootstrap")],
          "steady-state": [unsealExternalSecret("Merge")],
        }),
      ),
      [],
    ));

  it("refuses that ExternalSecret when it owns the Secret, or merges into a Secret of its own stack", () => {
    const owner = check(
      cluster({
        bootstrap: [secret("vault-kms-unseal", "bootstrap")],
        "steady-state": [unsealExternalSecret("Owner")],
      }),
    ).map((v) => v.message.split(" (fix:")[0]);
    assert.ok(
      owner.some(
        (m) =>
          m !== undefined && /^Secret vault\/vault-kms-unseal is written by Secret .* of stack demo-bootstrap/.test(m),
      ),
      owner.join("\n"),
    );
    const same = check(
      cluster({ "steady-state": [unsealExternalSecret("Merge"), secret("vault-kms-unseal", "steady-state")] }),
    );
    assert.equal(same.length, 1, JSON.stringify(same));
    assert.match(
      same[0]!.message,
      /^Secret vault\/vault-kms-unseal is written by ExternalSecret .* and again by Secret/,
    );
  });

  it("leaves a Secret object created by two stacks to object-created-once: each fact reported once", () => {
    const stacks = cluster({
      bootstrap: [secret("vault-kms-unseal", "bootstrap")],
      "runtime-authority": [secret("vault-kms-unseal", "runtime-authority")],
    });
    assert.deepEqual(
      check(stacks, [singleAuthority, objectCreatedOnce]).map((v) => v.policy),
      [objectCreatedOnce.name],
    );
  });
});

describe("single-authority across the stacks of a cluster: one owner per Vault path", () => {
  /** Per Vault resource type, inputs that name one Vault path, and that path. */
  const owners: [string, Record<string, unknown>, string][] = [
    [RESOURCE_TYPES.vaultMount, { path: "kv", type: "kv" }, "sys/mounts/kv"],
    [RESOURCE_TYPES.vaultAuthBackend, { type: "kubernetes" }, "sys/auth/kubernetes"],
    [RESOURCE_TYPES.vaultAudit, { type: "file", path: "file" }, "sys/audit/file"],
    [RESOURCE_TYPES.vaultPolicy, { name: "Payments-App", policy: "{}" }, "sys/policies/acl/payments-app"],
    [
      RESOURCE_TYPES.vaultGenericEndpoint,
      { path: "/kv/metadata/payments/db", dataJson: "{}" },
      "kv/metadata/payments/db",
    ],
    [RESOURCE_TYPES.vaultKvSecretBackendV2, { mount: "kv" }, "kv/config"],
    [RESOURCE_TYPES.vaultTransitKey, { backend: "transit", name: "orders" }, "transit/keys/orders"],
    [RESOURCE_TYPES.vaultKubernetesAuthConfig, { backend: "kubernetes" }, "auth/kubernetes/config"],
    [
      RESOURCE_TYPES.vaultKubernetesAuthRole,
      { backend: "kubernetes", roleName: "payments" },
      "auth/kubernetes/role/payments",
    ],
    [RESOURCE_TYPES.vaultPkiIntermediateCsr, { backend: "pki", type: "internal" }, "pki/intermediate/generate"],
    [RESOURCE_TYPES.vaultPkiIntermediateSetSigned, { backend: "pki" }, "pki/intermediate/set-signed"],
    [RESOURCE_TYPES.vaultPkiConfigUrls, { backend: "pki" }, "pki/config/urls"],
    [RESOURCE_TYPES.vaultPkiRole, { backend: "pki", name: "payments-api" }, "pki/roles/payments-api"],
  ];

  it("refuses every kind of Vault path registered by two stacks, naming the path, both stacks and both URNs", () => {
    for (const [type, props, path] of owners) {
      const first = args(type, props, { stack: "demo-runtime-authority", name: "first" });
      const again = args(type, props, { stack: "demo-steady-state", name: "again" });
      const violations = check(cluster({ "runtime-authority": [first], "steady-state": [again] }));
      assert.equal(violations.length, 1, `${type}: ${JSON.stringify(violations)}`);
      const [v] = violations;
      assert.equal(v!.stack, "demo-steady-state");
      assert.equal(v!.urn, again.urn);
      for (const part of [`Vault path ${path} `, "demo-runtime-authority", first.urn, "demo-steady-state", again.urn])
        assert.ok(v!.message.includes(part), `${v!.message} names ${part}`);
    }
  });

  it("refuses two resources of one stack writing one Vault path, also under pulumi preview (one stack)", async () => {
    const metadata = (name: string) =>
      args(vault.generic.Endpoint, { path: "kv/metadata/payments/db", dataJson: "{}" }, { name });
    assert.equal(check(cluster({ "runtime-authority": [metadata("a"), metadata("b")] })).length, 1);
    await assertHasViolation(
      singleAuthority,
      createStackValidationArgs([metadata("a"), metadata("b")]),
      /^Vault path kv\/metadata\/payments\/db is written by Endpoint a of stack demo-runtime-authority .* and again by Endpoint b/,
    );
  });

  it("accepts distinct paths: a mount and the secrets under it, one role name on two mounts, a path not known yet", () =>
    assert.deepEqual(
      check(
        cluster({
          "runtime-authority": [
            args(vault.Mount, { path: "kv", type: "kv" }, { name: "m" }),
            args(vault.pkisecret.SecretBackendRole, { backend: "pki", name: "r" }, { name: "a" }),
            args(vault.pkisecret.SecretBackendRole, { backend: undefined, name: "r" }, { name: "unknown" }),
          ],
          "steady-state": [
            args(vault.generic.Endpoint, { path: "kv/metadata/x" }, { name: "e", stack: "demo-steady-state" }),
            args(vault.pkisecret.SecretBackendRole, { backend: "pki-2", name: "r" }, { stack: "demo-steady-state" }),
            args(vault.pkisecret.SecretBackendRole, { backend: undefined, name: "r" }, { stack: "demo-steady-state" }),
          ],
        }),
      ),
      [],
    ));
});

describe("single-authority on the demo cluster", () => {
  const doc = JSON.parse(readFileSync(join(demoPlanCommand().dir, "plan.json"), "utf8")) as PlanDocument;

  it("finds no Secret or Vault path with two owners in the demo plan, though it sees every Vault path it writes", () => {
    const stacks = stacksOfPlan(doc);
    const paths = stacks.flatMap((s) => s.resources.map(vaultPathWritten)).filter((p) => p !== undefined);
    const { kv, pki } = MOUNTS;
    for (const path of [
      `sys/mounts/${kv}`,
      `sys/mounts/${pki}`,
      "sys/auth/kubernetes",
      `${kv}/config`,
      `${pki}/intermediate/set-signed`,
    ])
      assert.ok(paths.includes(path), `the demo writes ${path}`);
    assert.ok(paths.some((p) => p.startsWith("sys/policies/acl/")) && paths.some((p) => p.startsWith(`${pki}/roles/`)));
    assert.deepEqual(check(stacks), []);
    assert.deepEqual(
      doc.violations.filter((v) => v.policy === singleAuthority.name),
      [],
    );
  });

  it("npm run policy over a plan document reports a Vault policy the steady state registers again", () => {
    const planted = structuredClone(doc);
    const policy = planted.stacks
      .find((s) => s.phaseId === "runtime-authority")!
      .resources.find((r) => r.type === RESOURCE_TYPES.vaultPolicy)!;
    const steady = planted.stacks.find((s) => s.phaseId === "steady-state")!;
    const urn = policy.urn.replace("demo-runtime-authority", steady.stack).replace(/::([^:]+)$/, "::again-$1");
    steady.resources.push({ ...structuredClone(policy), urn, name: `again-${policy.name}` });
    const file = join(scratchDir("single-authority-"), "plan.json");
    writeFileSync(file, JSON.stringify(planted));
    const out: string[] = [];
    const code = policyMain(["--plan", file, "--registry", "purposes", "--now", doc.generatedAt], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    assert.equal(code, 1, out.join("\n"));
    const lines = out.filter((l) => l.startsWith("[mandatory] single-authority:"));
    assert.equal(lines.length, 1, out.join("\n"));
    assert.match(
      lines[0]!,
      new RegExp(
        `^\\[mandatory\\] single-authority: demo-steady-state: Vault path sys/policies/acl/\\S+ is written by Policy ${policy.name} of stack demo-runtime-authority \\(${policy.urn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\) and again by Policy again-`,
      ),
    );
  });
});
