import { LABEL, platformLabels } from "../../../registry/labels.js";
import type { CertificatePurpose } from "../../../registry/purpose.js";
import type { AclPolicy } from "../../../vault/acl.js";
import {
  issuerRoleName,
  issuerServiceAccountName,
  KUBERNETES_AUTH_PATH,
  pkiSignPath,
  VAULT_AUDIENCE,
} from "../../../vault/paths.js";
import { API_VERSION, objectMetadata } from "../../objects.js";
import type { CertificateIssuer } from "../index.js";

function clusterIssuerName(p: Pick<CertificatePurpose, "id">): string {
  return `vault-${p.id}`;
}

/**
 * Vault PKI as a cert-manager issuer: one ClusterIssuer per certificate purpose on the `sign` endpoint of exactly
 * its PKI role (the role fixes names, key type and max TTL), Kubernetes auth as the owning team's issuer identity,
 * Vault's TLS verified against the root.
 */
export const vaultIssuer: CertificateIssuer = {
  type: "vault",
  clusterIssuerName,
  issuer(p, settings) {
    const serviceAccount = issuerServiceAccountName(p);
    const role = issuerRoleName(p);
    return {
      purpose: p.id,
      type: "vault",
      serviceAccount,
      role,
      signPath: pkiSignPath(p),
      resource: {
        apiVersion: API_VERSION.certManager,
        kind: "ClusterIssuer",
        metadata: objectMetadata(clusterIssuerName(p), {
          ...platformLabels("steady-state"),
          [LABEL.purpose]: p.id,
          [LABEL.owner]: p.owner,
        }),
        spec: {
          vault: {
            server: settings.vaultServer,
            path: pkiSignPath(p),
            caBundle: settings.caBundle,
            auth: {
              kubernetes: {
                mountPath: `/v1/auth/${KUBERNETES_AUTH_PATH}`,
                role,
                serviceAccountRef: { name: serviceAccount, audiences: [VAULT_AUDIENCE] },
              },
            },
          },
        },
      },
    };
  },
};

/**
 * The policy of one team's cert-manager issuers: sign requests with the PKI role of each of the team's certificate
 * purposes (`certificates` are `owner`'s), nothing else.
 */
export function issuerPolicy(owner: string, certificates: readonly CertificatePurpose[]): AclPolicy {
  return {
    name: issuerRoleName({ owner }),
    rules: certificates.map((p) => ({
      path: pkiSignPath(p),
      capabilities: ["update"],
      purpose: p.id,
      why: "sign certificate requests for the purpose's names",
    })),
  };
}
