import { purposeWithId } from "../../registry/index-by.js";
import { isKvMetadata } from "../resources.js";
import type { PlatformRule } from "../rule.js";

export const evidenceResolves: PlatformRule = {
  name: "evidence-resolves",
  description:
    "Vault says what each secret is for: KV metadata names the purpose, its owner and an evidence component the registry declares.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediation:
    "write custom_metadata from the registry (vault/layout.ts) and declare the evidence component in its owner's registry file",
  validateResource(r, ctx, report) {
    if (!isKvMetadata(r)) return;
    let body: { custom_metadata?: Record<string, string> };
    try {
      body = JSON.parse(String(r.props.dataJson));
    } catch {
      return; // a secret value ("[secret]" in a plan): the contents are not shown, and not judged
    }
    const meta = body.custom_metadata ?? {};
    const p = meta.purpose === undefined ? undefined : purposeWithId(ctx.registry, meta.purpose);
    if (!p)
      return report(`${r.props.path}: custom_metadata names no purpose of the registry (${meta.purpose ?? "none"})`);
    if (meta.owner !== p.owner)
      report(
        `${p.id}: ${r.props.path}: custom_metadata owner ${meta.owner ?? "missing"}, the contract says ${p.owner}`,
      );
    if (!meta.evidence || !ctx.registry.evidence.some((e) => e.id === meta.evidence))
      report(`${p.id}: ${r.props.path}: evidence ${meta.evidence ?? "missing"} is not declared in the registry`);
  },
};
