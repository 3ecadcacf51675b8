import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { checkedPurpose, recordingStores } from "../../../test/support/checked-purpose.js";
import { bootstrapTakeover, handoverPolicy } from "./index.js";

const p = checkedPurpose("bootstrap", {
  consumers: [
    { namespace: "payments", serviceAccount: "payments-api" },
    { namespace: "ops", serviceAccount: "backup" },
  ],
});

describe("the bootstrap takeover mechanism", () => {
  it("merges Vault's value into the existing bootstrap Secret, in its namespace only, as a consumer there", () => {
    const stores = recordingStores();
    const { resources, record } = bootstrapTakeover.deliver(p, stores);
    assert.deepEqual(
      resources.map((r) => [r.kind, r.metadata.namespace]),
      [["ExternalSecret", "payments"]],
    );
    const target = (resources[0]!.spec as Record<string, any>).target;
    assert.deepEqual(
      [target.name, target.creationPolicy, target.deletionPolicy],
      ["payments-bootstrap", "Merge", "Retain"],
    );
    assert.deepEqual(stores.used, ["payments/payments-api"]);
    assert.deepEqual([record.namespaces, record.secretName], [["payments"], "payments-bootstrap"]);
    assert.deepEqual(bootstrapTakeover.namespaces(p), ["payments"]);
  });

  it("entitles the handover Job besides the consumers, whose policy creates the value once and never updates it", () => {
    assert.deepEqual(bootstrapTakeover.controllers(p, { certManagerNamespace: "cert-manager" }), [
      "payments/handover-payments-bootstrap",
    ]);
    const policy = handoverPolicy(p);
    assert.equal(policy.name, "handover.payments-bootstrap");
    assert.deepEqual(
      policy.rules.map((r) => [r.path, r.capabilities]),
      [
        ["kv/data/payments/payments-bootstrap", ["create"]],
        ["kv/metadata/payments/payments-bootstrap", ["read"]],
      ],
    );
    assert.deepEqual(
      bootstrapTakeover.consumerRules(p, p.consumers[1]!).map((r) => [r.path, r.capabilities]),
      [["kv/data/payments/payments-bootstrap", ["read"]]],
    );
  });
});
