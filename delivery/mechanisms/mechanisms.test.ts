import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { DELIVERIES } from "../../registry/schema.js";
import { checkedPurpose, checkedRegistry } from "../../test/support/checked-purpose.js";
import { purpose } from "../../test/support/registry-factory.js";
import { steadyStateLayout } from "../layout.js";
import { mechanismOf, MECHANISMS, purposePaths } from "./index.js";

describe("the mechanism registry", () => {
  it("has one mechanism per delivery mode, each registered under its own mode", () => {
    assert.deepEqual(Object.keys(MECHANISMS).sort(), [...DELIVERIES].sort());
    for (const d of DELIVERIES) assert.equal(MECHANISMS[d].delivery, d);
    assert.equal(
      new Set(Object.values(MECHANISMS).map((m) => m.id)).size,
      DELIVERIES.length,
      "mechanism ids are distinct",
    );
  });

  it("finds a purpose's mechanism and every Vault path of its engine", () => {
    const kv = checkedPurpose("external-secret");
    assert.equal(mechanismOf(kv).id, "external-secret");
    assert.deepEqual(
      purposePaths(kv),
      ["data", "metadata", "delete", "undelete", "destroy"].map((k) => `kv/${k}/payments/payments-external-secret`),
    );
    assert.deepEqual(purposePaths(checkedPurpose("csi")), ["pki_int/sign/payments-csi", "pki_int/issue/payments-csi"]);
    assert.ok(purposePaths(checkedPurpose("transit")).includes("transit/export/encryption-key/payments-transit"));
    assert.ok(
      purposePaths(checkedPurpose("bootstrap")).includes("kv/data/payments/payments-bootstrap"),
      "a handed-over bootstrap value lives in KV",
    );
  });

  it("names a delivering kind for every mechanism that puts an object in a namespace, and only for those", () => {
    for (const d of DELIVERIES) {
      const m = MECHANISMS[d];
      const p = checkedPurpose(d);
      const delivered = mechanismOf(p)
        .deliver(p, { store: (c) => `${c.namespace}.${c.serviceAccount}` })
        .resources.filter((r) => r.metadata.namespace);
      assert.equal(m.deliveringKind !== undefined, delivered.length > 0, d);
      if (m.deliveringKind)
        for (const r of delivered) assert.ok(m.kinds.includes(r.kind), `${d}: ${r.kind} is one of its kinds`);
    }
  });

  it("lists among its kinds every kind the steady state labels with one of its purposes, issuers and approvals included", () => {
    const registry = checkedRegistry({ payments: DELIVERIES.map((d) => purpose(d)) });
    const layout = steadyStateLayout(registry, {
      vaultServer: "https://vault",
      rootCertificatePem: "-----BEGIN CERTIFICATE-----",
    });
    const byId = new Map(registry.purposes.map((p) => [p.id, p]));
    const labelled = [
      ...layout.deliveries.flatMap((d) => d.resources),
      ...layout.issuers.flatMap((i) => [i.resource, i.approval]),
    ];
    assert.ok(labelled.length > DELIVERIES.length);
    for (const object of labelled) {
      const p = byId.get(object.metadata.labels?.["secrets-platform/purpose"] ?? "");
      assert.ok(p, `${object.kind} ${object.metadata.name} names a purpose`);
      assert.ok(mechanismOf(p).kinds.includes(object.kind), `${p.delivery}: ${object.kind} is one of its kinds`);
    }
  });
});
