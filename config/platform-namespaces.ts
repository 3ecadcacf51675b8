import { fileURLToPath } from "node:url";
import type { PlatformConfig } from "./platform.js";
import { readProjectFile, type ProjectFile } from "./project.js";

/**
 * The namespaces the platform's own programs run in, as the stack config names them. No team's contract may reach
 * them (registry/tenancy.ts); they are read from a stack's config where there is one, and from the defaults
 * `Pulumi.yaml` declares where there is none (a registry checked on its own).
 */
export interface PlatformNamespaces {
  flux: string;
  vault: string;
  externalSecrets: string;
  certManager: string;
  reloader: string;
}

/** Each platform namespace: the config key that names it, and what runs there (for messages and docs). */
export const PLATFORM_NAMESPACE_KEYS = {
  flux: { key: "fluxNamespace", runs: "Flux and the SOPS age key" },
  vault: { key: "vaultNamespace", runs: "Vault, its listener certificate and unseal credentials" },
  externalSecrets: { key: "externalSecretsNamespace", runs: "External Secrets" },
  certManager: {
    key: "certManagerNamespace",
    runs: "cert-manager, approver-policy, trust-manager, csi-driver and the issuers' identities",
  },
  reloader: { key: "reloaderNamespace", runs: "Reloader" },
} as const satisfies Record<keyof PlatformNamespaces, { key: string; runs: string }>;

/** The platform namespaces one stack's validated config names. */
export function platformNamespacesOf(config: PlatformConfig): PlatformNamespaces {
  return {
    flux: config.gitops.fluxNamespace,
    vault: config.runtimeAuthority.namespace,
    externalSecrets: config.steadyState.externalSecrets.namespace,
    certManager: config.steadyState.certManager.namespace,
    reloader: config.steadyState.reloader.namespace,
  };
}

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
let declared: PlatformNamespaces | undefined;

/** The platform namespaces a stack has when its config sets none: the defaults `Pulumi.yaml` declares. */
export function declaredPlatformNamespaces(project?: ProjectFile): PlatformNamespaces {
  if (!project && declared) return declared;
  const config = (project ?? readProjectFile(PROJECT_ROOT)).config;
  const namespaces = Object.fromEntries(
    Object.entries(PLATFORM_NAMESPACE_KEYS).map(([role, { key }]) => {
      const value = config[key]?.default;
      if (typeof value !== "string") throw new Error(`Pulumi.yaml declares no default for ${key}`);
      return [role, value];
    }),
  ) as unknown as PlatformNamespaces;
  if (!project) declared = namespaces;
  return namespaces;
}
