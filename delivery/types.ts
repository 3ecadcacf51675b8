import type { Delivery, Consumer } from "../registry/schema.js";
import type { PurposeOf } from "../registry/purpose.js";
import type { AclRule } from "../vault/acl.js";

/**
 * The shapes every delivery mechanism shares: the custom resources it plans, the record the steady-state stack
 * publishes, and the descriptor each mechanism folder exports (see `mechanisms/index.ts`). Pure types.
 */

/** A Kubernetes custom resource as the API server receives it. */
export interface CustomResourceSpec {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** How a purpose reaches its consumers in the steady state; exactly one per purpose, fixed by its delivery mode. */
export type MechanismId =
  | "external-secret"
  | "reveal-once"
  | "push-secret"
  | "bootstrap-takeover"
  | "cert-manager"
  | "csi-driver"
  | "vault-transit";

/**
 * What the stack publishes per purpose (output `deliveries`, keyed by purpose id): how consumers reach it, metadata
 * only, never a value. The contract itself (owner, tier, rotation, evidence) is published once, in `posture`.
 */
export interface DeliveryRecord {
  mechanism: MechanismId;
  /** Namespaces the purpose is delivered into. */
  namespaces: string[];
  /** The Kubernetes Secret holding it (KV purposes, cert-manager certificates). */
  secretName?: string;
  /** Where Vault holds it. */
  vaultPath?: string;
  refreshPolicy?: "Periodic" | "CreatedOnce";
  refreshIntervalSeconds?: number;
  /** push-secret: how often the generator makes a new value. */
  generationIntervalSeconds?: number;
  /** push-secret: the key consumers sign or encrypt with, and the keys they accept (see GENERATED_KEYS). */
  keys?: { use: string; accept: string[] };
  /** cert-manager and csi: the issuer and lifetime (`name` is the Certificate's; csi volumes have none). */
  certificate?: { name?: string; issuer: string; durationSeconds: number; renewBeforePercentage: number };
  /** csi: the volume a consumer's pod declares (no Secret exists). */
  csiVolume?: { driver: string; readOnly: true; volumeAttributes: Record<string, string> };
  transit?: { key: string; paths: string[]; vaultRoles: string[] };
  /** The annotation a consumer's workload carries so Reloader rolls it when the Secret changes. */
  reloadOn?: Record<string, string>;
}

/** The custom resources that deliver one purpose, in the order they depend on each other, and its record. */
export interface Delivered {
  resources: CustomResourceSpec[];
  record: DeliveryRecord;
}

/** What a mechanism may ask of the layout while it plans one purpose. */
export interface DeliveryContext {
  /** The ClusterSecretStore that reads and writes Vault as `consumer`; the layout registers every store used. */
  store(consumer: Consumer): string;
}

/** Who writes a KV value: an operator or the issuing service, a PushSecret, or the handover Job (bootstrap). */
export type KvWriter = "operator" | "push-secret" | "handover";

/** Where Vault holds a purpose: the secrets engine of its storage tier (the access matrix reads every path of it). */
export type VaultStorage = { engine: "kv"; writtenBy: KvWriter } | { engine: "transit" } | { engine: "pki" };

/** Where the controller identities of a purpose live: the identities entitled to it besides its consumers. */
export interface ControllerContext {
  certManagerNamespace: string;
}

/**
 * One delivery mechanism, everything about it in one place: how Vault holds the purpose and what each consumer is
 * granted there, the Kubernetes objects that deliver it and the record published about it, and the facts the
 * policy pack and posture judge it by. `MECHANISMS` registers one per delivery mode.
 */
export interface DeliveryMechanism<D extends Delivery = Delivery> {
  readonly delivery: D;
  readonly id: MechanismId;
  /** What the steady-state stack registers for one purpose, in one sentence (the docs' mechanism table). */
  readonly summary: string;
  /** Where Vault holds the value, key or certificate authority. */
  readonly vault: VaultStorage;
  /** Kubernetes kinds that may carry the purpose's label (policy `purpose-known`). */
  readonly kinds: readonly string[];
  /** The kind that delivers the purpose into each of its namespaces, exactly once (policy `delivered-once`). */
  readonly deliveringKind?: string;
  /** The namespaces the purpose is delivered into, sorted, each once. */
  namespaces(p: PurposeOf<D>): string[];
  /** The Vault rules one consumer of the purpose needs (vault/acl.ts renders them into its policy). */
  consumerRules(p: PurposeOf<D>, consumer: Consumer): AclRule[];
  /** The controller identities (`namespace/serviceAccount`) entitled to the purpose's Vault paths. */
  controllers(p: PurposeOf<D>, ctx: ControllerContext): string[];
  /** The custom resources that deliver the purpose and the record of how consumers reach it. */
  deliver(p: PurposeOf<D>, ctx: DeliveryContext): Delivered;
  /**
   * Whether one of the purpose's objects of `deliveringKind` delivers it (rather than, say, generating its value).
   * @default every such object delivers
   */
  delivers?(object: Pick<CustomResourceSpec, "spec">): boolean;
}
