import type { ControlPlane, KubeObject } from "../control-plane.js";
import { applyObjects } from "./plan-rbac.js";

/**
 * Service accounts and their tokens on a real API server, as a workload gets them: the account (and its namespace)
 * created where no stack creates it (a team's deployment, a chart), and a token from the TokenRequest API, which is
 * what the kubelet projects into a pod (`serviceAccountToken` volume source: audience, lifetime, bound to the pod).
 */

const split = (identity: string) => identity.split("/") as [string, string];

/** The Namespace and ServiceAccount of each `namespace/name`, applied (no change where they exist). */
export async function ensureServiceAccounts(plane: ControlPlane, identities: readonly string[]): Promise<void> {
  const namespaces = [...new Set(identities.map((i) => split(i)[0]))];
  const objects: KubeObject[] = [
    ...namespaces.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })),
    ...identities.map((i) => {
      const [namespace, name] = split(i);
      return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } };
    }),
  ];
  await applyObjects(plane, objects);
}

export interface TokenRequestOptions {
  /** @default the API server's own audience (its issuer: no `--api-audiences` is set) */
  audiences?: string[];
  /** @default 600, the least the API server accepts */
  expirationSeconds?: number;
  /** The object the token's validity is bound to (a pod's token is bound to the pod): deleting it revokes the token. */
  boundObjectRef?: { kind: "Secret" | "Pod"; apiVersion: "v1"; name: string; uid?: string };
}

/** A token of `namespace/name` from the TokenRequest API, as the admin asks for it. */
export async function serviceAccountToken(
  plane: ControlPlane,
  identity: string,
  options: TokenRequestOptions = {},
): Promise<string> {
  const [namespace, name] = split(identity);
  const answer = await plane.request<{ status?: { token?: string } }>(
    "POST",
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: {
          ...(options.audiences ? { audiences: options.audiences } : {}),
          expirationSeconds: options.expirationSeconds ?? 600,
          ...(options.boundObjectRef ? { boundObjectRef: options.boundObjectRef } : {}),
        },
      },
    },
  );
  const token = answer.body.status?.token;
  if (answer.status !== 201 || !token)
    throw new Error(
      `TokenRequest for ${identity}: HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`,
    );
  return token;
}

/** The claims of a service-account token (the JWT's payload; the API server signed it, TokenReview checks it). */
export function tokenClaims(token: string): {
  aud: string[];
  exp: number;
  iss: string;
  sub: string;
  "kubernetes.io": { namespace: string; serviceaccount: { name: string } };
} {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}
