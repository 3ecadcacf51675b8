import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { grantFor, serviceAccountAccess } from "./kubernetes-rbac.js";

const rbac = (kind: string, props: Record<string, unknown>) => ({
  type: `kubernetes:rbac.authorization.k8s.io/v1:${kind}`,
  props: { apiVersion: "rbac.authorization.k8s.io/v1", kind, ...props },
});
const sa = (namespace: string, name: string) => ({
  type: "kubernetes:core/v1:ServiceAccount",
  props: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } },
});
const subject = (namespace: string, name: string) => ({ kind: "ServiceAccount", name, namespace });
const secretsRole = (verbs: string[], resourceNames?: string[]) => [
  { apiGroups: [""], resources: ["secrets"], verbs, ...(resourceNames ? { resourceNames } : {}) },
];

describe("the Kubernetes access analysis", () => {
  const plan = [
    sa("flux", "applier"),
    sa("team", "job"),
    rbac("Role", { metadata: { name: "writer", namespace: "team" }, rules: secretsRole(["get", "update"], ["a"]) }),
    rbac("RoleBinding", {
      metadata: { name: "writer", namespace: "team" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "writer" },
      subjects: [subject("flux", "applier")],
    }),
    rbac("ClusterRole", { metadata: { name: "reader" }, rules: secretsRole(["list"]) }),
    // A RoleBinding to a ClusterRole grants its rules in the binding's namespace only.
    rbac("RoleBinding", {
      metadata: { name: "reader", namespace: "other" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "reader" },
      subjects: [subject("flux", "applier")],
    }),
  ];

  it("lists every account the stacks create or bind, an unbound one with nothing", () => {
    const access = serviceAccountAccess(plan);
    assert.deepEqual(
      access.map((a) => [a.identity, a.createdByStack, a.grants.map((g) => g.via)]),
      [
        [
          "flux/applier",
          true,
          ["RoleBinding team/writer -> Role writer", "RoleBinding other/reader -> ClusterRole reader"],
        ],
        ["team/job", true, []],
      ],
    );
  });

  it("answers as RBAC does: namespace, verb, and names only for a named request", () => {
    const applier = serviceAccountAccess(plan)[0]!;
    const ask = (namespace: string | undefined, verb: string, name?: string) =>
      grantFor(applier, { namespace, verb, apiGroup: "", resource: "secrets", ...(name ? { name } : {}) }) !==
      undefined;
    assert.equal(ask("team", "get", "a"), true);
    assert.equal(ask("team", "get", "b"), false);
    assert.equal(ask("team", "get"), false, "a named rule never matches an unnamed request");
    assert.equal(ask("team", "delete", "a"), false);
    assert.equal(ask("other", "list"), true);
    assert.equal(ask("team", "list"), false);
    assert.equal(ask(undefined, "list"), false, "a RoleBinding grants nothing across the cluster");
    assert.equal(ask("", "list"), false);
  });

  it("gives a ClusterRoleBinding's rules everywhere, and a built-in role its Kubernetes rules", () => {
    const access = serviceAccountAccess([
      rbac("ClusterRoleBinding", {
        metadata: { name: "reviewer" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
        subjects: [subject("vault", "vault")],
      }),
    ])[0]!;
    const review = { verb: "create", apiGroup: "authentication.k8s.io", resource: "tokenreviews" };
    assert.equal(grantFor(access, review)?.via, "ClusterRoleBinding reviewer -> ClusterRole system:auth-delegator");
    assert.equal(grantFor(access, { ...review, namespace: "anywhere" }) !== undefined, true);
    assert.equal(grantFor(access, { ...review, verb: "get" }), undefined);
  });

  it("refuses a binding to a role no stack creates, and a subject that is not a service account", () => {
    const binding = (roleRef: object, subjects: object[]) =>
      rbac("ClusterRoleBinding", { metadata: { name: "b" }, roleRef, subjects });
    assert.throws(
      () => serviceAccountAccess([binding({ kind: "ClusterRole", name: "cluster-admin" }, [subject("a", "b")])]),
      /ClusterRoleBinding b refers to ClusterRole cluster-admin, which no stack creates/,
    );
    assert.throws(
      () =>
        serviceAccountAccess([
          binding({ kind: "ClusterRole", name: "system:auth-delegator" }, [{ kind: "Group", name: "devs" }]),
        ]),
      /binds Group devs: the platform binds service accounts only/,
    );
  });
});
