import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ControllerId, ControllerRelease } from "../../delivery/charts.js";
import { platformLabels } from "../../registry/labels.js";

/** Arguments for {@link PlatformControllers}. */
export interface PlatformControllersArgs {
  /** The releases, already planned (see `delivery/charts.ts`). */
  releases: readonly ControllerRelease[];
  /** Namespaces earlier stacks created: a release goes into such a namespace by name (phases/namespaces.ts). */
  existingNamespaces: ReadonlySet<string>;
}

/**
 * External Secrets Operator, cert-manager, trust-manager, cert-manager's csi-driver and Reloader, each through its
 * pinned chart into its namespace (created here unless an earlier stack did). Releases are atomic (a failed upgrade rolls back) and protected: uninstalling
 * ESO or cert-manager would stop every refresh and renewal at once.
 */
export class PlatformControllers extends pulumi.ComponentResource {
  /** Each release, for custom resources that need its CRDs and webhooks first. */
  public readonly releases: Readonly<Record<ControllerId, k8s.helm.v3.Release>>;

  constructor(name: string, args: PlatformControllersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:steady-state:PlatformControllers", name, {}, opts);
    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    for (const ns of new Set(args.releases.map((r) => r.namespace)))
      if (!args.existingNamespaces.has(ns))
        namespaces.set(
          ns,
          new k8s.core.v1.Namespace(
            `${name}-${ns}`,
            { metadata: { name: ns, labels: platformLabels("steady-state") } },
            { parent: this, retainOnDelete: true },
          ),
        );
    const releases: Partial<Record<ControllerId, k8s.helm.v3.Release>> = {};
    for (const r of args.releases) {
      const namespace = namespaces.get(r.namespace);
      releases[r.id] = new k8s.helm.v3.Release(
        `${name}-${r.id}`,
        {
          name: r.release,
          chart: r.chart,
          version: r.version,
          repositoryOpts: { repo: r.repository },
          namespace: r.namespace,
          createNamespace: false,
          atomic: true,
          cleanupOnFail: true,
          values: r.values,
        },
        {
          parent: this,
          protect: true,
          dependsOn: [...(namespace ? [namespace] : []), ...r.after.map((a) => releases[a]!)],
        },
      );
    }
    this.releases = releases as Record<ControllerId, k8s.helm.v3.Release>;
    this.registerOutputs({});
  }
}
