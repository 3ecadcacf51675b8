import { MECHANISMS } from "../delivery/mechanisms/index.js";
import { parseDuration } from "./duration.js";
import { durationLimitViolations } from "./duration-limits.js";
import { kubernetesSecretName, type BootstrapPurpose, type RegisteredPurpose } from "./purpose.js";
import { KEY_SIZES, type Delivery, type Kind, type Purpose, type RotationMethod, type Tier } from "./schema.js";

/**
 * One row per delivery mode: the only tier, kinds and rotation methods it may be combined with. This table is the
 * contract documented in docs/registry.md ("Tier and delivery compatibility"), and the checked purpose types of
 * `purpose.ts` are derived from it; change both together.
 */
export const DELIVERY_RULES = {
  transit: { tier: "vault_transit", kinds: ["key"], methods: ["transit-auto"], why: "transit keys never leave Vault" },
  "external-secret": {
    tier: "vault_kv",
    kinds: ["secret"],
    methods: ["generated", "external", "manual"],
    why: "ExternalSecrets read Vault KV",
  },
  "push-secret": {
    tier: "vault_kv",
    kinds: ["secret"],
    methods: ["generated"],
    why: "a PushSecret distributes an operator-generated value through Vault KV",
  },
  "reveal-once": {
    tier: "vault_kv",
    kinds: ["secret"],
    methods: ["manual", "external", "generated"],
    why: "reveal-once credentials are held in Vault KV and delivered once",
  },
  bootstrap: {
    tier: "kubernetes_secret",
    kinds: ["secret", "key"],
    methods: ["external", "manual"],
    why: "bootstrap material is a transitional Kubernetes Secret until Vault takes over",
  },
  "cert-manager": {
    tier: "kubernetes_secret",
    kinds: ["certificate"],
    methods: ["issued"],
    why: "cert-manager caches issued certificates in a Kubernetes Secret",
  },
  csi: { tier: "ephemeral", kinds: ["certificate"], methods: ["issued"], why: "csi-driver keys live only in memory" },
} as const satisfies Record<
  Delivery,
  { tier: Tier; kinds: readonly Kind[]; methods: readonly RotationMethod[]; why: string }
>;

/** A rule broken by one purpose: the field and what is wrong, in words an owner can act on. */
export interface RuleViolation {
  field: string;
  message: string;
}

const SIGNING_TYPES = new Set(["ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519", "rsa-3072", "rsa-4096"]);
const ENCRYPTION_TYPES = new Set(["aes128-gcm96", "aes256-gcm96", "chacha20-poly1305", "rsa-3072", "rsa-4096"]);

