import { LABEL } from "../../registry/labels.js";
import { PLATFORM_TEAM } from "../../registry/tenancy.js";
import { describe, kubernetesObject, secretWritten } from "../resources.js";
import type { PlatformRule } from "../rule.js";

/**
 * The platform writes its own Secrets in one stack (the SOPS age key in gitops, Vault's listener certificate in
 * runtime-authority) and teams' ExternalSecrets and Certificates in another (steady-state): only a view of every
 * stack at once sees a team's object take over the platform's Secret. The registry refuses such a contract
 * (registry/tenancy.ts); this rule checks what the stacks would really register.
 */
export const platformSecretsReserved: PlatformRule = {
  name: "platform-secrets-reserved",
  description:
    "No team's object writes a Secret the platform writes: across every stack of the cluster, no ExternalSecret target, Certificate secretName or Secret labelled with a team's purpose names a Secret that a platform object (unlabelled, or of team platform) writes, such as the SOPS age key or Vault's listener certificate.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediation:
    "give the team's purpose its own Secret (kv.secretName, certificate.secretName) in its own namespace; the platform's namespaces and Secrets are reserved (docs/registry.md, Reserved names)",
  validateCluster(stacks, _ctx, report) {
    const platform = new Map<string, string>();
    const teams: { stack: string; secret: string; owner: string; what: string; urn: string }[] = [];
    for (const s of stacks)
      for (const r of s.resources) {
        const secret = secretWritten(r);
        if (!secret) continue;
        const owner = kubernetesObject(r)!.labels[LABEL.owner];
        if (owner === undefined || owner === PLATFORM_TEAM) {
          if (!platform.has(secret)) platform.set(secret, `${describe(r)} of stack ${s.stack}`);
        } else teams.push({ stack: s.stack, secret, owner, what: describe(r), urn: r.urn });
      }
    for (const t of teams) {
      const mine = platform.get(t.secret);
      if (mine)
        report(
          t.stack,
          `team ${t.owner}: ${t.what} writes Secret ${t.secret}, which the platform writes (${mine})`,
          t.urn,
        );
    }
  },
};
