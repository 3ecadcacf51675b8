import type { IKustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization";
import { stringify } from "yaml";
import type { Registry } from "../registry/load.js";
import type { BootstrapPurpose } from "../registry/purpose.js";
import type { Problem } from "../registry/problems.js";
import { ANNOTATION, LABEL, platformLabels, purposeLabels } from "../registry/labels.js";

/**
 * What phase 2 materializes, derived from the registry alone (pure, no Pulumi): one Flux Kustomization per target
 * namespace, each reading only bootstrap/<namespace>/ and applying only into that namespace through its own service
 * account, whose RBAC covers nothing but that namespace's bootstrap Secrets.
 */

export interface BootstrapNamespace {
  namespace: string;
  /** Kustomization and ServiceAccount name (both in the Flux namespace). */
  name: string;
  /** The purposes materialized here, sorted by id. */
  purposes: BootstrapPurpose[];
}

export interface BootstrapInventoryEntry {
  purpose: string;
  owner: string;
  namespace: string;
  secretName: string;
  source: string;
  materializedBy: string;
  labels: Record<string, string>;
  /** Set by the runtime-authority stack once Vault holds the value. */
  handedOver: false;
}

export interface BootstrapLayout {
  namespaces: BootstrapNamespace[];
  inventory: BootstrapInventoryEntry[];
  problems: Problem[];
}

/** Groups the bootstrap purposes by namespace; every purpose outside the cluster's allowed namespaces is a problem. */
export function bootstrapLayout(
  registry: Registry,
  options: {
    fluxNamespace: string;
    allowedNamespaces: readonly string[];
    gitopsStack: string;
    /** Where allowedNamespaces is set, for messages. */ configFile?: string;
  },
): BootstrapLayout {
  const problems: Problem[] = [];
  const byNamespace = new Map<string, BootstrapPurpose[]>();
  const inventory: BootstrapInventoryEntry[] = [];
  for (const p of registry.purposes) {
    if (p.delivery !== "bootstrap") continue;
    const { namespace, secretName, source } = p.bootstrap;
    if (!options.allowedNamespaces.includes(namespace)) {
      problems.push({
        file: p.file,
        subject: p.id,
        field: "bootstrap.namespace",
        message: `${namespace} is not one of the cluster's allowedNamespaces (${options.allowedNamespaces.join(", ") || "none"}${options.configFile ? `, set in ${options.configFile}` : ""})`,
      });
      continue;
    }
    const fromConfig = source.startsWith("config:");
    if (!fromConfig) byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), p]);
    inventory.push({
      purpose: p.id,
      owner: p.owner,
      namespace,
      secretName,
      source,
      materializedBy: fromConfig
        ? `stack ${options.gitopsStack}`
        : `Kustomization ${options.fluxNamespace}/${kustomizationName(namespace)}`,
      labels: purposeLabels(p, fromConfig ? "gitops" : "bootstrap", "bootstrap"),
      handedOver: false,
    });
  }
  const namespaces = [...byNamespace.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, purposes]) => ({ namespace, name: kustomizationName(namespace), purposes }));
  return { namespaces, inventory, problems };
}

export function kustomizationName(namespace: string): string {
  return `bootstrap-${namespace}`;
}

/**
 * The Kustomization of one namespace. `commonMetadata` labels every object it applies with the phase and
 * `authority: bootstrap`; one patch per purpose adds the purpose id and owner to exactly its Secret, so each Secret
 * is traceable to its contract even when a namespace holds several.
 */
/** What the gitops stack publishes that a bootstrap Kustomization needs. */
export interface BootstrapSource {
  fluxNamespace: string;
  gitRepository: string;
  /** The Secret (in the Flux namespace) holding the SOPS decryption key. */
  decryptionSecret: string;
}

export function bootstrapKustomization(ns: BootstrapNamespace, source: BootstrapSource): IKustomization {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: ns.name, namespace: source.fluxNamespace, labels: platformLabels("bootstrap") },
    spec: {
      interval: "10m",
      retryInterval: "1m",
      path: `./bootstrap/${ns.namespace}`,
      prune: true,
      sourceRef: { kind: "GitRepository", name: source.gitRepository, namespace: source.fluxNamespace },
      // Decrypted in-cluster by kustomize-controller, never written back to Git.
      decryption: { provider: "sops", secretRef: { name: source.decryptionSecret } },
      targetNamespace: ns.namespace,
      serviceAccountName: ns.name,
      commonMetadata: { labels: { ...platformLabels("bootstrap"), [LABEL.authority]: "bootstrap" } },
      patches: ns.purposes.map((p) => ({
        target: { kind: "Secret", name: p.bootstrap.secretName },
        patch: stringify({
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            name: p.bootstrap.secretName,
            labels: { [LABEL.purpose]: p.id, [LABEL.owner]: p.owner },
            annotations: { [ANNOTATION.source]: p.bootstrap.source },
          },
        }),
      })),
    },
  };
}

/**
 * The Role the Kustomization impersonates in its namespace: Secrets only, and beyond `create` (which RBAC cannot
 * limit by name) only the Secrets this namespace's purposes declare.
 */
export function bootstrapRoleRules(
  ns: BootstrapNamespace,
): { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[] {
  return [
    { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
    {
      apiGroups: [""],
      resources: ["secrets"],
      verbs: ["get", "patch", "update", "delete"],
      resourceNames: ns.purposes.map((p) => p.bootstrap.secretName).sort(),
    },
  ];
}
