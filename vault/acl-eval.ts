/**
 * What a set of Vault ACL policies grants on a path, as the server answers `sys/capabilities` (pure, no Pulumi). The
 * semantics are OpenBao's (internal/vault/policy/acl.go and policy.go, which HashiCorp Vault shares), checked against
 * the real server by test/real/access-*.test.ts:
 * - a rule's path loses one leading `/`; a request path loses every leading `/`;
 * - a rule is exact; or a prefix, when it ends in `*` and has no `+` segment; or a segment-wildcard rule, when a
 *   segment is exactly `+` (which then matches any one segment, the empty one too) and it may end in `*`;
 * - the policies attached to a token are merged first: the same rule path in several policies (or twice in one)
 *   unions its capabilities, and a `deny` among them leaves only `deny`;
 * - an exact rule wins; then, for a request path ending in `/`, the exact rule of the path without it (the LIST
 *   fallback, which `sys/capabilities` always applies); then the highest-priority prefix or segment-wildcard rule
 *   (Vault's "priority matching", {@link comparePriority}); then, for a path ending in `/`, that of the path without it;
 * - a rule whose `expiration` has passed, or whose path holds identity templates (`{{identity...}}`, filled in only
 *   for a token with an entity), is left out.
 * KV v2 needs no special case: its `data/`, `metadata/`, `delete/`, `undelete/` and `destroy/` paths are distinct
 * paths, and a rule on one grants nothing on the others.
 */

/** OpenBao's capabilities (HashiCorp Vault has `subscribe` and `recover` instead of `scan`). */
export const CAPABILITIES = ["create", "read", "update", "patch", "delete", "list", "sudo", "scan", "deny"] as const;
export type VaultCapability = (typeof CAPABILITIES)[number];

/** What each value of the legacy `policy = "..."` field of a path stands for (Vault maps it at parse time). */
export const LEGACY_POLICIES: Readonly<Record<string, readonly VaultCapability[]>> = {
  deny: ["deny"],
  read: ["read", "list"],
  write: ["create", "read", "update", "delete", "list"],
  sudo: ["create", "read", "update", "delete", "list", "sudo"],
};

export interface PolicyRule {
  /** The rule's path as written in the policy. */
  path: string;
  capabilities: string[];
  /** The policy that contributes it (for messages: which policy grants what). */
  policy: string;
  /** When the rule stops applying (its `expiration`), in milliseconds since the epoch. */
  expiresAt?: number;
  /** The path holds identity templates: the server fills them in per entity, and leaves the rule out without one. */
  templated?: boolean;
}

/** A path's body as Vault reads it: its capabilities, and the legacy `policy` field mapped to capabilities. */
export interface PathBody {
  capabilities?: string[];
  policy?: string | null;
}

/** One policy document, as Vault stores it in JSON (HCL is parsed to the same shape, see `parsePolicyDocument`). */
export interface PolicyDocumentJson {
  path?: Record<string, PathBody | PathBody[]>;
}

/**
 * The capabilities of one path body, as the server compiles them: the legacy `policy` field's capabilities first
 * (`deny` replacing `capabilities`, the others added to them), and `deny`, wherever it appears, leaving only `deny`.
 */
export function bodyCapabilities(body: PathBody): string[] {
  let capabilities = [...(body.capabilities ?? [])];
  const legacy = body.policy ? LEGACY_POLICIES[body.policy] : undefined;
  if (body.policy === "deny") capabilities = ["deny"];
  else if (legacy) capabilities.push(...legacy);
  return capabilities.includes("deny") ? ["deny"] : [...new Set(capabilities)];
}

/** The rules of one policy document (HCL parsed by hcl2json gives each block as a one-element list). */
export function policyRules(name: string, doc: PolicyDocumentJson): PolicyRule[] {
  return Object.entries(doc.path ?? {}).flatMap(([path, body]) =>
    (Array.isArray(body) ? body : [body]).map((b) => ({ path, capabilities: bodyCapabilities(b), policy: name })),
  );
}

/** How the server files a rule: by its path without one leading `/`, in one of three kinds. */
interface RuleKey {
  /** The path without one leading `/`, with its trailing `*` (the map key of the merged rules). */
  pattern: string;
  kind: "exact" | "prefix" | "segment";
  /** exact: the path; prefix: the path before the `*`; segment: the pattern. */
  key: string;
}

