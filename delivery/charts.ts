import type { PlatformConfig } from "../config/platform.js";

/**
 * The steady state's controllers, each from its project's pinned Helm chart, with the values that matter for this
 * platform (pure; the component only installs what this returns).
 */

export type ControllerId =
  "external-secrets" | "cert-manager" | "approver-policy" | "trust-manager" | "csi-driver" | "reloader";

export interface ControllerRelease {
  id: ControllerId;
  /** Helm release name. */
  release: string;
  chart: string;
  repository: string;
  version: string;
  namespace: string;
  values: Record<string, unknown>;
  /** Releases that must be installed first (their CRDs or webhooks). */
  after: ControllerId[];
}

export function controllerReleases(config: PlatformConfig["steadyState"]): ControllerRelease[] {
  const cm = config.certManager;
  return [
    {
      id: "external-secrets",
      release: "external-secrets",
      chart: "external-secrets",
      repository: config.externalSecrets.chartRepository,
      version: config.externalSecrets.chartVersion,
      namespace: config.externalSecrets.namespace,
      values: {
        installCRDs: true,
        // Only what the platform uses: no cluster-wide fan-out objects a tenant could lean on.
        processClusterExternalSecret: false,
        processClusterPushSecret: false,
        webhook: { create: true },
        certController: { create: true },
      },
      after: [],
    },
    {
      id: "cert-manager",
      release: "cert-manager",
      chart: "cert-manager",
      repository: cm.chartRepository,
      version: cm.chartVersion,
      namespace: cm.namespace,
      // CRDs kept on uninstall: deleting them would delete every Certificate and issuer with them. The built-in
      // approver signs any request for any issuer; approver-policy decides instead (see delivery/layout.ts).
      values: { crds: { enabled: true, keep: true }, enableCertificateOwnerRef: false, disableAutoApproval: true },
      after: [],
    },
    {
      id: "approver-policy",
      release: "cert-manager-approver-policy",
      chart: "cert-manager-approver-policy",
      repository: cm.chartRepository,
      version: config.approverPolicyChartVersion,
      namespace: cm.namespace,
      values: {},
      after: ["cert-manager"],
    },
    {
      id: "trust-manager",
      release: "trust-manager",
      chart: "trust-manager",
      repository: cm.chartRepository,
      version: config.trustManagerChartVersion,
      namespace: cm.namespace,
      // Bundle sources are read from the trust namespace only; writing Secrets is not needed (ConfigMaps suffice).
      values: {
        crds: { enabled: true },
        app: { trust: { namespace: cm.namespace } },
        secretTargets: { enabled: false },
      },
      after: ["cert-manager"],
    },
    {
      id: "csi-driver",
      release: "cert-manager-csi-driver",
      chart: "cert-manager-csi-driver",
      repository: cm.chartRepository,
      version: config.csiDriverChartVersion,
      namespace: cm.namespace,
      values: {},
      after: ["cert-manager"],
    },
    {
      id: "reloader",
      release: "reloader",
      chart: "reloader",
      repository: config.reloader.chartRepository,
      version: config.reloader.chartVersion,
      namespace: config.reloader.namespace,
      // Opt-in only: a workload rolls when it asks to (search) and a Secret the platform marks (match) changes.
      values: { reloader: { autoReloadAll: false, reloadOnCreate: false, watchGlobally: true } },
      after: [],
    },
  ];
}
