import { accessMatrix, authRoles, planPolicies, type AccessRow } from "../access/matrix.js";
import { describe } from "../policies/resources.js";
import type { ResourceView, StackView } from "../policies/rule.js";
import type { Registry } from "../registry/load.js";
import { dnsNamesOf, identityOf, pkiRoleGrant, purposeLabel, secretsWritten, type WrittenSecret } from "./targets.js";

/**
 * What a change does to access and trust: the security-relevant difference between the resources of a base (e.g. the
 * plan or preview of main) and a head (the plan of a pull request). Pure: two sets of stacks in, plain data out, read
 * from each document kind the same way (policies/documents.ts). Grants come from the access matrix (access/matrix.ts),
 * so the review says what Vault would grant, not what the registry intends.
 */

/** A capability set on one path of a purpose, for one identity through one role, before and after. */
export interface AccessChange {
  purpose: string;
  identity: string;
  role: string;
  path: string;
  /** Empty when the identity had no grant there before (a new reader or writer). */
  before: string[];
  /** Empty when it has none any more. */
  after: string[];
}

export interface PathGrant {
  path: string;
  capabilities: string[];
}

export interface PolicyChange {
  name: string;
  change: "added" | "removed" | "changed";
  /** Rules present after and not before (an added policy: all of them); a changed capability set appears in both. */
  granted: PathGrant[];
  revoked: PathGrant[];
}

export interface AuthRoleChange {
  name: string;
  change: "added" | "removed" | "changed";
  identities: { added: string[]; removed: string[] };
  policies: { added: string[]; removed: string[] };
}

export interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
}

export interface PkiRoleChange {
  /** `<mount>/<role>`. */
  role: string;
  change: "added" | "removed" | "changed";
  /** The fields that differ (an added role: every field it sets, `before` absent). */
  fields: FieldChange[];
}

export interface DnsNameChange {
  /** The object requesting or allowing the names, e.g. `Certificate storefront/storefront-ingress-tls`. */
  resource: string;
  purpose?: string;
  added: string[];
  removed: string[];
}

export interface SecretChange {
  change: "created" | "removed" | "moved";
  /** `namespace/name`: where it is after the change (removed: where it was). */
  secret: string;
  /** A moved Secret: where it was. */
  from?: string;
  purpose?: string;
  by: string;
}

export interface ResourceChange {
  stack: string;
  urn: string;
  /** e.g. `ExternalSecret payments/payments-db-password`. */
  resource: string;
  change: "deleted" | "replaced" | "protection added" | "protection removed";
  /** Replaced: the object it was and the one it becomes. */
  from?: string;
  to?: string;
  /** Protected before the change: a delete or replacement of it fails until the protection is lifted. */
  protected: boolean;
}

export interface Review {
  access: AccessChange[];
  policies: PolicyChange[];
  authRoles: AuthRoleChange[];
  pkiRoles: PkiRoleChange[];
  dnsNames: DnsNameChange[];
  secrets: SecretChange[];
  resources: ResourceChange[];
}

/** The purposes each side's access is attributed to: the registry each side was planned from. */
export interface ReviewRegistries {
  base: Registry;
  head: Registry;
}

export function reviewOf(base: readonly StackView[], head: readonly StackView[], registries: ReviewRegistries): Review {
  const [b, h] = [base.flatMap((s) => s.resources), head.flatMap((s) => s.resources)];
  return {
    access: accessChanges(accessMatrix(b, registries.base), accessMatrix(h, registries.head)),
    policies: policyChanges(b, h),
    authRoles: authRoleChanges(b, h),
    pkiRoles: pkiRoleChanges(b, h),
    dnsNames: dnsNameChanges(b, h),
    secrets: secretChanges(b, h),
    resources: resourceChanges(b, h),
  };
}

/** How many changes a review lists. */
export function changeCount(review: Review): number {
  return Object.values(review).reduce((n, list: unknown[]) => n + list.length, 0);
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
const minus = (a: readonly string[], b: readonly string[]) => a.filter((x) => !b.includes(x));
const byKey = <T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T> => {
  const out = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out.set(k, item);
  }
  return out;
};
/** Keys of two maps: only in the base, in both, only in the head; sorted. */
function pair<T>(base: Map<string, T>, head: Map<string, T>): [string, T | undefined, T | undefined][] {
  return [...new Set([...base.keys(), ...head.keys()])].sort().map((k) => [k, base.get(k), head.get(k)]);
}
const changeOf = (b: unknown, h: unknown) => (b === undefined ? "added" : h === undefined ? "removed" : "changed");

function accessChanges(base: readonly AccessRow[], head: readonly AccessRow[]): AccessChange[] {
  const key = (r: AccessRow) => `${r.purpose}\u0000${r.identity}\u0000${r.role}\u0000${r.path}`;
  const out: AccessChange[] = [];
  for (const [, b, h] of pair(byKey(base, key), byKey(head, key))) {
    const [before, after] = [b?.capabilities ?? [], h?.capabilities ?? []];
    if (sameSet(before, after)) continue;
    const row = (h ?? b)!;
    out.push({ purpose: row.purpose, identity: row.identity, role: row.role, path: row.path, before, after });
  }
  return out;
}

