import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DISTRIBUTION } from "../../vault/distribution.js";
import { vaultChartValues, type VaultServerSettings } from "../../vault/server.js";
import { platformLabels } from "../../registry/labels.js";

/** Arguments for {@link VaultServer}. */
export interface VaultServerArgs {
  settings: VaultServerSettings;
  chart: { repository: string; version: string };
  /** The listener certificate's Secret must exist before the pods start. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The server of the Vault API through its distribution's own chart (OpenBao's or HashiCorp's): HA on integrated
 * Raft, TLS only, audit storage, no dev mode, injector off unless asked for. The release is protected: deleting it
 * would take the runtime authority down with it.
 */
export class VaultServer extends pulumi.ComponentResource {
  public readonly releaseName: pulumi.Output<string>;
  public readonly chartVersion: pulumi.Output<string>;

  constructor(name: string, args: VaultServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:VaultServer", name, {}, opts);
    const s = args.settings;
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: s.releaseName,
        chart: DISTRIBUTION[s.distribution].chart.name,
        version: args.chart.version,
        repositoryOpts: { repo: args.chart.repository },
        namespace: s.namespace,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        // Atomic, yet it completes before the init ceremony: the StatefulSet updates OnDelete, and Helm's wait skips
        // a StatefulSet that does not roll, so sealed (unready) pods do not fail it (vaultChartValues).
        values: vaultChartValues(s),
      },
      { parent: this, protect: true, dependsOn: args.dependsOn },
    );
    this.releaseName = release.name;
    this.chartVersion = release.version;
    this.registerOutputs({ releaseName: this.releaseName });
  }
}

/** The namespace Vault and its Secrets live in; kept when the stack is removed, like any namespace holding data. */
export function vaultNamespace(
  name: string,
  namespace: string,
  opts?: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    name,
    { metadata: { name: namespace, labels: platformLabels("runtime-authority") } },
    { ...opts, retainOnDelete: true },
  );
}
