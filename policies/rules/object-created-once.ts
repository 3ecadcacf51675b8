import { kubernetesObject } from "../resources.js";
import type { PlatformRule, ResourceView } from "../rule.js";

/**
 * Which Kubernetes object a resource creates: API group, kind, namespace and name (the version is left out: apps/v1
 * and apps/v1beta1 name the same object). Undefined for patches (`*Patch` types change an object another stack
 * created, through their own field manager), for what is not a Kubernetes object (Helm releases: charts), and for an
 * auto-named object (its name is unique by construction).
 */
export function createdObject(r: ResourceView): string | undefined {
  const k = kubernetesObject(r);
  if (!k?.name || r.type.endsWith("Patch")) return undefined;
  const apiVersion = String(r.props.apiVersion ?? r.type.split(":")[1] ?? "");
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
  // The type token spells the core group "core"; the API spells it "".
  return `${group === "core" ? "" : group}/${k.kind} ${k.namespace ? `${k.namespace}/` : ""}${k.name}`;
}

export const objectCreatedOnce: PlatformRule = {
  name: "object-created-once",
  description:
    "Every Kubernetes object is created by one stack only: a later stack that needs it uses it by name, or patches it with a *Patch resource under its own field manager.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "let the earliest stack that needs the object create it and publish it in its outputs; later stacks read it from there (phases/namespaces.ts) or patch it",
  validateCluster(stacks, _ctx, report) {
    const creators = new Map<string, ResourceView[]>();
    for (const s of stacks)
      for (const r of s.resources) {
        const key = createdObject(r);
        if (key) creators.set(key, [...(creators.get(key) ?? []), r]);
      }
    for (const [object, [first, ...others]] of creators)
      for (const r of others)
        report(
          r.stack,
          `${object} is created by stack ${first!.stack} (${first!.urn}) and again by stack ${r.stack} (${r.urn})`,
          r.urn,
        );
  },
};
