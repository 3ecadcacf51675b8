import { purposeLabels } from "../../../registry/labels.js";
import { kubernetesSecretName, type CertManagerPurpose } from "../../../registry/purpose.js";
import { toGoDuration } from "../../../registry/duration.js";
import { issuerServiceAccountName } from "../../../vault/paths.js";
import { certificateRecord, certificateUsages, privateKeySettings } from "../../certificates.js";
import { issuerOf } from "../../issuers/index.js";
import { API_VERSION, consumerNamespaces, objectMetadata, RELOADER } from "../../objects.js";
import { certificateTiming } from "../../timing.js";
import type { CustomResourceSpec, DeliveryMechanism } from "../../types.js";

/**
 * A certificate cert-manager issues from Vault PKI and caches in a Secret of its consumers' one namespace (a key
 * is never copied into a second namespace), renewed by percentage with a new key each time.
 */
export const certManager: DeliveryMechanism<"cert-manager"> = {
  delivery: "cert-manager",
  id: "cert-manager",
  summary:
    "a `Certificate` in the consumers' namespace (one: the registry refuses a certificate purpose spanning namespaces), duration = rotation period, " +
    "`renewBeforePercentage` = the grace window's share (10–50%), `privateKey.rotationPolicy: Always`, algorithm and size from the contract, " +
    "Secret marked for Reloader",
  vault: { engine: "pki" },
  kinds: ["Certificate", "ClusterIssuer", "CertificateRequestPolicy"],
  deliveringKind: "Certificate",
  namespaces: consumerNamespaces,
  // The certificate arrives through cert-manager; only the purpose's issuer identity signs (issuers/vault).
  consumerRules: () => [],
  controllers: (p, ctx) => [`${ctx.certManagerNamespace}/${issuerServiceAccountName(p)}`],
  deliver(p) {
    const namespaces = consumerNamespaces(p);
    const cert = certificate(p, onlyNamespace(p, namespaces));
    return {
      resources: [cert],
      record: {
        mechanism: "cert-manager",
        namespaces,
        secretName: kubernetesSecretName(p),
        certificate: certificateRecord(p, cert.metadata.name),
        reloadOn: { [RELOADER.search]: "true" },
      },
    };
  },
};

/** The registry keeps a cert-manager purpose's consumers in one namespace: its key is cached in one Secret. */
function onlyNamespace(p: CertManagerPurpose, namespaces: readonly string[]): string {
  const [namespace, ...others] = namespaces;
  if (namespace === undefined || others.length > 0)
    throw new Error(
      `${p.id}: a cert-manager certificate needs its consumers in one namespace (the registry rules should have refused this)`,
    );
  return namespace;
}

/**
 * The Certificate of a cert-manager purpose, in its consumers' namespace: lifetime = rotation period (never longer
 * than the PKI role's max_ttl, which is the same period), renewal as a percentage, a new key on every renewal.
 */
function certificate(p: CertManagerPurpose, namespace: string): CustomResourceSpec {
  const c = p.certificate;
  const timing = certificateTiming(p.rotation);
  const labels = purposeLabels(p, "steady-state", "vault");
  return {
    apiVersion: API_VERSION.certManager,
    kind: "Certificate",
    metadata: objectMetadata(p.id, labels, namespace),
    spec: {
      secretName: kubernetesSecretName(p),
      secretTemplate: { labels, annotations: { [RELOADER.match]: "true" } },
      ...(c.commonName ? { commonName: c.commonName } : {}),
      dnsNames: c.dnsNames,
      duration: toGoDuration(timing.durationSeconds),
      renewBeforePercentage: timing.renewBeforePercentage,
      privateKey: { ...privateKeySettings(p), rotationPolicy: "Always", encoding: "PKCS8" },
      usages: certificateUsages(p),
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: issuerOf(p).clusterIssuerName(p) },
    },
  };
}
