import { describe, kubernetesObject, labelledPurpose } from "../resources.js";
import type { PlatformRule } from "../rule.js";

export const revealOnce: PlatformRule = {
  name: "reveal-once",
  description:
    "A reveal-once credential is materialized once and never again: CreatedOnce, no refresh interval, an immutable Secret that outlives its ExternalSecret; nothing pushes or re-reads it.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "set refreshPolicy CreatedOnce, refreshInterval 0s, target.immutable true and creationPolicy Orphan; remove any other object that reads or pushes it",
  validateResource(r, ctx, report) {
    const k = kubernetesObject(r);
    const p = labelledPurpose(r, ctx)?.purpose;
    if (!k || !p || p.delivery !== "reveal-once") return;
    if (k.kind !== "ExternalSecret")
      return report(`${p.id}: ${describe(r)}: only one ExternalSecret may deliver a reveal-once credential`);
    const spec = r.props.spec ?? {};
    if (spec.refreshPolicy !== "CreatedOnce")
      report(
        `${p.id}: ${describe(r)} has refreshPolicy ${spec.refreshPolicy ?? "Periodic (default)"}: it would fetch the value again`,
      );
    if (spec.refreshInterval !== undefined && !/^0[a-z]*$/.test(String(spec.refreshInterval)))
      report(`${p.id}: ${describe(r)} refreshes every ${spec.refreshInterval}`);
    if (spec.target?.immutable !== true) report(`${p.id}: ${describe(r)}: its Secret is not immutable`);
    if (spec.target?.creationPolicy !== "Orphan")
      report(
        `${p.id}: ${describe(r)}: creationPolicy ${spec.target?.creationPolicy ?? "Owner"} ties the Secret to the ExternalSecret`,
      );
    if (spec.target?.template?.data) report(`${p.id}: ${describe(r)}: a template re-renders the value`);
  },
};
