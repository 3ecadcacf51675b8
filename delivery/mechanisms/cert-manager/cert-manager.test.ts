import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { checkedPurpose, recordingStores } from "../../../test/support/checked-purpose.js";
import { certManager } from "./index.js";

const rsa = checkedPurpose("cert-manager", {
  rotation: { period: "30d", grace: "6d", method: "issued" },
  certificate: {
    dnsNames: ["api.payments.svc"],
    keyAlgorithm: "RSA",
    usages: ["server auth", "client auth"],
    secretName: "api-tls",
  },
});
const ec = checkedPurpose("cert-manager");

describe("the cert-manager mechanism", () => {
  it("issues one Certificate in the consumers' namespace for the rotation period, renewed at the grace window's share", () => {
    const { resources, record } = certManager.deliver(rsa, recordingStores());
    assert.deepEqual(
      resources.map((r) => [r.kind, r.metadata.namespace, r.metadata.name]),
      [["Certificate", "payments", "payments-cert-manager"]],
    );
    const spec = resources[0]!.spec as Record<string, any>;
    assert.deepEqual([spec.secretName, spec.duration, spec.renewBeforePercentage], ["api-tls", "720h", 20]);
    assert.deepEqual(spec.issuerRef, {
      group: "cert-manager.io",
      kind: "ClusterIssuer",
      name: "vault-payments-cert-manager",
    });
    assert.deepEqual(record.certificate, {
      name: "payments-cert-manager",
      issuer: "vault-payments-cert-manager",
      durationSeconds: 30 * 86_400,
      renewBeforePercentage: 20,
    });
  });

  it("asks for a new key of the contract's algorithm and size each time, with the usages the key needs", () => {
    const rsaSpec = certManager.deliver(rsa, recordingStores()).resources[0]!.spec as Record<string, any>;
    assert.deepEqual(rsaSpec.privateKey, { algorithm: "RSA", size: 3072, rotationPolicy: "Always", encoding: "PKCS8" });
    assert.deepEqual(rsaSpec.usages, ["digital signature", "key encipherment", "server auth", "client auth"]);
    const ecSpec = certManager.deliver(ec, recordingStores()).resources[0]!.spec as Record<string, any>;
    assert.deepEqual(ecSpec.privateKey, { algorithm: "ECDSA", size: 256, rotationPolicy: "Always", encoding: "PKCS8" });
    assert.deepEqual(ecSpec.usages, ["digital signature", "server auth"]);
  });

  it("gives consumers nothing in Vault: only the owning team's issuer identity signs", () => {
    assert.deepEqual(certManager.consumerRules(rsa, rsa.consumers[0]!), []);
    assert.deepEqual(certManager.controllers(rsa, { certManagerNamespace: "certs" }), ["certs/vault-issuer-payments"]);
  });
});
