import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { TransitKeyLayout } from "../../vault/layout.js";
import { MOUNTS } from "../../vault/paths.js";

/**
 * The transit mount and one key per transit purpose. Keys never leave Vault: not exportable, no plaintext backup,
 * deletion not allowed (all three are one-way switches in Vault, so they are set from the first write), rotated by
 * Vault itself every contract period. Protected: losing a key loses every ciphertext made with it.
 */
export class TransitEngine extends pulumi.ComponentResource {
  /** Key name -> latest version, as Vault reports it. */
  public readonly keys: Record<string, pulumi.Output<number>> = {};

  constructor(name: string, args: { keys: readonly TransitKeyLayout[] }, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:TransitEngine", name, {}, opts);
    const mount = new vault.Mount(
      `${name}-mount`,
      { path: MOUNTS.transit, type: "transit", description: "Purpose-registry keys (tier vault_transit)" },
      { parent: this, protect: true },
    );
    for (const k of args.keys) {
      const key = new vault.transit.SecretBackendKey(
        `${name}-${k.purpose}`,
        {
          backend: mount.path,
          name: k.name,
          type: k.type,
          exportable: false,
          allowPlaintextBackup: false,
          deletionAllowed: false,
          autoRotatePeriod: k.autoRotatePeriodSeconds,
        },
        { parent: this, protect: true },
      );
      this.keys[k.name] = key.latestVersion;
    }
    this.registerOutputs({});
  }
}
