import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { checkedPurpose, recordingStores } from "../../../test/support/checked-purpose.js";
import { LABEL } from "../../../registry/labels.js";
import { externalSecret } from "./index.js";

const p = checkedPurpose("external-secret", {
  rotation: { period: "30d", grace: "2h", method: "external" },
  consumers: [
    { namespace: "payments", serviceAccount: "worker" },
    { namespace: "payments", serviceAccount: "api" },
    { namespace: "billing", serviceAccount: "invoicer" },
  ],
  kv: { secretName: "stripe" },
});

describe("the external-secret mechanism", () => {
  it("materializes the value once per consumer namespace, reading as the first consumer there", () => {
    const stores = recordingStores();
    const { resources, record } = externalSecret.deliver(p, stores);
    assert.deepEqual(
      resources.map((r) => [r.kind, r.metadata.namespace]),
      [
        ["ExternalSecret", "billing"],
        ["ExternalSecret", "payments"],
      ],
    );
    assert.deepEqual(stores.used, ["billing/invoicer", "payments/api"]);
    assert.deepEqual(record.namespaces, ["billing", "payments"]);
    assert.equal(record.vaultPath, "kv/data/payments/payments-external-secret");
  });

  it("owns and refreshes its Secret a quarter of the grace window apart, and marks it for Reloader", () => {
    const [es] = externalSecret.deliver(p, recordingStores()).resources;
    const spec = es!.spec as Record<string, any>;
    assert.equal(spec.refreshPolicy, "Periodic");
    assert.equal(spec.refreshInterval, "30m");
    assert.deepEqual(
      [spec.target.name, spec.target.creationPolicy, spec.target.deletionPolicy],
      ["stripe", "Owner", "Retain"],
    );
    assert.equal(spec.target.immutable, undefined);
    assert.equal(spec.target.template.metadata.annotations["reloader.stakater.com/match"], "true");
    assert.equal(spec.target.template.metadata.labels[LABEL.authority], "vault");
    assert.deepEqual(spec.dataFrom, [{ extract: { key: "payments/payments-external-secret" } }]);
  });

  it("grants each consumer read on the value's data path and nothing else", () => {
    const rules = externalSecret.consumerRules(p, { namespace: "payments", serviceAccount: "api" });
    assert.deepEqual(
      rules.map((r) => [r.path, r.capabilities]),
      [["kv/data/payments/payments-external-secret", ["read"]]],
    );
    assert.deepEqual(externalSecret.controllers(p, { certManagerNamespace: "cert-manager" }), []);
  });
});
