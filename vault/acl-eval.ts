/**
 * What a set of Vault ACL policies grants on a path, by Vault's documented semantics (pure, no Pulumi):
 * - a path rule is exact, or ends in `*` (a prefix glob), and `+` stands for exactly one path segment;
 * - the policies attached to a token are merged first: the same path in several policies unions capabilities;
 * - of the rules that match, the highest-priority one alone applies (Vault's "priority matching" order below);
 * - `deny` in that rule overrides every other capability.
 * KV v2 needs no special case: its `data/`, `metadata/`, `delete/`, `undelete/` and `destroy/` paths are distinct
 * paths, and a rule on one grants nothing on the others.
 */

/** Vault's capabilities. */
export const CAPABILITIES = [
  "create",
  "read",
  "update",
  "patch",
  "delete",
  "list",
  "sudo",
  "deny",
  "subscribe",
  "recover",
] as const;
export type VaultCapability = (typeof CAPABILITIES)[number];

export interface PolicyRule {
  path: string;
  capabilities: string[];
  /** The policy that contributes it (for messages: which policy grants what). */
  policy: string;
}

/** One policy document, as Vault stores it in JSON (HCL is parsed to the same shape, see `parsePolicyDocument`). */
export interface PolicyDocumentJson {
  path?: Record<string, { capabilities?: string[] } | { capabilities?: string[] }[]>;
}

/** The rules of one policy document. HCL parsed by hcl2json gives each block as a one-element list. */
export function policyRules(name: string, doc: PolicyDocumentJson): PolicyRule[] {
  return Object.entries(doc.path ?? {}).map(([path, body]) => {
    const blocks = Array.isArray(body) ? body : [body];
    return { path, capabilities: [...new Set(blocks.flatMap((b) => b.capabilities ?? []))], policy: name };
  });
}

/** Compiled patterns: the access matrix tests each policy's patterns against every purpose path of a plan. */
const compiled = new Map<string, RegExp>();

/** Whether a rule's path pattern matches a concrete request path. */
export function matches(pattern: string, path: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const glob = pattern.endsWith("*");
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const body = (glob ? pattern.slice(0, -1) : pattern)
      .split("/")
      .map((segment) => (segment === "+" ? "[^/]+" : escape(segment)))
      .join("/");
    compiled.set(pattern, (re = new RegExp(`^${body}${glob ? ".*" : ""}$`)));
  }
  return re.test(path);
}

/** The part of a pattern before its first wildcard: every path the pattern matches starts with it. */
export function literalPrefix(pattern: string): string {
  const i = pattern.search(/[+*]/);
  return i < 0 ? pattern : pattern.slice(0, i);
}

/**
 * Vault's priority between two matching patterns (its documented order); negative when `a` is lower priority.
 * 1. the first `+` or `*` occurring earlier makes a pattern lower priority;
 * 2. ending in `*` is lower than not;
 * 3. more `+` segments is lower;
 * 4. shorter is lower;
 * 5. lexicographically smaller is lower.
 */
export function comparePriority(a: string, b: string): number {
  const firstWildcard = (p: string) => {
    const i = p.search(/[+*]/);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  const plus = (p: string) => p.split("/").filter((s) => s === "+").length;
  return (
    Math.sign(firstWildcard(a) - firstWildcard(b)) ||
    (a.endsWith("*") === b.endsWith("*") ? 0 : a.endsWith("*") ? -1 : 1) ||
    Math.sign(plus(b) - plus(a)) ||
    Math.sign(a.length - b.length) ||
    (a < b ? -1 : a > b ? 1 : 0)
  );
}

export interface Grant {
  /** The capabilities on the path, or exactly ["deny"]; empty when nothing matches. */
  capabilities: string[];
  /** The winning pattern and the policies that contribute to it. */
  pattern?: string;
  policies: string[];
}

/** The rules of every policy attached to one token, merged by pattern: the same path in several policies unions. */
export type MergedRules = ReadonlyMap<string, { capabilities: ReadonlySet<string>; policies: ReadonlySet<string> }>;

export function mergeRules(rules: readonly PolicyRule[]): MergedRules {
  const merged = new Map<string, { capabilities: Set<string>; policies: Set<string> }>();
  for (const r of rules) {
    const m = merged.get(r.path) ?? { capabilities: new Set<string>(), policies: new Set<string>() };
    for (const c of r.capabilities) m.capabilities.add(c);
    m.policies.add(r.policy);
    merged.set(r.path, m);
  }
  return merged;
}

/** What the rules of every policy attached to one token grant together on `path` (rules, or already merged). */
export function evaluate(rules: readonly PolicyRule[] | MergedRules, path: string): Grant {
  const merged = Array.isArray(rules) ? mergeRules(rules) : (rules as MergedRules);
  const winner = [...merged.keys()]
    .filter((p) => matches(p, path))
    .sort(comparePriority)
    .at(-1);
  if (winner === undefined) return { capabilities: [], policies: [] };
  const m = merged.get(winner)!;
  const capabilities = m.capabilities.has("deny") ? ["deny"] : CAPABILITIES.filter((c) => m.capabilities.has(c));
  return { capabilities, pattern: winner, policies: [...m.policies].sort() };
}