/** Cross-field rules of one purpose. Pure: the same purpose always yields the same violations, in order. */
export function purposeRuleViolations(p: Purpose): RuleViolation[] {
  const out: RuleViolation[] = [];
  const rule: { tier: Tier; kinds: readonly Kind[]; methods: readonly RotationMethod[]; why: string } =
    DELIVERY_RULES[p.delivery];

  if (p.tier !== rule.tier)
    out.push({ field: "tier", message: `delivery ${p.delivery} needs tier ${rule.tier}, not ${p.tier} (${rule.why})` });
  if (!rule.kinds.includes(p.kind))
    out.push({
      field: "kind",
      message: `delivery ${p.delivery} carries kind ${rule.kinds.join(" or ")}, not ${p.kind}`,
    });
  if (!rule.methods.includes(p.rotation.method))
    out.push({
      field: "rotation.method",
      message: `delivery ${p.delivery} rotates by ${rule.methods.join(", ")}, not ${p.rotation.method}`,
    });

  const period = parseDuration(p.rotation.period);
  const grace = parseDuration(p.rotation.grace);
  if (period !== undefined && grace !== undefined && grace >= period)
    out.push({
      field: "rotation.grace",
      message: `grace ${p.rotation.grace} must be shorter than period ${p.rotation.period}`,
    });
  out.push(...durationLimitViolations(p));

  // kubernetes_secret is a transitional cache only (RFC: Kubernetes is never authoritative): it needs an end date.
  if (p.tier === "kubernetes_secret" && !p.transitionalUntil)
    out.push({
      field: "transitionalUntil",
      message: "tier kubernetes_secret is transitional only: set the date it ends (YYYY-MM-DD)",
    });
  if (p.tier !== "kubernetes_secret" && p.transitionalUntil)
    out.push({ field: "transitionalUntil", message: `only tier kubernetes_secret is transitional, not ${p.tier}` });

  blockRule(out, p, "certificate", p.kind === "certificate", "kind certificate");
  blockRule(out, p, "transit", p.delivery === "transit", "delivery transit");
  blockRule(out, p, "bootstrap", p.delivery === "bootstrap", "delivery bootstrap");
  blockRule(out, p, "push", p.delivery === "push-secret", "delivery push-secret");
  const writer = p.push?.writer;
  if (
    writer &&
    !p.consumers.some((c) => c.namespace === writer.namespace && c.serviceAccount === writer.serviceAccount)
  )
    out.push({
      field: "push.writer",
      message: `${writer.namespace}/${writer.serviceAccount} must also be listed in consumers: the writer reads back what it pushed`,
    });
  if (p.kv && p.tier !== "vault_kv")
    out.push({ field: "kv", message: `kv settings are only for tier vault_kv, not ${p.tier}` });

  if (p.certificate?.keySize !== undefined) {
    const allowed: readonly number[] = KEY_SIZES[p.certificate.keyAlgorithm];
    if (!allowed.includes(p.certificate.keySize))
      out.push({
        field: "certificate.keySize",
        message: allowed.length
          ? `${p.certificate.keyAlgorithm} keys are ${allowed.join(", ")} bits, not ${p.certificate.keySize}`
          : `${p.certificate.keyAlgorithm} keys have no size: remove keySize`,
      });
  }
  // Clients verify the SANs, not the subject (RFC 6125): a common name that is not a SAN would be a name no
  // ownership rule checked, carried into the Certificate and the approval policy.
  if (p.certificate?.commonName !== undefined && !p.certificate.dnsNames.includes(p.certificate.commonName))
    out.push({
      field: "certificate.commonName",
      message: `${JSON.stringify(p.certificate.commonName)} must be one of dnsNames (${p.certificate.dnsNames.join(", ")})`,
    });
  if (p.transit) {
    const fits = p.transit.usage === "sign" ? SIGNING_TYPES : ENCRYPTION_TYPES;
    if (!fits.has(p.transit.type))
      out.push({
        field: "transit.type",
        message: `a ${p.transit.type} key cannot ${p.transit.usage}; use one of ${[...fits].join(", ")}`,
      });
  }

  // The per-namespace Kustomization reads bootstrap/<namespace>/, and .sops.yaml has one creation rule per namespace.
  if (
    p.bootstrap &&
    !p.bootstrap.source.startsWith("config:") &&
    !p.bootstrap.source.startsWith(`bootstrap/${p.bootstrap.namespace}/`)
  )
    out.push({
      field: "bootstrap.source",
      message: `must be under bootstrap/${p.bootstrap.namespace}/, the directory of namespace ${p.bootstrap.namespace}`,
    });

  // cert-manager caches the key pair in one Secret, in one namespace: a private key is never copied elsewhere.
  const namespaces = new Set(p.consumers.map((c) => c.namespace));
  if (p.delivery === "cert-manager" && namespaces.size > 1)
    out.push({
      field: "consumers",
      message: `cert-manager certificates live in one namespace's Secret; consumers span ${[...namespaces].sort().join(", ")} (use csi, or one purpose per namespace)`,
    });
  // A reveal is one event at one boundary: each namespace's ExternalSecret fetches the value on its own and leaves its
  // own retained, immutable Secret, so n namespaces are n reveals and n copies nobody rotates away.
  if (p.delivery === "reveal-once" && namespaces.size > 1)
    out.push({
      field: "consumers",
      message: `a reveal-once credential is revealed at one boundary, one namespace; consumers span ${[...namespaces].sort().join(", ")} (each would retain its own copy: use one purpose per namespace)`,
    });
  // After the handover ESO keeps the bootstrap Secret current from Vault, as a consumer in the Secret's namespace.
  if (p.bootstrap && !namespaces.has(p.bootstrap.namespace))
    out.push({
      field: "consumers",
      message: `list a consumer in ${p.bootstrap.namespace}: after the handover the Secret there is kept current from Vault as that consumer`,
    });
  // delete_version_after applies to the latest version too: a refreshed value must stay readable until it is replaced
  // and through its grace window, or consumers lose it. (A reveal-once value may go earlier: it is delivered once.)
  if ((p.delivery === "external-secret" || p.delivery === "push-secret") && p.kv?.deleteVersionAfter) {
    const keep = parseDuration(p.kv.deleteVersionAfter) ?? 0;
    if (keep < (parseDuration(p.rotation.period) ?? 0) + (parseDuration(p.rotation.grace) ?? 0))
      out.push({
        field: "kv.deleteVersionAfter",
        message: `${p.kv.deleteVersionAfter} deletes the value before its successor's grace window ends (period + grace = ${p.rotation.period} + ${p.rotation.grace})`,
      });
  }

  if (p.movedFrom) {
    const from = { owner: p.movedFrom.owner ?? p.owner, id: p.movedFrom.id ?? p.id };
    if (p.movedFrom.owner === undefined && p.movedFrom.id === undefined)
      out.push({ field: "movedFrom", message: "name the owner, the id, or both, that the value had before" });
    else if (from.owner === p.owner && from.id === p.id)
      out.push({ field: "movedFrom", message: `names ${from.owner}/${from.id}, where the value lives now: remove it` });
    // Transit keys are not exportable and PKI roles hold no value: only a KV value can be copied to a new path.
    if (MECHANISMS[p.delivery].vault.engine !== "kv")
      out.push({
        field: "movedFrom",
        message: `delivery ${p.delivery} keeps nothing in Vault KV to move (${MECHANISMS[p.delivery].vault.engine} is named by the id alone)`,
      });
  }

  const seen = new Set<string>();
  p.consumers.forEach((c, i) => {
    const key = `${c.namespace}/${c.serviceAccount}`;
    if (seen.has(key)) out.push({ field: `consumers[${i}]`, message: `${key} is listed twice` });
    seen.add(key);
  });
  return out;
}

