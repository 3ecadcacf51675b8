import { RESOURCE_TYPES } from "./resource-types.js";
import { PHASE_IDS, type PhaseId } from "../phases/catalog.js";
import { purposeWithId } from "../registry/index-by.js";
import type { RegisteredPurpose } from "../registry/purpose.js";
import { LABEL } from "../registry/labels.js";
import { MOUNTS } from "../vault/paths.js";
import type { ResourceView, RuleContext } from "./rule.js";

/** Helpers rules share to read resources: which stack and phase a URN belongs to, labels, the purpose named. */

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>` → the stack, and the phase its name ends in. */
export function stackOfUrn(urn: string): { stack: string; phase: PhaseId | undefined } {
  const stack = urn.split("::")[0]!.replace(/^urn:pulumi:/, "");
  return { stack, phase: PHASE_IDS.find((p) => stack.endsWith(`-${p}`)) };
}

/** A Kubernetes object's kind and metadata, when the resource is one. */
export function kubernetesObject(
  r: Pick<ResourceView, "type" | "props">,
): { kind: string; name?: string; namespace?: string; labels: Record<string, string> } | undefined {
  if (!r.type.startsWith("kubernetes:") || r.type.startsWith("kubernetes:helm.sh")) return undefined;
  const meta = (r.props.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
  return {
    kind: String(r.props.kind ?? r.type.split(":").at(-1)),
    name: meta.name,
    namespace: meta.namespace,
    labels: meta.labels ?? {},
  };
}

/**
 * The Secret (`namespace/name`) a Kubernetes object writes, if it writes one: a Secret itself, the target of an
 * ExternalSecret (its own name by default), the `secretName` of a cert-manager Certificate. Patches write none.
 */
export function secretWritten(r: ResourceView): string | undefined {
  const k = kubernetesObject(r);
  if (!k?.namespace || r.type.endsWith("Patch")) return undefined;
  const spec = (r.props.spec ?? {}) as { target?: { name?: string }; secretName?: string };
  const name =
    k.kind === "Secret"
      ? k.name
      : k.kind === "ExternalSecret"
        ? (spec.target?.name ?? k.name)
        : k.kind === "Certificate"
          ? spec.secretName
          : undefined;
  return name ? `${k.namespace}/${name}` : undefined;
}

/** The purpose a resource says it delivers (its `secrets-platform/purpose` label), and the registry's contract. */
export function labelledPurpose(
  r: ResourceView,
  ctx: RuleContext,
): { id: string; purpose: RegisteredPurpose | undefined } | undefined {
  const id = kubernetesObject(r)?.labels[LABEL.purpose];
  return id ? { id, purpose: purposeWithId(ctx.registry, id) } : undefined;
}

export function purposeById(ctx: RuleContext, id: string): RegisteredPurpose | undefined {
  return purposeWithId(ctx.registry, id);
}

/** A resource as `<type> <name>` in messages. */
export function describe(r: ResourceView): string {
  const k = kubernetesObject(r);
  return k
    ? `${k.kind} ${k.namespace ? `${k.namespace}/` : ""}${k.name ?? r.name}`
    : `${r.type.split(":").at(-1)} ${r.name}`;
}

/** Whether a resource writes a KV v2 secret's metadata (`kv/metadata/<owner>/<purpose>`, see vault/paths.ts). */
export function isKvMetadata(r: ResourceView): boolean {
  return r.type === RESOURCE_TYPES.vaultGenericEndpoint && String(r.props.path).startsWith(`${MOUNTS.kv}/metadata/`);
}
