import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { loadRegistry, validateRegistry, type Registry } from "../registry/index.js";
import { handoverPolicy } from "../delivery/mechanisms/bootstrap/index.js";
import { aclViolations, renderAclPolicy, type AclPolicy } from "../vault/acl.js";
import { consumerGrants, runtimeAuthorityLayout } from "../vault/layout.js";
import { purpose, registryFile } from "./support/registry-factory.js";

/** A registry of the given purposes in one team file (payments). */
function registry(...purposes: Record<string, unknown>[]): Registry {
  const result = validateRegistry([{ file: "purposes/payments.yaml", text: registryFile("payments", purposes) }]);
  assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.problems));
  return result.registry;
}

/** The document Vault receives, parsed back: what the policy actually grants. */
const granted = (policy: AclPolicy) =>
  (JSON.parse(renderAclPolicy(policy)) as { path: Record<string, { capabilities: string[] }> }).path;
const grantOf = (r: Registry, role: string) => {
  const grant = consumerGrants(r).find((g) => g.role === role);
  assert.ok(grant, `no grant for ${role}`);
  return granted(grant.policy);
};

const api = { namespace: "payments", serviceAccount: "payments-api" };
const notifier = { namespace: "notifications", serviceAccount: "notifier" };

describe("consumer policies", () => {
  it("let an ExternalSecret consumer read exactly its KV data path, and not the metadata", () => {
    const r = registry(purpose("external-secret", { id: "payments-db" }));
    assert.deepEqual(grantOf(r, "consumer.payments.payments-api"), {
      "kv/data/payments/payments-db": { capabilities: ["read"] },
    });
  });

  it("give the push writer create/read/update on data and metadata, and the other consumers read on data only", () => {
    const r = registry(
      purpose("push-secret", { id: "payments-hmac", consumers: [api, notifier], push: { writer: api } }),
    );
    assert.deepEqual(grantOf(r, "consumer.payments.payments-api"), {
      "kv/data/payments/payments-hmac": { capabilities: ["create", "read", "update"] },
      "kv/metadata/payments/payments-hmac": { capabilities: ["create", "read", "update"] },
    });
    assert.deepEqual(grantOf(r, "consumer.notifications.notifier"), {
      "kv/data/payments/payments-hmac": { capabilities: ["read"] },
    });
  });

  it("grant encrypt and decrypt for an encryption key, sign and verify for a signing key, nothing else on transit", () => {
    const r = registry(
      purpose("transit", { id: "payments-card-key" }),
      purpose("transit", {
        id: "payments-receipt-signing",
        transit: { type: "ed25519", usage: "sign" },
        consumers: [notifier],
      }),
    );
    assert.deepEqual(grantOf(r, "consumer.payments.payments-api"), {
      "transit/decrypt/payments-card-key": { capabilities: ["update"] },
      "transit/encrypt/payments-card-key": { capabilities: ["update"] },
    });
    assert.deepEqual(grantOf(r, "consumer.notifications.notifier"), {
      "transit/sign/payments-receipt-signing": { capabilities: ["update"] },
      "transit/verify/payments-receipt-signing": { capabilities: ["update"] },
    });
  });

  it("give certificate consumers no Vault identity: only the owning team's issuer signs, for exactly its purposes' PKI roles", () => {
    const r = registry(purpose("cert-manager", { id: "payments-api-tls" }), purpose("csi", { id: "payments-mtls" }));
    assert.deepEqual(consumerGrants(r), [], "the consumer talks to cert-manager, never to Vault's sign endpoint");
    const issuers = runtimeAuthorityLayout(r, { certManager: "cert-manager" }).issuers;
    assert.deepEqual(
      issuers.map((i) => [i.role, `${i.namespace}/${i.serviceAccount}`, granted(i.policy)]),
      [
        [
          "issuer.payments",
          "cert-manager/vault-issuer-payments",
          {
            "pki_int/sign/payments-api-tls": { capabilities: ["update"] },
            "pki_int/sign/payments-mtls": { capabilities: ["update"] },
          },
        ],
      ],
    );
    for (const i of issuers) assert.deepEqual(aclViolations(i.policy), []);
  });

  it("let bootstrap and reveal-once consumers read the value in Vault", () => {
    const r = registry(
      purpose("bootstrap", { id: "payments-seed" }),
      purpose("reveal-once", { id: "payments-break-glass" }),
    );
    assert.deepEqual(grantOf(r, "consumer.payments.payments-api"), {
      "kv/data/payments/payments-break-glass": { capabilities: ["read"] },
      "kv/data/payments/payments-seed": { capabilities: ["read"] },
    });
  });

  it("give each identity its own policy: a purpose one consumer reads is not granted to another", () => {
    const r = registry(
      purpose("external-secret", { id: "payments-db" }),
      purpose("external-secret", { id: "payments-queue", consumers: [notifier] }),
    );
    assert.deepEqual(Object.keys(grantOf(r, "consumer.payments.payments-api")), ["kv/data/payments/payments-db"]);
    assert.deepEqual(Object.keys(grantOf(r, "consumer.notifications.notifier")), ["kv/data/payments/payments-queue"]);
  });

  it("never grant sudo, sys/, globs or a mount root, for any consumer of the demo registry", () => {
    const demo = loadRegistry("purposes");
    assert.ok(demo.ok);
    const grants = consumerGrants(demo.registry);
    assert.ok(grants.length >= 15, `${grants.length} consumers`);
    for (const g of grants) {
      assert.deepEqual(aclViolations(g.policy), [], g.role);
      for (const [path, rule] of Object.entries(granted(g.policy))) {
        assert.ok(!path.startsWith("sys/") && !/[*+]/.test(path), `${g.role}: ${path}`);
        assert.ok(
          !rule.capabilities.includes("sudo") &&
            !rule.capabilities.includes("deny") &&
            !rule.capabilities.includes("delete"),
          `${g.role}: ${path}`,
        );
      }
      // Every rule comes from a purpose the consumer is listed on.
      for (const rule of g.policy.rules)
        assert.ok(g.purposes.includes(rule.purpose), `${g.role} granted ${rule.path} for ${rule.purpose}`);
    }
  });

  it("are checked: a rule under sys/, with a glob, or on a mount root is refused", () => {
    const policy = (path: string): AclPolicy => ({
      name: "x",
      rules: [{ path, capabilities: ["read"], purpose: "p", why: "test" }],
    });
    assert.match(aclViolations(policy("sys/mounts/x"))[0]!, /nothing under sys\//);
    assert.match(aclViolations(policy("kv/data/*"))[0]!, /no globs/);
    assert.match(aclViolations(policy("kv/data/+/x"))[0]!, /no globs/);
    assert.match(aclViolations(policy("kv/data"))[0]!, /mount root/);
  });
});

describe("the handover policy", () => {
  it("lets the Job create the value but never update it, and only read its metadata", () => {
    const p = registry(purpose("bootstrap", { id: "payments-seed" })).purposes[0];
    assert.ok(p?.delivery === "bootstrap");
    assert.deepEqual(granted(handoverPolicy(p)), {
      "kv/data/payments/payments-seed": { capabilities: ["create"] },
      "kv/metadata/payments/payments-seed": { capabilities: ["read"] },
    });
  });
});

describe("the runtime-authority layout", () => {
  it("derives KV hardening and custom metadata from the contract", () => {
    const r = registry(
      purpose("reveal-once", { id: "payments-break-glass", kv: { maxVersions: 2, deleteVersionAfter: "30d" } }),
      purpose("push-secret", { id: "payments-hmac" }),
    );
    const [breakGlass, hmac] = runtimeAuthorityLayout(r, { certManager: "cert-manager" }).kvSecrets;
    assert.deepEqual(breakGlass, {
      purpose: "payments-break-glass",
      path: "payments/payments-break-glass",
      dataPath: "kv/data/payments/payments-break-glass",
      metadataPath: "kv/metadata/payments/payments-break-glass",
      maxVersions: 2,
      deleteVersionAfter: "720h0m0s",
      customMetadata: {
        purpose: "payments-break-glass",
        owner: "payments",
        evidence: "payments-evidence",
        delivery: "reveal-once",
      },
      writtenBy: "operator",
    });
    assert.equal(
      hmac!.customMetadata["managed-by"],
      "external-secrets",
      "ESO refuses to push into a secret it does not manage",
    );
  });

  it("caps every PKI role at its rotation period, and the PKI mount at the longest one", () => {
    const r = registry(purpose("cert-manager", { id: "payments-api-tls" }), purpose("csi", { id: "payments-mtls" }));
    const layout = runtimeAuthorityLayout(r, { certManager: "cert-manager" });
    assert.deepEqual(
      layout.pkiRoles.map((p) => [p.name, p.maxTtlSeconds, p.keyType, p.keyBits]),
      [
        ["payments-api-tls", 30 * 86_400, "ec", 256],
        ["payments-mtls", 86_400, "ec", 256],
      ],
    );
    assert.equal(layout.pkiMaxLeaseTtlSeconds, 30 * 86_400);
  });
});