function policyChanges(base: readonly ResourceView[], head: readonly ResourceView[]): PolicyChange[] {
  const grants = (rules: { path: string; capabilities: string[] }[]) =>
    byKey(
      rules.map((r) => ({ path: r.path, capabilities: r.capabilities })),
      (r) => r.path,
    );
  const out: PolicyChange[] = [];
  for (const [name, b, h] of pair(planPolicies(base), planPolicies(head))) {
    const [before, after] = [grants(b ?? []), grants(h ?? [])];
    const granted: PathGrant[] = [];
    const revoked: PathGrant[] = [];
    for (const [, was, is] of pair(before, after)) {
      if (was && is && sameSet(was.capabilities, is.capabilities)) continue;
      if (is) granted.push(is);
      if (was) revoked.push(was);
    }
    if (b && h && granted.length === 0 && revoked.length === 0) continue;
    out.push({ name, change: changeOf(b, h), granted, revoked });
  }
  return out;
}

function authRoleChanges(base: readonly ResourceView[], head: readonly ResourceView[]): AuthRoleChange[] {
  const out: AuthRoleChange[] = [];
  const roles = (rs: readonly ResourceView[]) => byKey(authRoles(rs), (r) => r.name);
  for (const [name, b, h] of pair(roles(base), roles(head))) {
    const [bi, hi, bp, hp] = [b?.identities ?? [], h?.identities ?? [], b?.policies ?? [], h?.policies ?? []];
    if (b && h && sameSet(bi, hi) && sameSet(bp, hp)) continue;
    out.push({
      name,
      change: changeOf(b, h),
      identities: { added: minus(hi, bi), removed: minus(bi, hi) },
      policies: { added: minus(hp, bp), removed: minus(bp, hp) },
    });
  }
  return out;
}

function pkiRoleChanges(base: readonly ResourceView[], head: readonly ResourceView[]): PkiRoleChange[] {
  const roles = (rs: readonly ResourceView[]) =>
    byKey(
      rs.filter((r) => pkiRoleGrant(r)),
      (r) => `${r.props.backend}/${r.props.name}`,
    );
  const out: PkiRoleChange[] = [];
  for (const [role, b, h] of pair(roles(base), roles(head))) {
    const [was, is] = [b ? pkiRoleGrant(b)! : {}, h ? pkiRoleGrant(h)! : {}];
    const fields = [...new Set([...Object.keys(was), ...Object.keys(is)])]
      .sort()
      .filter((f) => JSON.stringify(was[f]) !== JSON.stringify(is[f]))
      .map((field) => ({
        field,
        ...(was[field] !== undefined ? { before: was[field] } : {}),
        ...(is[field] !== undefined ? { after: is[field] } : {}),
      }));
    if (fields.length) out.push({ role, change: changeOf(b, h), fields });
  }
  return out;
}

function dnsNameChanges(base: readonly ResourceView[], head: readonly ResourceView[]): DnsNameChange[] {
  const holders = (rs: readonly ResourceView[]) =>
    byKey(
      rs.filter((r) => dnsNamesOf(r)),
      (r) => describe(r),
    );
  const out: DnsNameChange[] = [];
  for (const [resource, b, h] of pair(holders(base), holders(head))) {
    const [was, is] = [b ? dnsNamesOf(b)! : [], h ? dnsNamesOf(h)! : []];
    const [added, removed] = [minus(is, was), minus(was, is)];
    if (added.length === 0 && removed.length === 0) continue;
    const purpose = purposeLabel((h ?? b)!);
    out.push({ resource, ...(purpose ? { purpose } : {}), added, removed });
  }
  return out;
}

/**
 * Secrets written before and after, grouped by the purpose their writer delivers (or by the writer itself): a group
 * that loses one Secret and gains one has moved it; anything else is created or removed.
 */
function secretChanges(base: readonly ResourceView[], head: readonly ResourceView[]): SecretChange[] {
  const groups = (rs: readonly ResourceView[]) => {
    const out = new Map<string, Map<string, WrittenSecret>>();
    for (const r of rs)
      for (const s of secretsWritten(r)) {
        const group = s.purpose ? `purpose ${s.purpose}` : r.urn;
        out.set(group, (out.get(group) ?? new Map()).set(s.secret, s));
      }
    return out;
  };
  const changes: SecretChange[] = [];
  for (const [, b = new Map<string, WrittenSecret>(), h = new Map<string, WrittenSecret>()] of pair(
    groups(base),
    groups(head),
  )) {
    const removed = [...b.values()].filter((s) => !h.has(s.secret));
    const created = [...h.values()].filter((s) => !b.has(s.secret));
    if (removed.length === 1 && created.length === 1) {
      changes.push({ change: "moved", ...created[0]!, from: removed[0]!.secret });
      continue;
    }
    for (const s of created) changes.push({ change: "created", ...s });
    for (const s of removed) changes.push({ change: "removed", ...s });
  }
  return changes.sort((x, y) => x.secret.localeCompare(y.secret) || x.change.localeCompare(y.change));
}

/** Resources gone from the head, replaced under their URN, or whose protection changed. */
function resourceChanges(base: readonly ResourceView[], head: readonly ResourceView[]): ResourceChange[] {
  const out: ResourceChange[] = [];
  for (const [urn, b, h] of pair(
    byKey(base, (r) => r.urn),
    byKey(head, (r) => r.urn),
  )) {
    if (!b) continue;
    const common = { stack: b.stack, urn, resource: describe(b), protected: b.protect };
    if (!h) {
      out.push({ ...common, change: "deleted" });
      continue;
    }
    const [from, to] = [identityOf(b), identityOf(h)];
    if (from !== to) out.push({ ...common, change: "replaced", ...(from ? { from } : {}), ...(to ? { to } : {}) });
    if (b.protect !== h.protect) out.push({ ...common, change: h.protect ? "protection added" : "protection removed" });
  }
  return out;
}