function ruleKey(path: string): RuleKey {
  const pattern = path.startsWith("/") ? path.slice(1) : path;
  // Vault's test for segment wildcards is textual: a `/+` anywhere (so `a/+b` too), a leading `+/`, or `+` alone.
  const segment = pattern === "+" || pattern.includes("/+") || pattern.startsWith("+/");
  if (segment) return { pattern, kind: "segment", key: pattern };
  if (pattern.endsWith("*")) return { pattern, kind: "prefix", key: pattern.slice(0, -1) };
  return { pattern, kind: "exact", key: pattern };
}

const utf8 = (s: string) => Buffer.from(s, "utf8");

/**
 * A non-exact rule as the priority order sees it. The server measures in bytes of UTF-8 (Go strings), and takes a
 * segment-wildcard rule's first wildcard to be its first `+` character, even one inside a name.
 */
interface Candidate {
  firstWildcard: number;
  isPrefix: boolean;
  wildcards: number;
  /** The pattern without its trailing `*`, as bytes. */
  body: Buffer;
}

function candidate(k: RuleKey): Candidate {
  if (k.kind === "exact")
    return { firstWildcard: Number.POSITIVE_INFINITY, isPrefix: false, wildcards: 0, body: utf8(k.key) };
  if (k.kind === "prefix") {
    const body = utf8(k.key);
    return { firstWildcard: body.length, isPrefix: true, wildcards: 0, body };
  }
  const isPrefix = k.pattern.endsWith("*");
  const text = isPrefix ? k.pattern.slice(0, -1) : k.pattern;
  return {
    firstWildcard: utf8(k.pattern).indexOf("+"),
    isPrefix,
    wildcards: text.split("/").filter((s) => s === "+").length,
    body: utf8(text),
  };
}

/**
 * Negative when `a` is the lower priority (Vault's order, for the prefix and segment-wildcard rules that match one
 * path; an exact rule is above all of them):
 * 1. the first `+` or `*` earlier is lower (a prefix rule's `*` counts where it stands, a `+` anywhere in a
 *    segment-wildcard rule counts, even one inside a name);
 * 2. ending in `*` is lower than not;
 * 3. more `+` segments is lower;
 * 4. shorter (in bytes, without the `*`) is lower;
 * 5. lexicographically smaller (bytewise) is lower.
 */
function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard < b.firstWildcard ? -1 : 1;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcards !== b.wildcards) return a.wildcards > b.wildcards ? -1 : 1;
  if (a.body.length !== b.body.length) return a.body.length < b.body.length ? -1 : 1;
  return Math.sign(Buffer.compare(a.body, b.body));
}

/** Vault's priority between two rule paths (see {@link compareCandidates}); negative when `a` is lower priority. */
export function comparePriority(a: string, b: string): number {
  return compareCandidates(candidate(ruleKey(a)), candidate(ruleKey(b)));
}

export interface Grant {
  /** The capabilities on the path, or exactly ["deny"]; empty when nothing matches, or the rule grants nothing. */
  capabilities: string[];
  /** The rule that decides (its path without a leading `/`), and the policies that contribute to it. */
  pattern?: string;
  policies: string[];
}

/** One rule of a token's merged rules: its path, the union of its capabilities, the policies that give it. */
export interface MergedRule {
  pattern: string;
  capabilities: Set<string>;
  policies: Set<string>;
}

interface SegmentRule extends MergedRule, Candidate {
  parts: string[];
}

/** The rules of every policy attached to one token, merged as the server builds a token's ACL. */
export interface MergedRules {
  /** Every rule, by its path without one leading `/`. */
  readonly byPattern: ReadonlyMap<string, MergedRule>;
  readonly exact: ReadonlyMap<string, MergedRule>;
  /** Prefix rules by the path before their `*`. */
  readonly prefix: ReadonlyMap<string, MergedRule>;
  readonly segment: readonly SegmentRule[];
}

