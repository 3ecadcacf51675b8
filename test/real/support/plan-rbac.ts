import { Agent, request as httpsRequest, type RequestOptions } from "node:https";
import { chartBindings, ACCESS_OBJECT_TYPES, type KubernetesRequest } from "../../../access/kubernetes-rbac.js";
import type { VaultResource } from "../../../access/matrix.js";
import { demoPlan, inputs } from "../../support/demo-plan.js";
import type { ControlPlane, KubeObject } from "../control-plane.js";

/**
 * The demo plan's access objects on a real API server: its Namespaces, ServiceAccounts, Roles, ClusterRoles and
 * bindings (and the token reviewer's binding the Vault chart creates from the planned values), server-side applied
 * in phase order; and the questions RBAC answers about a service account, asked as the admin with a
 * SubjectAccessReview. Only these kinds: the rest of the plan's objects are not needed to ask who may do what.
 */

export const FIELD_MANAGER = "secrets-platform-test-rbac";

/** Every planned resource of every stack, in phase order, as the access analysis reads a plan. */
export function planResources(): VaultResource[] {
  return demoPlan().stacks.flatMap((s) =>
    s.resources.filter((r) => !r.read).map((r) => ({ type: r.type, props: inputs(r) })),
  );
}

/** The objects to apply, in phase order: each stack's Namespaces, ServiceAccounts and RBAC objects, then the chart's. */
export function planAccessObjects(): KubeObject[] {
  const kinds = new Set(["kubernetes:core/v1:Namespace", ...ACCESS_OBJECT_TYPES]);
  const resources = planResources();
  return [...resources.filter((r) => kinds.has(r.type)).map((r) => r.props as KubeObject), ...chartBindings(resources)];
}

/** Server-side applies `objects` in order, failing with the server's answer for the first it refuses. */
export async function applyObjects(plane: ControlPlane, objects: readonly KubeObject[]): Promise<void> {
  for (const object of objects) {
    const answer = await plane.apply(object, { fieldManager: FIELD_MANAGER });
    if (answer.status >= 300)
      throw new Error(
        `${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}: HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 400)}`,
      );
  }
}

/** Deletes `objects` (the admin's call; RBAC objects and service accounts carry no finalizers). */
export async function deleteObjects(plane: ControlPlane, objects: readonly KubeObject[]): Promise<void> {
  for (const object of objects) {
    const answer = await plane.request("DELETE", await plane.pathOf(object));
    if (answer.status >= 300 && answer.status !== 404)
      throw new Error(`deleting ${object.kind} ${object.metadata.name}: HTTP ${answer.status}`);
  }
}

/** The user and groups the API server authenticates a service account's token as. */
export function serviceAccountUser(identity: string): { user: string; groups: string[] } {
  const [namespace, name] = identity.split("/") as [string, string];
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  };
}

/**
 * Asks the authorizer as the admin: whether it allows `identity` each request (SubjectAccessReview,
 * authorization.k8s.io/v1). Over one kept-alive connection pool: the harness's requests open a TLS connection each
 * (client-node makes a new agent per request), which costs several times the review itself when thousands are asked.
 */
export async function accessReviewer(
  plane: ControlPlane,
): Promise<{ review(identity: string, request: KubernetesRequest): Promise<boolean>; close(): void }> {
  const tls: RequestOptions = {};
  await plane.kubeConfig().applyToHTTPSOptions(tls);
  const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: tls.ca, cert: tls.cert, key: tls.key });
  const url = new URL("/apis/authorization.k8s.io/v1/subjectaccessreviews", plane.server);
  return {
    close: () => agent.destroy(),
    review: (identity, request) => {
      const [resource, subresource] = request.resource.split("/");
      const { user, groups } = serviceAccountUser(identity);
      const body = JSON.stringify({
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user,
          groups,
          resourceAttributes: {
            ...(request.namespace ? { namespace: request.namespace } : {}),
            verb: request.verb,
            group: request.apiGroup,
            resource,
            ...(subresource ? { subresource } : {}),
            ...(request.name ? { name: request.name } : {}),
          },
        },
      });
      return new Promise((done, fail) => {
        const req = httpsRequest(
          url,
          { method: "POST", agent, headers: { "Content-Type": "application/json", Accept: "application/json" } },
          (res) => {
            let text = "";
            res.on("data", (d: Buffer) => (text += d.toString()));
            res.on("end", () => {
              if (res.statusCode !== 201)
                return fail(new Error(`SubjectAccessReview: HTTP ${res.statusCode}: ${text}`));
              done((JSON.parse(text) as { status?: { allowed?: boolean } }).status?.allowed === true);
            });
          },
        );
        req.on("error", fail);
        req.setTimeout(30_000, () => req.destroy(new Error("SubjectAccessReview: no answer in 30 s")));
        req.end(body);
      });
    },
  };
}
