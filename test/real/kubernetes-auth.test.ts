import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { grantFor, serviceAccountAccess } from "../../access/kubernetes-rbac.js";
import { authRoles } from "../../access/matrix.js";
import { RESOURCE_TYPES } from "../../policies/resource-types.js";
import { distributionOfChart } from "../../vault/distribution.js";
import { KUBERNETES_AUTH_PATH, VAULT_AUDIENCE } from "../../vault/paths.js";
import { TOKEN_REVIEWER_CLUSTER_ROLE } from "../../vault/server.js";
import { inputs } from "../support/demo-plan.js";
import { controlPlaneSkipReason, startControlPlane, type ControlPlane } from "./control-plane.js";
import { openBaoSkipReason } from "./openbao.js";
import { applyObjects, deleteObjects, planAccessObjects, planResources } from "./support/plan-rbac.js";
import { plannedOf, runtimeAuthority, startPlatformServer, type PlatformServer } from "./support/platform.js";
import { ensureServiceAccounts, serviceAccountToken, tokenClaims } from "./support/service-account-tokens.js";
import { applyPlan } from "./vault-applier.js";

/**
 * Kubernetes auth end to end: the runtime-authority stack's auth method, policies and roles applied to a real
 * OpenBao, configured against a real API server, and every identity of every role logging in with a token the
 * TokenRequest API issued, as a pod's projected token. The server reviews each token at the API server (TokenReview)
 * as the Vault server's own service account, which the chart binds to system:auth-delegator (applied from the plan
 * with the rest of the stacks' RBAC). Two systems in one file: the login is their conversation.
 */

const skip = controlPlaneSkipReason() || openBaoSkipReason();
if (skip) console.info(`Kubernetes auth end to end: skipped: ${skip}`);

/** A namespace no role binds, holding an account of every bound name. */
const IMPOSTOR_NAMESPACE = "impostor";

interface PlannedRole {
  name: string;
  identities: string[];
  policies: string[];
  audience: string;
  ttl: number;
  maxTtl: number;
}

interface Login {
  status: number;
  errors: string[];
  auth?: {
    client_token: string;
    policies: string[];
    token_policies: string[];
    identity_policies?: string[];
    lease_duration: number;
    renewable: boolean;
    token_type: string;
    metadata: Record<string, string>;
  };
}

