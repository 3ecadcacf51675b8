import { parseDuration, toGoDuration } from "../registry/duration.js";
import type { RegisteredPurpose, Registry } from "../registry/load.js";
import { certificatesByOwner, consumerGrants, handoverPolicy, issuerPolicy, type AclPolicy, type ConsumerGrant } from "./acl.js";
import { handoverJobName, handoverRoleName, issuerRoleName, issuerServiceAccountName, kvDataPath, kvMetadataPath, kvSecretPath, pkiRoleName, pkiSignPath, transitKeyName } from "./paths.js";

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
  /** KV v2 `delete_version_after` as a Go duration, or "0s" (never). */
  deleteVersionAfter: string;
  /** Purpose id, owner, evidence id and delivery, so Vault alone says what a secret is for. */
  customMetadata: Record<string, string>;
  /** Who writes the value: the handover Job (bootstrap), a PushSecret, or an operator / upstream rotation. */
  writtenBy: "handover" | "push-secret" | "operator";
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
const DEFAULT_KEY_BITS = { ECDSA: 256, RSA: 3072, Ed25519: 0 } as const;

/** Where the platform's controllers run: the issuer identities are bound to service accounts there. */
export interface ControllerNamespaces {
  certManager: string;
}

export function runtimeAuthorityLayout(registry: Registry, namespaces: ControllerNamespaces): RuntimeAuthorityLayout {
  const purposes = registry.purposes;
  const kvSecrets = purposes.filter((p) => p.tier === "vault_kv" || p.delivery === "bootstrap").map(kvSecret);
  const transitKeys = purposes.filter((p) => p.delivery === "transit").map(transitKey);
  const pkiRoles = purposes.filter((p) => p.kind === "certificate").map(pkiRole);
  const handovers = purposes.filter((p) => p.delivery === "bootstrap").map(handover);
  return {
    kvSecrets,
    transitKeys,
    pkiRoles,
    consumers: consumerGrants(registry),
    handovers,
    issuers: [...certificatesByOwner(registry)].map(([owner, certificates]) => issuerIdentity(owner, certificates, namespaces.certManager)),
    pkiMaxLeaseTtlSeconds: Math.max(3600, ...pkiRoles.map((r) => r.maxTtlSeconds)),
  };
}

function kvSecret(p: RegisteredPurpose): KvSecretLayout {
  const writtenBy = p.delivery === "bootstrap" ? "handover" : p.delivery === "push-secret" ? "push-secret" : "operator";
  return {
    purpose: p.id,
    path: kvSecretPath(p),
    dataPath: kvDataPath(p),
    metadataPath: kvMetadataPath(p),
    maxVersions: p.kv?.maxVersions ?? 5,
    deleteVersionAfter: p.kv?.deleteVersionAfter ? toGoDuration(seconds(p.kv.deleteVersionAfter)) : "0s",
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

function transitKey(p: RegisteredPurpose): TransitKeyLayout {
  return { purpose: p.id, name: transitKeyName(p), type: p.transit!.type, usage: p.transit!.usage, autoRotatePeriodSeconds: seconds(p.rotation.period) };
}

function pkiRole(p: RegisteredPurpose): PkiRoleLayout {
  const c = p.certificate!;
  return {
    purpose: p.id,
    name: pkiRoleName(p),
    allowedDomains: [...c.dnsNames].sort(),
    wildcards: c.dnsNames.some((n) => n.startsWith("*.")),
    keyType: KEY_TYPES[c.keyAlgorithm],
    keyBits: c.keySize ?? DEFAULT_KEY_BITS[c.keyAlgorithm],
    maxTtlSeconds: seconds(p.rotation.period),
    serverFlag: c.usages.includes("server auth"),
    clientFlag: c.usages.includes("client auth"),
  };
}

function issuerIdentity(owner: string, certificates: readonly RegisteredPurpose[], namespace: string): IssuerIdentityLayout {
  return {
    owner,
    role: issuerRoleName({ owner }),
    namespace,
    serviceAccount: issuerServiceAccountName({ owner }),
    signPaths: Object.fromEntries(certificates.map((p) => [p.id, pkiSignPath(p)])),
    policy: issuerPolicy(certificates),
  };
}

function handover(p: RegisteredPurpose): HandoverLayout {
  const b = p.bootstrap!;
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
