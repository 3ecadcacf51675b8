import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PurposeDelivery } from "../../delivery/layout.js";
import { customResource } from "./custom-resource.js";

/** Arguments for {@link TeamDeliveries}. */
export interface TeamDeliveriesArgs {
  /** What delivers each of the team's purposes, already planned (see `delivery/layout.ts`). */
  deliveries: readonly PurposeDelivery[];
  /** Controllers and stores the resources need first. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The custom resources that deliver one owning team's purposes (ExternalSecrets, a generator and PushSecret, a
 * Certificate), each purpose's in order, each after the one before it; transit and csi purposes register none (the
 * record says how consumers reach them). One component per team rather than per purpose: the preview still reads
 * team by team, and thousands of purposes do not cost thousands of extra resources (README "Performance").
 */
export class TeamDeliveries extends pulumi.ComponentResource {
  public readonly resources: k8s.apiextensions.CustomResource[] = [];

  constructor(name: string, args: TeamDeliveriesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:steady-state:TeamDeliveries", name, {}, opts);
    for (const delivery of args.deliveries) {
      let previous: pulumi.Resource[] = [];
      for (const spec of delivery.resources) {
        const resource = customResource(spec, { parent: this, dependsOn: [...args.dependsOn, ...previous] });
        this.resources.push(resource);
        previous = [resource];
      }
    }
    this.registerOutputs({});
  }
}
