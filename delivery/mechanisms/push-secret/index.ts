import { purposeLabels } from "../../../registry/labels.js";
import type { PushSecretPurpose } from "../../../registry/purpose.js";
import { toGoDuration } from "../../../registry/duration.js";
import { aclRule } from "../../../vault/acl.js";
import { kvDataPath, kvMetadataPath, kvSecretPath } from "../../../vault/paths.js";
import { kvExternalSecret, kvRecord } from "../../kv-external-secret.js";
import { API_VERSION, consumerNamespaces, objectMetadata, readerIn } from "../../objects.js";
import { generationIntervalSeconds, refreshIntervalSeconds } from "../../timing.js";
import type { CustomResourceSpec, DeliveryMechanism } from "../../types.js";
import { drawsFromGenerator, generatedSecretName, GENERATED_KEYS, generatorExternalSecret } from "./generator.js";

/**
 * A value the platform generates and rotates without Git: in the writer's namespace a generator ExternalSecret makes
 * it (three slots, see GENERATED_KEYS) and a PushSecret writes it into Vault KV as the contract's `push.writer`, the
 * only identity with write access; every consumer namespace reads it back with an ExternalSecret.
 */
export const pushSecret: DeliveryMechanism<"push-secret"> = {
  delivery: "push-secret",
  id: "push-secret",
  summary:
    "in the writer's namespace a generator `ExternalSecret` drawing from the cluster's one `ClusterGenerator` (`secrets-platform-password`, " +
    "kind `Password`: a fresh value per invocation, so sharing the definition shares no value) and a `PushSecret` as `push.writer`; " +
    "an `ExternalSecret` per consumer namespace reads it back",
  vault: { engine: "kv", writtenBy: "push-secret" },
  kinds: ["ExternalSecret", "PushSecret"],
  deliveringKind: "ExternalSecret",
  namespaces: consumerNamespaces,
  consumerRules(p, consumer) {
    const w = p.push.writer;
    // ESO's PushSecret reads the current value and its metadata (to see it owns the secret) before writing both.
    return w.namespace === consumer.namespace && w.serviceAccount === consumer.serviceAccount
      ? [
          aclRule(p, kvDataPath(p), ["create", "read", "update"], "push the generated value"),
          aclRule(p, kvMetadataPath(p), ["create", "read", "update"], "push the value's metadata"),
        ]
      : [aclRule(p, kvDataPath(p), ["read"], "read the pushed value")];
  },
  controllers: () => [],
  deliver(p, ctx) {
    const writer = p.push.writer;
    const writerStore = ctx.store(writer);
    const namespaces = consumerNamespaces(p);
    return {
      resources: [
        generatorExternalSecret(p, writer.namespace, writerStore),
        pushSecretObject(p, writer.namespace, writerStore),
        ...namespaces.map((ns) => kvExternalSecret(p, ns, ctx.store(readerIn(p, ns)), "periodic")),
      ],
      record: {
        mechanism: "push-secret",
        namespaces,
        ...kvRecord(p, "periodic"),
        generationIntervalSeconds: generationIntervalSeconds(p.rotation),
        keys: { use: GENERATED_KEYS.current, accept: Object.values(GENERATED_KEYS) },
      },
    };
  },
  // The generator ExternalSecret makes the value; the ExternalSecrets that read it back deliver it.
  delivers: (object) => !drawsFromGenerator(object),
};

/**
 * The PushSecret that writes the generated Secret into Vault KV as the purpose's writer. `Replace` so each rotation
 * lands (`IfNotExists` would never rotate a generated value); ESO writes only when the value differs from Vault's,
 * so a refresh adds no KV version (ESO #2536, #5443). `deletionPolicy: None`: removing the PushSecret never deletes
 * what consumers read.
 */
function pushSecretObject(p: PushSecretPurpose, namespace: string, storeName: string): CustomResourceSpec {
  return {
    apiVersion: API_VERSION.pushSecrets,
    kind: "PushSecret",
    metadata: objectMetadata(p.id, purposeLabels(p, "steady-state", "vault"), namespace),
    spec: {
      refreshInterval: toGoDuration(refreshIntervalSeconds(p.rotation)),
      updatePolicy: "Replace",
      deletionPolicy: "None",
      secretStoreRefs: [{ kind: "ClusterSecretStore", name: storeName }],
      selector: { secret: { name: generatedSecretName(p) } },
      // No secretKey: the whole Secret (next, current, previous) is one KV version, compared as a whole.
      data: [{ match: { remoteRef: { remoteKey: kvSecretPath(p) } } }],
    },
  };
}
