import { ANNOTATION, LABEL, platformLabels, purposeLabels } from "../components/labels.js";
import { toGoDuration } from "../registry/duration.js";
import type { RegisteredPurpose, Registry } from "../registry/load.js";
import type { Consumer, Delivery } from "../registry/schema.js";
import { consumerRoleName, issuerRoleName, issuerServiceAccountName, KUBERNETES_AUTH_PATH, kvDataPath, kvSecretPath, MOUNTS, pkiSignPath, transitKeyName, VAULT_AUDIENCE } from "../vault/paths.js";
import {
  certificateSecretName,
  clusterIssuerName,
  generatedSecretName,
  generatorExternalSecretName,
  materializedSecretName,
  PASSWORD_GENERATOR,
  secretStoreName,
  TRUST_BUNDLE,
} from "./names.js";
import { certificateTiming, generationIntervalSeconds, refreshIntervalSeconds } from "./timing.js";

/**
 * The steady state of a registry, derived from the contracts alone (pure, no Pulumi): which custom resources deliver
 * each purpose, and the metadata the stack publishes about it. The steady-state program only registers what this
 * returns; tests validate every object against the upstream CRD schemas.
 */

/** A Kubernetes custom resource as the API server receives it. */
export interface CustomResourceSpec {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** How a purpose reaches its consumers in the steady state; exactly one per purpose, fixed by its delivery mode. */
export type Mechanism = "external-secret" | "reveal-once" | "push-secret" | "bootstrap-takeover" | "cert-manager" | "csi-driver" | "vault-transit";

export const MECHANISM_OF: Readonly<Record<Delivery, Mechanism>> = {
  "external-secret": "external-secret",
  "reveal-once": "reveal-once",
  "push-secret": "push-secret",
  bootstrap: "bootstrap-takeover",
  "cert-manager": "cert-manager",
  csi: "csi-driver",
  transit: "vault-transit",
};

/**
 * What the stack publishes per purpose (output `deliveries`, keyed by purpose id): how consumers reach it, metadata
 * only, never a value. The contract itself (owner, tier, rotation, evidence) is published once, in `posture`.
 */
export interface DeliveryRecord {
  mechanism: Mechanism;
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

export interface PurposeDelivery {
  purpose: RegisteredPurpose;
  /** The custom resources that deliver it, in the order they depend on each other. */
  resources: CustomResourceSpec[];
  record: DeliveryRecord;
}

export interface IssuerLayout {
  purpose: string;
  /** The ClusterIssuer, and the service account in cert-manager's namespace it logs in to Vault as. */
  resource: CustomResourceSpec;
  /** The approver-policy CertificateRequestPolicy: which requests, from which namespaces, the issuer may sign. */
  approval: CustomResourceSpec;
  serviceAccount: string;
  role: string;
  signPath: string;
}

/** A ClusterSecretStore, and the consumer identity (and its Vault role) it reads and writes Vault as. */
export interface StoreLayout {
  name: string;
  consumer: Consumer;
  role: string;
  resource: CustomResourceSpec;
}

export interface SteadyStateLayout {
  /** One ClusterSecretStore per consumer identity that ESO reads or writes Vault as. */
  stores: StoreLayout[];
  issuers: IssuerLayout[];
  /** The cluster-wide Password generator, when some purpose is pushed (see {@link PASSWORD_GENERATOR}). */
  passwordGenerator?: CustomResourceSpec;
  deliveries: PurposeDelivery[];
  trustBundle: CustomResourceSpec;
  /** Every namespace with a consumer: the trust bundle lands in each. */
  consumerNamespaces: string[];
}

export interface SteadyStateSettings {
  /** Vault's in-cluster address (the active node's service). */
  vaultServer: string;
  /** The phase-0 root certificate: Vault's TLS chains to it, and the trust bundle distributes it. */
  rootCertificatePem: string;
}

/** Reloader's search/match mode: a workload annotated `search` rolls when a Secret annotated `match` changes. */
export const RELOADER = { search: "reloader.stakater.com/search", match: "reloader.stakater.com/match" } as const;
export const CSI_DRIVER = "csi.cert-manager.io";
const ESO = "external-secrets.io/v1";
const GENERATORS = "generators.external-secrets.io/v1alpha1";

export function steadyStateLayout(registry: Registry, settings: SteadyStateSettings): SteadyStateLayout {
  const caBundle = Buffer.from(settings.rootCertificatePem).toString("base64");
  const storesUsed = new Map<string, Consumer>();
  const store = (c: Consumer): string => {
    storesUsed.set(secretStoreName(c), c);
    return secretStoreName(c);
  };
  const deliveries = registry.purposes.map((p) => deliver(p, store));
  const stores = [...storesUsed.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, c]) => ({ name, consumer: c, role: consumerRoleName(c), resource: clusterSecretStore(name, c, settings.vaultServer, caBundle) }));
  const issuers = registry.purposes.filter((p) => p.kind === "certificate").map((p) => clusterIssuer(p, settings.vaultServer, caBundle));
  const consumerNamespaces = [...new Set(registry.purposes.flatMap((p) => p.consumers.map((c) => c.namespace)))].sort();
  const pushed = registry.purposes.some((p) => MECHANISM_OF[p.delivery] === "push-secret");
  return {
    stores,
    issuers,
    ...(pushed ? { passwordGenerator: passwordGenerator() } : {}),
    deliveries,
    trustBundle: trustBundle(settings.rootCertificatePem, consumerNamespaces),
    consumerNamespaces,
  };
}

