import { steadyStateLayout } from "../delivery/layout.js";
import { customResourceName, secretWrittenBy, storeNamesOf } from "../delivery/objects.js";
import type { CustomResourceSpec } from "../delivery/types.js";
import { runtimeAuthorityLayout } from "../vault/layout.js";
import { KUBERNETES_AUTH_PATH, MOUNTS } from "../vault/paths.js";
import type { Registry } from "./load.js";
import type { Problem } from "./problems.js";
import { kubernetesSecretName, type RegisteredPurpose } from "./purpose.js";
import { secretTargets } from "./rules.js";

/**
 * Every name the program derives from registry fields, and the rules they must keep: unique where Kubernetes, Vault
 * or the Pulumi engine needs them unique, and within the length and charset Kubernetes allows. The names are read
 * from the very layouts the stacks register (delivery/layout.ts, vault/layout.ts) and from the function that names
 * their Pulumi resources, never spelt a second time here: what is checked is what would be registered. A name two
 * purposes derive alike (`a` + `b-c` and `a-b` + `c`) or one too long for its kind is a registry problem on the
 * purpose and field that produced it, not an engine failure halfway through a deployment.
 */

/** What a name must look like in its scope. */
export interface NameLimit {
  max: number;
  pattern: RegExp;
  what: string;
}

/** Most Kubernetes object names: an RFC 1123 subdomain. */
export const SUBDOMAIN_NAME: NameLimit = {
  max: 253,
  pattern: /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/,
  what: "RFC 1123 subdomain, at most 253 characters",
};
/** Names that also become a label value or a DNS label: an RFC 1123 label. */
export const LABEL_NAME: NameLimit = {
  max: 63,
  pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
  what: "RFC 1123 label, at most 63 characters",
};
/** A Job's name becomes the `job-name` label of its pods, so it is a label as well as an object name. */
const LABEL_KINDS: ReadonlySet<string> = new Set(["Job"]);

/** Where cert-manager runs is stack config, not registry: its objects are checked against each other only. */
const CERT_MANAGER_NAMESPACE = "<cert-manager>";

/** Why each space wants its names unique, for messages. */
const UNIQUE_IN = {
  kubernetes: "Kubernetes holds one object per kind, namespace and name: the second would overwrite the first",
  vault: "Vault holds one object per name in a mount: the second would overwrite the first",
  pulumi:
    "Pulumi names a custom resource by joining kind, namespace and name with '-': the engine refuses a second resource of the same name",
} as const;

export interface DerivedName {
  space: keyof typeof UNIQUE_IN;
  /** Where the name must be unique, e.g. `ExternalSecret in namespace payments`, `Vault ACL policy`. */
  scope: string;
  name: string;
  /** What is named, for messages, e.g. `ExternalSecret payments/x-generator`. */
  object: string;
  /** The object's identity: the names of one object (a store several purposes use) never collide with each other. */
  origin: string;
  /** The purpose and field the name derives from. */
  purpose: string;
  field: string;
  limit?: NameLimit;
  /** A Secret name the one-writer-per-Secret rule (registry/load.ts) already checks. */
  writerChecked?: boolean;
}

