import { platformLabels } from "../registry/labels.js";
import { API_VERSION, objectMetadata } from "./objects.js";
import type { CustomResourceSpec } from "./types.js";

/** The trust-manager Bundle, and the ConfigMap it writes into every consumer namespace. */
export const TRUST_BUNDLE = { name: "secrets-platform-root-ca", key: "ca.crt" } as const;

/**
 * The phase-0 root, distributed to every consumer namespace as ConfigMap `secrets-platform-root-ca` (`ca.crt`).
 * Vault issuers put only the issuing CA in a certificate Secret's `ca.crt` (cert-manager #2166), so mTLS peers
 * verify against this bundle instead.
 */
export function trustBundle(rootCertificatePem: string, namespaces: readonly string[]): CustomResourceSpec {
  return {
    apiVersion: API_VERSION.trustManager,
    kind: "Bundle",
    metadata: objectMetadata(TRUST_BUNDLE.name, platformLabels("steady-state")),
    spec: {
      sources: [{ inLine: rootCertificatePem }],
      target: {
        configMap: { key: TRUST_BUNDLE.key },
        namespaceSelector: {
          matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...namespaces] }],
        },
      },
    },
  };
}
