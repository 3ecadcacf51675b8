import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../../registry/labels.js";
import {
  bootstrapKustomization,
  bootstrapRoleRules,
  type BootstrapNamespace,
  type BootstrapSource,
} from "../../gitops/bootstrap-layout.js";

/** Arguments for {@link BootstrapMaterialization}. */
export interface BootstrapMaterializationArgs {
  /** The namespace and its purposes, from {@link bootstrapLayout}. */
  layout: BootstrapNamespace;
  /** Where Flux runs, which GitRepository holds the encrypted manifests, and the decryption key (from the gitops stack). */
  source: BootstrapSource;
  /** Whether this stack creates the namespace: not when an earlier stack did (Flux's own, phases/namespaces.ts). */
  createNamespace: boolean;
}

/**
 * Phase 2 for one namespace: the namespace itself unless an earlier stack created it (kept if the stack is removed:
 * it will hold the workloads; later stacks deploy into it by name), a
 * service account in the Flux namespace, a Role and RoleBinding limiting it to this namespace's bootstrap Secrets,
 * and the Kustomization that decrypts and applies bootstrap/<namespace>/ as that service account.
 */
export class BootstrapMaterialization extends pulumi.ComponentResource {
  /** The Kustomization's `namespace/name`. */
  public readonly kustomization: pulumi.Output<string>;

  constructor(name: string, args: BootstrapMaterializationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:bootstrap:BootstrapMaterialization", name, {}, opts);
    const { layout, source } = args;
    const labels = platformLabels("bootstrap");
    const children = { parent: this };

    const dependsOn: pulumi.Resource[] = [];
    if (args.createNamespace)
      dependsOn.push(
        new k8s.core.v1.Namespace(
          `${name}-namespace`,
          { metadata: { name: layout.namespace, labels } },
          { ...children, retainOnDelete: true },
        ),
      );
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-applier`,
      { metadata: { name: layout.name, namespace: source.fluxNamespace, labels } },
      children,
    );
    const role = new k8s.rbac.v1.Role(
      `${name}-secrets`,
      { metadata: { name: layout.name, namespace: layout.namespace, labels }, rules: bootstrapRoleRules(layout) },
      { ...children, dependsOn },
    );
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-secrets`,
      {
        metadata: { name: layout.name, namespace: layout.namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: layout.name },
        subjects: [{ kind: "ServiceAccount", name: layout.name, namespace: source.fluxNamespace }],
      },
      { ...children, dependsOn: [role] },
    );
    const kustomization = new Kustomization(bootstrapKustomization(layout, source));
    kustomization.validate();
    // Applied only once its identity and permissions exist, so the first reconcile cannot fail half-way.
    new k8s.apiextensions.CustomResource(
      `${name}-kustomization`,
      { ...(kustomization.toJSON() as k8s.apiextensions.CustomResourceArgs) },
      { ...children, dependsOn: [account, binding] },
    );

    this.kustomization = pulumi.output(`${source.fluxNamespace}/${layout.name}`);
    this.registerOutputs({ kustomization: this.kustomization });
  }
}
