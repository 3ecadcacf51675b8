import { createHash } from "node:crypto";
import type { Consumer, Purpose } from "../registry/schema.js";

/**
 * Where each purpose lives in Vault, and what its identities are called. Pure and shared by the runtime-authority
 * program, the policy pack and the access evaluator, so a path is spelt in exactly one place.
 */

/** The secrets engines the platform mounts, one per storage tier (Vault's own term: the mount path). */
export const MOUNTS = {
  kv: "kv",
  transit: "transit",
  pki: "pki_int",
} as const;

/** The Kubernetes auth method's mount path. */
export const KUBERNETES_AUTH_PATH = "kubernetes";

/**
 * Token lifetimes of Kubernetes-auth logins: short, because every consumer (ESO, cert-manager, a Job) logs in again
 * when it needs to, and a leaked token should die quickly (ESO users saw leaked leases exhaust Vault, ESO #376).
 */
export const LOGIN_TOKEN_TTL_SECONDS = 15 * 60;
export const LOGIN_TOKEN_MAX_TTL_SECONDS = 60 * 60;
/** The audience every projected service account token sent to Vault must carry. */
export const VAULT_AUDIENCE = "vault";

/** The KV v2 secret path of a purpose, inside the kv mount: `<owner>/<purpose id>`. */
export function kvSecretPath(p: Pick<Purpose, "id" | "owner">): string {
  return `${p.owner}/${p.id}`;
}

/** KV v2 splits every secret into a data path and a metadata path; ACLs must name the one they mean. */
export function kvDataPath(p: Pick<Purpose, "id" | "owner">): string {
  return `${MOUNTS.kv}/data/${kvSecretPath(p)}`;
}

export function kvMetadataPath(p: Pick<Purpose, "id" | "owner">): string {
  return `${MOUNTS.kv}/metadata/${kvSecretPath(p)}`;
}

/** Transit keys and PKI roles are named after their purpose, so audit entries name the contract. */
export function transitKeyName(p: Pick<Purpose, "id">): string {
  return p.id;
}

export function pkiRoleName(p: Pick<Purpose, "id">): string {
  return p.id;
}

/** The `sign` endpoint of a purpose's PKI role: what cert-manager's Vault issuer `path` must name. */
export function pkiSignPath(p: Pick<Purpose, "id">): string {
  return `${MOUNTS.pki}/sign/${pkiRoleName(p)}`;
}

/**
 * The Kubernetes auth role (and ACL policy) of a consumer: `consumer.<namespace>.<service account>`. A namespace has
 * no dots, so the first two dots split the name unambiguously; the prefix keeps consumer and handover names apart.
 */
export function consumerRoleName(c: Consumer): string {
  return `consumer.${c.namespace}.${c.serviceAccount}`;
}

/**
 * The Kubernetes auth role (and policy) of the cert-manager issuers of one owning team's certificate purposes: the
 * only identity that may sign for those purposes' PKI roles, each role still fixing its own purpose's names, key and
 * lifetime. One per team rather than per purpose: cert-manager can mint tokens for every issuer account anyway, so
 * per-purpose accounts separated nothing it could not cross, and cost three resources per certificate purpose.
 * Consumers never call the sign endpoint themselves.
 */
export function issuerRoleName(p: Pick<Purpose, "owner">): string {
  return `issuer.${p.owner}`;
}

/** The service account, in cert-manager's namespace, that the team's ClusterIssuers log in to Vault as. */
export function issuerServiceAccountName(p: Pick<Purpose, "owner">): string {
  return `vault-issuer-${p.owner}`;
}

/** The auth role and policy of the one-shot Job that hands a bootstrap purpose over to Vault. */
export function handoverRoleName(p: Pick<Purpose, "id">): string {
  return `handover.${p.id}`;
}

/** The service account (and Job) that performs a purpose's handover, in the bootstrap Secret's namespace. */
export function handoverJobName(p: Pick<Purpose, "id">): string {
  return oneShotJobName("handover", p.id);
}

/** The auth role and policy of the one-shot Job that moves a purpose's KV value to its new path. */
export function moveRoleName(p: Pick<Purpose, "id">): string {
  return `move.${p.id}`;
}

/** The service account (and Job) that moves a purpose's KV value, in Vault's namespace. */
export function moveJobName(p: Pick<Purpose, "id">): string {
  return oneShotJobName("move", p.id);
}

function oneShotJobName(prefix: string, id: string): string {
  const name = `${prefix}-${id}`;
  // Job names become pod labels: at most 63 characters. Purpose ids are at most 63, so long ones are shortened
  // stably (a prefix and a hash of the id), never truncated into a collision.
  if (name.length <= 63) return name;
  return `${name.slice(0, 54).replace(/-+$/, "")}-${createHash("sha256").update(id).digest("hex").slice(0, 8)}`;
}

/** A consumer as `namespace/serviceAccount`, for messages and outputs. */
export function consumerKey(c: Consumer): string {
  return `${c.namespace}/${c.serviceAccount}`;
}

/** The transit operations a key's consumers perform, by what the contract says they do with it. */
export function transitOperations(usage: "encrypt" | "sign"): ["sign", "verify"] | ["encrypt", "decrypt"] {
  return usage === "sign" ? ["sign", "verify"] : ["encrypt", "decrypt"];
}

/** The endpoints of those operations for a transit purpose's key, e.g. `transit/encrypt/<key>`. */
export function transitOperationPaths(p: Pick<Purpose, "id"> & { transit: { usage: "encrypt" | "sign" } }): string[] {
  return transitOperations(p.transit.usage).map((op) => `${MOUNTS.transit}/${op}/${transitKeyName(p)}`);
}

/**
 * Every Vault path of a secrets engine through which a purpose's value or key can be read, written or used: KV v2's
 * data, metadata and version-management paths; transit's operations and key management; PKI's sign and issue
 * endpoints. The access matrix evaluates every identity's policies on each of them.
 */
export function enginePaths(engine: "kv" | "transit" | "pki", p: Pick<Purpose, "id" | "owner">): string[] {
  switch (engine) {
    case "kv":
      return ["data", "metadata", "delete", "undelete", "destroy"].map((k) => `${MOUNTS.kv}/${k}/${kvSecretPath(p)}`);
    case "transit":
      return ["encrypt", "decrypt", "rewrap", "sign", "verify", "hmac", "keys", "export/encryption-key", "backup"].map(
        (op) => `${MOUNTS.transit}/${op}/${transitKeyName(p)}`,
      );
    case "pki":
      return ["sign", "issue"].map((op) => `${MOUNTS.pki}/${op}/${pkiRoleName(p)}`);
  }
}
