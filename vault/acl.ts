import { createHash } from "node:crypto";
import { groupBy } from "../registry/index-by.js";
import type { RegisteredPurpose, Registry } from "../registry/load.js";
import type { Consumer } from "../registry/schema.js";
import { consumerKey, consumerRoleName, handoverRoleName, issuerRoleName, kvDataPath, kvMetadataPath, MOUNTS, pkiSignPath, transitKeyName } from "./paths.js";

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
  for (const p of [...merged.keys()].sort()) path[p] = { capabilities: CAPABILITY_ORDER.filter((c) => merged.get(p)!.has(c)) };
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

/** The rules one purpose grants one of its consumers. */
export function purposeRules(p: RegisteredPurpose, consumer: Consumer): AclRule[] {
  const rule = (path: string, capabilities: Capability[], why: string): AclRule => ({ path, capabilities, purpose: p.id, why });
  switch (p.delivery) {
    case "external-secret":
    case "reveal-once":
      return [rule(kvDataPath(p), ["read"], `read the ${p.delivery} value`)];
    case "push-secret": {
      const w = p.push?.writer;
      const isWriter = w !== undefined && w.namespace === consumer.namespace && w.serviceAccount === consumer.serviceAccount;
      // ESO's PushSecret reads the current value and its metadata (to see it owns the secret) before writing both.
      return isWriter
        ? [rule(kvDataPath(p), ["create", "read", "update"], "push the generated value"), rule(kvMetadataPath(p), ["create", "read", "update"], "push the value's metadata")]
        : [rule(kvDataPath(p), ["read"], "read the pushed value")];
    }
    case "bootstrap":
      // After the handover the value lives in Vault, and consumers switch to reading it there.
      return [rule(kvDataPath(p), ["read"], "read the handed-over bootstrap value")];
    case "transit": {
      const key = transitKeyName(p);
      return p.transit?.usage === "sign"
        ? [rule(`${MOUNTS.transit}/sign/${key}`, ["update"], "sign with the transit key"), rule(`${MOUNTS.transit}/verify/${key}`, ["update"], "verify signatures")]
        : [rule(`${MOUNTS.transit}/encrypt/${key}`, ["update"], "encrypt with the transit key"), rule(`${MOUNTS.transit}/decrypt/${key}`, ["update"], "decrypt with the transit key")];
    }
    case "cert-manager":
    case "csi":
      // The certificate arrives through cert-manager; only the purpose's issuer identity signs (see issuerPolicy).
      return [];
  }
}

/** One consumer's identity, and the policy granting exactly what its purposes need. */
export interface ConsumerGrant {
  consumer: Consumer;
  /** Kubernetes auth role name, and the policy's name. */
  role: string;
  /** The purposes this consumer reaches in Vault, by id, sorted. */
  purposes: string[];
  policy: AclPolicy;
}

/**
 * Every consumer the registry grants something in Vault, each with its policy; sorted by role name. A consumer
 * whose purposes are all certificates talks to cert-manager, not Vault, and gets no Vault identity.
 */
export function consumerGrants(registry: Registry): ConsumerGrant[] {
  const byKey = new Map<string, { consumer: Consumer; purposes: RegisteredPurpose[] }>();
  for (const p of registry.purposes)
    for (const c of p.consumers) {
      const entry = byKey.get(consumerKey(c)) ?? { consumer: c, purposes: [] };
      entry.purposes.push(p);
      byKey.set(consumerKey(c), entry);
    }
  return [...byKey.values()]
    .map(({ consumer, purposes }) => {
      const role = consumerRoleName(consumer);
      const rules = purposes.flatMap((p) => purposeRules(p, consumer));
      return { consumer, role, purposes: [...new Set(rules.map((r) => r.purpose))].sort(), policy: { name: role, rules } };
    })
    .filter((g) => g.policy.rules.length > 0)
    .sort((a, b) => a.role.localeCompare(b.role));
}

/**
 * The policy of one team's cert-manager issuers: sign requests with the PKI role of each of the team's certificate
 * purposes (`purposes` are that team's), nothing else.
 */
export function issuerPolicy(purposes: readonly RegisteredPurpose[]): AclPolicy {
  const certificates = purposes.filter((p) => p.kind === "certificate");
  return {
    name: issuerRoleName(certificates[0]!),
    rules: certificates.map((p) => ({ path: pkiSignPath(p), capabilities: ["update"], purpose: p.id, why: "sign certificate requests for the purpose's names" })),
  };
}

/** Each team's certificate purposes, by owner, in the registry's order. */
export function certificatesByOwner(registry: Registry): Map<string, RegisteredPurpose[]> {
  return groupBy(
    registry.purposes.filter((p) => p.kind === "certificate"),
    (p) => p.owner,
  );
}

/** The issuer policy of every team that owns certificate purposes, in the registry's order of teams. */
export function issuerPolicies(registry: Registry): AclPolicy[] {
  return [...certificatesByOwner(registry).values()].map(issuerPolicy);
}

/**
 * The policy of a purpose's handover Job: create the value (never update it: Vault itself then refuses any second
 * write, whatever the Job runs), and read its metadata to tell "already handed over" from "not yet".
 */
export function handoverPolicy(p: RegisteredPurpose): AclPolicy {
  return {
    name: handoverRoleName(p),
    rules: [
      { path: kvDataPath(p), capabilities: ["create"], purpose: p.id, why: "write the bootstrap value once" },
      { path: kvMetadataPath(p), capabilities: ["read"], purpose: p.id, why: "see whether the value is already in Vault" },
    ],
  };
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
    if (rule.path.includes("*") || rule.path.includes("+")) out.push(`${rule.path}: generated policies name exact paths, no globs`);
    if (segments.length < 3 || segments.some((s) => s === "")) out.push(`${rule.path}: names a mount root or an empty segment, not one secret, key or role`);
    for (const c of rule.capabilities as string[]) if (!CAPABILITY_ORDER.includes(c as Capability)) out.push(`${rule.path}: capability ${c} is never granted`);
  }
  return out;
}
