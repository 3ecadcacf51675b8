import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { KvSecretLayout } from "../../vault/layout.js";
import { MOUNTS } from "../../vault/paths.js";

/**
 * The KV v2 mount of tier vault_kv, with check-and-set required on every write (so no writer can overwrite a
 * version it has not seen) and the platform's version defaults, and the metadata of every secret written by its
 * owner or a PushSecret (handed-over secrets get theirs from the handover). Protected: it holds every secret value.
 */
export class KvEngine extends pulumi.ComponentResource {
  public readonly path: pulumi.Output<string>;
  /**
   * The mount's configuration: what writers wait for. Not the component, which holds every secret's metadata: a
   * dependency on a component is a dependency on each of its resources.
   */
  public readonly ready: pulumi.Resource;

  constructor(
    name: string,
    args: { defaultMaxVersions: number; secrets: readonly KvSecretLayout[] },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("secrets-platform:runtime-authority:KvEngine", name, {}, opts);
    const mount = new vault.Mount(
      `${name}-mount`,
      {
        path: MOUNTS.kv,
        type: "kv",
        options: { version: "2" },
        description: "Purpose-registry secrets (tier vault_kv, and bootstrap material handed over)",
      },
      { parent: this, protect: true },
    );
    const config = new vault.kv.SecretBackendV2(
      `${name}-config`,
      { mount: mount.path, casRequired: true, maxVersions: args.defaultMaxVersions, deleteVersionAfter: 0 },
      { parent: this, protect: true },
    );
    this.ready = config;
    for (const secret of args.secrets)
      kvSecretMetadata(`${name}-${secret.purpose}`, { secret }, { parent: this, dependsOn: [config] });
    this.path = mount.path;
    this.registerOutputs({ path: this.path });
  }
}

/** Arguments for {@link kvSecretMetadata}. */
export interface KvSecretMetadataArgs {
  secret: KvSecretLayout;
  /** Extra custom metadata known only at deploy time (the handover record). */
  extraMetadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A KV secret's metadata, written through the metadata endpoint and never its data: `max_versions`,
 * `delete_version_after`, `cas_required`, and `custom_metadata` naming purpose, owner and evidence. The value never
 * passes through Pulumi. Deleting this resource must not delete the secret (KV v2 metadata DELETE destroys every
 * version: redhat-cop/vault-config-operator#196), hence `disableDelete` and protection. One resource per secret,
 * without a component of its own (docs/performance.md).
 */
export function kvSecretMetadata(
  name: string,
  args: KvSecretMetadataArgs,
  opts: pulumi.CustomResourceOptions,
): vault.generic.Endpoint {
  const s = args.secret;
  const body = (custom: Record<string, string>) =>
    JSON.stringify({
      max_versions: s.maxVersions,
      cas_required: true,
      delete_version_after: s.deleteVersionAfter,
      custom_metadata: custom,
    });
  return new vault.generic.Endpoint(
    `${name}-metadata`,
    {
      path: s.metadataPath,
      // A plain string unless the metadata waits on deploy-time values: every Output costs the SDK a few promises.
      dataJson: args.extraMetadata
        ? pulumi.output(args.extraMetadata).apply((extra) => body({ ...s.customMetadata, ...extra }))
        : body(s.customMetadata),
      disableDelete: true,
      // Compare only what is written here: Vault adds versions, timestamps and current_version itself.
      ignoreAbsentFields: true,
    },
    { ...opts, protect: true },
  );
}
