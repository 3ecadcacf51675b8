import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { distributionOfChart } from "../vault/distribution.js";
import { chartAuthDelegatorBinding, TOKEN_REVIEWER_CLUSTER_ROLE } from "../vault/server.js";
import type { VaultResource } from "./matrix.js";

/**
 * What each service account may do in the Kubernetes API, computed from the RBAC objects the stacks register (and
 * the one binding of a chart the platform relies on: the Vault server's token reviewer), by the RBAC authorizer's
 * own rules (kubernetes `pkg/apis/rbac/v1/evaluation_helpers.go`: `RuleAllows`): a verb, API group and resource of a
 * rule match the request's or are `*`; a rule with `resourceNames` matches only a request for one of those names (so
 * never a `create` or a `list`); a RoleBinding grants in its namespace only, a ClusterRoleBinding everywhere. Pure:
 * the access CLI lists it, the real tier asks a real API server the same questions (`test/real/rbac.test.ts`).
 */

/** One rule of a Role or ClusterRole, as RBAC has it. */
export interface RbacRule {
  apiGroups: string[];
  /** `secrets`, or a subresource as `serviceaccounts/token`. */
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** What a service account may do through one rule of one binding. */
export interface KubernetesGrant {
  /** Where it applies; undefined for a ClusterRoleBinding: every namespace and the cluster-scoped resources. */
  namespace?: string;
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Only these objects, when set. */
  resourceNames?: string[];
  /** The binding and the role it refers to, e.g. `RoleBinding vault/bootstrap-vault -> Role bootstrap-vault`. */
  via: string;
}

export interface ServiceAccountAccess {
  /** `namespace/serviceAccount`. */
  identity: string;
  /** Whether a stack creates the account (a chart's or a team's account is only bound). */
  createdByStack: boolean;
  /** Every grant, in binding order; none for an account the stacks create but bind nowhere. */
  grants: KubernetesGrant[];
}

/** A request as a SubjectAccessReview's `resourceAttributes` ask it. */
export interface KubernetesRequest {
  /** Undefined (or empty) for a cluster-scoped request, or one across every namespace (`list` without one). */
  namespace?: string;
  verb: string;
  apiGroup: string;
  /** With its subresource as `serviceaccounts/token`. */
  resource: string;
  name?: string;
}

/**
 * Kubernetes' built-in cluster roles the stacks bind, with their rules (its bootstrap policy,
 * `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`): the real tier checks these against a real server.
 */
export const BUILT_IN_CLUSTER_ROLES: Readonly<Record<string, readonly RbacRule[]>> = {
  [TOKEN_REVIEWER_CLUSTER_ROLE]: [
    { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
    { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
  ],
};

/** The planned Kubernetes objects of these kinds: the RBAC objects and the service accounts. */
const KINDS = {
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
} as const;

/** The type tokens of the objects the analysis reads (service accounts and RBAC), for callers that apply them. */
export const ACCESS_OBJECT_TYPES: readonly string[] = Object.values(KINDS);

interface Binding {
  apiVersion: string;
  kind: "RoleBinding" | "ClusterRoleBinding";
  metadata: { name: string; namespace?: string };
  roleRef: { kind: "Role" | "ClusterRole"; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
  [field: string]: unknown;
}

/**
 * The RBAC bindings a Vault release's chart creates from the planned values (today the token reviewer's
 * ClusterRoleBinding), as objects a real cluster would hold.
 */
export function chartBindings(resources: readonly VaultResource[]): Binding[] {
  return resources
    .filter((r) => r.type === RESOURCE_TYPES.helmRelease && distributionOfChart(r.props.chart) !== undefined)
    .flatMap((r) => {
      const binding = chartAuthDelegatorBinding(r.props.values ?? {}, {
        name: String(r.props.name),
        namespace: String(r.props.namespace),
      });
      return binding ? [binding] : [];
    });
}

/**
 * Every service account the stacks create or bind, with what it may do; sorted by identity. A binding whose role is
 * neither planned nor built in, or a subject that is not a service account, is an error naming the binding: the
 * platform binds nothing it does not state.
 */
export function serviceAccountAccess(resources: readonly VaultResource[]): ServiceAccountAccess[] {
  const of = (type: string) => resources.filter((r) => r.type === type).map((r) => r.props);
  const roles = new Map<string, RbacRule[]>();
  for (const r of of(KINDS.role)) roles.set(`Role ${r.metadata.namespace}/${r.metadata.name}`, r.rules ?? []);
  for (const r of of(KINDS.clusterRole)) roles.set(`ClusterRole ${r.metadata.name}`, r.rules ?? []);
  for (const [name, rules] of Object.entries(BUILT_IN_CLUSTER_ROLES))
    if (!roles.has(`ClusterRole ${name}`)) roles.set(`ClusterRole ${name}`, [...rules]);

  const access = new Map<string, ServiceAccountAccess>();
  const entry = (identity: string) => {
    let found = access.get(identity);
    if (!found) access.set(identity, (found = { identity, createdByStack: false, grants: [] }));
    return found;
  };
  for (const sa of of(KINDS.serviceAccount))
    entry(`${sa.metadata.namespace ?? "default"}/${sa.metadata.name}`).createdByStack = true;

  const bindings = [
    ...(of(KINDS.roleBinding) as Binding[]),
    ...(of(KINDS.clusterRoleBinding) as Binding[]),
    ...chartBindings(resources),
  ];
  for (const b of bindings) {
    const namespace = b.kind === "RoleBinding" ? (b.metadata.namespace ?? "default") : undefined;
    const bindingName = namespace === undefined ? b.metadata.name : `${namespace}/${b.metadata.name}`;
    // A RoleBinding may refer to a ClusterRole: its rules then apply in the binding's namespace only.
    const role = b.roleRef.kind === "Role" ? `Role ${namespace}/${b.roleRef.name}` : `ClusterRole ${b.roleRef.name}`;
    const rules = roles.get(role);
    if (!rules) throw new Error(`${b.kind} ${bindingName} refers to ${role}, which no stack creates`);
    const via = `${b.kind} ${bindingName} -> ${b.roleRef.kind} ${b.roleRef.name}`;
    for (const s of b.subjects ?? []) {
      if (s.kind !== "ServiceAccount")
        throw new Error(`${b.kind} ${bindingName} binds ${s.kind} ${s.name}: the platform binds service accounts only`);
      const grants = entry(`${s.namespace ?? namespace ?? "default"}/${s.name}`).grants;
      for (const rule of rules)
        grants.push({
          ...(namespace === undefined ? {} : { namespace }),
          apiGroups: [...rule.apiGroups],
          resources: [...rule.resources],
          verbs: [...rule.verbs],
          ...(rule.resourceNames && rule.resourceNames.length > 0 ? { resourceNames: [...rule.resourceNames] } : {}),
          via,
        });
    }
  }
  return [...access.values()].sort((a, b) => a.identity.localeCompare(b.identity));
}

const matches = (allowed: readonly string[], asked: string) => allowed.includes("*") || allowed.includes(asked);

/** The grant that allows `request`, or undefined: RBAC denies whatever no rule allows (it has no deny rules). */
export function grantFor(access: ServiceAccountAccess, request: KubernetesRequest): KubernetesGrant | undefined {
  const namespace = request.namespace || undefined;
  return access.grants.find(
    (g) =>
      (g.namespace === undefined || g.namespace === namespace) &&
      matches(g.verbs, request.verb) &&
      matches(g.apiGroups, request.apiGroup) &&
      matches(g.resources, request.resource) &&
      (g.resourceNames === undefined || (request.name !== undefined && g.resourceNames.includes(request.name))),
  );
}

/** One line per grant (`identity  where  verbs  resource  names  via`), for the access CLI. */
export function describeGrant(g: KubernetesGrant): string[] {
  const resources = g.resources.map((r) => (g.apiGroups.some((a) => a !== "") ? `${r}.${g.apiGroups.join(",")}` : r));
  return [g.namespace ?? "(cluster)", g.verbs.join(","), resources.join(","), g.resourceNames?.join(",") ?? "*", g.via];
}
