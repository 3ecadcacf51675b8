import { LABEL } from "../../registry/labels.js";
import { defaultPlatformReservation } from "../../registry/tenancy.js";
import { describe, kubernetesObject, purposeById } from "../resources.js";
import type { PlatformRule } from "../rule.js";
import { secretMaterialIn } from "../secret-material.js";

export const kubernetesNotAuthoritative: PlatformRule = {
  name: "kubernetes-not-authoritative",
  description:
    "Kubernetes never holds the truth: a Secret with literal data is a labelled bootstrap purpose within its transitionalUntil date (or a platform Secret the pack config lists), and no ConfigMap holds secret material.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "deliver the value from Vault (an ExternalSecret) instead, or label it as its bootstrap purpose and hand it over before transitionalUntil",
  configSchema: {
    properties: {
      platformSecrets: {
        type: "array",
        items: { type: "string" },
        // The platform's reserved Secrets in the namespaces Pulumi.yaml declares (registry/tenancy.ts).
        default: [...defaultPlatformReservation().secrets.keys()],
        description:
          "namespace/name of Secrets the platform itself must write before Vault exists (the SOPS age key, Vault's listener key); set them when the stacks name other namespaces",
      },
    },
  },
  validateResource(r, ctx, report) {
    const k = kubernetesObject(r);
    if (!k || r.type.endsWith("Patch")) return;
    if (k.kind === "ConfigMap") {
      for (const found of secretMaterialIn(r.props.data)) report(`${describe(r)} holds ${found} in a ConfigMap`);
      return;
    }
    if (k.kind !== "Secret" || (r.props.data === undefined && r.props.stringData === undefined)) return;
    const id = k.labels[LABEL.purpose];
    const p = id ? purposeById(ctx, id) : undefined;
    if (!p) {
      if (!(ctx.config.platformSecrets as string[]).includes(`${k.namespace}/${k.name}`))
        report(`${describe(r)} has literal data but names no bootstrap purpose`);
      return;
    }
    if (p.delivery !== "bootstrap")
      return report(`${p.id}: ${describe(r)} writes a ${p.delivery} value into Kubernetes; it comes from Vault`);
    if (k.labels[LABEL.authority] !== "bootstrap")
      report(`${p.id}: ${describe(r)} is not labelled ${LABEL.authority}: bootstrap`);
    if (p.transitionalUntil && ctx.now.toISOString().slice(0, 10) > p.transitionalUntil)
      report(`${p.id}: ${describe(r)} is past its transitionalUntil date ${p.transitionalUntil}`);
  },
};
