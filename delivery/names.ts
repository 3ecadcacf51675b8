import type { Consumer, Purpose } from "../registry/schema.js";

/**
 * Names of the steady state's Kubernetes objects, derived from purpose ids and consumer identities so they are
 * stable and say what they are for. Pure; spelt only here.
 */

/**
 * The ClusterSecretStore that reads Vault as one consumer: `vault.<namespace>.<service account>`, the Vault role's
 * own name minus its prefix. A namespace has no dots, so the name is unambiguous.
 */
export function secretStoreName(c: Consumer): string {
  return `vault.${c.namespace}.${c.serviceAccount}`;
}

/** The Kubernetes Secret a KV purpose is materialized in (the contract's `kv.secretName`, or its id). */
export function materializedSecretName(p: Pick<Purpose, "id" | "kv">): string {
  return p.kv?.secretName ?? p.id;
}

/** The Secret a push-secret purpose's generator writes in the writer's namespace: the PushSecret's source. */
export function generatedSecretName(p: Pick<Purpose, "id">): string {
  return `${p.id}-generated`;
}

/** The ESO ExternalSecret that runs a push-secret purpose's generator. */
export function generatorExternalSecretName(p: Pick<Purpose, "id">): string {
  return `${p.id}-generator`;
}

/**
 * The one cluster-wide Password generator every push-secret purpose's generator ExternalSecret uses. Each invocation
 * makes a fresh value for the ExternalSecret that invoked it (ESO), so sharing the definition shares no value.
 */
export const PASSWORD_GENERATOR = "secrets-platform-password";

/** The ClusterIssuer that signs for a certificate purpose through its PKI role. */
export function clusterIssuerName(p: Pick<Purpose, "id">): string {
  return `vault-${p.id}`;
}

/** The Secret cert-manager caches a certificate purpose's key pair in (the contract's `certificate.secretName`, or its id). */
export function certificateSecretName(p: Pick<Purpose, "id" | "certificate">): string {
  return p.certificate?.secretName ?? p.id;
}

/** The trust-manager Bundle, and the ConfigMap it writes into every consumer namespace. */
export const TRUST_BUNDLE = { name: "secrets-platform-root-ca", key: "ca.crt" } as const;
