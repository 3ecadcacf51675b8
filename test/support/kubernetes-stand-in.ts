import { KubeConfig } from "@kubernetes/client-node";
import { startStandIn, type RecordedAnswers, type StandIn } from "./stand-in-server.js";

/** The API server's Status, with status 404, for a `get` of an object that does not exist (`resource` is plural). */
export const kubernetesNotFound = (api: { group: string; resource: string }, name: string) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: `${api.resource}.${api.group} "${name}" not found`,
  reason: "NotFound",
  details: { name, group: api.group, kind: api.resource },
  code: 404,
});

/** The API server's Status, with status 404, for a path it does not serve. */
const NO_SUCH_PATH = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: "the server could not find the requested resource",
  reason: "NotFound",
  details: {},
  code: 404,
};

/** A Kubernetes API server stand-in, with a kubeconfig to reach it. */
export interface KubernetesStandIn extends StandIn {
  /** A kubeconfig whose current context is the stand-in, as a user holding `token`. */
  kubeConfig(user: { name: string; token: string }): KubeConfig;
}

/**
 * A stand-in for the Kubernetes API server: recorded answers by path (`/apis/...`), a NotFound Status for any other.
 * Plain http: the kubeconfig skips TLS verification, as client-node requires for a plain-http server.
 */
export async function startKubernetesStandIn(answers: RecordedAnswers): Promise<KubernetesStandIn> {
  const standIn = await startStandIn(answers, NO_SUCH_PATH);
  return {
    ...standIn,
    kubeConfig: (user) => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        // client-node refuses a plain-http server unless told to skip TLS verification: the stand-in has no TLS to verify.
        clusters: [{ name: "stand-in", server: standIn.url, skipTLSVerify: true }],
        users: [{ name: user.name, token: user.token }],
        contexts: [{ name: "stand-in", cluster: "stand-in", user: user.name }],
        currentContext: "stand-in",
      });
      return kc;
    },
  };
}
