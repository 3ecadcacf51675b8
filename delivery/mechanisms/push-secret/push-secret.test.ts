import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { checkedPurpose, recordingStores } from "../../../test/support/checked-purpose.js";
import { drawsFromGenerator, GENERATED_KEYS, PASSWORD_GENERATOR } from "./generator.js";
import { pushSecret } from "./index.js";

const writer = { namespace: "payments", serviceAccount: "signer" };
const reader = { namespace: "checkout", serviceAccount: "web" };
const p = checkedPurpose("push-secret", { consumers: [writer, reader], push: { writer } });

describe("the push-secret mechanism", () => {
  it("generates and pushes in the writer's namespace as the writer, and reads back in every consumer namespace", () => {
    const stores = recordingStores();
    const { resources } = pushSecret.deliver(p, stores);
    assert.deepEqual(
      resources.map((r) => [r.kind, r.metadata.namespace, r.metadata.name]),
      [
        ["ExternalSecret", "payments", "payments-push-secret-generator"],
        ["PushSecret", "payments", "payments-push-secret"],
        ["ExternalSecret", "checkout", "payments-push-secret"],
        ["ExternalSecret", "payments", "payments-push-secret"],
      ],
    );
    assert.deepEqual(stores.used, ["payments/signer", "checkout/web", "payments/signer"]);
  });

  it("draws the value from the cluster's one generator; only the read-back ExternalSecrets deliver it", () => {
    const { resources } = pushSecret.deliver(p, recordingStores());
    const generator = resources[0]!;
    assert.ok(drawsFromGenerator(generator));
    assert.deepEqual((generator.spec as any).dataFrom[0].sourceRef.generatorRef.name, PASSWORD_GENERATOR);
    assert.equal(pushSecret.delivers!(generator), false);
    assert.deepEqual(
      resources.filter((r) => r.kind === "ExternalSecret" && pushSecret.delivers!(r)).map((r) => r.metadata.namespace),
      ["checkout", "payments"],
    );
  });

  it("pushes the whole three-slot Secret with Replace, never deleting what consumers read", () => {
    const { resources, record } = pushSecret.deliver(p, recordingStores());
    const push = resources[1]!.spec as Record<string, any>;
    assert.deepEqual([push.updatePolicy, push.deletionPolicy], ["Replace", "None"]);
    assert.deepEqual(push.data, [{ match: { remoteRef: { remoteKey: "payments/payments-push-secret" } } }]);
    assert.deepEqual(record.keys, { use: GENERATED_KEYS.current, accept: ["next", "current", "previous"] });
    assert.equal(record.generationIntervalSeconds, 7 * 86_400);
  });

  it("grants the writer create, read and update on data and metadata, and every other consumer read", () => {
    const grants = (c: typeof writer) => pushSecret.consumerRules(p, c).map((r) => [r.path, r.capabilities.join(",")]);
    assert.deepEqual(grants(writer), [
      ["kv/data/payments/payments-push-secret", "create,read,update"],
      ["kv/metadata/payments/payments-push-secret", "create,read,update"],
    ]);
    assert.deepEqual(grants(reader), [["kv/data/payments/payments-push-secret", "read"]]);
  });
});
