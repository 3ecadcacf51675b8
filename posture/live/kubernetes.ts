import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import type { Registry } from "../../registry/load.js";
import type { RegisteredPurpose } from "../../registry/purpose.js";
import { InvalidInputError, type Problem } from "../../registry/problems.js";
import type { Observation } from "../model.js";

/**
 * The live Kubernetes source of posture: what cert-manager reports of each cert-manager purpose's Certificate (when
 * the current certificate became valid, when it expires, whether it is Ready). Reads the Certificate resource only,
 * never its Secret.
 */

/** The one call this source makes; `CustomObjectsApi` satisfies it, and so can a test double. */
export type CertificateApi = Pick<CustomObjectsApi, "getNamespacedCustomObject">;

/** cert-manager's Certificate resource (`cert-manager.io/v1`). */
export const CERTIFICATE_RESOURCE = { group: "cert-manager.io", version: "v1", plural: "certificates" } as const;

/**
 * Where a purpose's Certificate lives: named after the purpose, in its consumers' namespace (the steady state's
 * layout; the registry refuses a cert-manager purpose whose consumers span namespaces, so there is exactly one).
 */
export function certificateLocation(p: RegisteredPurpose): { namespace: string; name: string } {
  return { namespace: p.consumers[0]!.namespace, name: p.id };
}

// The Certificate status fields posture uses (cert-manager's CertificateStatus); others are ignored.
const CertificateObject = z.object({
  status: z
    .object({
      notBefore: z.string().optional(),
      notAfter: z.string().optional(),
      conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional() })).optional(),
    })
    .optional(),
});

/**
 * Observations (source `kubernetes`) for every cert-manager purpose: `status.notBefore` as the last rotation,
 * `status.notAfter` as expiry, the Ready condition as detail. A Certificate that does not exist (404) gives no
 * observation. Every failed read is reported at once, in one {@link InvalidInputError}.
 */
export async function readCertificateObservations(registry: Registry, api: CertificateApi): Promise<Observation[]> {
  const purposes = registry.purposes.filter((p) => p.delivery === "cert-manager");
  const outcomes = await Promise.all(purposes.map((p) => readCertificate(p, api)));
  // A connection failure is the API server's, not a Certificate's: one line per distinct reason, not one per read.
  const problems = outcomes.filter((o): o is Problem => "message" in o);
  const transport = new Map<string, number>();
  for (const o of outcomes)
    if ("unreachable" in o) transport.set(o.unreachable, (transport.get(o.unreachable) ?? 0) + 1);
  for (const [reason, n] of transport)
    problems.push({ file: "kubernetes", message: `${reason} (${n} of ${purposes.length} reads)` });
  if (problems.length > 0) throw new InvalidInputError("Kubernetes reads", problems);
  return outcomes.filter((o): o is Observation => "source" in o);
}

async function readCertificate(
  p: RegisteredPurpose,
  api: CertificateApi,
): Promise<Observation | Problem | { absent: true } | { unreachable: string }> {
  const { namespace, name } = certificateLocation(p);
  const place = {
    file: "kubernetes",
    subject: p.id,
    field: `${CERTIFICATE_RESOURCE.plural}.${CERTIFICATE_RESOURCE.group}/${name} in ${namespace}`,
  };
  let body: unknown;
  try {
    body = await api.getNamespacedCustomObject({ ...CERTIFICATE_RESOURCE, namespace, name });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 404) return { absent: true };
    // node-fetch names the request's URL in its message; the reason alone is the same for every read.
    if (typeof code !== "number")
      return { unreachable: `the API server: ${(e as Error).message.replace(/^request to \S+ failed, reason: /, "")}` };
    // client-node throws a 401 without its body: say what it means.
    const reason = statusMessage(e) || (code === 401 ? ": the kubeconfig user's credentials were refused" : "");
    return { ...place, message: `HTTP ${code}${reason}` };
  }
  const parsed = CertificateObject.safeParse(body);
  if (!parsed.success)
    return {
      ...place,
      message: "not a cert-manager Certificate (status.notBefore, status.notAfter, status.conditions)",
    };
  const status = parsed.data.status ?? {};
  const times: Record<"notBefore" | "notAfter", string | undefined> = { notBefore: undefined, notAfter: undefined };
  for (const field of ["notBefore", "notAfter"] as const) {
    const text = status[field];
    if (text === undefined) continue;
    const ms = Date.parse(text);
    if (Number.isNaN(ms))
      return { ...place, message: `status.${field} ${JSON.stringify(text)} is not an RFC 3339 time` };
    times[field] = new Date(ms).toISOString();
  }
  const ready = status.conditions?.find((c) => c.type === "Ready");
  const detail = !ready
    ? "Certificate has no Ready condition yet"
    : ready.status === "True"
      ? "Certificate Ready"
      : `Certificate not Ready: ${ready.reason ?? "no reason given"}`;
  return {
    purpose: p.id,
    source: "kubernetes",
    // A Certificate not issued yet has neither time: posture then says nothing shows a rotation.
    ...(times.notBefore ? { lastRotatedAt: times.notBefore } : {}),
    ...(times.notAfter ? { expiresAt: times.notAfter } : {}),
    detail,
  };
}

/**
 * The API server's reason from its `Status` body (`{"kind": "Status", "message": ...}`), when it sent one. client-node
 * 1.x hands the body over as text.
 */
function statusMessage(e: unknown): string {
  let body = (e as { body?: unknown }).body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      return "";
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message !== "" ? `: ${message}` : "";
}

/**
 * The Certificate reader as the current kubeconfig context's user: `KUBECONFIG`, `~/.kube/config`, or the in-cluster
 * service account, as kubectl finds them. Throws when that names no cluster, instead of client-node's silent
 * fallback to `http://localhost:8080`.
 */
export function kubernetesApiFromEnv(): CustomObjectsApi {
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (e) {
    throw new Error(`kubeconfig: ${(e as Error).message}`, { cause: e });
  }
  // loadFromDefault's last resort when it finds no kubeconfig at all.
  if (kc.getCurrentContext() === "loaded-context" && kc.getCurrentCluster()?.server === "http://localhost:8080")
    throw new Error(
      "kubeconfig: none found: set KUBECONFIG, create ~/.kube/config, or run inside the cluster with a service account",
    );
  return kubernetesApiFromKubeConfig(kc);
}

/** The Certificate reader for a loaded kubeconfig; throws, naming the context, when it has no current cluster. */
export function kubernetesApiFromKubeConfig(kc: KubeConfig): CustomObjectsApi {
  if (!kc.getCurrentCluster()) {
    const context = kc.getCurrentContext();
    const why = context
      ? `its current context ${JSON.stringify(context)} names no cluster it defines`
      : "it has no current context";
    throw new Error(`kubeconfig: no current cluster: ${why} (kubectl config use-context <context>)`);
  }
  return kc.makeApiClient(CustomObjectsApi);
}
