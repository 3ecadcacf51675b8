import type { RegisteredPurpose } from "../registry/purpose.js";
import type { Consumer } from "../registry/schema.js";
import type { CustomResourceSpec } from "./types.js";

/** What every mechanism's objects share: API versions, metadata, Reloader's annotations, who reads where. Pure. */

/** The API versions of the controllers' custom resources, as the pinned charts serve them (delivery/charts.ts). */
export const API_VERSION = {
  externalSecrets: "external-secrets.io/v1",
  pushSecrets: "external-secrets.io/v1alpha1",
  generators: "generators.external-secrets.io/v1alpha1",
  certManager: "cert-manager.io/v1",
  approverPolicy: "policy.cert-manager.io/v1alpha1",
  trustManager: "trust.cert-manager.io/v1alpha1",
} as const;

/** Reloader's search/match mode: a workload annotated `search` rolls when a Secret annotated `match` changes. */
export const RELOADER = { search: "reloader.stakater.com/search", match: "reloader.stakater.com/match" } as const;

export function objectMetadata(
  name: string,
  labels: Record<string, string>,
  namespace?: string,
): CustomResourceSpec["metadata"] {
  return { name, ...(namespace ? { namespace } : {}), labels };
}

/**
 * The Pulumi name of a planned custom resource: `<kind>-<namespace>-<name>` (lowercase), stable per object. The
 * parts are joined with '-', which names may contain too, so two objects can share one (the registry refuses it:
 * registry/derived-names.ts).
 */
export function customResourceName(spec: Pick<CustomResourceSpec, "kind" | "metadata">): string {
  return [spec.kind.toLowerCase(), spec.metadata.namespace, spec.metadata.name].filter(Boolean).join("-");
}

/** The stores a custom resource names: an ExternalSecret's `secretStoreRef`, a PushSecret's `secretStoreRefs`. */
export function storeNamesOf(spec: Pick<CustomResourceSpec, "spec">): string[] {
  const body = spec.spec as { secretStoreRef?: { name: string }; secretStoreRefs?: { name: string }[] } | undefined;
  return [
    ...(body?.secretStoreRef ? [body.secretStoreRef.name] : []),
    ...(body?.secretStoreRefs ?? []).map((r) => r.name),
  ];
}

/**
 * The Secret a custom resource makes a controller write: an ExternalSecret's target (ESO defaults it to the
 * ExternalSecret's own name), a Certificate's `secretName`.
 */
export function secretWrittenBy(spec: CustomResourceSpec): string | undefined {
  const body = spec.spec as { target?: { name?: string }; secretName?: string };
  if (spec.kind === "ExternalSecret") return body.target?.name ?? spec.metadata.name;
  if (spec.kind === "Certificate") return body.secretName;
  return undefined;
}

/** The namespaces a purpose's consumers run in: sorted, each once. */
export function consumerNamespaces(p: Pick<RegisteredPurpose, "consumers">): string[] {
  return [...new Set(p.consumers.map((c) => c.namespace))].sort();
}

/**
 * The consumer whose identity reads a purpose into namespace `ns`: the first of the purpose's consumers there. Its
 * Vault policy grants read on the value, and its store may be used only from that namespace.
 */
export function readerIn(p: Pick<RegisteredPurpose, "id" | "consumers">, ns: string): Consumer {
  const here = p.consumers
    .filter((c) => c.namespace === ns)
    .sort((a, b) => a.serviceAccount.localeCompare(b.serviceAccount));
  if (here.length === 0)
    throw new Error(
      `${p.id}: no consumer in namespace ${ns} to read it as (the registry rules should have refused this)`,
    );
  return here[0]!;
}
