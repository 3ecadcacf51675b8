import { authRoles, policyRulesOf, type VaultResource } from "../access/matrix.js";
import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { kubernetesObject } from "../policies/resources.js";
import { LABEL } from "../registry/labels.js";

/**
 * What one planned resource targets or grants, read from its inputs: the facts a reviewer of a change to access and
 * trust needs (a policy's paths, the identities an auth role binds, the names a PKI role or a Certificate allows, the
 * Kubernetes Secret an object writes). Shared by plan.md (one line per resource) and the review of a change
 * (review/diff.ts), so each is read in one place. Pure; secret inputs are "[secret]" in every document it reads.
 */

/** A Kubernetes Secret as `namespace/name`, and how the resource writes it. */
export interface WrittenSecret {
  secret: string;
  /** The purpose the writer delivers (its `secrets-platform/purpose` label), when it names one. */
  purpose?: string;
  /** e.g. `ExternalSecret payments/payments-db-password (creationPolicy Owner)`. */
  by: string;
}

const K8S = (r: VaultResource) => kubernetesObject(r);
/** A namespaced object as `namespace/name`: the API server puts one given no namespace in `default`. */
const at = (namespace: string | undefined, name: string | undefined) => `${namespace ?? "default"}/${name ?? "?"}`;
/** Any object as the API server names it: `namespace/name`, or its name alone when it is cluster-scoped. */
const named = (k: { namespace?: string; name?: string }) => (k.namespace ? `${k.namespace}/${k.name}` : `${k.name}`);

/**
 * The Kubernetes Secrets a resource creates or fills: a Secret itself, an ExternalSecret's target (ESO names it after
 * the ExternalSecret when `target.name` is unset), a Certificate's `secretName`. A SecretPatch only annotates a Secret
 * another writer owns, and a PushSecret reads one: neither writes a value.
 */
export function secretsWritten(r: VaultResource): WrittenSecret[] {
  const k = K8S(r);
  if (!k) return [];
  const purpose = purposeLabel(r);
  const self = at(k.namespace, k.name);
  const spec = (r.props.spec ?? {}) as Record<string, any>;
  const of = (secret: string, by: string): WrittenSecret[] => [{ secret, ...(purpose ? { purpose } : {}), by }];
  if (r.type === "kubernetes:core/v1:Secret") return of(self, `Secret ${self}`);
  if (k.kind === "ExternalSecret") {
    const policy = spec.target?.creationPolicy ?? "Owner";
    return of(at(k.namespace, spec.target?.name ?? k.name), `ExternalSecret ${self} (creationPolicy ${policy})`);
  }
  if (k.kind === "Certificate" && spec.secretName) return of(at(k.namespace, spec.secretName), `Certificate ${self}`);
  return [];
}

/**
 * The DNS names a cert-manager object requests (a Certificate) or lets be signed (an approver-policy
 * CertificateRequestPolicy's `allowed.dnsNames`): the names a change adds or drops from the cluster's trust.
 */
export function dnsNamesOf(r: VaultResource): string[] | undefined {
  const kind = K8S(r)?.kind;
  const spec = (r.props.spec ?? {}) as Record<string, any>;
  if (kind === "Certificate") return [...((spec.dnsNames ?? []) as string[])];
  if (kind === "CertificateRequestPolicy") return [...((spec.allowed?.dnsNames?.values ?? []) as string[])];
  return undefined;
}

/** The purpose a resource says it delivers: its `secrets-platform/purpose` label. */
export function purposeLabel(r: VaultResource): string | undefined {
  return K8S(r)?.labels[LABEL.purpose];
}

/**
 * What a Vault PKI role lets its callers sign: the domains and how they match, and which extensions it sets. The
 * fields are the role's own (Vault's names in the provider's camelCase), so a change to any of them is visible.
 */
export function pkiRoleGrant(r: VaultResource): Record<string, unknown> | undefined {
  if (r.type !== RESOURCE_TYPES.vaultPkiRole) return undefined;
  const { backend: _backend, name: _name, ...grant } = r.props;
  return grant;
}

/**
 * The object a resource is, for the engine or the API server: a Kubernetes object's `namespace/name`, a Vault object's
 * mount and name or path. When it changes under the same URN the old object goes and a new one comes: a replacement.
 */
export function identityOf(r: VaultResource): string | undefined {
  const k = K8S(r);
  if (k) return k.name === undefined ? undefined : at(k.namespace, k.name);
  if (!r.type.startsWith("vault:")) return undefined;
  const p = r.props;
  const parts = [p.backend ?? p.mount, p.roleName ?? p.name ?? p.path].filter((x) => x !== undefined);
  return parts.length ? parts.map(String).join("/") : undefined;
}

