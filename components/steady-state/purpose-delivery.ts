import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PurposeDelivery } from "../../delivery/layout.js";
import { customResource } from "./custom-resource.js";

/** Arguments for {@link DeliveredPurpose}. */
export interface DeliveredPurposeArgs {
  /** What delivers the purpose, already planned (see `delivery/layout.ts`). */
  delivery: PurposeDelivery;
  /** Controllers and stores the resources need first. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The custom resources that deliver one purpose (ExternalSecrets, a generator and PushSecret, a Certificate), each
 * after the one before it; transit and csi purposes register none (the record says how consumers reach them).
 */
export class DeliveredPurpose extends pulumi.ComponentResource {
  public readonly resources: k8s.apiextensions.CustomResource[] = [];

  constructor(name: string, args: DeliveredPurposeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:steady-state:DeliveredPurpose", name, {}, opts);
    let previous: pulumi.Resource[] = [];
    for (const spec of args.delivery.resources) {
      const resource = customResource(spec, { parent: this, dependsOn: [...args.dependsOn, ...previous] });
      this.resources.push(resource);
      previous = [resource];
    }
    this.registerOutputs({});
  }
}
