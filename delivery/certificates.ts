import { toGoDuration } from "../registry/duration.js";
import { LABEL, platformLabels } from "../registry/labels.js";
import { certificateKeySize, certificateKeyUsages, type CertificatePurpose } from "../registry/purpose.js";
import { issuerOf } from "./issuers/index.js";
import { API_VERSION, consumerNamespaces, objectMetadata } from "./objects.js";
import { certificateTiming } from "./timing.js";
import type { CustomResourceSpec, DeliveryRecord } from "./types.js";

/** What the two certificate mechanisms (cert-manager and csi) share: usages, keys, the approval policy. Pure. */

/** The usages a purpose's certificates carry, as cert-manager spells them: key usages, then extended key usages. */
export function certificateUsages(p: CertificatePurpose): string[] {
  return [...certificateKeyUsages(p.certificate), ...p.certificate.usages];
}

/** The private key a purpose's certificates are made with (cert-manager's `privateKey`, without rotation). */
export function privateKeySettings(p: CertificatePurpose): { algorithm: string; size?: number } {
  const size = certificateKeySize(p.certificate);
  return { algorithm: p.certificate.keyAlgorithm, ...(size === undefined ? {} : { size }) };
}

/** The issuer and lifetime the record publishes for a certificate purpose. */
export function certificateRecord(p: CertificatePurpose, name?: string): NonNullable<DeliveryRecord["certificate"]> {
  const timing = certificateTiming(p.rotation);
  return {
    ...(name ? { name } : {}),
    issuer: issuerOf(p).clusterIssuerName(p),
    durationSeconds: timing.durationSeconds,
    renewBeforePercentage: timing.renewBeforePercentage,
  };
}

/**
 * A ClusterIssuer can be named from any namespace, and cert-manager's built-in approver signs every request (it is
 * disabled, see `delivery/charts.ts`). approver-policy approves a request for the purpose's issuer only when it
 * comes from a consumer namespace of the purpose and asks for exactly the contract: its names, usages, key and at
 * most its lifetime. Anything else stays unapproved and is never sent to the issuer.
 */
export function approvalPolicy(p: CertificatePurpose): CustomResourceSpec {
  const c = p.certificate;
  const timing = certificateTiming(p.rotation);
  const key = privateKeySettings(p);
  const issuerName = issuerOf(p).clusterIssuerName(p);
  return {
    apiVersion: API_VERSION.approverPolicy,
    kind: "CertificateRequestPolicy",
    metadata: objectMetadata(issuerName, {
      ...platformLabels("steady-state"),
      [LABEL.purpose]: p.id,
      [LABEL.owner]: p.owner,
    }),
    spec: {
      allowed: {
        ...(c.commonName ? { commonName: { value: c.commonName, required: true } } : {}),
        dnsNames: { values: [...c.dnsNames], required: true },
        usages: certificateUsages(p),
        isCA: false,
      },
      constraints: {
        maxDuration: toGoDuration(timing.durationSeconds),
        privateKey: {
          algorithm: key.algorithm,
          ...(key.size === undefined ? {} : { minSize: key.size, maxSize: key.size }),
        },
      },
      selector: {
        issuerRef: { name: issuerName, kind: "ClusterIssuer", group: "cert-manager.io" },
        namespace: { matchNames: consumerNamespaces(p) },
      },
    },
  };
}
