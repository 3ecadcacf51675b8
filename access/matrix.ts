import { RESOURCE_TYPES } from "../policies/resource-types.js";
import type { Registry } from "../registry/load.js";
import type { RegisteredPurpose } from "../registry/purpose.js";
import { perRegistry } from "../registry/index-by.js";
import { evaluate, literalPrefix, mergeRules, type PolicyRule } from "../vault/acl-eval.js";
import { parseJsonPolicy } from "../vault/policy-parse.js";
import { mechanismOf, purposePaths } from "../delivery/mechanisms/index.js";
import { holdsKvValue, movedFromSecret, moveIdentity } from "../vault/moves.js";
import { enginePaths } from "../vault/paths.js";

/**
 * Who can do what with each purpose, computed from the Vault policies and Kubernetes auth roles a stack registers
 * (not from the registry's intent): for every identity a role binds, what its token would be granted on every path
 * of every purpose, by Vault's own matching rules (vault/acl-eval.ts). Pure.
 */

/** A planned Vault resource: its type token and inputs (plan inputs, preview inputs or analyzer props). */
export interface VaultResource {
  type: string;
  props: Record<string, any>;
}

export interface AccessRow {
  /** `namespace/serviceAccount`. */
  identity: string;
  /** The Kubernetes auth role it logs in with, and the policies that grant the capabilities. */
  role: string;
  purpose: string;
  path: string;
  capabilities: string[];
  policies: string[];
}

/** A Kubernetes auth role: the identities it binds and the policies of the token it issues. */
export interface AuthRole {
  name: string;
  /** `namespace/serviceAccount`, every pair of its bound namespaces and service accounts. */
  identities: string[];
  policies: string[];
}

/** The Kubernetes auth roles a stack registers. */
export function authRoles(resources: readonly VaultResource[]): AuthRole[] {
  return resources
    .filter((r) => r.type === RESOURCE_TYPES.vaultKubernetesAuthRole)
    .map((r) => {
      const names = (r.props.boundServiceAccountNames ?? []) as string[];
      const namespaces = (r.props.boundServiceAccountNamespaces ?? []) as string[];
      return {
        name: String(r.props.roleName),
        identities: namespaces.flatMap((ns) => names.map((sa) => `${ns}/${sa}`)),
        policies: (r.props.tokenPolicies ?? []) as string[],
      };
    });
}

/** The rules of every Vault policy a stack registers, by policy name. */
export function planPolicies(resources: readonly VaultResource[]): Map<string, PolicyRule[]> {
  const out = new Map<string, PolicyRule[]>();
  for (const r of resources.filter((x) => x.type === RESOURCE_TYPES.vaultPolicy))
    out.set(String(r.props.name), policyRulesOf(r));
  return out;
}

/** The rules of one planned Vault policy (a `vault:index/policy:Policy`). */
export function policyRulesOf(r: VaultResource): PolicyRule[] {
  try {
    return parseJsonPolicy(String(r.props.name), String(r.props.policy));
  } catch {
    // Not JSON, or a document Vault would refuse: acl-least-privilege reports it; it grants nothing once applied.
    return [];
  }
}

interface PurposePath {
  path: string;
  purpose: string;
}

/** Every Vault path of every purpose, sorted by path. */
const purposePathIndex = perRegistry((registry): PurposePath[] =>
  registry.purposes
    .flatMap((p) => {
      // The secret a value moves from is still the purpose's until movedFrom is removed: who can reach it counts.
      const from = movedFromSecret(p);
      const paths = [...purposePaths(p), ...(from && holdsKvValue(p) ? enginePaths("kv", from) : [])];
      return paths.map((path) => ({ path, purpose: p.id }));
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
);

/** The purpose paths that start with `prefix`: a binary search for the first, then the run of them. */
function* pathsStartingWith(registry: Registry, prefix: string): Generator<PurposePath> {
  const index = purposePathIndex(registry);
  let [lo, hi] = [0, index.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index[mid]!.path < prefix) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < index.length && index[i]!.path.startsWith(prefix); i++) yield index[i]!;
}

/** Every non-empty grant of every role-bound identity on every purpose path, sorted by identity, purpose, path. */
export function accessMatrix(resources: readonly VaultResource[], registry: Registry): AccessRow[] {
  const byName = planPolicies(resources);
  const rows: AccessRow[] = [];
  for (const role of authRoles(resources)) {
    // A token carries the policies of the role it logged in with; roles are never combined into one token.
    const rules = mergeRules(role.policies.flatMap((name) => byName.get(name) ?? []));
    // Only the paths starting with a rule's literal prefix can be decided by it: found through those prefixes.
    const candidates = new Set<PurposePath>();
    for (const pattern of rules.byPattern.keys())
      for (const entry of pathsStartingWith(registry, literalPrefix(pattern))) candidates.add(entry);
    for (const { path, purpose } of candidates) {
      const grant = evaluate(rules, path);
      if (grant.capabilities.length === 0 || grant.capabilities[0] === "deny") continue;
      for (const identity of role.identities)
        rows.push({
          identity,
          role: role.name,
          purpose,
          path,
          capabilities: grant.capabilities,
          policies: grant.policies,
        });
    }
  }
  return rows.sort(
    (a, b) =>
      a.identity.localeCompare(b.identity) ||
      a.purpose.localeCompare(b.purpose) ||
      a.path.localeCompare(b.path) ||
      a.role.localeCompare(b.role),
  );
}

/**
 * The identities entitled to a purpose's paths: its declared consumers, and the controllers its mechanism names
 * (the ClusterIssuer's service account for certificates, the handover Job for bootstrap material). ESO reads and
 * pushes as the consumers themselves (delivery/stores.ts), so it needs no identity of its own.
 */
export function entitled(p: RegisteredPurpose, certManagerNamespace: string, vaultNamespace?: string): Set<string> {
  // While a contract carries movedFrom, its move Job (in Vault's namespace) copies the value: vault/moves.ts.
  const move = vaultNamespace === undefined ? undefined : moveIdentity(p, vaultNamespace);
  return new Set([
    ...p.consumers.map((c) => `${c.namespace}/${c.serviceAccount}`),
    ...mechanismOf(p).controllers(p, { certManagerNamespace }),
    ...(move ? [move] : []),
  ]);
}