function deliver(p: RegisteredPurpose, store: (c: Consumer) => string): PurposeDelivery {
  const mechanism = MECHANISM_OF[p.delivery];
  const record: DeliveryRecord = { mechanism, namespaces: namespacesOf(p) };
  switch (mechanism) {
    case "external-secret":
    case "reveal-once": {
      const once = mechanism === "reveal-once";
      const resources = record.namespaces.map((ns) => externalSecret(p, ns, store(readerIn(p, ns)), once ? "reveal-once" : "periodic"));
      return { purpose: p, resources, record: { ...record, ...kvRecord(p, once) } };
    }
    case "push-secret": {
      const writer = p.push!.writer;
      const writerStore = store(writer);
      const resources = [
        generatorExternalSecret(p, writer.namespace, writerStore),
        pushSecret(p, writer.namespace, writerStore),
        ...record.namespaces.map((ns) => externalSecret(p, ns, store(readerIn(p, ns)), "periodic")),
      ];
      return {
        purpose: p,
        resources,
        record: { ...record, ...kvRecord(p, false), generationIntervalSeconds: generationIntervalSeconds(p.rotation), keys: { use: GENERATED_KEYS.current, accept: Object.values(GENERATED_KEYS) } },
      };
    }
    case "bootstrap-takeover": {
      // After the handover Vault holds the value; ESO keeps the existing Secret current from it, as a consumer there.
      const { namespace, secretName } = p.bootstrap!;
      const resources = [externalSecret(p, namespace, store(readerIn(p, namespace)), "takeover")];
      return { purpose: p, resources, record: { ...record, namespaces: [namespace], ...kvRecord(p, false), secretName } };
    }
    case "cert-manager": {
      const cert = certificate(p, record.namespaces[0]!);
      const timing = certificateTiming(p.rotation);
      return {
        purpose: p,
        resources: [cert],
        record: {
          ...record,
          secretName: certificateSecretName(p),
          certificate: { name: cert.metadata.name, issuer: clusterIssuerName(p), durationSeconds: timing.durationSeconds, renewBeforePercentage: timing.renewBeforePercentage },
          reloadOn: { [RELOADER.search]: "true" },
        },
      };
    }
    case "csi-driver": {
      const timing = certificateTiming(p.rotation);
      const certificate = { issuer: clusterIssuerName(p), durationSeconds: timing.durationSeconds, renewBeforePercentage: timing.renewBeforePercentage };
      return { purpose: p, resources: [], record: { ...record, certificate, csiVolume: csiVolume(p) } };
    }
    case "vault-transit": {
      const key = transitKeyName(p);
      const ops = p.transit!.usage === "sign" ? ["sign", "verify"] : ["encrypt", "decrypt"];
      return {
        purpose: p,
        resources: [],
        record: { ...record, transit: { key, paths: ops.map((op) => `${MOUNTS.transit}/${op}/${key}`), vaultRoles: p.consumers.map(consumerRoleName).sort() } },
      };
    }
  }
}