/** One line: what the resource targets or grants, or (for any other resource) its inputs in brief. */
export function resourceSummary(r: VaultResource): string {
  const p = r.props;
  const spec = (p.spec ?? {}) as Record<string, any>;
  const k = K8S(r);
  switch (r.type) {
    case RESOURCE_TYPES.vaultPolicy: {
      const rules = policyRulesOf(r);
      return rules.length
        ? `policy ${p.name}: ${rules.map((x) => `${x.path} [${x.capabilities.join(", ")}]`).join("; ")}`
        : `policy ${p.name}: grants nothing (not a policy document Vault accepts)`;
    }
    case RESOURCE_TYPES.vaultKubernetesAuthRole: {
      const [role] = authRoles([r]);
      return `role ${role!.name}: ${role!.identities.join(", ") || "no identity"} → policies ${role!.policies.join(", ") || "none"}`;
    }
    case RESOURCE_TYPES.vaultPkiRole:
      return `PKI role ${p.backend}/${p.name}: ${inBrief(pkiRoleGrant(r)!)}`;
    case RESOURCE_TYPES.vaultGenericEndpoint:
      return `writes ${p.path}`;
    case RESOURCE_TYPES.vaultMount:
    case RESOURCE_TYPES.vaultAuthBackend:
      return `${p.type} at ${p.path}`;
    case RESOURCE_TYPES.vaultTransitKey:
      return `transit key ${p.backend}/${p.name} (${p.type})`;
  }
  if (!k) return inBrief(p);
  const self = `${k.kind} ${named(k)}`;
  const written = secretsWritten(r).map((s) => `Secret ${s.secret}`);
  switch (k.kind) {
    case "ExternalSecret": {
      type Ref = { key?: string; property?: string };
      type From = { extract?: Ref; sourceRef?: { generatorRef?: { kind?: string; name?: string } } };
      const vault = [
        ...((spec.data ?? []) as { remoteRef?: Ref }[]).map((d) => d.remoteRef),
        ...((spec.dataFrom ?? []) as From[]).map((d) => d.extract),
      ]
        .filter((ref): ref is Ref => typeof ref?.key === "string")
        .map((ref) => (ref.property ? `${ref.key} (${ref.property})` : ref.key!));
      const generators = ((spec.dataFrom ?? []) as From[])
        .map((d) => d.sourceRef?.generatorRef)
        .filter((g) => g !== undefined)
        .map((g) => `generator ${g.kind} ${g.name}`);
      const store = `${spec.secretStoreRef?.kind ?? "SecretStore"} ${spec.secretStoreRef?.name}`;
      const from = [vault.length ? `Vault ${[...new Set(vault)].join(", ")} via ${store}` : "", ...generators];
      return `${written[0]} ← ${from.filter(Boolean).join("; ")}`;
    }
    case "PushSecret": {
      const keys = ((spec.data ?? []) as { match?: { remoteRef?: { remoteKey?: string } } }[]).map(
        (d) => d.match?.remoteRef?.remoteKey,
      );
      const stores = ((spec.secretStoreRefs ?? []) as { name?: string }[]).map((s) => s.name);
      return `Secret ${at(k.namespace, spec.selector?.secret?.name)} → Vault ${keys.join(", ")} via ${stores.join(", ")}`;
    }
    case "Certificate":
      return `${written[0] ?? "no Secret"}: DNS ${dnsNamesOf(r)!.join(", ") || "none"}; issuer ${spec.issuerRef?.kind} ${spec.issuerRef?.name}`;
    case "ClusterSecretStore":
    case "SecretStore": {
      const auth = spec.provider?.vault?.auth?.kubernetes;
      return auth
        ? `Vault role ${auth.role} as ${at(auth.serviceAccountRef?.namespace ?? k.namespace, auth.serviceAccountRef?.name)}${spec.conditions ? `, for namespaces ${(spec.conditions as { namespaces?: string[] }[]).flatMap((c) => c.namespaces ?? []).join(", ")}` : ""}`
        : self;
    }
    case "ClusterIssuer":
    case "Issuer": {
      const v = spec.vault;
      return v ? `signs at ${v.path} as Vault role ${v.auth?.kubernetes?.role}` : self;
    }
    case "CertificateRequestPolicy":
      return `allows DNS ${dnsNamesOf(r)!.join(", ") || "none"} for ${spec.selector?.issuerRef?.kind} ${spec.selector?.issuerRef?.name}`;
    case "Role":
    case "ClusterRole":
      return `${self}: ${((p.rules ?? []) as { verbs?: string[]; resources?: string[]; resourceNames?: string[] }[])
        .map(
          (x) =>
            `${(x.verbs ?? []).join("/")} ${(x.resources ?? []).join(",")}${x.resourceNames ? ` ${x.resourceNames.join(",")}` : ""}`,
        )
        .join("; ")}`;
    case "RoleBinding":
    case "ClusterRoleBinding":
      return `${self}: ${p.roleRef?.kind} ${p.roleRef?.name} to ${(
        (p.subjects ?? []) as { kind?: string; namespace?: string; name?: string }[]
      )
        .map((s) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ""}${s.name}`)
        .join(", ")}`;
  }
  return written.length && !written.includes(`Secret ${at(k.namespace, k.name)}`)
    ? `${self} → ${written.join(", ")}`
    : self;
}

/** Longest rendering of one value kept whole; longer values are described instead, never cut in the middle. */
const WHOLE = 120;

/**
 * Top-level inputs, each value whole when short, otherwise described by its shape (`{4 keys}`, `[12 items]`, a PEM by
 * its type): a line a reviewer can read, without a value cut in the middle.
 */
export function inBrief(props: Record<string, unknown>): string {
  return Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0))
    .map(([key, v]) => `${key}=${valueInBrief(v)}`)
    .join(", ");
}

/** One value, whole when it is short, otherwise what it is. */
export function valueInBrief(v: unknown): string {
  if (typeof v === "string") {
    const pem = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(v);
    if (pem) return `(PEM ${pem[1]})`;
    return v.length <= WHOLE && !v.includes("\n") ? v : `(${v.length} characters)`;
  }
  const text = JSON.stringify(v);
  if (text.length <= WHOLE) return text;
  return Array.isArray(v) ? `[${v.length} items]` : `{${Object.keys(v as object).join(", ")}}`;
}
