import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CustomResourceSpec } from "../../delivery/types.js";
import { customResource } from "./custom-resource.js";

/** Arguments for {@link VaultSecretStores}. */
export interface VaultSecretStoresArgs {
  /** One ClusterSecretStore per consumer identity, already planned (see `delivery/layout.ts`). */
  stores: readonly CustomResourceSpec[];
  /** External Secrets Operator (its CRDs and webhook). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The ClusterSecretStores through which ESO reads and writes Vault KV, each as one consumer, in one namespace. */
export class VaultSecretStores extends pulumi.ComponentResource {
  public readonly stores: k8s.apiextensions.CustomResource[];
  /** Each store by its name, so what reads through a store can depend on that store alone. */
  public readonly byName: ReadonlyMap<string, k8s.apiextensions.CustomResource>;

  constructor(name: string, args: VaultSecretStoresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:steady-state:VaultSecretStores", name, {}, opts);
    this.stores = args.stores.map((s) => customResource(s, { parent: this, dependsOn: args.dependsOn }));
    this.byName = new Map(this.stores.map((store, i) => [args.stores[i]!.metadata.name, store]));
    this.registerOutputs({});
  }
}
