import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import {
  grantFor,
  serviceAccountAccess,
  type KubernetesRequest,
  type ServiceAccountAccess,
} from "../../access/kubernetes-rbac.js";
import { kustomizationName } from "../../gitops/bootstrap-layout.js";
import { runtimeAuthorityLayout } from "../../vault/layout.js";
import { demoPlan } from "../support/demo-plan.js";
import { controlPlaneSkipReason, startControlPlane, type ControlPlane, type KubeObject } from "./control-plane.js";
import { applyObjects, deleteObjects, planAccessObjects, planResources, accessReviewer } from "./support/plan-rbac.js";

/**
 * The Kubernetes RBAC of the stacks on a real API server: the demo plan's namespaces, service accounts, roles and
 * bindings applied, then, for every service account the stacks create or bind, the authorizer asked
 * (SubjectAccessReview) what the access analysis (`access/kubernetes-rbac.ts`) says it may do and a generated set of
 * what it says it may not: the other verbs on the same resources, other names where a rule lists names, the same
 * resources in another namespace, Secrets in every namespace and across the cluster.
 */

const skip = controlPlaneSkipReason();
if (skip) console.info(`the stacks' RBAC on a real API server: skipped: ${skip}`);

/** Every verb of the API's resources; a rule's own verbs (`use`) are asked too. */
const VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

/** Namespaces no stack names: a team's, and the cluster's own. */
const OTHER_NAMESPACES = ["default", "kube-system", "another-team"];

const key = (q: KubernetesRequest) => JSON.stringify([q.namespace, q.verb, q.apiGroup, q.resource, q.name]);
const describeRequest = (q: KubernetesRequest) =>
  `${q.verb} ${q.resource}${q.apiGroup ? `.${q.apiGroup}` : ""} ${q.namespace ?? "(cluster)"}/${q.name ?? "*"}`;

/** The Secrets some rule names, by namespace: asked of every account, by name. */
function namedSecrets(accounts: readonly ServiceAccountAccess[]): Map<string, string[]> {
  const named = new Map<string, Set<string>>();
  for (const g of accounts.flatMap((a) => a.grants))
    if (g.namespace && g.resources.includes("secrets"))
      for (const name of g.resourceNames ?? []) named.set(g.namespace, (named.get(g.namespace) ?? new Set()).add(name));
  return new Map([...named].map(([ns, names]) => [ns, [...names]]));
}

/**
 * What to ask about one account: every listed grant and what lies just outside it (other verbs, another name, another
 * namespace, the cluster), and Secrets in every namespace and across the cluster, unnamed, by any name and by the
 * names rules list.
 */
function questions(
  account: ServiceAccountAccess,
  namespaces: readonly string[],
  secretNames: ReadonlyMap<string, string[]>,
): KubernetesRequest[] {
  const asked = new Map<string, KubernetesRequest>();
  const ask = (q: KubernetesRequest) => asked.set(key(q), q);
  for (const g of account.grants) {
    const elsewhere = namespaces.find((n) => n !== g.namespace)!;
    const where = g.namespace === undefined ? [undefined, elsewhere] : [g.namespace, elsewhere, undefined];
    const names = g.resourceNames ? [...g.resourceNames, `${g.resourceNames[0]}-other`, undefined] : ["any", undefined];
    for (const resource of g.resources) {
      for (const apiGroup of g.apiGroups)
        for (const verb of new Set([...VERBS, ...g.verbs]))
          for (const namespace of where) for (const name of names) ask({ namespace, verb, apiGroup, resource, name });
    }
  }
  for (const namespace of [...namespaces, undefined])
    for (const verb of VERBS)
      for (const name of [
        undefined,
        "any",
        ...(namespace && secretNames.get(namespace) ? secretNames.get(namespace)! : []),
      ])
        ask({ namespace, verb, apiGroup: "", resource: "secrets", name });
  return [...asked.values()];
}

/** `f` over `items`, `limit` at a time (as many as the reviewer's connections). */
async function mapLimit<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

/** Where the server's answer differs from the analysis, one line each; and how many answers were compared. */
type Reviewer = Awaited<ReturnType<typeof accessReviewer>>;

async function disagreements(
  reviewer: Reviewer,
  accounts: readonly ServiceAccountAccess[],
  namespaces: readonly string[],
): Promise<{ lines: string[]; allowed: number; denied: number }> {
  const secretNames = namedSecrets(accounts);
  const asked = accounts.flatMap((account) => questions(account, namespaces, secretNames).map((q) => ({ account, q })));
  const answers = await mapLimit(asked, 4, ({ account, q }) => reviewer.review(account.identity, q));
  const lines: string[] = [];
  let allowed = 0;
  for (const [i, { account, q }] of asked.entries()) {
    const grant = grantFor(account, q);
    if (answers[i]) allowed++;
    if (answers[i] !== (grant !== undefined))
      lines.push(
        `${account.identity}: ${describeRequest(q)}: the API server ${answers[i] ? "allows" : "denies"}, the analysis ${grant ? `allows (${grant.via})` : "denies"}`,
      );
  }
  return { lines, allowed, denied: asked.length - allowed };
}

/**
 * Waits until the authorizer sees every binding (it reads them from a watch cache: an object just applied may take a
 * moment): each grant's first listed request is allowed.
 */