describe.skipIf(skip !== false)("Kubernetes auth against a real API server and a real OpenBao", () => {
  let plane: ControlPlane;
  let platform: PlatformServer;
  const resources = planResources();
  const roleInputs = plannedOf(RESOURCE_TYPES.vaultKubernetesAuthRole).map(inputs);
  const roles: PlannedRole[] = authRoles(
    resources.filter((r) => r.type === RESOURCE_TYPES.vaultKubernetesAuthRole),
  ).map((r) => {
    const planned = roleInputs.find((i) => i.roleName === r.name)!;
    return {
      ...r,
      audience: String(planned.audience),
      ttl: Number(planned.tokenTtl),
      maxTtl: Number(planned.tokenMaxTtl),
    };
  });
  // The Vault server's account, as its release names it: it reviews every login's token.
  const release = plannedOf(RESOURCE_TYPES.helmRelease)
    .map(inputs)
    .find((r) => distributionOfChart(r.chart) === "openbao")!;
  const reviewer = `${release.namespace}/${release.values.server.serviceAccount.name}`;
  const plannedConfig = inputs(
    runtimeAuthority().find((r) => r.type === RESOURCE_TYPES.vaultKubernetesAuthConfig && !r.read)!,
  );

  const login = (jwt: string, role: string, mount = KUBERNETES_AUTH_PATH) =>
    platform.server.api<Login>("POST", `/v1/auth/${mount}/login`, { role, jwt }, "").then((a) => ({
      status: a.status,
      errors: (a.body as { errors?: string[] }).errors ?? [],
      ...(a.body.auth ? { auth: a.body.auth } : {}),
    }));

  beforeAll(async () => {
    [plane, platform] = await Promise.all([startControlPlane({ crds: [] }), startPlatformServer()]);
    await applyObjects(plane, planAccessObjects());
    // The accounts no stack creates: the teams' consumers (their deployments create them) and the Vault server's
    // (its chart does); and the impostors.
    await ensureServiceAccounts(plane, [
      ...new Set([
        reviewer,
        ...roles.flatMap((r) => r.identities),
        ...roles.flatMap((r) => r.identities.map((i) => `${IMPOSTOR_NAMESPACE}/${i.split("/")[1]}`)),
        ...roles.flatMap((r) => r.identities.map((i) => `${i.split("/")[0]}/impostor`)),
      ]),
    ]);
    // In a pod the server reads its own projected token and the cluster CA from its service account volume; here
    // both are given: the reviewer JWT from the TokenRequest API for the same account, the harness's CA.
    const reviewerJwt = await serviceAccountToken(plane, reviewer, { expirationSeconds: 3600 });
    // The auth method, its config, and every role with the policies it names: what a login needs, nothing else.
    const ra = runtimeAuthority();
    const needed = new Set<string>();
    const need = (urn: string) => {
      if (needed.has(urn)) return;
      const r = ra.find((x) => x.urn === urn);
      if (!r || !r.type.startsWith("vault:")) return;
      needed.add(urn);
      r.options.dependsOn.forEach(need);
    };
    ra.filter((r) => r.type === RESOURCE_TYPES.vaultKubernetesAuthRole).forEach((r) => need(r.urn));
    await applyPlan(ra, {
      transport: platform.transport,
      token: platform.server.rootToken,
      auditFilePaths: platform.auditFilePaths,
      include: (r) => r.type === "pulumi:providers:vault" || needed.has(r.urn),
      inputsOf: (r) =>
        r.type === RESOURCE_TYPES.vaultKubernetesAuthConfig
          ? {
              ...inputs(r),
              // The cluster's address and CA, and the reviewer token a pod would read from its volume.
              kubernetesHost: plane.server,
              kubernetesCaCert: plane.caCertificatePem,
              tokenReviewerJwt: reviewerJwt,
            }
          : undefined,
    });
  }, 300_000);
  afterAll(async () => {
    await Promise.all([plane?.stop(), platform?.stop()]);
  });

  it("reviews tokens at this API server, TLS verified against its CA, as the Vault server's account", async () => {
    // The plan's values, which only the cluster's address and CA replace here: in a pod the in-cluster Service and
    // the service account volume's CA and token (disable_local_ca_jwt false).
    assert.equal(plannedConfig.kubernetesHost, "https://kubernetes.default.svc");
    assert.equal(plannedConfig.disableLocalCaJwt, false);
    assert.equal(plannedConfig.tokenReviewerJwt, undefined, "no reviewer JWT is stored in Vault or Pulumi");
    const config = await platform.server.api<{ data: Record<string, unknown> }>(
      "GET",
      `/v1/auth/${KUBERNETES_AUTH_PATH}/config`,
    );
    assert.equal(config.status, 200);
    assert.equal(config.body.data.kubernetes_host, plane.server);
    assert.match(plane.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(config.body.data.kubernetes_ca_cert, plane.caCertificatePem);
    // The access analysis lists the review grant of the server's account (the chart's binding, applied above).
    const account = serviceAccountAccess(resources).find((a) => a.identity === reviewer);
    const review = { verb: "create", apiGroup: "authentication.k8s.io", resource: "tokenreviews" };
    assert.ok(account && grantFor(account, review), `${reviewer} may create TokenReviews`);
  });

  it("logs every identity of every role in with a TokenRequest token: exactly the role's policies and TTLs", async ({
    annotate,
  }) => {
    assert.ok(roles.length > 0);
    let logins = 0;
    for (const role of roles) {
      assert.equal(role.audience, VAULT_AUDIENCE, role.name);
      for (const identity of role.identities) {
        const jwt = await serviceAccountToken(plane, identity, { audiences: [role.audience] });
        assert.deepEqual(tokenClaims(jwt).aud, [role.audience]);
        const answer = await login(jwt, role.name);
        assert.equal(answer.status, 200, `${identity} with ${role.name}: ${answer.errors.join("; ")}`);
        const auth = answer.auth!;
        const [namespace, name] = identity.split("/");
        assert.deepEqual([...auth.token_policies].sort(), [...role.policies].sort(), role.name);
        assert.deepEqual([...auth.policies].sort(), [...role.policies].sort(), `${role.name}: no default policy`);
        assert.deepEqual(auth.identity_policies ?? [], [], role.name);
        assert.equal(auth.lease_duration, role.ttl, role.name);
        assert.equal(auth.token_type, "service", role.name);
        assert.equal(auth.metadata.service_account_namespace, namespace);
        assert.equal(auth.metadata.service_account_name, name);
        // The token as the server holds it (read as root: a token without `default` cannot look itself up).
        const looked = await platform.server.api<{ data: Record<string, any> }>("POST", "/v1/auth/token/lookup", {
          token: auth.client_token,
        });
        assert.equal(looked.status, 200);
        assert.deepEqual([...looked.body.data.policies].sort(), [...role.policies].sort(), role.name);
        assert.equal(looked.body.data.creation_ttl, role.ttl, role.name);
        assert.ok(looked.body.data.ttl <= role.ttl && looked.body.data.ttl > role.ttl - 30, role.name);
        assert.equal(looked.body.data.path, `auth/${KUBERNETES_AUTH_PATH}/login`);
        // Renewed far beyond: the role's max TTL caps it (counted from the login).
        const renewed = await platform.server.api<{ auth: { lease_duration: number } }>(
          "POST",
          "/v1/auth/token/renew",
          { token: auth.client_token, increment: role.maxTtl * 10 },
        );
        assert.equal(renewed.status, 200, role.name);
        assert.ok(
          renewed.body.auth.lease_duration <= role.maxTtl && renewed.body.auth.lease_duration > role.maxTtl - 30,
          `${role.name}: renewed to ${renewed.body.auth.lease_duration} s, max ${role.maxTtl} s`,
        );
        logins++;
      }
    }
    await annotate(`${roles.length} roles, ${logins} logins`);
  });

  it("refuses the right name in another namespace, another account of the namespace, another role's identity and another audience", async () => {
    const refusals: string[] = [];
    const refused = async (what: string, jwt: string, role: string, expected: RegExp) => {
      const answer = await login(jwt, role);
      if (answer.auth || answer.status === 200) refusals.push(`${what}: logged in`);
      else if (!expected.test(answer.errors.join("; ")))
        refusals.push(`${what}: HTTP ${answer.status}: ${answer.errors.join("; ")} (expected ${expected})`);
    };
    for (const [i, role] of roles.entries()) {
      const [namespace, name] = role.identities[0]!.split("/") as [string, string];
      const vault = { audiences: [role.audience] };
      await refused(
        `${IMPOSTOR_NAMESPACE}/${name} with ${role.name}`,
        await serviceAccountToken(plane, `${IMPOSTOR_NAMESPACE}/${name}`, vault),
        role.name,
        /namespace not authorized/,
      );
      await refused(
        `${namespace}/impostor with ${role.name}`,
        await serviceAccountToken(plane, `${namespace}/impostor`, vault),
        role.name,
        /service account name not authorized/,
      );
      const other = roles
        .slice(i + 1)
        .concat(roles.slice(0, i))
        .flatMap((r) => r.identities)
        .find((id) => !role.identities.includes(id))!;
      await refused(
        `${other} with ${role.name}`,
        await serviceAccountToken(plane, other, vault),
        role.name,
        /not authorized/,
      );
      await refused(
        `${role.identities[0]} for the API server's audience with ${role.name}`,
        await serviceAccountToken(plane, role.identities[0]!),
        role.name,
        /audience/,
      );
    }
    assert.deepEqual(refusals, []);
  });

  it("refuses a token whose bound object was deleted, and a token of a deleted account: each login is reviewed", async () => {
    const role = roles[0]!;
    const identity = role.identities[0]!;
    const [namespace] = identity.split("/") as [string];
    // A pod's projected token is bound to the pod; Secrets stand in for it (no kubelet runs pods here). Two tokens
    // bound alike: the API server caches a successful review for 10 s, so the one whose object is deleted is never
    // used before.
    const boundToken = async (name: string) => {
      const holder = await plane.request<{ metadata: { uid: string } }>(
        "POST",
        `/api/v1/namespaces/${namespace}/secrets`,
        { body: { apiVersion: "v1", kind: "Secret", metadata: { name } } },
      );
      assert.equal(holder.status, 201);
      return serviceAccountToken(plane, identity, {
        audiences: [role.audience],
        boundObjectRef: { kind: "Secret", apiVersion: "v1", name, uid: holder.body.metadata.uid },
      });
    };
    const [kept, revoked] = [await boundToken("token-holder-kept"), await boundToken("token-holder-deleted")];
    assert.equal((await login(kept, role.name)).status, 200, "a bound token is valid while its object exists");
    assert.equal(
      (await plane.request("DELETE", `/api/v1/namespaces/${namespace}/secrets/token-holder-deleted`)).status,
      200,
    );
    const afterDelete = await login(revoked, role.name);
    assert.equal(afterDelete.auth, undefined);
    assert.equal(afterDelete.status, 403, afterDelete.errors.join("; "));

    // The account deleted and created again under its name: a token of the old one stays refused (its uid is gone).
    const [, name] = identity.split("/") as [string, string];
    const before = await serviceAccountToken(plane, identity, { audiences: [role.audience] });
    assert.equal(
      (await plane.request("DELETE", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}`)).status,
      200,
    );
    await ensureServiceAccounts(plane, [identity]);
    const afterAccount = await login(before, role.name);
    assert.equal(afterAccount.auth, undefined);
    assert.equal(afterAccount.status, 403, afterAccount.errors.join("; "));
    const renewed = await serviceAccountToken(plane, identity, { audiences: [role.audience] });
    assert.equal((await login(renewed, role.name)).status, 200, "a token of the account as it is now");
  });

  it("needs the reviewer's system:auth-delegator binding: without it, or with no reviewer token, every login is refused", async () => {
    const role = roles[0]!;
    const mount = "kubernetes-unbound-reviewer";
    // The same role on a second mount whose reviewer is an account of Vault's namespace the chart does not bind.
    const unbound = `${reviewer.split("/")[0]}/impostor`;
    const api = (method: string, path: string, body?: unknown) => platform.server.api(method, `/v1/${path}`, body);
    assert.equal((await api("POST", `sys/auth/${mount}`, { type: "kubernetes" })).status, 204);
    const configure = async (reviewerJwt?: string) =>
      assert.equal(
        (
          await api("POST", `auth/${mount}/config`, {
            kubernetes_host: plane.server,
            kubernetes_ca_cert: plane.caCertificatePem,
            ...(reviewerJwt ? { token_reviewer_jwt: reviewerJwt } : {}),
          })
        ).status,
        204,
      );
    const planned = await api("GET", `auth/${KUBERNETES_AUTH_PATH}/role/${role.name}`);
    assert.equal(
      (await api("POST", `auth/${mount}/role/${role.name}`, (planned.body as { data: object }).data)).status,
      204,
    );
    const jwt = () => serviceAccountToken(plane, role.identities[0]!, { audiences: [role.audience] });

    await configure(await serviceAccountToken(plane, unbound, { expirationSeconds: 3600 }));
    const withUnbound = await login(await jwt(), role.name, mount);
    // Without a reviewer token the server reviews a login with the login's own token, which no binding lets review.
    await configure();
    const withNone = await login(await jwt(), role.name, mount);
    for (const answer of [withUnbound, withNone]) {
      assert.equal(answer.auth, undefined);
      assert.equal(answer.status, 403);
    }
    // Bound as the chart binds the server's account, the same reviewer is accepted.
    const binding = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "impostor-reviewer" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: TOKEN_REVIEWER_CLUSTER_ROLE },
      subjects: [{ kind: "ServiceAccount", name: unbound.split("/")[1]!, namespace: unbound.split("/")[0]! }],
    };
    await applyObjects(plane, [binding]);
    try {
      await configure(await serviceAccountToken(plane, unbound, { expirationSeconds: 3600 }));
      let answer = await login(await jwt(), role.name, mount);
      // The authorizer sees a new binding a moment after it is stored.
      for (let waited = 0; answer.status !== 200 && waited < 10_000; waited += 200) {
        await new Promise((r) => setTimeout(r, 200));
        answer = await login(await jwt(), role.name, mount);
      }
      assert.equal(answer.status, 200, answer.errors.join("; "));
    } finally {
      await deleteObjects(plane, [binding]);
    }
  });
});
