import { RESOURCE_TYPES } from "../resource-types.js";
import { isKvMetadata } from "../resources.js";
import type { PlatformRule } from "../rule.js";

/** Resource types that hold data or trust: deleting or replacing one loses keys, versions or the chain of trust. */
export const TRUST_HOLDING_TYPES: readonly string[] = [
  RESOURCE_TYPES.tlsPrivateKey,
  RESOURCE_TYPES.tlsSelfSignedCert,
  RESOURCE_TYPES.tlsLocallySignedCert,
  RESOURCE_TYPES.vaultMount,
  RESOURCE_TYPES.vaultKvSecretBackendV2,
  RESOURCE_TYPES.vaultTransitKey,
  RESOURCE_TYPES.vaultPkiIntermediateCsr,
  RESOURCE_TYPES.vaultPkiIntermediateSetSigned,
  RESOURCE_TYPES.vaultAudit,
  RESOURCE_TYPES.vaultAuthBackend,
  RESOURCE_TYPES.clusterIssuer,
];

export const trustProtected: PlatformRule = {
  name: "trust-protected",
  description:
    "Resources that hold data or trust (keys, the root CA and intermediates, KV, PKI and transit mounts, transit keys, audit devices, issuers, KV metadata) are protected against deletion and replacement.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "register it with { protect: true }; a deliberate removal is `pulumi state unprotect` in a reviewed change",
  configSchema: {
    properties: {
      leafComponents: {
        type: "array",
        items: { type: "string" },
        default: ["secrets-platform:runtime-authority:VaultListenerCertificate"],
        description:
          "component types whose keys and certificates are leaves, reissued at will (Vault's listener certificate)",
      },
    },
  },
  validateResource(r, ctx, report) {
    const kvMetadata = isKvMetadata(r);
    // A leaf certificate, or a key under a leaf component, holds no lasting trust: it is reissued with its certificate.
    const leafCertificate = r.type === RESOURCE_TYPES.tlsLocallySignedCert && r.props.isCaCertificate !== true;
    const underLeaf = (ctx.config.leafComponents as string[]).some((t) => r.urn.includes(`${t}$`));
    if (((TRUST_HOLDING_TYPES.includes(r.type) && !leafCertificate && !underLeaf) || kvMetadata) && !r.protect)
      report(`${r.type.split(":").at(-1)} ${r.name} is not protected`);
  },
};
