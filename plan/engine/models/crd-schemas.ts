/**
 * The upstream CRD schemas of the custom resources the platform creates, as `@kubernetes-models/*` packages ship
 * them (generated from each project's CRDs). The API server validates a custom resource against its CRD's schema
 * before storing it; the plan's kubernetes model does the same, so an invalid object fails the plan as it would
 * fail `pulumi up`.
 */

/** Which package holds the models of an API group. */
export const CRD_PACKAGES: Readonly<Record<string, string>> = {
  "source.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "kustomize.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "helm.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "notification.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "generators.external-secrets.io": "@kubernetes-models/external-secrets",
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "trust.cert-manager.io": "@kubernetes-models/cert-manager",
  "policy.cert-manager.io": "@kubernetes-models/cert-manager",
};

export interface CustomResourceObject {
  apiVersion: string;
  kind: string;
  [key: string]: unknown;
}

/** The module of a custom resource's model, or undefined for core kinds and groups without a package. */
export function crdModulePath(obj: Pick<CustomResourceObject, "apiVersion" | "kind">): string | undefined {
  const [group, version] = obj.apiVersion.split("/");
  const pkg = version ? CRD_PACKAGES[group!] : undefined;
  return pkg ? `${pkg}/${group}/${version}/${obj.kind}` : undefined;
}

type ModelModule = Record<string, new (data: unknown) => { validate(): void }>;
/** Loaded model modules by path: each dynamic import passes through the loader's hooks (tsx), milliseconds apiece. */
const modules = new Map<string, Promise<ModelModule | undefined>>();

/** The schema problem of one object (the validator's message), or undefined when it is valid. */
export async function crdSchemaProblem(
  obj: Pick<CustomResourceObject, "apiVersion" | "kind"> & object,
): Promise<string | undefined> {
  const path = crdModulePath(obj);
  if (!path) return undefined;
  if (!modules.has(path))
    modules.set(
      path,
      import(path).then(
        (m: ModelModule) => m,
        () => undefined,
      ),
    );
  const module = await modules.get(path)!;
  if (!module?.[obj.kind])
    return `no schema for ${obj.apiVersion} ${obj.kind} in ${path.split("/").slice(0, 2).join("/")} (unknown version or kind)`;
  try {
    new module[obj.kind]!(obj).validate();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Fields the pinned charts' CRDs define that the model packages predate (`@kubernetes-models/external-secrets` 2.0.0
 * was generated before ESO 0.20.1). The type check strips them, and a test checks the pinned chart is at least the
 * version that introduced each, so the API server keeps the field instead of pruning it.
 */
export const FIELDS_NEWER_THAN_MODELS: readonly {
  kind: string;
  path: readonly string[];
  chart: string;
  since: string;
}[] = [
  {
    kind: "ClusterSecretStore",
    path: ["spec", "provider", "vault", "checkAndSet"],
    chart: "external-secrets",
    since: "0.20.1",
  },
];
