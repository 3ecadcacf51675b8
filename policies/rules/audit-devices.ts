import { RESOURCE_TYPES } from "../resource-types.js";
import type { PlatformRule } from "../rule.js";

export const auditDevices: PlatformRule = {
  name: "audit-devices",
  description:
    "Vault records every request in at least two audit devices, so one failing device does not stop Vault, and the stack configures them.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "keep both AuditDevices (components/runtime-authority/audit-devices.ts) and register them before every other Vault resource",
  validateStack(s, _ctx, report) {
    const configured = s.resources.some((r) => r.type.startsWith("vault:") && r.type !== RESOURCE_TYPES.vaultAudit);
    if (!configured) return;
    const devices = s.resources.filter((r) => r.type === RESOURCE_TYPES.vaultAudit).length;
    if (devices < 2)
      report(
        `stack ${s.stack} configures Vault with ${devices} audit device${devices === 1 ? "" : "s"}; at least 2 are required`,
      );
  },
};
