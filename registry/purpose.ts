import type { DELIVERY_RULES } from "./rules.js";
import { DEFAULT_KEY_SIZE, type Delivery, type Purpose } from "./schema.js";

/**
 * A purpose once the registry has checked it, typed by its delivery mode. The schema admits every block on every
 * purpose; the rules (`rules.ts`) then fix which tier, kind, rotation method and block each delivery mode has. These
 * types say the same, so code that switches on `delivery` (or `kind`) sees exactly the fields that contract has:
 * a push-secret purpose has a writer, a certificate purpose has its names, a bootstrap purpose its Secret.
 */

type Row<D extends Delivery> = (typeof DELIVERY_RULES)[D];
type Blocks = "certificate" | "transit" | "bootstrap" | "push" | "kv" | "transitionalUntil";

/** The fields every checked purpose has, with tier, kind and rotation method narrowed to what its delivery allows. */
type Checked<D extends Delivery> = Omit<Purpose, "delivery" | "tier" | "kind" | "rotation" | Blocks> & {
  readonly file: string;
  delivery: D;
  tier: Row<D>["tier"];
  kind: Row<D>["kinds"][number];
  rotation: Omit<Purpose["rotation"], "method"> & { method: Row<D>["methods"][number] };
} & { [B in Blocks]?: never };

/** A variant: the common fields, and exactly the blocks `B` its delivery mode carries. */
type Variant<D extends Delivery, B extends Partial<Pick<Purpose, Blocks>>> = Omit<Checked<D>, keyof B> & B;

type KvBlock = { kv?: NonNullable<Purpose["kv"]> };
type Certificate = NonNullable<Purpose["certificate"]>;

export type ExternalSecretPurpose = Variant<"external-secret", KvBlock>;
export type RevealOncePurpose = Variant<"reveal-once", KvBlock>;
export type PushSecretPurpose = Variant<"push-secret", KvBlock & { push: NonNullable<Purpose["push"]> }>;
export type BootstrapPurpose = Variant<
  "bootstrap",
  { bootstrap: NonNullable<Purpose["bootstrap"]>; transitionalUntil: string }
>;
export type CertManagerPurpose = Variant<"cert-manager", { certificate: Certificate; transitionalUntil: string }>;
export type CsiPurpose = Variant<"csi", { certificate: Certificate }>;
export type TransitPurpose = Variant<"transit", { transit: NonNullable<Purpose["transit"]> }>;

/** A purpose as the validated registry holds it, with the file it came from (for messages and the owner's review). */
export type RegisteredPurpose =
  | ExternalSecretPurpose
  | RevealOncePurpose
  | PushSecretPurpose
  | BootstrapPurpose
  | CertManagerPurpose
  | CsiPurpose
  | TransitPurpose;

/** The checked purposes of one delivery mode (or of several). */
export type PurposeOf<D extends Delivery> = Extract<RegisteredPurpose, { delivery: D }>;
/** The purposes whose value Vault KV holds and ExternalSecrets materialize. */
export type KvPurpose = PurposeOf<"external-secret" | "reveal-once" | "push-secret">;
/** The purposes whose certificates Vault PKI issues through cert-manager. */
export type CertificatePurpose = PurposeOf<"cert-manager" | "csi">;

export function isCertificatePurpose(p: RegisteredPurpose): p is CertificatePurpose {
  return p.kind === "certificate";
}

type SecretNaming = Pick<Purpose, "id" | "delivery" | "tier" | "bootstrap" | "certificate" | "kv">;

/**
 * The Kubernetes Secret a purpose is materialized in, whatever its delivery: the bootstrap Secret, the Secret
 * cert-manager caches a certificate in (`certificate.secretName`, or the id), or the Secret a KV value lands in
 * (`kv.secretName`, or the id). Transit keys and csi certificates are in no Secret. Reads the raw contract, so the
 * registry's one-writer-per-Secret rule and the steady state name the same Secret.
 */
export function kubernetesSecretName(p: KvPurpose | BootstrapPurpose | CertManagerPurpose): string;
export function kubernetesSecretName(p: SecretNaming): string | undefined;
export function kubernetesSecretName(p: SecretNaming): string | undefined {
  if (p.bootstrap) return p.bootstrap.secretName;
  if (p.delivery === "cert-manager") return p.certificate?.secretName ?? p.id;
  if (p.tier === "vault_kv") return p.kv?.secretName ?? p.id;
  return undefined;
}

/** A certificate purpose's key size: the contract's, or the algorithm's default (none for Ed25519). */
export function certificateKeySize(c: Pick<Certificate, "keyAlgorithm" | "keySize">): number | undefined {
  return c.keyAlgorithm === "Ed25519" ? undefined : (c.keySize ?? DEFAULT_KEY_SIZE[c.keyAlgorithm]);
}

/**
 * The key usages (RFC 5280 section 4.2.1.3, in cert-manager's spelling) of a purpose's certificates: a digital
 * signature always, and key encipherment for RSA, whose TLS key exchange encrypts with the certificate's key. The
 * extended key usages are the contract's `usages`. Vault's PKI role and every cert-manager object name the same set.
 */
export function certificateKeyUsages(
  c: Pick<Certificate, "keyAlgorithm">,
): ("digital signature" | "key encipherment")[] {
  return c.keyAlgorithm === "RSA" ? ["digital signature", "key encipherment"] : ["digital signature"];
}
