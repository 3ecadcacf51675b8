import { platformLabels } from "../registry/labels.js";
import type { Consumer } from "../registry/schema.js";
import { consumerRoleName, KUBERNETES_AUTH_PATH, MOUNTS, VAULT_AUDIENCE } from "../vault/paths.js";
import { API_VERSION, objectMetadata } from "./objects.js";
import type { CustomResourceSpec } from "./types.js";

/** A ClusterSecretStore, and the consumer identity (and its Vault role) it reads and writes Vault as. */
export interface StoreLayout {
  name: string;
  consumer: Consumer;
  role: string;
  resource: CustomResourceSpec;
}

/**
 * The ClusterSecretStore that reads Vault as one consumer: `vault.<namespace>.<service account>`, the Vault role's
 * own name minus its prefix. A namespace has no dots, so the name is unambiguous.
 */
export function secretStoreName(c: Consumer): string {
  return `vault.${c.namespace}.${c.serviceAccount}`;
}

/**
 * One store per consumer identity: Kubernetes auth as that service account (ESO requests its token with audience
 * `vault`), the Vault role of the same consumer, and a condition that only ExternalSecrets and PushSecrets in the
 * consumer's own namespace may use it. Cluster-scoped so tenants can neither create nor edit one.
 */
export function secretStore(c: Consumer, vaultServer: string, caBundle: string): StoreLayout {
  const name = secretStoreName(c);
  const role = consumerRoleName(c);
  return {
    name,
    consumer: c,
    role,
    resource: {
      apiVersion: API_VERSION.externalSecrets,
      kind: "ClusterSecretStore",
      metadata: objectMetadata(name, platformLabels("steady-state")),
      spec: {
        conditions: [{ namespaces: [c.namespace] }],
        provider: {
          vault: {
            server: vaultServer,
            path: MOUNTS.kv,
            version: "v2",
            // The kv mount has cas_required: ESO sends the version it read with every PushSecret write, so a
            // concurrent writer fails instead of being overwritten (ESO >= 0.20.1).
            checkAndSet: { required: true },
            caBundle,
            auth: {
              kubernetes: {
                mountPath: KUBERNETES_AUTH_PATH,
                role,
                serviceAccountRef: { name: c.serviceAccount, namespace: c.namespace, audiences: [VAULT_AUDIENCE] },
              },
            },
          },
        },
      },
    },
  };
}
