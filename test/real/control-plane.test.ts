import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, it } from "vitest";
import { parse } from "yaml";
import { TOOLS } from "../../tools/catalog.js";
import {
  ADMIN_USER,
  controlPlaneSkipReason,
  ETCD,
  KUBE_APISERVER,
  listening,
  startControlPlane,
  type ControlPlane,
} from "./control-plane.js";

const skip = controlPlaneSkipReason();
if (skip) console.info(`the control plane: skipped: ${skip}`);

const pinned = (name: string) => TOOLS.find((t) => t.name === name)!.version;

describe.skipIf(skip !== false)("the real tier's control plane", () => {
  let plane: ControlPlane;
  beforeAll(async () => {
    plane = await startControlPlane();
  }, 300_000);
  afterAll(() => plane?.stop());

  it("runs the pinned etcd and kube-apiserver releases", async () => {
    assert.match(
      spawnSync(ETCD, ["--version"], { encoding: "utf8" }).stdout,
      new RegExp(`^etcd Version: ${pinned("etcd")}$`, "m"),
    );
    const version = await plane.request<{ gitVersion: string }>("GET", "/version");
    assert.equal(version.body.gitVersion, `v${pinned("kube-apiserver")}`);
    assert.match(
      spawnSync(KUBE_APISERVER, ["--version"], { encoding: "utf8" }).stdout,
      new RegExp(`^Kubernetes v${pinned("kube-apiserver")}$`, "m"),
    );
  });

  it("serves TLS on 127.0.0.1 with a certificate of its own CA, named in a kubeconfig that embeds it", async () => {
    assert.match(plane.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    const config = parse(readFileSync(plane.kubeconfigPath, "utf8")) as {
      clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    };
    assert.equal(config.clusters[0]!.cluster.server, plane.server);
    assert.equal(
      Buffer.from(config.clusters[0]!.cluster["certificate-authority-data"], "base64").toString(),
      plane.caCertificatePem,
    );
    // The request verifies the serving certificate against that CA (client-node rejects an unknown issuer).
    const ready = await plane.request("GET", "/readyz");
    assert.equal(ready.status, 200);
  });

  it("authorizes by RBAC: the admin (system:masters) may, a user with no binding may not, until bound", async () => {
    const namespaces = await plane.request("GET", "/api/v1/namespaces");
    assert.equal(namespaces.status, 200);
    const nobody = await plane.kubeConfigFor("nobody", ["team-a"]);
    const refused = await plane.request("GET", "/api/v1/namespaces", { as: nobody });
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, /User "nobody" cannot list resource "namespaces"/);
    // A role of its own: the built-in view/edit/admin are aggregated by the controller manager, which does not run.
    const role = await plane.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "pod-reader" },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
      },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const bound = await plane.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "team-a-pod-reader" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "pod-reader" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "team-a" }],
      },
    });
    assert.equal(bound.status, 201, JSON.stringify(bound.body));
    // The authorizer reads bindings from its watch cache: a moment later.
    const deadline = Date.now() + 10_000;
    let pods = await plane.request("GET", "/api/v1/pods", { as: nobody });
    while (pods.status === 403 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      pods = await plane.request("GET", "/api/v1/pods", { as: nobody });
    }
    assert.equal(pods.status, 200);
    const review = await plane.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: { user: "nobody", groups: ["team-a"], resourceAttributes: { verb: "list", resource: "secrets" } },
      },
    });
    assert.equal(review.body.status.allowed, false, "the binding grants pods, not Secrets");
    assert.equal(
      ADMIN_USER,
      (
        await plane.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
          body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
        })
      ).body.status.userInfo.username,
    );
  });

  it("issues service-account tokens signed with its key, which its TokenReview accepts", async () => {
    const ns = await plane.request("POST", "/api/v1/namespaces", {
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "token-test" } },
    });
    assert.equal(ns.status, 201);
    const sa = await plane.request("POST", "/api/v1/namespaces/token-test/serviceaccounts", {
      body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "app" } },
    });
    assert.equal(sa.status, 201);
    const token = await plane.request("POST", "/api/v1/namespaces/token-test/serviceaccounts/app/token", {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 600 } },
    });
    assert.equal(token.status, 201, JSON.stringify(token.body));
    const claims = JSON.parse(Buffer.from(String(token.body.status.token).split(".")[1]!, "base64url").toString());
    assert.equal(claims.iss, plane.serviceAccountIssuer);
    assert.equal(claims.sub, "system:serviceaccount:token-test:app");
    const review = await plane.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token: token.body.status.token } },
    });
    assert.equal(review.body.status.authenticated, true);
    assert.equal(review.body.status.user.username, "system:serviceaccount:token-test:app");
  });

  it("has every pinned controller's CRDs established and served", async () => {
    for (const name of [
      "certificates.cert-manager.io",
      "clusterissuers.cert-manager.io",
      "bundles.trust.cert-manager.io",
      "certificaterequestpolicies.policy.cert-manager.io",
      "externalsecrets.external-secrets.io",
      "clustersecretstores.external-secrets.io",
      "pushsecrets.external-secrets.io",
      "clustergenerators.generators.external-secrets.io",
      "gitrepositories.source.toolkit.fluxcd.io",
      "kustomizations.kustomize.toolkit.fluxcd.io",
    ])
      assert.ok(plane.crds.includes(name), name);
    const list = await plane.request("GET", "/apis/cert-manager.io/v1/certificates");
    assert.equal(list.status, 200);
  });

  it("stops both servers and removes its folder; stopping again is harmless", async () => {
    const port = Number(new URL(plane.server).port);
    assert.ok(await listening(port));
    await plane.stop();
    await plane.stop();
    assert.equal(plane.running(), false);
    assert.equal(await listening(port), false);
    assert.equal(existsSync(plane.dir), false);
  });
});
