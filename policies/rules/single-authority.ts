import { PHASE_IDS } from "../../phases/catalog.js";
import { LABEL } from "../../registry/labels.js";
import { describe, kubernetesObject, labelledPurpose, secretWritten, vaultPathWritten } from "../resources.js";
import type { ClusterReport, PlatformRule, ResourceView, RuleContext } from "../rule.js";
import { createdObject } from "./object-created-once.js";

/** Whether a stack's phase comes before another's (an unknown phase is before nothing). */
const earlier = (a: ResourceView, b: ResourceView) =>
  a.phase !== undefined && b.phase !== undefined && PHASE_IDS.indexOf(a.phase) < PHASE_IDS.indexOf(b.phase);

/**
 * Whether `later` merges a bootstrap purpose's Vault value into the Secret `first` wrote in an earlier phase: the
 * documented handover, where ESO keeps the existing Secret current without owning it (creationPolicy Merge).
 */
function mergesAfterHandover(first: ResourceView, later: ResourceView, ctx: RuleContext): boolean {
  const merges = (r: ResourceView) =>
    kubernetesObject(r)?.kind === "ExternalSecret" && r.props.spec?.target?.creationPolicy === "Merge";
  return (
    merges(later) &&
    !merges(first) &&
    earlier(first, later) &&
    labelledPurpose(later, ctx)?.purpose?.delivery === "bootstrap"
  );
}

/**
 * Reports every owner of a key after the first that `conflicts` with an earlier one, naming both stacks and URNs,
 * under the later stack. Owners are taken in phase order, so the earlier stack is the one named first.
 */
function reportOwners(
  owners: Map<string, ResourceView[]>,
  what: string,
  conflicts: (first: ResourceView, later: ResourceView) => boolean,
  report: ClusterReport,
) {
  const order = (r: ResourceView) => (r.phase === undefined ? PHASE_IDS.length : PHASE_IDS.indexOf(r.phase));
  for (const [key, list] of owners) {
    const sorted = [...list].sort((a, b) => order(a) - order(b));
    sorted.forEach((r, i) => {
      const first = sorted.slice(0, i).find((e) => conflicts(e, r));
      if (first)
        report(
          r.stack,
          `${what} ${key} is written by ${describe(first)} of stack ${first.stack} (${first.urn}) and again by ${describe(r)} of stack ${r.stack} (${r.urn})`,
          r.urn,
        );
    });
  }
}

const add = (map: Map<string, ResourceView[]>, key: string | undefined, r: ResourceView) => {
  if (key) map.set(key, [...(map.get(key) ?? []), r]);
};

export const singleAuthority: PlatformRule = {
  name: "single-authority",
  description:
    "One authority per secret at a time, across every stack of the cluster: no Secret written by two objects (a Secret, an ExternalSecret target, a Certificate secretName) and no Vault path written by two resources (a mount, auth method, audit device, ACL policy, KV path, PKI role or intermediate, transit key, Kubernetes auth role), whichever stacks register them; a bootstrap Secret is kept current from Vault only by merging into it after the handover, never by taking it over from Flux. A SecretPatch writes no Secret of its own; a Kubernetes object created twice is object-created-once's.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "keep exactly one writer per Secret and one owner per Vault path: the earliest stack that needs it registers it, later stacks read it from that stack's outputs or patch it; for a handed-over bootstrap Secret use creationPolicy Merge",
  validateCluster(stacks, ctx, report) {
    const secrets = new Map<string, ResourceView[]>();
    const vaultPaths = new Map<string, ResourceView[]>();
    for (const s of stacks)
      for (const r of s.resources) {
        add(secrets, secretWritten(r), r);
        add(vaultPaths, vaultPathWritten(r), r);
        const k = kubernetesObject(r);
        if (!k?.namespace || r.type.endsWith("Patch")) continue;
        const target = r.props.spec?.target;
        const p = labelledPurpose(r, ctx)?.purpose;
        if (k.kind === "ExternalSecret" && p?.delivery === "bootstrap" && target?.creationPolicy !== "Merge")
          report(
            r.stack,
            `${p.id}: ${describe(r)} would own the bootstrap Secret Flux created (creationPolicy ${target?.creationPolicy ?? "Owner"})`,
            r.urn,
          );
        if (k.kind === "Secret" && k.labels[LABEL.authority] === "vault" && r.props.stringData !== undefined)
          report(
            r.stack,
            `${k.labels[LABEL.purpose] ?? k.name}: ${describe(r)} claims authority vault but Pulumi writes its data`,
            r.urn,
          );
      }
    reportOwners(
      secrets,
      "Secret",
      (first, later) => {
        const object = createdObject(later);
        // The same object registered twice is object-created-once's to report: each fact once.
        if (object !== undefined && object === createdObject(first)) return false;
        return !mergesAfterHandover(first, later, ctx);
      },
      report,
    );
    reportOwners(vaultPaths, "Vault path", () => true, report);
  },
};
