import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PurposeDelivery } from "../../delivery/layout.js";
import { drawsFromGenerator } from "../../delivery/mechanisms/push-secret/generator.js";
import { storeNamesOf } from "../../delivery/objects.js";
import { customResource } from "./custom-resource.js";

/** Arguments for {@link TeamDeliveries}. */
export interface TeamDeliveriesArgs {
  /** What delivers each of the team's purposes, already planned by their mechanisms (see `delivery/mechanisms/`). */
  deliveries: readonly PurposeDelivery[];
  /** Controllers the resources need first (those that use a store get them through the store). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
  /**
   * The ClusterSecretStores by name: each resource waits for the stores it reads or writes through, and only those
   * (depending on the stores' component would make every resource depend on every store, which the SDK expands to
   * one dependency per store on each registration).
   */
  stores: ReadonlyMap<string, pulumi.Resource>;
  /** The cluster-wide Password generator, which generator ExternalSecrets wait for besides their store. */
  generator?: pulumi.Resource;
}

/**
 * The custom resources that deliver one owning team's purposes (ExternalSecrets, a generator ExternalSecret and
 * PushSecret, a Certificate), each purpose's in order, each after the one before it; transit and csi purposes
 * register none (the record says how consumers reach them). One component per team rather than per purpose: the
 * preview still reads team by team, and thousands of purposes do not cost thousands of extra resources
 * (docs/performance.md).
 */
export class TeamDeliveries extends pulumi.ComponentResource {
  public readonly resources: k8s.apiextensions.CustomResource[] = [];

  constructor(name: string, args: TeamDeliveriesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:steady-state:TeamDeliveries", name, {}, opts);
    for (const delivery of args.deliveries) {
      let previous: pulumi.Resource[] = [];
      for (const spec of delivery.resources) {
        // What reads or writes through a store waits for that store, which waits for ESO; the rest for the controllers.
        const stores = storeNamesOf(spec)
          .map((n) => args.stores.get(n))
          .filter((s) => s !== undefined);
        const generator = args.generator && drawsFromGenerator(spec) ? [args.generator] : [];
        const resource = customResource(spec, {
          parent: this,
          dependsOn: [...(stores.length > 0 ? stores : args.dependsOn), ...generator, ...previous],
        });
        this.resources.push(resource);
        previous = [resource];
      }
    }
    this.registerOutputs({});
  }
}