function blockRule(
  out: RuleViolation[],
  p: Purpose,
  block: "certificate" | "transit" | "bootstrap" | "push",
  needed: boolean,
  when: string,
) {
  if (needed && !p[block]) out.push({ field: block, message: `${when} needs a ${block} block` });
  if (!needed && p[block]) out.push({ field: block, message: `a ${block} block is only for ${when}` });
}

/** The bootstrap purposes whose material comes from the gitops stack's secret config `key`. */
export function purposesSourcedFromConfig(purposes: readonly RegisteredPurpose[], key: string): BootstrapPurpose[] {
  return purposes.filter(
    (p): p is BootstrapPurpose => p.delivery === "bootstrap" && p.bootstrap.source === `config:${key}`,
  );
}

/** The Kubernetes Secrets (namespace/name) a purpose materializes, whatever the mechanism. */
export function secretTargets(p: Purpose): string[] {
  if (p.bootstrap) return [`${p.bootstrap.namespace}/${p.bootstrap.secretName}`];
  const name = kubernetesSecretName(p);
  return name ? [...new Set(p.consumers.map((c) => `${c.namespace}/${name}`))] : [];
}

/**
 * Moves that would copy one value twice, or over a live one: two purposes moving from the same old secret, or a
 * `movedFrom` naming the secret (`owner/id`) of a purpose the registry still has. For the rules across files.
 */
export function movedFromConflicts(
  purposes: readonly Pick<Purpose, "id" | "owner" | "movedFrom">[],
): { id: string; message: string }[] {
  const live = new Map(purposes.map((p) => [`${p.owner}/${p.id}`, p.id]));
  const sources = new Map<string, string>();
  const out: { id: string; message: string }[] = [];
  for (const p of purposes) {
    if (!p.movedFrom) continue;
    const from = `${p.movedFrom.owner ?? p.owner}/${p.movedFrom.id ?? p.id}`;
    const current = live.get(from);
    if (current !== undefined && current !== p.id)
      out.push({
        id: p.id,
        message: `names ${from}, the live secret of purpose ${current}: a value moves from where it no longer belongs`,
      });
    const earlier = sources.get(from);
    if (earlier !== undefined)
      out.push({
        id: p.id,
        message: `names ${from}, which purpose ${earlier} moves from too: one value moves to one place`,
      });
    else sources.set(from, p.id);
  }
  return out;
}