/** The namespaces a purpose is delivered into: its consumers', sorted, each once. */
function namespacesOf(p: RegisteredPurpose): string[] {
  return [...new Set(p.consumers.map((c) => c.namespace))].sort();
}

/**
 * The consumer whose identity reads a purpose into namespace `ns`: the first of the purpose's consumers there. Its
 * Vault policy grants read on the value, and its store may be used only from that namespace.
 */
function readerIn(p: RegisteredPurpose, ns: string): Consumer {
  const here = p.consumers.filter((c) => c.namespace === ns).sort((a, b) => a.serviceAccount.localeCompare(b.serviceAccount));
  if (here.length === 0) throw new Error(`${p.id}: no consumer in namespace ${ns} to read it as (the steady-state checks should have refused this)`);
  return here[0]!;
}

function kvRecord(p: RegisteredPurpose, once: boolean): Partial<DeliveryRecord> {
  return {
    secretName: materializedSecretName(p),
    vaultPath: kvDataPath(p),
    refreshPolicy: once ? "CreatedOnce" : "Periodic",
    ...(once ? {} : { refreshIntervalSeconds: refreshIntervalSeconds(p.rotation), reloadOn: { [RELOADER.search]: "true" } }),
  };
}

function metadata(name: string, labels: Record<string, string>, namespace?: string): CustomResourceSpec["metadata"] {
  return { name, ...(namespace ? { namespace } : {}), labels };
}

/**
 * One store per consumer identity: Kubernetes auth as that service account (ESO requests its token with audience
 * `vault`), the Vault role of the same consumer, and a condition that only ExternalSecrets and PushSecrets in the
 * consumer's own namespace may use it. Cluster-scoped so tenants can neither create nor edit one.
 */
function clusterSecretStore(name: string, c: Consumer, server: string, caBundle: string): CustomResourceSpec {
  return {
    apiVersion: ESO,
    kind: "ClusterSecretStore",
    metadata: metadata(name, platformLabels("steady-state")),
    spec: {
      conditions: [{ namespaces: [c.namespace] }],
      provider: {
        vault: {
          server,
          path: MOUNTS.kv,
          version: "v2",
          // The kv mount has cas_required: ESO sends the version it read with every PushSecret write, so a
          // concurrent writer fails instead of being overwritten (ESO >= 0.20.1).
          checkAndSet: { required: true },
          caBundle,
          auth: {
            kubernetes: {
              mountPath: KUBERNETES_AUTH_PATH,
              role: consumerRoleName(c),
              serviceAccountRef: { name: c.serviceAccount, namespace: c.namespace, audiences: [VAULT_AUDIENCE] },
            },
          },
        },
      },
    },
  };
}

type ExternalSecretMode = "periodic" | "reveal-once" | "takeover";

/**
 * The ExternalSecret that materializes a KV purpose in one namespace. Every key of the Vault secret becomes a key of
 * the Secret, which carries the purpose's labels and `authority: vault`.
 * - periodic: refreshed within a quarter of the grace window; ESO owns the Secret; Reloader rolls its readers.
 * - reveal-once: fetched once (`CreatedOnce`, no refresh interval), an immutable Secret that outlives its
 *   ExternalSecret (`Orphan`): the value is never fetched, rewritten or shown again (ESO's documented pattern).
 * - takeover: the handed-over bootstrap Secret already exists and consumers mount it; ESO merges Vault's value into
 *   it without taking ownership, so deleting the ExternalSecret never deletes what Vault and Flux both left in place.
 */
