import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { checkedPurpose, recordingStores } from "../../../test/support/checked-purpose.js";
import { revealOnce } from "./index.js";

const p = checkedPurpose("reveal-once");

describe("the reveal-once mechanism", () => {
  it("fetches the value once into an immutable Secret that outlives its ExternalSecret", () => {
    const { resources, record } = revealOnce.deliver(p, recordingStores());
    assert.equal(resources.length, 1);
    const spec = resources[0]!.spec as Record<string, any>;
    assert.deepEqual([spec.refreshPolicy, spec.refreshInterval], ["CreatedOnce", "0s"]);
    assert.deepEqual(
      [spec.target.creationPolicy, spec.target.deletionPolicy, spec.target.immutable],
      ["Orphan", "Retain", true],
    );
    assert.equal(spec.target.template.data, undefined, "no template re-renders the value");
    assert.deepEqual(spec.target.template.metadata.annotations, { "secrets-platform/reveal": "once" });
    assert.equal(record.refreshPolicy, "CreatedOnce");
    assert.equal(record.refreshIntervalSeconds, undefined);
    assert.equal(record.reloadOn, undefined, "nothing rolls on a value that never changes");
  });

  it("grants its consumer read on the value only", () => {
    assert.deepEqual(
      revealOnce.consumerRules(p, p.consumers[0]!).map((r) => [r.path, r.capabilities]),
      [["kv/data/payments/payments-reveal-once", ["read"]]],
    );
  });
});
