import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { AuditDevice } from "../../vault/audit.js";

/** Arguments for {@link AuditDevices}. */
export interface AuditDevicesArgs {
  /** The devices to enable (vault/audit.ts `auditDevices`): a file on the audit volume and stdout. */
  devices: readonly AuditDevice[];
}

/**
 * The audit devices, enabled through the API: HashiCorp Vault only. OpenBao (2.4+) refuses `sys/audit` through the
 * API (CVE-2025-54997): there the same devices are declared in the server configuration (vault/server.ts) and this
 * component is not registered. Protected: removing an audit device is itself a security event.
 */
export class AuditDevices extends pulumi.ComponentResource {
  public readonly paths: pulumi.Output<string>[];

  constructor(name: string, args: AuditDevicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:AuditDevices", name, {}, opts);
    this.paths = args.devices.map(
      (d) =>
        new vault.Audit(
          `${name}-${d.path}`,
          { type: d.type, path: d.path, description: d.description, options: { ...d.options } },
          { parent: this, protect: true },
        ).path,
    );
    this.registerOutputs({ paths: this.paths });
  }
}
