import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { checkedPurpose, recordingStores } from "../../../test/support/checked-purpose.js";
import { transit } from "./index.js";

const consumers = [
  { namespace: "payments", serviceAccount: "b" },
  { namespace: "payments", serviceAccount: "a" },
];

describe("the transit mechanism", () => {
  it("materializes nothing: the record names the key, its operation paths and the consumers' Vault roles", () => {
    const p = checkedPurpose("transit", { consumers });
    const { resources, record } = transit.deliver(p, recordingStores());
    assert.deepEqual(resources, []);
    assert.deepEqual(record.transit, {
      key: "payments-transit",
      paths: ["transit/encrypt/payments-transit", "transit/decrypt/payments-transit"],
      vaultRoles: ["consumer.payments.a", "consumer.payments.b"],
    });
  });

  it("grants exactly the operations of the key's usage, as update", () => {
    const encrypt = checkedPurpose("transit", { consumers });
    const sign = checkedPurpose("transit", { consumers, transit: { type: "ed25519", usage: "sign" } });
    const grants = (p: typeof encrypt) => transit.consumerRules(p, consumers[0]!).map((r) => [r.path, r.capabilities]);
    assert.deepEqual(grants(encrypt), [
      ["transit/encrypt/payments-transit", ["update"]],
      ["transit/decrypt/payments-transit", ["update"]],
    ]);
    assert.deepEqual(grants(sign), [
      ["transit/sign/payments-transit", ["update"]],
      ["transit/verify/payments-transit", ["update"]],
    ]);
    assert.deepEqual(sign.transit.usage, "sign");
    assert.deepEqual(transit.deliver(sign, recordingStores()).record.transit!.paths, [
      "transit/sign/payments-transit",
      "transit/verify/payments-transit",
    ]);
  });
});
