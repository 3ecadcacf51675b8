import { describe, kubernetesObject, labelledPurpose } from "../resources.js";
import type { PlatformRule, ResourceView, RuleContext } from "../rule.js";

export const revealOnce: PlatformRule = {
  name: "reveal-once",
  description:
    "A reveal-once credential is materialized once, at one boundary, and never again: one ExternalSecret in one namespace, CreatedOnce, no refresh interval, an immutable Secret that outlives its ExternalSecret; nothing pushes or re-reads it.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "set refreshPolicy CreatedOnce, refreshInterval 0s, target.immutable true and creationPolicy Orphan; keep one ExternalSecret in the purpose's one namespace and remove any other object that reads or pushes it",
  // Across every stack: a second copy is a second reveal wherever it is declared (docs/phases/4-steady-state.md).
  validateCluster(stacks, ctx, report) {
    const copies = new Map<string, { stack: string; r: ResourceView }[]>();
    for (const s of stacks)
      for (const r of s.resources) {
        const id = revealOncePurpose(r, ctx);
        if (!id) continue;
        checkObject(r, id, (m) => report(s.stack, m, r.urn));
        if (kubernetesObject(r)?.kind === "ExternalSecret")
          copies.set(id, [...(copies.get(id) ?? []), { stack: s.stack, r }]);
      }
    for (const [id, found] of copies)
      if (found.length > 1)
        for (const { stack, r } of found.slice(1))
          report(
            stack,
            `${id}: ${describe(r)} is a second reveal (${found.length} ExternalSecrets: ${found.map((f) => describe(f.r)).join(", ")}): a reveal-once credential is revealed at one boundary and retained in one Secret`,
            r.urn,
          );
  },
};

/** The id of the reveal-once purpose a resource is labelled with, if any. */
function revealOncePurpose(r: ResourceView, ctx: RuleContext): string | undefined {
  const p = labelledPurpose(r, ctx)?.purpose;
  return kubernetesObject(r) && p?.delivery === "reveal-once" ? p.id : undefined;
}

/** One object of a reveal-once purpose: only an ExternalSecret that fetches once into a Secret nothing rewrites. */
function checkObject(r: ResourceView, id: string, report: (message: string) => void): void {
  if (kubernetesObject(r)!.kind !== "ExternalSecret")
    return report(`${id}: ${describe(r)}: only one ExternalSecret may deliver a reveal-once credential`);
  const spec = r.props.spec ?? {};
  if (spec.refreshPolicy !== "CreatedOnce")
    report(
      `${id}: ${describe(r)} has refreshPolicy ${spec.refreshPolicy ?? "Periodic (default)"}: it would fetch the value again`,
    );
  if (spec.refreshInterval !== undefined && !/^0[a-z]*$/.test(String(spec.refreshInterval)))
    report(`${id}: ${describe(r)} refreshes every ${spec.refreshInterval}`);
  if (spec.target?.immutable !== true) report(`${id}: ${describe(r)}: its Secret is not immutable`);
  if (spec.target?.creationPolicy !== "Orphan")
    report(
      `${id}: ${describe(r)}: creationPolicy ${spec.target?.creationPolicy ?? "Owner"} ties the Secret to the ExternalSecret`,
    );
  if (spec.target?.template?.data) report(`${id}: ${describe(r)}: a template re-renders the value`);
}
