import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { checkedPurpose, recordingStores } from "../../../test/support/checked-purpose.js";
import { csi, CSI_DRIVER } from "./index.js";

describe("the csi mechanism", () => {
  it("registers nothing per pod and publishes the volume the workload declares, its key in memory only", () => {
    const p = checkedPurpose("csi", {
      certificate: { dnsNames: ["a.payments.svc", "b.payments.svc"], commonName: "a.payments.svc" },
    });
    const { resources, record } = csi.deliver(p, recordingStores());
    assert.deepEqual(resources, []);
    assert.equal(record.secretName, undefined);
    const attributes = record.csiVolume!.volumeAttributes;
    assert.equal(record.csiVolume!.driver, CSI_DRIVER);
    assert.deepEqual(
      [
        attributes[`${CSI_DRIVER}/issuer-name`],
        attributes[`${CSI_DRIVER}/dns-names`],
        attributes[`${CSI_DRIVER}/common-name`],
        attributes[`${CSI_DRIVER}/duration`],
        attributes[`${CSI_DRIVER}/renew-before`],
      ],
      // renew-before is the same whole percentage of the lifetime a Certificate would use: 8h of 24h is 33%.
      ["vault-payments-csi", "a.payments.svc,b.payments.svc", "a.payments.svc", "24h", "7h55m12s"],
    );
    assert.equal(attributes[`${CSI_DRIVER}/key-size`], "256");
  });

  it("names no key size for Ed25519, which has one", () => {
    const p = checkedPurpose("csi", { certificate: { dnsNames: ["a.payments.svc"], keyAlgorithm: "Ed25519" } });
    const attributes = csi.deliver(p, recordingStores()).record.csiVolume!.volumeAttributes;
    assert.equal(attributes[`${CSI_DRIVER}/key-algorithm`], "Ed25519");
    assert.equal(attributes[`${CSI_DRIVER}/key-size`], undefined);
    assert.equal(attributes[`${CSI_DRIVER}/key-usages`], "digital signature,server auth");
  });
});