async function settled(reviewer: Reviewer, accounts: readonly ServiceAccountAccess[]): Promise<void> {
  const first = accounts.flatMap((a) =>
    a.grants.map((g) => ({
      identity: a.identity,
      q: {
        namespace: g.namespace,
        verb: g.verbs[0]!,
        apiGroup: g.apiGroups[0]!,
        resource: g.resources[0]!,
        name: g.resourceNames?.[0],
      },
    })),
  );
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const answers = await Promise.all(first.map(({ identity, q }) => reviewer.review(identity, q)));
    if (answers.every(Boolean)) return;
  }
  throw new Error("the API server's authorizer did not see the applied bindings within 15 s");
}

describe.skipIf(skip !== false)("the stacks' RBAC on a real API server", () => {
  let plane: ControlPlane;
  let reviewer: Reviewer;
  const accounts = serviceAccountAccess(planResources());
  const objects = planAccessObjects();
  const namespaces = [
    ...new Set([
      ...objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name),
      ...accounts.map((a) => a.identity.split("/")[0]!),
      ...accounts.flatMap((a) => a.grants.flatMap((g) => (g.namespace ? [g.namespace] : []))),
      ...OTHER_NAMESPACES,
    ]),
  ].sort();

  beforeAll(async () => {
    // RBAC needs no custom resource definitions: a rule names a resource whether or not it is served.
    plane = await startControlPlane({ crds: [] });
    reviewer = await accessReviewer(plane);
    await applyObjects(plane, objects);
    await settled(reviewer, accounts);
  }, 300_000);
  afterAll(async () => {
    reviewer?.close();
    await plane?.stop();
  });

  it("lets every service account the stacks create or bind do exactly what the access analysis lists, and nothing more", async ({
    annotate,
  }) => {
    assert.ok(accounts.some((a) => a.grants.length > 0));
    const found = await disagreements(reviewer, accounts, namespaces);
    await annotate(
      `${accounts.length} service accounts, ${found.allowed + found.denied} SubjectAccessReviews: ${found.allowed} allowed, ${found.denied} denied`,
    );
    assert.deepEqual(found.lines, []);
    assert.ok(found.allowed > 0 && found.denied > found.allowed);
  });

  it("limits each bootstrap applier to its namespace's Secrets, by name beyond create; a handover Job's account to nothing", () => {
    const { registry } = demoPlan();
    // The Secrets Flux materializes (a `config:` source is written by the gitops stack itself), by namespace.
    const byNamespace = new Map<string, string[]>();
    for (const p of registry.purposes)
      if (p.delivery === "bootstrap" && !p.bootstrap.source.startsWith("config:"))
        byNamespace.set(p.bootstrap.namespace, [
          ...(byNamespace.get(p.bootstrap.namespace) ?? []),
          p.bootstrap.secretName,
        ]);
    assert.ok(byNamespace.size > 0);
    for (const [namespace, names] of byNamespace) {
      const applier = accounts.find((a) => a.identity.endsWith(`/${kustomizationName(namespace)}`));
      assert.ok(applier, `the applier of ${namespace}`);
      assert.ok(applier.grants.length > 0);
      for (const g of applier.grants) {
        assert.equal(g.namespace, namespace, g.via);
        assert.deepEqual(g.resources, ["secrets"], g.via);
        // RBAC cannot limit create by name (the name is not known when it authorizes): the only unnamed verb.
        if (g.resourceNames) assert.deepEqual([...g.resourceNames].sort(), [...names].sort(), g.via);
        else assert.deepEqual(g.verbs, ["create"], g.via);
      }
    }
    const handovers = runtimeAuthorityLayout(registry, { certManager: "cert-manager" }).handovers;
    assert.ok(handovers.length > 0);
    for (const h of handovers) {
      const account = accounts.find((a) => a.identity === `${h.namespace}/${h.jobName}`);
      assert.ok(account?.createdByStack, `${h.namespace}/${h.jobName} is created by the runtime-authority stack`);
      // The kubelet mounts its Secret; the Job itself reads nothing from the API.
      assert.deepEqual(account.grants, [], account.identity);
    }
  });

  it("fails on a planted over-broad rule: a Role reading every Secret of Vault's namespace, bound to cert-manager", async () => {
    const planted: KubeObject[] = [
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "planted-secrets-reader", namespace: "vault" },
        rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "planted-secrets-reader", namespace: "vault" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "planted-secrets-reader" },
        subjects: [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }],
      },
    ];
    // The analysis of the plan with the planted objects lists them: it is what the server is compared with.
    const withPlanted = serviceAccountAccess([
      ...planResources(),
      ...planted.map((o) => ({ type: `kubernetes:rbac.authorization.k8s.io/v1:${o.kind}`, props: o })),
    ]);
    await applyObjects(plane, planted);
    try {
      await settled(reviewer, withPlanted);
      // Asked of every account: only cert-manager's answers change.
      const found = await disagreements(reviewer, accounts, namespaces);
      assert.ok(found.lines.length > 0, "the planted rule is found");
      for (const line of found.lines)
        assert.match(
          line,
          /^cert-manager\/cert-manager: (get|list) secrets vault\/.*: the API server allows, the analysis denies$/,
        );
      assert.ok(
        found.lines.includes(
          "cert-manager/cert-manager: get secrets vault/vault-kms-unseal: the API server allows, the analysis denies",
        ),
      );
      // The analysis that includes the planted objects agrees with the server again.
      const certManager = withPlanted.filter((a) => a.identity === "cert-manager/cert-manager");
      assert.deepEqual((await disagreements(reviewer, certManager, namespaces)).lines, []);
    } finally {
      await deleteObjects(plane, planted);
    }
  });
});
