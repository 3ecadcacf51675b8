import { accessMatrix, entitled } from "../../access/matrix.js";
import { purposeWithId } from "../../registry/index-by.js";
import type { PlatformRule } from "../rule.js";

export const purposeAccess: PlatformRule = {
  name: "purpose-access",
  description:
    "Least privilege, proven on the effective access: every capability any identity holds on a purpose's Vault paths (policies evaluated as Vault does, per auth role) belongs to a declared consumer or to the controller that delivers it.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediation:
    "remove the grant from that policy, or declare the identity as a consumer of the purpose in the registry",
  configSchema: {
    properties: {
      certManagerNamespace: {
        type: "string",
        default: "cert-manager",
        description: "where the ClusterIssuers' service accounts live (the certManagerNamespace stack config)",
      },
      vaultNamespace: {
        type: "string",
        default: "vault",
        description: "where Vault and its one-shot move Jobs run (the vaultNamespace stack config)",
      },
    },
  },
  validateStack(s, ctx, report) {
    for (const row of accessMatrix(s.resources, ctx.registry)) {
      const p = purposeWithId(ctx.registry, row.purpose)!;
      if (!entitled(p, ctx.config.certManagerNamespace, ctx.config.vaultNamespace).has(row.identity))
        report(
          `${p.id}: ${row.identity} (role ${row.role}) holds ${row.capabilities.join(", ")} on ${row.path}, granted by policy ${row.policies.join(", ")}; it is neither a consumer nor the delivering controller`,
        );
    }
  },
};