function externalSecret(p: RegisteredPurpose, namespace: string, storeName: string, mode: ExternalSecretMode): CustomResourceSpec {
  const labels = purposeLabels(p, "steady-state", "vault");
  const once = mode === "reveal-once";
  const annotations: Record<string, string> = once ? { [ANNOTATION.reveal]: "once" } : { [RELOADER.match]: "true" };
  const secretName = mode === "takeover" ? p.bootstrap!.secretName : materializedSecretName(p);
  return {
    apiVersion: ESO,
    kind: "ExternalSecret",
    metadata: metadata(p.id, labels, namespace),
    spec: {
      secretStoreRef: { kind: "ClusterSecretStore", name: storeName },
      ...(once ? { refreshPolicy: "CreatedOnce", refreshInterval: "0s" } : { refreshPolicy: "Periodic", refreshInterval: toGoDuration(refreshIntervalSeconds(p.rotation)) }),
      target: {
        name: secretName,
        creationPolicy: once ? "Orphan" : mode === "takeover" ? "Merge" : "Owner",
        deletionPolicy: "Retain",
        ...(once ? { immutable: true } : {}),
        // Merge: the template only adds metadata; the data is Vault's, key for key.
        template: { engineVersion: "v2", mergePolicy: "Merge", metadata: { labels, annotations } },
      },
      dataFrom: [{ extract: { key: kvSecretPath(p) } }],
    },
  };
}

/**
 * The generator of push-secret values: a fresh random value each time a generator ExternalSecret refreshes. One
 * definition for the cluster, not one per purpose: every purpose asks for the same kind of value, and it holds none.
 */
function passwordGenerator(): CustomResourceSpec {
  return {
    apiVersion: GENERATORS,
    kind: "ClusterGenerator",
    metadata: metadata(PASSWORD_GENERATOR, platformLabels("steady-state")),
    spec: { kind: "Password", generator: { passwordSpec: { length: 64, digits: 10, symbols: 0, noUpper: false, allowRepeat: true } } },
  };
}

/**
 * The keys of a generated value in Vault and in every consumer's Secret. A value is `next` for one period (accepted,
 * not yet used), then `current` (used to sign or encrypt), then `previous` (still accepted). Consumers use `current`
 * and accept all three, so two consumers that refreshed at different moments within a period still accept each
 * other's values: rotation causes no outage (ESO #6911 asks for this; ESO has no built-in way).
 */
export const GENERATED_KEYS = { next: "next", current: "current", previous: "previous" } as const;
/** Where the generator ExternalSecret reads what Vault holds before a rotation (never written anywhere). */
const FROM_VAULT = { next: "vaultNext", current: "vaultCurrent" } as const;

/**
 * Rotation without Git: once per rotation period this ExternalSecret regenerates in the writer's namespace. The
 * generator's new value becomes `next`, Vault's `next` becomes `current` and Vault's `current` becomes `previous`
 * (read as the writer). On the first run Vault holds nothing: `deletionPolicy: Merge` skips the missing keys
 * instead of failing, and every slot starts with the new value.
 */
function generatorExternalSecret(p: RegisteredPurpose, namespace: string, storeName: string): CustomResourceSpec {
  const key = kvSecretPath(p);
  const labels = purposeLabels(p, "steady-state", "vault");
  return {
    apiVersion: ESO,
    kind: "ExternalSecret",
    metadata: metadata(generatorExternalSecretName(p), labels, namespace),
    spec: {
      secretStoreRef: { kind: "ClusterSecretStore", name: storeName },
      refreshPolicy: "Periodic",
      refreshInterval: toGoDuration(generationIntervalSeconds(p.rotation)),
      target: {
        name: generatedSecretName(p),
        creationPolicy: "Owner",
        deletionPolicy: "Merge",
        template: {
          engineVersion: "v2",
          mergePolicy: "Replace",
          metadata: { labels },
          data: {
            [GENERATED_KEYS.next]: "{{ .password }}",
            [GENERATED_KEYS.current]: `{{ index . "${FROM_VAULT.next}" | default .password }}`,
            [GENERATED_KEYS.previous]: `{{ index . "${FROM_VAULT.current}" | default (index . "${FROM_VAULT.next}") | default .password }}`,
          },
        },
      },
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion: GENERATORS, kind: "ClusterGenerator", name: PASSWORD_GENERATOR } } }],
      data: [
        { secretKey: FROM_VAULT.next, remoteRef: { key, property: GENERATED_KEYS.next } },
        { secretKey: FROM_VAULT.current, remoteRef: { key, property: GENERATED_KEYS.current } },
      ],
    },
  };
}

