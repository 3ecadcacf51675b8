import { mechanismOf, MECHANISMS } from "../../delivery/mechanisms/index.js";
import { perRegistry } from "../../registry/index-by.js";
import { LABEL } from "../../registry/labels.js";
import { kvMetadataPath } from "../../vault/paths.js";
import { RESOURCE_TYPES } from "../resource-types.js";
import { describe, isKvMetadata, kubernetesObject, labelledPurpose, purposeById } from "../resources.js";
import type { PlatformRule } from "../rule.js";

const byKvMetadataPath = perRegistry((registry) => new Map(registry.purposes.map((p) => [kvMetadataPath(p), p])));

/** The Kubernetes kinds some mechanism delivers with: a labelled object of one of these must be its purpose's. */
const DELIVERING_KINDS = new Set(Object.values(MECHANISMS).flatMap((m) => m.kinds));

export const purposeKnown: PlatformRule = {
  name: "purpose-known",
  description:
    "Every secret-, key- or certificate-bearing resource names a purpose of the registry and matches its contract (tier, delivery, consumers).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "add the purpose to purposes/<owner>.yaml, or correct the resource's purpose label, namespace or kind to what the contract says",
  validateResource(r, ctx, report) {
    const k = kubernetesObject(r);
    const labelled = labelledPurpose(r, ctx);
    if (k && labelled) {
      const p = labelled.purpose;
      if (!p) return report(`${labelled.id}: ${describe(r)} names a purpose the registry does not have`);
      const owner = k.labels[LABEL.owner];
      if (owner !== undefined && owner !== p.owner)
        report(`${p.id}: ${describe(r)} is labelled owner ${owner}, the contract says ${p.owner}`);
      const mechanism = mechanismOf(p);
      if (DELIVERING_KINDS.has(k.kind) && !mechanism.kinds.includes(k.kind))
        report(`${p.id}: ${describe(r)}: a ${k.kind} does not deliver a ${p.delivery} purpose`);
      const namespaces = new Set([...p.consumers.map((c) => c.namespace), ...mechanism.namespaces(p)]);
      if (k.namespace && !namespaces.has(k.namespace))
        report(`${p.id}: ${describe(r)} is in namespace ${k.namespace}, where the purpose has no consumer`);
      return;
    }
    // Vault objects are named after their purpose (vault/paths.ts).
    if (r.type === RESOURCE_TYPES.vaultTransitKey) {
      const p = purposeById(ctx, String(r.props.name));
      if (!p || mechanismOf(p).vault.engine !== "transit")
        report(`${r.props.name}: transit key ${r.name} matches no transit purpose of the registry`);
    }
    if (r.type === RESOURCE_TYPES.vaultPkiRole) {
      const p = purposeById(ctx, String(r.props.name));
      if (!p || mechanismOf(p).vault.engine !== "pki")
        report(`${r.props.name}: PKI role ${r.name} matches no certificate purpose of the registry`);
    }
    if (isKvMetadata(r)) {
      const p = byKvMetadataPath(ctx.registry).get(String(r.props.path));
      if (!p || mechanismOf(p).vault.engine !== "kv")
        report(`${r.props.path}: KV secret ${r.name} matches no KV or bootstrap purpose of the registry`);
    }
  },
};
