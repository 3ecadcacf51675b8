import { GitRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import sshpk from "sshpk";
import type { Purpose } from "../../registry/schema.js";
import { AGE_KEY_ENTRY, DECRYPTION_SECRET, PLATFORM_REPOSITORY } from "../../gitops/flux.js";
import { ANNOTATION, platformLabels, purposeLabels } from "../../registry/labels.js";

/** Arguments for {@link FluxControlPlane}. */
export interface FluxControlPlaneArgs {
  /** Namespace Flux runs in; it also holds the decryption key. */
  namespace: string;
  /** The pinned flux2 chart. */
  chart: { repository: string; version: string };
  /** The platform repository Flux reads, and its credentials. */
  git: {
    url: string;
    branch: string;
    knownHosts: string;
    /** The purpose contract of the deploy key (delivery bootstrap, source config:gitDeployKey). */
    deployKeyPurpose: Pick<Purpose, "id" | "owner"> & { bootstrap?: { secretName: string } };
    /** The deploy key's private half (secret). */
    deployKey: pulumi.Output<string>;
  };
  /** The age identity that decrypts SOPS manifests in-cluster (secret). */
  sopsAgeKey: pulumi.Output<string>;
}

/**
 * Phase 1: Flux from its pinned Helm chart, the age key that lets it decrypt SOPS manifests in-cluster, and the
 * GitRepository of the platform repository with its deploy key. Both keys arrive only as secret inputs from secret
 * stack config and leave only into their Kubernetes Secrets: never an output, never a log line.
 */
export class FluxControlPlane extends pulumi.ComponentResource {
  /** Namespace Flux runs in. */
  public readonly namespace: pulumi.Output<string>;
  /** Name of the GitRepository Kustomizations read from. */
  public readonly gitRepositoryName: pulumi.Output<string>;
  /** SHA-256 fingerprint of the deploy key's public half, to register it with the Git host. */
  public readonly deployKeyFingerprint: pulumi.Output<string>;

  constructor(name: string, args: FluxControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:gitops:FluxControlPlane", name, {}, opts);
    const labels = platformLabels("gitops");
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: args.namespace, labels } },
      { parent: this },
    );
    const inNamespace = { parent: this, dependsOn: [namespace] };

    // A Helm release rather than vendored install manifests: the chart version is one pinned value, upgrades are
    // atomic (rolled back on failure), and values stay reviewable in this file instead of in 10k lines of YAML.
    const release = new k8s.helm.v3.Release(
      `${name}-flux`,
      {
        name: "flux",
        chart: "flux2",
        version: args.chart.version,
        repositoryOpts: { repo: args.chart.repository },
        namespace: args.namespace,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        // Only the controllers the platform uses: sources, kustomizations (with SOPS), helm and notifications.
        values: { imageAutomationController: { create: false }, imageReflectionController: { create: false } },
      },
      inNamespace,
    );

    new k8s.core.v1.Secret(
      `${name}-sops-age`,
      {
        metadata: { name: DECRYPTION_SECRET, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [AGE_KEY_ENTRY]: pulumi.secret(args.sopsAgeKey) },
      },
      inNamespace,
    );

    const purpose = args.git.deployKeyPurpose;
    const deployKeySecret = purpose.bootstrap?.secretName ?? purpose.id;
    const publicKey = pulumi.unsecret(args.git.deployKey.apply((key) => sshpk.parsePrivateKey(key, "auto").toPublic()));
    const credentials = new k8s.core.v1.Secret(
      `${name}-git-deploy-key`,
      {
        metadata: {
          name: deployKeySecret,
          namespace: args.namespace,
          labels: purposeLabels(purpose, "gitops", "bootstrap"),
          annotations: { [ANNOTATION.source]: "config:gitDeployKey" },
        },
        type: "Opaque",
        stringData: {
          identity: pulumi.secret(args.git.deployKey),
          "identity.pub": publicKey.apply((k) => k.toString("ssh")),
          known_hosts: args.git.knownHosts,
        },
      },
      inNamespace,
    );

    const repository = new GitRepository({
      metadata: { name: PLATFORM_REPOSITORY, namespace: args.namespace, labels },
      spec: {
        interval: "1m",
        url: args.git.url,
        ref: { branch: args.git.branch },
        secretRef: { name: deployKeySecret },
      },
    });
    repository.validate();
    // The CRD comes with the chart, so the GitRepository waits for the release.
    new k8s.apiextensions.CustomResource(
      `${name}-platform-repository`,
      { ...(repository.toJSON() as k8s.apiextensions.CustomResourceArgs) },
      { parent: this, dependsOn: [release, credentials] },
    );

    this.namespace = namespace.metadata.name;
    this.gitRepositoryName = pulumi.output(PLATFORM_REPOSITORY);
    this.deployKeyFingerprint = publicKey.apply((k) => k.fingerprint("sha256").toString());
    this.registerOutputs({ namespace: this.namespace, gitRepositoryName: this.gitRepositoryName });
  }
}
