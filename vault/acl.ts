import { createHash } from "node:crypto";

/**
 * Vault ACL policies as typed data. A policy is a list of rules, each with the purpose that needs it; the document
 * Vault receives is rendered from that list as JSON (Vault reads policies in HCL or JSON, and JSON cannot be
 * mis-quoted by a template). Nothing here touches Pulumi, so the policy pack and the access evaluator reuse it.
 */

/** Vault's capabilities, minus `sudo` and `deny`, which the platform never grants. */
export type Capability = "create" | "read" | "update" | "patch" | "delete" | "list";

export interface AclRule {
  path: string;
  capabilities: Capability[];
  /** The purpose whose contract grants this rule. */
  purpose: string;
  /** Why the consumer needs it, in a few words (shown in the plan and the access matrix). */
  why: string;
}

export interface AclPolicy {
  name: string;
  rules: AclRule[];
}

/** The policy document as Vault stores it: `{ "path": { "<path>": { "capabilities": [...] } } }`. */
export interface AclDocument {
  path: Record<string, { capabilities: Capability[] }>;
}

const CAPABILITY_ORDER: readonly Capability[] = ["create", "read", "update", "patch", "delete", "list"];

/**
 * The document of a policy. Rules on the same path are merged (capabilities unioned, as Vault itself would union
 * them across policies); paths and capabilities are sorted, so the same registry always yields the same text.
 */
export function aclDocument(policy: AclPolicy): AclDocument {
  const merged = new Map<string, Set<Capability>>();
  for (const rule of policy.rules) {
    const set = merged.get(rule.path) ?? new Set<Capability>();
    for (const c of rule.capabilities) set.add(c);
    merged.set(rule.path, set);
  }
  const path: AclDocument["path"] = {};
  for (const p of [...merged.keys()].sort())
    path[p] = { capabilities: CAPABILITY_ORDER.filter((c) => merged.get(p)!.has(c)) };
  return { path };
}

/** The text stored in Vault (`vault policy write <name> -` accepts it as is). */
export function renderAclPolicy(policy: AclPolicy): string {
  return `${JSON.stringify(aclDocument(policy), null, 2)}\n`;
}

/**
 * The SHA-256 of the exact text {@link renderAclPolicy} writes to Vault, as `sha256:<hex>`: what the stack publishes
 * per policy, so an operator can tell a policy the platform wrote, unchanged, from one edited or added by hand,
 * without every document travelling in the stack's outputs.
 */
export function aclPolicyDigest(policy: AclPolicy): string {
  return `sha256:${createHash("sha256").update(renderAclPolicy(policy), "utf8").digest("hex")}`;
}

/** A rule `purpose` grants: `capabilities` on `path`, and why. */
export function aclRule(purpose: { id: string }, path: string, capabilities: Capability[], why: string): AclRule {
  return { path, capabilities, purpose: purpose.id, why };
}

/**
 * What no generated policy may contain, checked on every policy before it is registered (and by the policy pack):
 * a glob at or near a mount root, `+` or `*` anywhere but as Vault allows, anything under `sys/`, `sudo`.
 */
export function aclViolations(policy: AclPolicy): string[] {
  const out: string[] = [];
  for (const rule of policy.rules) {
    const segments = rule.path.split("/");
    if (segments[0] === "sys") out.push(`${rule.path}: nothing under sys/ is granted to a consumer`);
    if (rule.path.includes("*") || rule.path.includes("+"))
      out.push(`${rule.path}: generated policies name exact paths, no globs`);
    if (segments.length < 3 || segments.some((s) => s === ""))
      out.push(`${rule.path}: names a mount root or an empty segment, not one secret, key or role`);
    for (const c of rule.capabilities as string[])
      if (!CAPABILITY_ORDER.includes(c as Capability)) out.push(`${rule.path}: capability ${c} is never granted`);
  }
  return out;
}
