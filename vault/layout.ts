import { issuerPolicy } from "../delivery/issuers/vault/index.js";
import { handoverPolicy } from "../delivery/mechanisms/bootstrap/index.js";
import { mechanismOf } from "../delivery/mechanisms/index.js";
import type { KvWriter } from "../delivery/types.js";
import { parseDuration, toGoDurationString } from "../registry/duration.js";
import { groupBy } from "../registry/index-by.js";
import type { Registry } from "../registry/load.js";
import {
  certificateKeySize,
  certificateKeyUsages,
  isCertificatePurpose,
  type BootstrapPurpose,
  type CertificatePurpose,
  type RegisteredPurpose,
  type TransitPurpose,
} from "../registry/purpose.js";
import { DEFAULT_KV_MAX_VERSIONS, type Consumer } from "../registry/schema.js";
import type { AclPolicy } from "./acl.js";
import {
  consumerKey,
  consumerRoleName,
  handoverJobName,
  handoverRoleName,
  issuerRoleName,
  issuerServiceAccountName,
  kvDataPath,
  kvMetadataPath,
  kvSecretPath,
  pkiRoleName,
  pkiSignPath,
  transitKeyName,
} from "./paths.js";

/**
 * What Vault holds for a registry, derived from the contracts alone (pure, no Pulumi): KV secrets with their
 * hardening and metadata, transit keys, PKI roles, one identity and policy per consumer, and the handovers of
 * bootstrap material. The runtime-authority program only registers what this returns.
 */

/** Seconds of a registry duration that the schema has already validated. */
const seconds = (text: string): number => parseDuration(text)!;

export interface KvSecretLayout {
  purpose: string;
  /** Path inside the kv mount. */
  path: string;
  /** The full data and metadata paths, as ACLs and the metadata endpoint name them. */
  dataPath: string;
  metadataPath: string;
  maxVersions: number;
  /** KV v2 `delete_version_after` as Vault reads it back (`720h0m0s`), or "0s" (never). */
  deleteVersionAfter: string;
  /** Purpose id, owner, evidence id and delivery, so Vault alone says what a secret is for. */
  customMetadata: Record<string, string>;
  /** Who writes the value: the handover Job (bootstrap), a PushSecret, or an operator / upstream rotation. */
  writtenBy: KvWriter;
}

export interface TransitKeyLayout {
  purpose: string;
  name: string;
  type: string;
  usage: "encrypt" | "sign";
  autoRotatePeriodSeconds: number;
}

export interface PkiRoleLayout {
  purpose: string;
  name: string;
  /** Exactly the contract's DNS names. */
  allowedDomains: string[];
  /** Whether a contract name is a `*.` wildcard (then, and only then, Vault may match globs and issue wildcards). */
  wildcards: boolean;
  keyType: "ec" | "rsa" | "ed25519";
  keyBits: number;
  /** Vault's names of the certificates' key usages (the same set cert-manager requests, delivery/certificates.ts). */
  keyUsages: string[];
  /** The rotation period: a certificate never outlives its contract's period. */
  maxTtlSeconds: number;
  serverFlag: boolean;
  clientFlag: boolean;
}

export interface HandoverLayout {
  purpose: string;
  owner: string;
  /** The bootstrap Secret: where the value comes from. */
  namespace: string;
  secretName: string;
  /** The bootstrap source the Secret was materialized from (a SOPS manifest, or gitops config). */
  source: string;
  /** The one-shot Job (and its service account) in the Secret's namespace. */
  jobName: string;
  /** Its Kubernetes auth role and policy. */
  role: string;
  policy: AclPolicy;
  /** The KV secret it creates, inside the kv mount, and the full data path. */
  kvPath: string;
  vaultDataPath: string;
}

/** The Vault identity of one team's cert-manager ClusterIssuers (one per certificate purpose of the team). */
export interface IssuerIdentityLayout {
  owner: string;
  /** Kubernetes auth role and policy name. */
  role: string;
  /** The service account the ClusterIssuers name, in cert-manager's namespace (its cluster resource namespace). */
  namespace: string;
  serviceAccount: string;
  /** The sign path of each of the team's certificate purposes, by purpose id. */
  signPaths: Record<string, string>;
  policy: AclPolicy;
}

export interface RuntimeAuthorityLayout {
  kvSecrets: KvSecretLayout[];
  transitKeys: TransitKeyLayout[];
  pkiRoles: PkiRoleLayout[];
  consumers: ConsumerGrant[];
  handovers: HandoverLayout[];
  issuers: IssuerIdentityLayout[];
  /** The PKI mount's max lease TTL: the longest certificate period (Vault caps every role at the mount's). */
  pkiMaxLeaseTtlSeconds: number;
}