/** Every name the stacks would register for `registry` (which has passed its per-purpose rules). */
export function derivedNames(registry: Registry): DerivedName[] {
  const out: DerivedName[] = [];
  const object = (
    spec: Pick<CustomResourceSpec, "kind" | "metadata">,
    purpose: string,
    field: string,
    origin: string,
  ): void => {
    const { kind, namespace, name } = { kind: spec.kind, ...spec.metadata };
    const described = `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
    out.push({
      space: "kubernetes",
      scope: namespace ? `${kind} in namespace ${namespace}` : `${kind} (cluster-scoped)`,
      name,
      object: described,
      origin,
      purpose,
      field,
      limit: LABEL_KINDS.has(kind) ? LABEL_NAME : SUBDOMAIN_NAME,
    });
  };
  const custom = (spec: CustomResourceSpec, purpose: string, field: string, origin: string): void => {
    object(spec, purpose, field, origin);
    const { namespace, name } = spec.metadata;
    out.push({
      space: "pulumi",
      scope: `Pulumi name of a ${spec.kind}`,
      name: customResourceName(spec),
      object: `${spec.kind} ${namespace ? `${namespace}/` : ""}${name}`,
      origin,
      purpose,
      field,
    });
  };
  const secret = (p: RegisteredPurpose, namespace: string, name: string): void => {
    const target = `${namespace}/${name}`;
    out.push({
      space: "kubernetes",
      scope: `Secret in namespace ${namespace}`,
      name,
      object: `Secret ${target}`,
      origin: `secret ${target} of ${p.id}`,
      purpose: p.id,
      field: name === kubernetesSecretName(p) ? secretNameField(p) : "id",
      limit: SUBDOMAIN_NAME,
      writerChecked: secretTargets(p).includes(target),
    });
  };
  const vault = (scope: string, name: string, purpose: string, field: string, origin: string): void => {
    out.push({ space: "vault", scope, name, object: `${scope} ${name}`, origin, purpose, field });
  };

  const steady = steadyStateLayout(registry, { vaultServer: "", rootCertificatePem: "" });
  const stores = new Map(steady.stores.map((s) => [s.name, s]));
  for (const { purpose: p, resources } of steady.deliveries) {
    resources.forEach((r, i) => {
      custom(r, p.id, "id", `${p.id} object ${i}`);
      const written = secretWrittenBy(r);
      if (written && r.metadata.namespace) secret(p, r.metadata.namespace, written);
      for (const storeName of storeNamesOf(r)) {
        const store = stores.get(storeName)!;
        const index = p.consumers.findIndex(
          (c) => c.namespace === store.consumer.namespace && c.serviceAccount === store.consumer.serviceAccount,
        );
        custom(store.resource, p.id, `consumers[${index}].serviceAccount`, `store ${storeName}`);
      }
    });
    if (p.delivery === "bootstrap") secret(p, p.bootstrap.namespace, p.bootstrap.secretName);
  }
  const ownerOf = new Map(registry.purposes.map((p) => [p.id, p.owner]));
  for (const i of steady.issuers) {
    custom(i.resource, i.purpose, "id", `${i.purpose} issuer`);
    custom(i.approval, i.purpose, "id", `${i.purpose} approval`);
    object(
      { kind: "ServiceAccount", metadata: { name: i.serviceAccount, namespace: CERT_MANAGER_NAMESPACE } },
      i.purpose,
      "owner",
      `issuer account of ${ownerOf.get(i.purpose)}`,
    );
  }

  const authority = runtimeAuthorityLayout(registry, { certManager: CERT_MANAGER_NAMESPACE });
  const identity = (role: string, purpose: string, field: string) => {
    vault(`Vault role in auth/${KUBERNETES_AUTH_PATH}`, role, purpose, field, `identity ${role}`);
    vault("Vault ACL policy", role, purpose, field, `identity ${role}`);
  };
  const byId = new Map(registry.purposes.map((p) => [p.id, p]));
  for (const g of authority.consumers) {
    const p = byId.get(g.purposes[0]!)!;
    const index = p.consumers.findIndex(
      (c) => c.namespace === g.consumer.namespace && c.serviceAccount === g.consumer.serviceAccount,
    );
    identity(g.role, p.id, `consumers[${index}]`);
  }
  for (const i of authority.issuers) {
    const first = Object.keys(i.signPaths)[0]!;
    identity(i.role, first, "owner");
  }
  for (const h of authority.handovers) {
    identity(h.role, h.purpose, "id");
    for (const kind of ["ServiceAccount", "Job"])
      object({ kind, metadata: { name: h.jobName, namespace: h.namespace } }, h.purpose, "id", `handover ${h.purpose}`);
  }
  for (const k of authority.transitKeys)
    vault(`Vault transit key in ${MOUNTS.transit}`, k.name, k.purpose, "id", `key ${k.purpose}`);
  for (const r of authority.pkiRoles)
    vault(`Vault PKI role in ${MOUNTS.pki}`, r.name, r.purpose, "id", `role ${r.purpose}`);
  for (const s of authority.kvSecrets)
    vault(`Vault KV secret in ${MOUNTS.kv}`, s.path, s.purpose, "id", `secret ${s.purpose}`);
  return out;
}

/** The field a purpose's own Secret is named by: its block's `secretName` when set, else its id. */
function secretNameField(p: RegisteredPurpose): string {
  if (p.delivery === "bootstrap") return "bootstrap.secretName";
  if (p.delivery === "cert-manager" && p.certificate.secretName) return "certificate.secretName";
  if (
    (p.delivery === "external-secret" || p.delivery === "reveal-once" || p.delivery === "push-secret") &&
    p.kv?.secretName
  )
    return "kv.secretName";
  return "id";
}

/** Where a purpose's field is, for messages. */
export type Locate = (purpose: string, field: string) => Pick<Problem, "file" | "line">;

/**
 * Every derived name too long or malformed for its kind, and every name two objects share where it must be unique
 * (each purpose involved is told, naming the others), sorted by the order the names were derived in.
 */
export function derivedNameProblems(registry: Registry, locate: Locate): Problem[] {
  const names = derivedNames(registry);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const report = (n: DerivedName, message: string) => {
    const key = `${n.purpose}\0${n.field}\0${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ ...locate(n.purpose, n.field), subject: n.purpose, field: n.field, message });
  };

  for (const n of names) {
    const limit = n.limit;
    if (!limit || (n.name.length <= limit.max && limit.pattern.test(n.name))) continue;
    const shown = n.name.length > 80 ? `${n.name.slice(0, 40)}…${n.name.slice(-20)}` : n.name;
    report(
      n,
      `derives ${n.object.split(" ")[0]} name ${shown} (${n.name.length} characters), which must be an ${limit.what}: shorten it`,
    );
  }

  const groups = new Map<string, DerivedName[]>();
  for (const n of names) {
    const key = `${n.space}\0${n.scope}\0${n.name}`;
    const group = groups.get(key);
    if (group) group.push(n);
    else groups.set(key, [n]);
  }
  for (const group of groups.values()) {
    const origins = new Map<string, DerivedName>();
    for (const n of group) if (!origins.has(n.origin)) origins.set(n.origin, n);
    if (origins.size < 2) continue;
    const distinct = [...origins.values()];
    // Two purposes writing one Secret is the one-writer rule's to report, once; one object derived twice is reported
    // as the Kubernetes collision it is, not again as the Pulumi name that follows from it.
    if (distinct.every((n) => n.writerChecked)) continue;
    if (distinct[0]!.space === "pulumi" && distinct.every((n) => n.object === distinct[0]!.object)) continue;
    const firstOfPurpose = new Map<string, DerivedName>();
    for (const n of distinct) if (!firstOfPurpose.has(n.purpose)) firstOfPurpose.set(n.purpose, n);
    for (const n of firstOfPurpose.values()) {
      const others = distinct
        .filter((o) => o !== n)
        .map((o) => {
          if (o.purpose === n.purpose) return `its own ${o.object} (from ${o.field})`;
          const at = locate(o.purpose, o.field);
          return `${o.object} of purpose ${o.purpose} (from ${o.field}, ${at.line ? `${at.file}:${at.line}` : at.file})`;
        });
      report(
        n,
        `derives ${n.space === "pulumi" ? `the Pulumi name ${n.name} for ${n.object}` : n.object}, and so does ${others.join(" and ")}: ${UNIQUE_IN[n.space]}; rename one`,
      );
    }
  }
  return problems;
}
