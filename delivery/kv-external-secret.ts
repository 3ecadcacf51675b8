import { toGoDuration } from "../registry/duration.js";
import { ANNOTATION, purposeLabels } from "../registry/labels.js";
import { kubernetesSecretName, type BootstrapPurpose, type KvPurpose } from "../registry/purpose.js";
import { kvDataPath, kvSecretPath } from "../vault/paths.js";
import { API_VERSION, objectMetadata, RELOADER } from "./objects.js";
import { refreshIntervalSeconds } from "./timing.js";
import type { CustomResourceSpec, DeliveryRecord } from "./types.js";

/**
 * The ExternalSecret that materializes a Vault KV value in one namespace, shared by every mechanism that reads KV.
 * Every key of the Vault secret becomes a key of the Secret, which carries the purpose's labels and
 * `authority: vault`. How it refreshes and who owns the Secret is the mechanism's choice:
 * - periodic: refreshed within a quarter of the grace window; ESO owns the Secret; Reloader rolls its readers.
 * - once: fetched once (`CreatedOnce`, no refresh interval), an immutable Secret that outlives its ExternalSecret
 *   (`Orphan`): the value is never fetched, rewritten or shown again (ESO's documented pattern).
 * - merge: the Secret already exists and consumers mount it; ESO merges Vault's value into it without owning it.
 */
export type KvRefresh = "periodic" | "once" | "merge";

export function kvExternalSecret(
  p: KvPurpose | BootstrapPurpose,
  namespace: string,
  storeName: string,
  refresh: KvRefresh,
): CustomResourceSpec {
  const labels = purposeLabels(p, "steady-state", "vault");
  const once = refresh === "once";
  const annotations: Record<string, string> = once ? { [ANNOTATION.reveal]: "once" } : { [RELOADER.match]: "true" };
  return {
    apiVersion: API_VERSION.externalSecrets,
    kind: "ExternalSecret",
    metadata: objectMetadata(p.id, labels, namespace),
    spec: {
      secretStoreRef: { kind: "ClusterSecretStore", name: storeName },
      ...(once
        ? { refreshPolicy: "CreatedOnce", refreshInterval: "0s" }
        : { refreshPolicy: "Periodic", refreshInterval: toGoDuration(refreshIntervalSeconds(p.rotation)) }),
      target: {
        name: kubernetesSecretName(p),
        creationPolicy: once ? "Orphan" : refresh === "merge" ? "Merge" : "Owner",
        deletionPolicy: "Retain",
        ...(once ? { immutable: true } : {}),
        // Merge: the template only adds metadata; the data is Vault's, key for key.
        template: { engineVersion: "v2", mergePolicy: "Merge", metadata: { labels, annotations } },
      },
      dataFrom: [{ extract: { key: kvSecretPath(p) } }],
    },
  };
}

/** What the record says of a KV value: its Secret, its Vault path, and how it is refreshed. */
export function kvRecord(
  p: KvPurpose | BootstrapPurpose,
  refresh: KvRefresh,
): Pick<DeliveryRecord, "secretName" | "vaultPath" | "refreshPolicy" | "refreshIntervalSeconds" | "reloadOn"> {
  const once = refresh === "once";
  return {
    secretName: kubernetesSecretName(p),
    vaultPath: kvDataPath(p),
    refreshPolicy: once ? "CreatedOnce" : "Periodic",
    ...(once
      ? {}
      : { refreshIntervalSeconds: refreshIntervalSeconds(p.rotation), reloadOn: { [RELOADER.search]: "true" } }),
  };
}