const KEY_TYPES = { ECDSA: "ec", RSA: "rsa", Ed25519: "ed25519" } as const;
/** Vault's spelling of the key usages (Go's x509.KeyUsage names without the prefix). */
const VAULT_KEY_USAGES = { "digital signature": "DigitalSignature", "key encipherment": "KeyEncipherment" } as const;

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
 * Every consumer the registry grants something in Vault, each with its policy (the rules each purpose's mechanism
 * grants it); sorted by role name. A consumer whose purposes are all certificates talks to cert-manager, not Vault,
 * and gets no Vault identity.
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
      const rules = purposes.flatMap((p) => mechanismOf(p).consumerRules(p, consumer));
      return {
        consumer,
        role,
        purposes: [...new Set(rules.map((r) => r.purpose))].sort(),
        policy: { name: role, rules },
      };
    })
    .filter((g) => g.policy.rules.length > 0)
    .sort((a, b) => a.role.localeCompare(b.role));
}

/** Each team's certificate purposes, by owner, in the registry's order. */
export function certificatesByOwner(registry: Registry): Map<string, CertificatePurpose[]> {
  return groupBy(registry.purposes.filter(isCertificatePurpose), (p) => p.owner);
}

/** The issuer policy of every team that owns certificate purposes, in the registry's order of teams. */
export function issuerPolicies(registry: Registry): AclPolicy[] {
  return [...certificatesByOwner(registry)].map(([owner, certificates]) => issuerPolicy(owner, certificates));
}

/** Where the platform's controllers run: the issuer identities are bound to service accounts there. */
export interface ControllerNamespaces {
  certManager: string;
}

export function runtimeAuthorityLayout(registry: Registry, namespaces: ControllerNamespaces): RuntimeAuthorityLayout {
  const purposes = registry.purposes;
  const kvSecrets = purposes.flatMap((p) => {
    const storage = mechanismOf(p).vault;
    return storage.engine === "kv" ? [kvSecret(p, storage.writtenBy)] : [];
  });
  const transitKeys = purposes
    .filter((p): p is TransitPurpose => mechanismOf(p).vault.engine === "transit")
    .map(transitKey);
  const pkiRoles = purposes.filter(isCertificatePurpose).map(pkiRole);
  const handovers = purposes.filter((p): p is BootstrapPurpose => p.delivery === "bootstrap").map(handover);
  return {
    kvSecrets,
    transitKeys,
    pkiRoles,
    consumers: consumerGrants(registry),
    handovers,
    issuers: [...certificatesByOwner(registry)].map(([owner, certificates]) =>
      issuerIdentity(owner, certificates, namespaces.certManager),
    ),
    pkiMaxLeaseTtlSeconds: Math.max(3600, ...pkiRoles.map((r) => r.maxTtlSeconds)),
  };
}

function kvSecret(p: RegisteredPurpose, writtenBy: KvWriter): KvSecretLayout {
  return {
    purpose: p.id,
    path: kvSecretPath(p),
    dataPath: kvDataPath(p),
    metadataPath: kvMetadataPath(p),
    maxVersions: p.kv?.maxVersions ?? DEFAULT_KV_MAX_VERSIONS,
    deleteVersionAfter: p.kv?.deleteVersionAfter ? toGoDurationString(seconds(p.kv.deleteVersionAfter)) : "0s",
    customMetadata: {
      purpose: p.id,
      owner: p.owner,
      evidence: p.evidence,
      delivery: p.delivery,
      // ESO refuses to push into a secret whose metadata does not say it manages it.
      ...(writtenBy === "push-secret" ? { "managed-by": "external-secrets" } : {}),
    },
    writtenBy,
  };
}

function transitKey(p: TransitPurpose): TransitKeyLayout {
  return {
    purpose: p.id,
    name: transitKeyName(p),
    type: p.transit.type,
    usage: p.transit.usage,
    autoRotatePeriodSeconds: seconds(p.rotation.period),
  };
}

function pkiRole(p: CertificatePurpose): PkiRoleLayout {
  const c = p.certificate;
  return {
    purpose: p.id,
    name: pkiRoleName(p),
    allowedDomains: [...c.dnsNames].sort(),
    wildcards: c.dnsNames.some((n) => n.startsWith("*.")),
    keyType: KEY_TYPES[c.keyAlgorithm],
    // Vault's key_bits 0 means the type's default; Ed25519 has one size.
    keyBits: certificateKeySize(c) ?? 0,
    keyUsages: certificateKeyUsages(c).map((u) => VAULT_KEY_USAGES[u]),
    maxTtlSeconds: seconds(p.rotation.period),
    serverFlag: c.usages.includes("server auth"),
    clientFlag: c.usages.includes("client auth"),
  };
}

function issuerIdentity(
  owner: string,
  certificates: readonly CertificatePurpose[],
  namespace: string,
): IssuerIdentityLayout {
  return {
    owner,
    role: issuerRoleName({ owner }),
    namespace,
    serviceAccount: issuerServiceAccountName({ owner }),
    signPaths: Object.fromEntries(certificates.map((p) => [p.id, pkiSignPath(p)])),
    policy: issuerPolicy(owner, certificates),
  };
}

function handover(p: BootstrapPurpose): HandoverLayout {
  const b = p.bootstrap;
  return {
    purpose: p.id,
    owner: p.owner,
    namespace: b.namespace,
    secretName: b.secretName,
    source: b.source,
    jobName: handoverJobName(p),
    role: handoverRoleName(p),
    policy: handoverPolicy(p),
    kvPath: kvSecretPath(p),
    vaultDataPath: kvDataPath(p),
  };
}
