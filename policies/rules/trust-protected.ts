import { isKvMetadata } from "../resources.js";
import type { PlatformRule } from "../rule.js";

/** Resource types that hold data or trust: deleting or replacing one loses keys, versions or the chain of trust. */
export const TRUST_HOLDING_TYPES: readonly string[] = [
  "tls:index/privateKey:PrivateKey",
  "tls:index/selfSignedCert:SelfSignedCert",
  "tls:index/locallySignedCert:LocallySignedCert",
  "vault:index/mount:Mount",
  "vault:kv/secretBackendV2:SecretBackendV2",
  "vault:transit/secretBackendKey:SecretBackendKey",
  "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest",
  "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned",
  "vault:index/audit:Audit",
  "vault:index/authBackend:AuthBackend",
  "kubernetes:cert-manager.io/v1:ClusterIssuer",
];

export const trustProtected: PlatformRule = {
  name: "trust-protected",
  description: "Resources that hold data or trust (keys, the root CA and intermediates, KV, PKI and transit mounts, transit keys, audit devices, issuers, KV metadata) are protected against deletion and replacement.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation: "register it with { protect: true }; a deliberate removal is `pulumi state unprotect` in a reviewed change",
  configSchema: {
    properties: {
      leafComponents: {
        type: "array",
        items: { type: "string" },
        default: ["secrets-platform:runtime-authority:VaultListenerCertificate"],
        description: "component types whose keys and certificates are leaves, reissued at will (Vault's listener certificate)",
      },
    },
  },
  validateResource(r, ctx, report) {
    const kvMetadata = isKvMetadata(r);
    // A leaf certificate, or a key under a leaf component, holds no lasting trust: it is reissued with its certificate.
    const leafCertificate = r.type === "tls:index/locallySignedCert:LocallySignedCert" && r.props.isCaCertificate !== true;
    const underLeaf = (ctx.config.leafComponents as string[]).some((t) => r.urn.includes(`${t}$`));
    if (((TRUST_HOLDING_TYPES.includes(r.type) && !leafCertificate && !underLeaf) || kvMetadata) && !r.protect) report(`${r.type.split(":").at(-1)} ${r.name} is not protected`);
  },
};
