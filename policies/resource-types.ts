/**
 * The Pulumi type tokens of the provider resources the platform registers, and that the policy pack, the access
 * matrix, posture and the plan engine's models recognize: spelt once. `test/resource-types.test.ts` checks each
 * against the provider SDK class's own token, so an SDK upgrade that renames one fails there, not in a rule.
 */
export const RESOURCE_TYPES = {
  tlsPrivateKey: "tls:index/privateKey:PrivateKey",
  tlsSelfSignedCert: "tls:index/selfSignedCert:SelfSignedCert",
  tlsLocallySignedCert: "tls:index/locallySignedCert:LocallySignedCert",
  tlsCertRequest: "tls:index/certRequest:CertRequest",
  vaultMount: "vault:index/mount:Mount",
  vaultAuthBackend: "vault:index/authBackend:AuthBackend",
  vaultPolicy: "vault:index/policy:Policy",
  vaultAudit: "vault:index/audit:Audit",
  vaultGenericEndpoint: "vault:generic/endpoint:Endpoint",
  vaultKvSecretBackendV2: "vault:kv/secretBackendV2:SecretBackendV2",
  vaultTransitKey: "vault:transit/secretBackendKey:SecretBackendKey",
  vaultKubernetesAuthConfig: "vault:kubernetes/authBackendConfig:AuthBackendConfig",
  vaultKubernetesAuthRole: "vault:kubernetes/authBackendRole:AuthBackendRole",
  vaultPkiIntermediateCsr: "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest",
  vaultPkiIntermediateSetSigned:
    "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned",
  vaultPkiConfigUrls: "vault:pkiSecret/secretBackendConfigUrls:SecretBackendConfigUrls",
  vaultPkiRole: "vault:pkiSecret/secretBackendRole:SecretBackendRole",
  helmRelease: "kubernetes:helm.sh/v3:Release",
  clusterIssuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
} as const;

export type ResourceType = (typeof RESOURCE_TYPES)[keyof typeof RESOURCE_TYPES];
