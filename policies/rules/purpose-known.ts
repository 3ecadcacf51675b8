import { MECHANISM_OF } from "../../delivery/layout.js";
import { kvMetadataPath } from "../../vault/paths.js";
import { describe, kubernetesObject, labelledPurpose, purposeById, isKvMetadata } from "../resources.js";
import { perRegistry } from "../../registry/index-by.js";
import type { PlatformRule } from "../rule.js";

const byKvMetadataPath = perRegistry((registry) => new Map(registry.purposes.map((p) => [kvMetadataPath(p), p])));

/** The Kubernetes kinds that may deliver each mechanism. */
const KINDS_OF: Record<string, readonly string[]> = {
  ExternalSecret: ["external-secret", "reveal-once", "push-secret", "bootstrap-takeover"],
  PushSecret: ["push-secret"],
  Certificate: ["cert-manager"],
  ClusterIssuer: ["cert-manager", "csi-driver"],
  CertificateRequestPolicy: ["cert-manager", "csi-driver"],
};

export const purposeKnown: PlatformRule = {
  name: "purpose-known",
  description: "Every secret-, key- or certificate-bearing resource names a purpose of the registry and matches its contract (tier, delivery, consumers).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation: "add the purpose to purposes/<owner>.yaml, or correct the resource's purpose label, namespace or kind to what the contract says",
  validateResource(r, ctx, report) {
    const k = kubernetesObject(r);
    const labelled = labelledPurpose(r, ctx);
    if (k && labelled) {
      const p = labelled.purpose;
      if (!p) return report(`${labelled.id}: ${describe(r)} names a purpose the registry does not have`);
      const owner = k.labels["secrets-platform/owner"];
      if (owner !== undefined && owner !== p.owner) report(`${p.id}: ${describe(r)} is labelled owner ${owner}, the contract says ${p.owner}`);
      const mechanisms = KINDS_OF[k.kind];
      if (mechanisms && !mechanisms.includes(MECHANISM_OF[p.delivery])) report(`${p.id}: ${describe(r)}: a ${k.kind} does not deliver a ${p.delivery} purpose`);
      const namespaces = new Set([...p.consumers.map((c) => c.namespace), ...(p.bootstrap ? [p.bootstrap.namespace] : [])]);
      if (k.namespace && !namespaces.has(k.namespace)) report(`${p.id}: ${describe(r)} is in namespace ${k.namespace}, where the purpose has no consumer`);
      return;
    }
    // Vault objects are named after their purpose (vault/paths.ts).
    if (r.type === "vault:transit/secretBackendKey:SecretBackendKey") {
      const p = purposeById(ctx, String(r.props.name));
      if (!p || p.delivery !== "transit") report(`${r.props.name}: transit key ${r.name} matches no transit purpose of the registry`);
    }
    if (r.type === "vault:pkiSecret/secretBackendRole:SecretBackendRole") {
      const p = purposeById(ctx, String(r.props.name));
      if (!p || p.kind !== "certificate") report(`${r.props.name}: PKI role ${r.name} matches no certificate purpose of the registry`);
    }
    if (isKvMetadata(r)) {
      const p = byKvMetadataPath(ctx.registry).get(String(r.props.path));
      if (!p || (p.tier !== "vault_kv" && p.delivery !== "bootstrap")) report(`${r.props.path}: KV secret ${r.name} matches no KV or bootstrap purpose of the registry`);
    }
  },
};
