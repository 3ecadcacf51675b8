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

/** A path segment trimmed of the slashes Vault ignores around it, when it is a known, non-empty string. */
function segment(v: unknown): string | undefined {
  const trimmed = typeof v === "string" ? v.replace(/^\/+|\/+$/g, "") : "";
  return trimmed || undefined;
}
const joined = (...parts: unknown[]): string | undefined => {
  const known = parts.map(segment);
  return known.every((p) => p !== undefined) ? known.join("/") : undefined;
};

/**
 * The Vault API path a resource writes or configures, as Vault names it: a mount, auth method or audit device under
 * `sys/`, an ACL policy by name (Vault lowercases policy names), a PKI role, transit key or Kubernetes auth role under
 * its mount. Undefined for what writes no Vault path, and while a part of the path is not known yet (a preview's
 * unknown output).
 */
export function vaultPathWritten(r: Pick<ResourceView, "type" | "props">): string | undefined {
  const p = r.props;
  switch (r.type) {
    case RESOURCE_TYPES.vaultMount:
      return joined("sys/mounts", p.path);
    case RESOURCE_TYPES.vaultAuthBackend:
      return joined("sys/auth", p.path ?? p.type);
    case RESOURCE_TYPES.vaultAudit:
      return joined("sys/audit", p.path ?? p.type);
    case RESOURCE_TYPES.vaultPolicy:
      return joined("sys/policies/acl", typeof p.name === "string" ? p.name.toLowerCase() : undefined);
    case RESOURCE_TYPES.vaultGenericEndpoint:
      return joined(p.path);
    case RESOURCE_TYPES.vaultKvSecretBackendV2:
      return joined(p.mount, "config");
    case RESOURCE_TYPES.vaultTransitKey:
      return joined(p.backend, "keys", p.name);
    case RESOURCE_TYPES.vaultKubernetesAuthConfig:
      return joined("auth", p.backend ?? "kubernetes", "config");
    case RESOURCE_TYPES.vaultKubernetesAuthRole:
      return joined("auth", p.backend ?? "kubernetes", "role", p.roleName);
    // Any CSR of a mount generates its pending intermediate key, whatever its type: one owner per mount.
    case RESOURCE_TYPES.vaultPkiIntermediateCsr:
      return joined(p.backend, "intermediate/generate");
    case RESOURCE_TYPES.vaultPkiIntermediateSetSigned:
      return joined(p.backend, "intermediate/set-signed");
    case RESOURCE_TYPES.vaultPkiConfigUrls:
      return joined(p.backend, "config/urls");
    case RESOURCE_TYPES.vaultPkiRole:
      return joined(p.backend, "roles", p.name);
  }
  return undefined;
}
