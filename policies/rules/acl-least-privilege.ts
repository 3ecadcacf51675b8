import { RESOURCE_TYPES } from "../resource-types.js";
import { handoverPolicy } from "../../delivery/mechanisms/bootstrap/index.js";
import { perRegistry, purposeWithId } from "../../registry/index-by.js";
import { aclDocument, aclViolations, type AclPolicy, type Capability } from "../../vault/acl.js";
import { consumerGrants, issuerPolicies } from "../../vault/layout.js";
import { movePolicy } from "../../vault/moves.js";
import { parseJsonPolicy } from "../../vault/policy-parse.js";
import type { PlatformRule, RuleContext } from "../rule.js";

const issuerPoliciesByName = perRegistry((registry) => new Map(issuerPolicies(registry).map((p) => [p.name, p])));
const grantsByRole = perRegistry((registry) => new Map(consumerGrants(registry).map((g) => [g.role, g])));

/** The policy the registry grants a role name, if the name is one the platform derives. */
function expectedPolicy(name: string, ctx: RuleContext): AclPolicy | undefined {
  const grant = grantsByRole(ctx.registry).get(name);
  if (grant) return grant.policy;
  const [kind, id] = [name.slice(0, name.indexOf(".")), name.slice(name.indexOf(".") + 1)];
  const p = purposeWithId(ctx.registry, id);
  if (kind === "issuer") return issuerPoliciesByName(ctx.registry).get(name);
  if (kind === "handover" && p?.delivery === "bootstrap") return handoverPolicy(p);
  if (kind === "move" && p) return movePolicy(p);
  return undefined;
}

export const aclLeastPrivilege: PlatformRule = {
  name: "acl-least-privilege",
  description:
    "Vault ACL policies grant least privilege: no globs, mount roots, sys/ or sudo outside the platform admin policies, and every path traceable to a purpose of that identity.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediation:
    "derive grants from the registry (each delivery mechanism's consumerRules, delivery/mechanisms/) instead of writing them by hand; list a genuine admin policy in the pack config adminPolicies",
  configSchema: {
    properties: {
      adminPolicies: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "policy names exempt from these checks (break-glass administration)",
      },
    },
  },
  validateResource(r, ctx, report) {
    if (r.type !== RESOURCE_TYPES.vaultPolicy) return;
    const name = String(r.props.name);
    if ((ctx.config.adminPolicies as string[]).includes(name)) return;
    let doc: { path?: Record<string, { capabilities?: string[] }> };
    try {
      doc = JSON.parse(String(r.props.policy));
    } catch {
      return report(`policy ${name} is not a JSON document the platform can check (write it with aclDocument)`);
    }
    try {
      parseJsonPolicy(name, String(r.props.policy));
    } catch (e) {
      // Refused at parse time, the policy fails the deployment, and the access matrix shows it granting nothing.
      for (const problem of (e as Error).message.split("\n")) report(`policy ${name}: Vault refuses it: ${problem}`);
    }
    const rules = Object.entries(doc.path ?? {}).map(([path, v]) => ({
      path,
      capabilities: (v.capabilities ?? []) as Capability[],
      purpose: "",
      why: "",
    }));
    for (const v of aclViolations({ name, rules })) report(`policy ${name}: ${v}`);
    const expected = expectedPolicy(name, ctx);
    if (!expected) return report(`policy ${name} belongs to no consumer, issuer, handover or move of the registry`);
    const allowed = aclDocument(expected).path;
    for (const rule of rules) {
      const extra = rule.capabilities.filter((c) => !allowed[rule.path]?.capabilities.includes(c));
      if (extra.length > 0)
        report(`policy ${name}: ${rule.path}: ${extra.join(", ")} is granted by no purpose of this identity`);
    }
  },
};