/**
 * The PushSecret that writes the generated Secret into Vault KV as the purpose's writer. `Replace` so each rotation
 * lands (`IfNotExists` would never rotate a generated value); ESO writes only when the value differs from Vault's,
 * so a refresh adds no KV version (ESO #2536, #5443). `deletionPolicy: None`: removing the PushSecret never deletes
 * what consumers read.
 */
function pushSecret(p: RegisteredPurpose, namespace: string, storeName: string): CustomResourceSpec {
  return {
    apiVersion: "external-secrets.io/v1alpha1",
    kind: "PushSecret",
    metadata: metadata(p.id, purposeLabels(p, "steady-state", "vault"), namespace),
    spec: {
      refreshInterval: toGoDuration(refreshIntervalSeconds(p.rotation)),
      updatePolicy: "Replace",
      deletionPolicy: "None",
      secretStoreRefs: [{ kind: "ClusterSecretStore", name: storeName }],
      selector: { secret: { name: generatedSecretName(p) } },
      // No secretKey: the whole Secret (next, current, previous) is one KV version, compared as a whole.
      data: [{ match: { remoteRef: { remoteKey: kvSecretPath(p) } } }],
    },
  };
}

/**
 * The ClusterIssuer of a certificate purpose: Vault's `sign` endpoint of exactly its PKI role (the role fixes names,
 * key type and max TTL), Kubernetes auth as the purpose's issuer identity, Vault's TLS verified against the root.
 */
function clusterIssuer(p: RegisteredPurpose, server: string, caBundle: string): IssuerLayout {
  const serviceAccount = issuerServiceAccountName(p);
  const role = issuerRoleName(p);
  return {
    purpose: p.id,
    serviceAccount,
    role,
    approval: approvalPolicy(p),
    signPath: pkiSignPath(p),
    resource: {
      apiVersion: "cert-manager.io/v1",
      kind: "ClusterIssuer",
      metadata: metadata(clusterIssuerName(p), { ...platformLabels("steady-state"), [LABEL.purpose]: p.id, [LABEL.owner]: p.owner }),
      spec: {
        vault: {
          server,
          path: pkiSignPath(p),
          caBundle,
          auth: { kubernetes: { mountPath: `/v1/auth/${KUBERNETES_AUTH_PATH}`, role, serviceAccountRef: { name: serviceAccount, audiences: [VAULT_AUDIENCE] } } },
        },
      },
    },
  };
}

const KEY_USAGES = { "server auth": "server auth", "client auth": "client auth" } as const;

/**
 * A ClusterIssuer can be named from any namespace, and cert-manager's built-in approver signs every request (it is
 * disabled, see `delivery/charts.ts`). approver-policy approves a request for the purpose's issuer only when it
 * comes from a consumer namespace of the purpose and asks for exactly the contract: its names, usages, key and at
 * most its lifetime. Anything else stays unapproved and is never sent to Vault.
 */
function approvalPolicy(p: RegisteredPurpose): CustomResourceSpec {
  const c = p.certificate!;
  const timing = certificateTiming(p.rotation);
  return {
    apiVersion: "policy.cert-manager.io/v1alpha1",
    kind: "CertificateRequestPolicy",
    metadata: metadata(clusterIssuerName(p), { ...platformLabels("steady-state"), [LABEL.purpose]: p.id, [LABEL.owner]: p.owner }),
    spec: {
      allowed: {
        ...(c.commonName ? { commonName: { value: c.commonName, required: true } } : {}),
        dnsNames: { values: [...c.dnsNames], required: true },
        usages: certificateUsages(p),
        isCA: false,
      },
      constraints: {
        maxDuration: toGoDuration(timing.durationSeconds),
        privateKey: { algorithm: c.keyAlgorithm, ...(c.keyAlgorithm === "Ed25519" ? {} : { minSize: keySize(p), maxSize: keySize(p) }) },
      },
      selector: {
        issuerRef: { name: clusterIssuerName(p), kind: "ClusterIssuer", group: "cert-manager.io" },
        namespace: { matchNames: namespacesOf(p) },
      },
    },
  };
}