/** Merges the rules of a token's policies; rules expired at `now` (milliseconds) and templated rules are left out. */
export function mergeRules(rules: readonly PolicyRule[], now: number = Date.now()): MergedRules {
  const byPattern = new Map<string, MergedRule>();
  const exact = new Map<string, MergedRule>();
  const prefix = new Map<string, MergedRule>();
  const segment: SegmentRule[] = [];
  for (const r of rules) {
    if (r.templated || (r.expiresAt !== undefined && now > r.expiresAt)) continue;
    const k = ruleKey(r.path);
    let entry = byPattern.get(k.pattern);
    if (!entry) {
      const fresh = { pattern: k.pattern, capabilities: new Set<string>(), policies: new Set<string>() };
      if (k.kind === "segment") {
        const seg: SegmentRule = { ...fresh, ...candidate(k), parts: [] };
        seg.parts = seg.body.toString("utf8").split("/");
        segment.push(seg);
        entry = seg;
      } else (k.kind === "exact" ? exact : prefix).set(k.key, (entry = fresh));
      byPattern.set(k.pattern, entry);
    }
    entry.policies.add(r.policy);
    // A deny already there stays the only capability; a deny added replaces whatever was there.
    if (entry.capabilities.has("deny")) continue;
    if (r.capabilities.includes("deny")) entry.capabilities = new Set(["deny"]);
    else for (const c of r.capabilities) entry.capabilities.add(c);
  }
  return { byPattern, exact, prefix, segment };
}

/** The highest-priority prefix or segment-wildcard rule matching `path`, if any. */
function nonExact(m: MergedRules, path: string): MergedRule | undefined {
  let best: (Candidate & { entry: MergedRule }) | undefined;
  // The longest prefix rule (a radix tree's LongestPrefix in the server).
  for (let i = path.length; i >= 0; i--) {
    const entry = m.prefix.get(path.slice(0, i));
    if (entry) {
      if (m.segment.length === 0) return entry;
      best = { ...candidate({ pattern: entry.pattern, kind: "prefix", key: path.slice(0, i) }), entry };
      break;
    }
  }
  const parts = path.split("/");
  for (const s of m.segment) {
    if (parts.length < s.parts.length || (!s.isPrefix && parts.length !== s.parts.length)) continue;
    const last = s.parts.length - 1;
    const matched = s.parts.every(
      (part, i) => part === "+" || part === parts[i] || (s.isPrefix && i === last && parts[i]!.startsWith(part)),
    );
    if (matched && (!best || compareCandidates(best, s) < 0)) best = { ...s, entry: s };
  }
  return best?.entry;
}

/** The rule that decides a request path, as `sys/capabilities` finds it (with the LIST fallbacks). */
function decidingRule(m: MergedRules, requestPath: string): MergedRule | undefined {
  const path = requestPath.replace(/^\/+/, "");
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : undefined;
  return (
    m.exact.get(path) ??
    (trimmed !== undefined ? m.exact.get(trimmed) : undefined) ??
    nonExact(m, path) ??
    (trimmed !== undefined ? nonExact(m, trimmed) : undefined)
  );
}

/** What the rules of every policy attached to one token grant together on `path` (rules, or already merged). */
export function evaluate(rules: readonly PolicyRule[] | MergedRules, path: string): Grant {
  const merged = isMerged(rules) ? rules : mergeRules(rules);
  const rule = decidingRule(merged, path);
  if (!rule) return { capabilities: [], policies: [] };
  const capabilities = rule.capabilities.has("deny") ? ["deny"] : CAPABILITIES.filter((c) => rule.capabilities.has(c));
  return { capabilities, pattern: rule.pattern, policies: [...rule.policies].sort() };
}

function isMerged(rules: readonly PolicyRule[] | MergedRules): rules is MergedRules {
  return !Array.isArray(rules);
}

/** Whether the rule `pattern`, alone, decides `path` (as `sys/capabilities` would, with the LIST fallbacks). */
export function matches(pattern: string, path: string): boolean {
  return evaluate([{ path: pattern, capabilities: [], policy: "" }], path).pattern !== undefined;
}

/**
 * The part of a rule's path that every path it decides starts with (after the request path's leading slashes): the
 * path before its `*` or before its first `+` segment. The access matrix finds a role's candidate paths by it.
 */
export function literalPrefix(pattern: string): string {
  const k = ruleKey(pattern);
  if (k.kind !== "segment") return k.key;
  const parts = k.pattern.split("/");
  const first = parts.findIndex((p) => p === "+");
  return first < 0
    ? k.pattern.replace(/\*$/, "")
    : parts
        .slice(0, first)
        .map((p) => `${p}/`)
        .join("");
}
