import type * as pulumi from "@pulumi/pulumi";
import type { DeliveryRecord } from "../delivery/types.js";
import type { BootstrapInventoryEntry } from "../gitops/bootstrap-layout.js";
import type { KvWriter } from "../delivery/types.js";
import type { PostureContract } from "../posture/model.js";
import type { PhaseId } from "./catalog.js";
import type { AuditDeclaration, Distribution } from "../vault/distribution.js";

/**
 * What each phase's stack publishes: one type per phase, written by its program and read by later phases (through
 * stack references), posture, evidence and other teams' stacks. Metadata only; anything secret is marked so.
 */

/** The output under which a phase publishes intermediate CA CSRs for the root to sign: `{ <name>: <csr pem> }`. */
export const INTERMEDIATE_CSRS_OUTPUT = "pkiIntermediateCsrs";

/** An intermediate the root ceremony signed, by the name its CSR was published under. */
export interface SignedIntermediate {
  certificatePem: string;
  /** The intermediate followed by the root. */
  chainPem: string;
  notAfter: string;
  fingerprintSha256: string;
}

export interface RootTrustOutputs {
  rootCertificatePem: string;
  rootCertificateFingerprintSha256: string;
  rootCertificateNotAfter: string;
  rootCertificateSubject: string;
  signedIntermediates: Record<string, SignedIntermediate>;
  sopsAgeRecipients: string[];
}

export interface GitopsOutputs {
  fluxNamespace: string;
  fluxChart: { chart: string; repository: string; version: string };
  gitRepository: { namespace: string; name: string; url: string; branch: string };
  sopsDecryption: { namespace: string; secretName: string; key: string };
  sopsRecipients: string[];
  gitDeployKey: { purpose: string; secretName: string; fingerprintSha256: string };
}

export interface BootstrapOutputs {
  bootstrapInventory: BootstrapInventoryEntry[];
  /** `namespace/name` of every bootstrap Kustomization. */
  kustomizations: string[];
  /** The namespaces this stack creates (and keeps on removal); later stacks use them by name (phases/namespaces.ts). */
  namespaces: string[];
}

/** Where the runtime-authority stack is in its deployment sequence (docs/phases/3-runtime-authority.md). */
export type RuntimeAuthorityStatus =
  "awaiting-tls-signature" | "awaiting-initialization" | "awaiting-pki-signature" | "configured";

/** What the stack outputs say of one handover. */
export interface HandoverRecord {
  purpose: string;
  status: "handed-over";
  vaultPath: string;
  source: { secret: string; from: string };
  by: string;
  at: string;
  bootstrapSecret: string;
}

/** What the stack outputs say of one move of a KV value (a contract's `movedFrom`). */
export interface MoveRecord {
  purpose: string;
  status: "moved";
  /** The data paths the value's versions were copied from and to. */
  from: string;
  to: string;
  by: string;
  at: string;
  oldPath: string;
}

/**
 * The runtime authority as configured, published step by step: the CSRs and `status` always, Vault's deployment from
 * `awaiting-initialization` on, and the rest once Vault is configured from the registry.
 */
export interface RuntimeAuthorityOutputs {
  [INTERMEDIATE_CSRS_OUTPUT]: Record<string, string>;
  status: RuntimeAuthorityStatus;
  /** From `awaiting-initialization` on: Vault's namespace, unless an earlier stack created it (phases/namespaces.ts). */
  namespaces?: string[];
  vault?: {
    /** `openbao` or `vault` (vaultDistribution), and its product name. */
    distribution: Distribution;
    product: string;
    namespace: string;
    release: string;
    chart: { chart: string; repository: string; version: string };
    /** The server image, tag included. */
    image: string;
    version: string;
    replicas: number;
    storage: "raft";
    seal: string;
    injector: boolean;
    /** Vault's in-cluster address (the active node's service). */
    address: string;
    listenerCertificateNotAfter: string;
  };
  initCeremony?: { command: string; steps: string[] };
  mounts?: {
    kv: { path: string; type: "kv-v2"; casRequired: true };
    transit: { path: string; type: "transit" };
    pki: { path: string; type: "pki"; maxLeaseTtlSeconds: number; signed: boolean };
  };
  /**
   * Per purpose, where its value lives. The next run compares the registry's paths with these: a path that changed is
   * a move, refused unless the contract's `movedFrom` says where from (vault/moves.ts).
   */
  kvSecrets?: Record<
    string,
    { path: string; maxVersions: number; deleteVersionAfter: string; writtenBy: KvWriter; movedFrom?: string }
  >;
  transitKeys?: Record<
    string,
    { name: string; type: string; usage: "encrypt" | "sign"; autoRotatePeriodSeconds: number; latestVersion: number }
  >;
  pkiRoles?: Record<
    string,
    { name: string; signPath: string; allowedDomains: string[]; maxTtlSeconds: number; created: boolean }
  >;
  /** Per consumer identity (Vault role): the service account it binds, its purposes and its policy. */
  authRoles?: Record<
    string,
    { namespace: string; serviceAccount: string; purposes: string[]; policy: string; tokenTtlSeconds: number }
  >;
  /** Per issuer identity (Vault role): its service account and the sign path of each of its purposes. */
  issuerRoles?: Record<
    string,
    { namespace: string; serviceAccount: string; signPaths: Record<string, string>; tokenTtlSeconds: number }
  >;
  /** Per policy: `sha256:<hex>` of its exact text as written to Vault. */
  policies?: Record<string, string>;
  kubernetesAuth?: { path: string; accessor: string };
  /** Where each audit device comes from: OpenBao's server configuration, or Vault's API. */
  auditDevices?: { path: string; type: "file"; filePath: string; declaredIn: AuditDeclaration }[];
  handover?: Record<string, HandoverRecord>;
  /** Per purpose with `movedFrom`: its move. */
  moves?: Record<string, MoveRecord>;
}

/** The posture fields known at deploy time, per purpose (no clock: they do not change from run to run). */
export interface PostureSchedule extends PostureContract {
  issuerExpiresAt?: string;
  failClosedFrom?: string;
}

export interface SteadyStateOutputs {
  controllers: Record<
    string,
    { release: string; chart: string; repository: string; version: string; namespace: string }
  >;
  secretStores: Record<string, { namespace: string; serviceAccount: string; vaultRole: string }>;
  clusterIssuers: Record<string, { name: string; vaultRole: string; serviceAccount: string; signPath: string }>;
  trustBundle: { name: string; configMap: string; key: string; namespaces: string[] };
  deliveries: Record<string, DeliveryRecord>;
  posture: Record<string, PostureSchedule>;
}

export interface PhaseOutputs {
  "root-trust": RootTrustOutputs;
  gitops: GitopsOutputs;
  bootstrap: BootstrapOutputs;
  "runtime-authority": RuntimeAuthorityOutputs;
  "steady-state": SteadyStateOutputs;
}

/** Outputs as a program returns them: any part of a value may still be an Output (or a promise) of the engine. */
export type Published<T> = { [K in keyof T]: Publishing<T[K]> };
export type Publishing<T> = pulumi.Input<
  T extends readonly (infer E)[] ? Publishing<E>[] : T extends object ? Published<T> : T
>;

/** Some outputs of an earlier phase's stack, as a stack reference reads them (absent until that stack publishes). */
export type PhaseOutputsRead<P extends PhaseId, K extends keyof PhaseOutputs[P]> = Partial<Pick<PhaseOutputs[P], K>>;