/** The key usages a purpose's certificates carry (RSA key exchange needs key encipherment). */
function certificateUsages(p: RegisteredPurpose): string[] {
  const c = p.certificate!;
  return ["digital signature", ...(c.keyAlgorithm === "RSA" ? ["key encipherment"] : []), ...c.usages.map((u) => KEY_USAGES[u])];
}



/**
 * The Certificate of a cert-manager purpose, in its consumers' namespace: lifetime = rotation period (never longer
 * than the PKI role's max_ttl, which is the same period), renewal as a percentage, a new key on every renewal.
 */
function certificate(p: RegisteredPurpose, namespace: string): CustomResourceSpec {
  const c = p.certificate!;
  const timing = certificateTiming(p.rotation);
  const labels = purposeLabels(p, "steady-state", "vault");
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: metadata(p.id, labels, namespace),
    spec: {
      secretName: certificateSecretName(p),
      secretTemplate: { labels, annotations: { [RELOADER.match]: "true" } },
      ...(c.commonName ? { commonName: c.commonName } : {}),
      dnsNames: c.dnsNames,
      duration: toGoDuration(timing.durationSeconds),
      renewBeforePercentage: timing.renewBeforePercentage,
      privateKey: { algorithm: c.keyAlgorithm, ...(c.keyAlgorithm === "Ed25519" ? {} : { size: keySize(p) }), rotationPolicy: "Always", encoding: "PKCS8" },
      usages: certificateUsages(p),
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: clusterIssuerName(p) },
    },
  };
}

function keySize(p: RegisteredPurpose): number {
  const c = p.certificate!;
  return c.keySize ?? (c.keyAlgorithm === "RSA" ? 3072 : 256);
}

/**
 * The volume a csi purpose's pod declares: csi-driver generates the key in the pod's memory (tmpfs) and has it
 * signed by the purpose's ClusterIssuer; no Secret ever holds it.
 */
function csiVolume(p: RegisteredPurpose): NonNullable<DeliveryRecord["csiVolume"]> {
  const c = p.certificate!;
  const timing = certificateTiming(p.rotation);
  const attr = (k: string) => `${CSI_DRIVER}/${k}`;
  return {
    driver: CSI_DRIVER,
    readOnly: true,
    volumeAttributes: {
      [attr("issuer-name")]: clusterIssuerName(p),
      [attr("issuer-kind")]: "ClusterIssuer",
      [attr("issuer-group")]: "cert-manager.io",
      [attr("dns-names")]: c.dnsNames.join(","),
      ...(c.commonName ? { [attr("common-name")]: c.commonName } : {}),
      [attr("duration")]: toGoDuration(timing.durationSeconds),
      [attr("renew-before")]: toGoDuration(timing.renewBeforeSeconds),
      [attr("key-usages")]: certificateUsages(p).join(","),
      [attr("key-algorithm")]: c.keyAlgorithm,
      ...(c.keyAlgorithm === "Ed25519" ? {} : { [attr("key-size")]: String(keySize(p)) }),
      [attr("key-encoding")]: "PKCS8",
    },
  };
}

/**
 * The phase-0 root, distributed to every consumer namespace as ConfigMap `secrets-platform-root-ca` (`ca.crt`).
 * Vault issuers put only the issuing CA in a certificate Secret's `ca.crt` (cert-manager #2166), so mTLS peers
 * verify against this bundle instead.
 */
function trustBundle(rootCertificatePem: string, namespaces: readonly string[]): CustomResourceSpec {
  return {
    apiVersion: "trust.cert-manager.io/v1alpha1",
    kind: "Bundle",
    metadata: metadata(TRUST_BUNDLE.name, platformLabels("steady-state")),
    spec: {
      sources: [{ inLine: rootCertificatePem }],
      target: {
        configMap: { key: TRUST_BUNDLE.key },
        namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...namespaces] }] },
      },
    },
  };
}
