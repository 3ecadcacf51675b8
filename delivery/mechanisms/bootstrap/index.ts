import type { BootstrapPurpose } from "../../../registry/purpose.js";
import { aclRule, type AclPolicy } from "../../../vault/acl.js";
import { handoverJobName, handoverRoleName, kvDataPath, kvMetadataPath } from "../../../vault/paths.js";
import { kvExternalSecret, kvRecord } from "../../kv-external-secret.js";
import { readerIn } from "../../objects.js";
import type { DeliveryMechanism } from "../../types.js";

/**
 * Bootstrap material after the handover: phase 2 materialized it from Git into a labelled Secret, phase 3's handover
 * Job copied it into Vault KV once, and from then on ESO keeps that same Secret current from Vault, merging into it
 * as a consumer in its namespace without taking it over from Flux.
 */
export const bootstrapTakeover: DeliveryMechanism<"bootstrap"> = {
  delivery: "bootstrap",
  id: "bootstrap-takeover",
  summary:
    "after the handover, an `ExternalSecret` with `creationPolicy: Merge` keeps the existing bootstrap Secret current from Vault without owning it",
  vault: { engine: "kv", writtenBy: "handover" },
  kinds: ["ExternalSecret"],
  deliveringKind: "ExternalSecret",
  namespaces: (p) => [p.bootstrap.namespace],
  // After the handover the value lives in Vault, and consumers switch to reading it there.
  consumerRules: (p) => [aclRule(p, kvDataPath(p), ["read"], "read the handed-over bootstrap value")],
  controllers: (p) => [`${p.bootstrap.namespace}/${handoverJobName(p)}`],
  deliver(p, ctx) {
    const { namespace } = p.bootstrap;
    return {
      resources: [kvExternalSecret(p, namespace, ctx.store(readerIn(p, namespace)), "merge")],
      record: { mechanism: "bootstrap-takeover", namespaces: [namespace], ...kvRecord(p, "merge") },
    };
  },
};

/**
 * The policy of a purpose's handover Job: create the value (never update it: Vault itself then refuses any second
 * write, whatever the Job runs), and read its metadata to tell "already handed over" from "not yet".
 */
export function handoverPolicy(p: BootstrapPurpose): AclPolicy {
  return {
    name: handoverRoleName(p),
    rules: [
      aclRule(p, kvDataPath(p), ["create"], "write the bootstrap value once"),
      aclRule(p, kvMetadataPath(p), ["read"], "see whether the value is already in Vault"),
    ],
  };
}
