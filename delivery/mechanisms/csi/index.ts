import { toGoDuration } from "../../../registry/duration.js";
import type { CsiPurpose } from "../../../registry/purpose.js";
import { issuerServiceAccountName } from "../../../vault/paths.js";
import { certificateRecord, certificateUsages, privateKeySettings } from "../../certificates.js";
import { issuerOf } from "../../issuers/index.js";
import { consumerNamespaces } from "../../objects.js";
import { certificateTiming } from "../../timing.js";
import type { DeliveryMechanism, DeliveryRecord } from "../../types.js";

export const CSI_DRIVER = "csi.cert-manager.io";

/**
 * A certificate whose key lives only in the pod's memory: cert-manager's csi-driver generates it in a tmpfs volume
 * and has it signed by the purpose's ClusterIssuer; no Secret ever holds it. The stack registers nothing per pod and
 * publishes the volume the workload declares.
 */
export const csi: DeliveryMechanism<"csi"> = {
  delivery: "csi",
  id: "csi-driver",
  summary:
    "nothing per pod: the stack publishes the `csi.cert-manager.io` volume (issuer, names, duration, renew-before, key algorithm, size, usages) " +
    "the workload declares; the key lives in the pod's memory only",
  vault: { engine: "pki" },
  kinds: ["ClusterIssuer", "CertificateRequestPolicy"],
  namespaces: consumerNamespaces,
  consumerRules: () => [],
  controllers: (p, ctx) => [`${ctx.certManagerNamespace}/${issuerServiceAccountName(p)}`],
  deliver: (p) => ({
    resources: [],
    record: {
      mechanism: "csi-driver",
      namespaces: consumerNamespaces(p),
      certificate: certificateRecord(p),
      csiVolume: csiVolume(p),
    },
  }),
};

/** The volume a csi purpose's pod declares (csi-driver's volume attributes). */
function csiVolume(p: CsiPurpose): NonNullable<DeliveryRecord["csiVolume"]> {
  const c = p.certificate;
  const timing = certificateTiming(p.rotation);
  const key = privateKeySettings(p);
  const attr = (k: string) => `${CSI_DRIVER}/${k}`;
  return {
    driver: CSI_DRIVER,
    readOnly: true,
    volumeAttributes: {
      [attr("issuer-name")]: issuerOf(p).clusterIssuerName(p),
      [attr("issuer-kind")]: "ClusterIssuer",
      [attr("issuer-group")]: "cert-manager.io",
      [attr("dns-names")]: c.dnsNames.join(","),
      ...(c.commonName ? { [attr("common-name")]: c.commonName } : {}),
      [attr("duration")]: toGoDuration(timing.durationSeconds),
      [attr("renew-before")]: toGoDuration(timing.renewBeforeSeconds),
      [attr("key-usages")]: certificateUsages(p).join(","),
      [attr("key-algorithm")]: key.algorithm,
      ...(key.size === undefined ? {} : { [attr("key-size")]: String(key.size) }),
      [attr("key-encoding")]: "PKCS8",
    },
  };
}
