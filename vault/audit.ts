import { DISTRIBUTION, type Distribution } from "./distribution.js";

/**
 * The audit devices of the runtime authority, as data: the same two devices for both distributions, declared in the
 * server configuration for OpenBao (which refuses `sys/audit` through the API from 2.4 on) and registered through
 * the API for Vault (components/runtime-authority/audit-devices.ts). Two devices, so one failing (a full volume, a
 * stalled pipe) does not block the server: requests are refused only when no device can record them.
 */

export interface AuditDevice {
  /** The device's path (`sys/audit/<path>`), as `sys/audit` lists it. */
  path: string;
  type: "file";
  description: string;
  options: { file_path: string; format: "json" };
}

export function auditDevices(d: Distribution): AuditDevice[] {
  const home = DISTRIBUTION[d].home;
  return [
    {
      path: "file-volume",
      type: "file",
      description: "Audit log on the chart's audit volume",
      options: { file_path: `${home}/audit/${home.slice(1)}-audit.log`, format: "json" },
    },
    {
      path: "file-stdout",
      type: "file",
      description: "Audit log to stdout, for the cluster log pipeline",
      options: { file_path: "stdout", format: "json" },
    },
  ];
}

/**
 * The `audit` stanzas in the JSON form OpenBao's configuration parser reads (HCL's JSON syntax: a list of
 * `{ "<type>": { "<path>": { description, options } } }`, i.e. `audit "file" "file-volume" { ... }`).
 */
export function auditStanzas(devices: readonly AuditDevice[]): Record<string, unknown>[] {
  // Every stanza keeps its description: HCL's JSON reader folds a body of one key into its labels
  // (`{"file": {"p": {"options": ...}}}` reads as keys file, p, options), and OpenBao then finds no audit type.
  return devices.map((d) => ({
    [d.type]: { [d.path]: { description: d.description, options: { ...d.options } } },
  }));
}

/** An audit device a server configuration declares, as read back from it. */
export interface DeclaredAuditDevice {
  type: string;
  path: string;
  description?: string;
  options: Record<string, unknown>;
}

/**
 * The audit devices a server configuration declares: the configuration as the chart takes it (a JSON string, or
 * an object), `audit` as a list of stanzas or one object of them. `error` when the configuration is not JSON: the
 * program renders JSON, and a hand-written HCL configuration cannot be read here without an asynchronous parser.
 */
export function declaredAuditDevices(config: unknown): { devices: DeclaredAuditDevice[] } | { error: string } {
  let doc: unknown = config;
  if (typeof config === "string") {
    try {
      doc = JSON.parse(config);
    } catch {
      return { error: "the server configuration is not JSON" };
    }
  }
  if (!doc || typeof doc !== "object") return { error: "the server configuration is not an object" };
  const audit = (doc as Record<string, unknown>).audit;
  const stanzas = audit === undefined ? [] : Array.isArray(audit) ? audit : [audit];
  const devices: DeclaredAuditDevice[] = [];
  for (const stanza of stanzas) {
    if (!stanza || typeof stanza !== "object") continue;
    for (const [type, byPath] of Object.entries(stanza as Record<string, unknown>)) {
      if (!byPath || typeof byPath !== "object") continue;
      for (const [path, body] of Object.entries(byPath as Record<string, unknown>)) {
        const { options, description } = (body ?? {}) as { options?: unknown; description?: unknown };
        devices.push({
          type,
          path,
          ...(typeof description === "string" ? { description } : {}),
          options: options && typeof options === "object" ? (options as Record<string, unknown>) : {},
        });
      }
    }
  }
  return { devices };
}
