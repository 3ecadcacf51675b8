import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";

/** The audit devices: a file on the audit volume and stdout for the log pipeline. */
export const AUDIT_DEVICES = [
  {
    path: "file-volume",
    options: { file_path: "/vault/audit/vault-audit.log" },
    description: "Audit log on the chart's audit volume",
  },
  {
    path: "file-stdout",
    options: { file_path: "stdout" },
    description: "Audit log to stdout, for the cluster log pipeline",
  },
] as const;

/**
 * Two audit devices, so one failing (a full volume, a stalled pipe) does not block Vault: Vault refuses requests
 * only when no device can record them. Protected: removing an audit device is itself a security event.
 */
export class AuditDevices extends pulumi.ComponentResource {
  public readonly paths: pulumi.Output<string>[];

  constructor(name: string, args: Record<string, never> = {}, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:AuditDevices", name, args, opts);
    this.paths = AUDIT_DEVICES.map(
      (d) =>
        new vault.Audit(
          `${name}-${d.path}`,
          { type: "file", path: d.path, description: d.description, options: { ...d.options, format: "json" } },
          { parent: this, protect: true },
        ).path,
    );
    this.registerOutputs({ paths: this.paths });
  }
}
