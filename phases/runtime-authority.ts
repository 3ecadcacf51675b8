import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { platformLabels } from "../registry/labels.js";
import { ConsumerPolicies, KubernetesAuth } from "../components/runtime-authority/access.js";
import { AuditDevices } from "../components/runtime-authority/audit-devices.js";
import { HandoverToVault } from "../components/runtime-authority/handover.js";
import { MoveKvValue } from "../components/runtime-authority/move.js";
import { KvEngine } from "../components/runtime-authority/kv-engine.js";
import { PkiIntermediate } from "../components/runtime-authority/pki-engine.js";
import { TransitEngine } from "../components/runtime-authority/transit-engine.js";
import { VaultListenerCertificate, VaultTlsIntermediate } from "../components/runtime-authority/vault-tls.js";
import { VaultServer, vaultNamespace } from "../components/runtime-authority/vault-server.js";
import { aclPolicyDigest } from "../vault/acl.js";
import { DEFAULT_KV_MAX_VERSIONS } from "../registry/schema.js";
import { runtimeAuthorityLayout } from "../vault/layout.js";
import { kvMoves, moveProblems } from "../vault/moves.js";
import { formatProblem, sortProblems } from "../registry/problems.js";
import { KUBERNETES_AUTH_PATH, LOGIN_TOKEN_TTL_SECONDS, MOUNTS, pkiSignPath } from "../vault/paths.js";
import { auditDevices } from "../vault/audit.js";
import { DISTRIBUTION, imageReference } from "../vault/distribution.js";
import {
  initCeremony,
  listenerDnsNames,
  VAULT_TLS_SECRET,
  vaultActiveAddress,
  type VaultServerSettings,
} from "../vault/server.js";
import { requireCertifies } from "../pki/x509.js";
import { stackName } from "./catalog.js";
import { rootOfTrust } from "./root-trust.js";
import type { PhaseContext, PhaseProgram } from "./context.js";
import { inputError } from "./errors.js";
import { namespacesOfEarlierPhases } from "./namespaces.js";
import {
  INTERMEDIATE_CSRS_OUTPUT,
  type HandoverRecord,
  type Published,
  type RuntimeAuthorityOutputs,
  type RuntimeAuthorityStatus,
} from "./outputs.js";

/** The names under which this stack publishes CSRs for the root ceremony (see INTERMEDIATE_CSRS_OUTPUT). */
export const VAULT_TLS_INTERMEDIATE = "vault-tls";
export const VAULT_PKI_INTERMEDIATE = "vault-pki";
const RELEASE = "vault";
const CA_CONFIG_MAP = "secrets-platform-vault-ca";

/**
 * Phase 3: Vault (OpenBao or HashiCorp Vault, `vaultDistribution`) as the runtime authority. The stack advances one
 * step per `pulumi up` as its inputs arrive, and says which step it is at in `status`:
 * 1. publish the CSR of the TLS intermediate (the root signs it in its ceremony);
 * 2. issue the listener certificate and deploy the server (then the operators' init ceremony); OpenBao's audit
 *    devices are in its server configuration from here on;
 * 3. once `vaultInitialized`: Vault's audit devices (through the API), mounts, keys, Kubernetes auth, one policy per
 *    consumer, KV metadata, the handover of every bootstrap purpose, and the PKI mount's CSR (the root signs it);
 * 4. set the signed PKI chain and create one PKI role per certificate purpose.
 * Everything read from other stacks is read and checked before any resource is registered.
 */
export const runtimeAuthority: PhaseProgram<"runtime-authority"> = async ({ config, registry, phaseOutputs }) => {
  const ra = config.runtimeAuthority;
  const { rootCertificatePem, signed } = await rootOfTrust({ config, phaseOutputs });
  const layout = runtimeAuthorityLayout(registry, { certManager: config.steadyState.certManager.namespace });
  if (ra.initialized) await checkBootstrapInventory(phaseOutputs, layout.handovers, config.cluster);
  // Vault's namespace is the earliest stack's that needs it (the bootstrap stack's, when Secrets are handed over).
  const createsNamespace = !(await namespacesOfEarlierPhases(phaseOutputs, "runtime-authority")).has(ra.namespace);
  if (ra.initialized) await checkMoves(phaseOutputs, registry, config.cluster);
  const moves = kvMoves(registry, ra.namespace);

  const distribution = DISTRIBUTION[ra.distribution];
  const audits = auditDevices(ra.distribution);
  const settings: VaultServerSettings = {
    distribution: ra.distribution,
    namespace: ra.namespace,
    releaseName: RELEASE,
    vaultVersion: ra.vaultVersion,
    replicas: ra.replicas,
    seal: ra.seal,
    injector: ra.injector,
    tlsSecret: VAULT_TLS_SECRET,
  };
  const csrs: Record<string, pulumi.Output<string>> = {};
  const outputs: Omit<Published<RuntimeAuthorityOutputs>, "status"> = { [INTERMEDIATE_CSRS_OUTPUT]: csrs };
  const done = (status: RuntimeAuthorityStatus): Published<RuntimeAuthorityOutputs> => ({ ...outputs, status });

  // 1. The TLS intermediate: Vault cannot serve TLS from its own PKI before it runs.
  const tlsCa = new VaultTlsIntermediate("vault-tls-ca", {
    commonName: `${config.cluster} Vault TLS CA`,
    organization: config.rootTrust.organization,
  });
  csrs[VAULT_TLS_INTERMEDIATE] = tlsCa.csrPem;
  const tlsSigned = signed[VAULT_TLS_INTERMEDIATE];
  if (!tlsSigned) return done("awaiting-tls-signature");

  // 2. Vault itself.
  const namespace = createsNamespace ? [vaultNamespace("vault-namespace", ra.namespace)] : [];
  outputs.namespaces = namespace.map((n) => n.metadata.name);
  const listener = new VaultListenerCertificate(
    "vault-listener",
    {
      namespace: ra.namespace,
      secretName: VAULT_TLS_SECRET,
      dnsNames: listenerDnsNames(settings),
      // Fail closed: a TLS intermediate signed for an earlier key cannot issue for this stack's key.
      issuerCertificatePem: tlsCa.csrPem.apply((csr) => requireCertifies("Vault TLS", tlsSigned.certificatePem, csr)),
      issuerPrivateKeyPem: tlsCa.privateKeyPem,
      rootCertificatePem,
    },
    { dependsOn: namespace },
  );
  const server = new VaultServer("vault", {
    settings,
    chart: { repository: ra.chartRepository, version: ra.chartVersion },
    dependsOn: [...namespace, listener],
  });
  const inClusterAddress = vaultActiveAddress(settings);
  outputs.vault = {
    distribution: ra.distribution,
    product: distribution.product,
    namespace: ra.namespace,
    release: RELEASE,
    chart: { chart: distribution.chart.name, repository: ra.chartRepository, version: ra.chartVersion },
    image: imageReference(ra.distribution, ra.vaultVersion),
    version: ra.vaultVersion,
    replicas: ra.replicas,
    storage: "raft",
    seal: ra.seal.type,
    injector: ra.injector,
    address: inClusterAddress,
    listenerCertificateNotAfter: listener.notAfter,
  };
  outputs.initCeremony = initCeremony({
    distribution: ra.distribution,
    seal: ra.seal.type,
    keyShares: ra.keyShares,
    keyThreshold: ra.keyThreshold,
    operatorPgpKeys: ra.operatorPgpKeys,
    namespace: ra.namespace,
    releaseName: RELEASE,
  });
  if (!ra.initialized) return done("awaiting-initialization");

  // 3. Vault configured from the registry, with a child token of the operator's VAULT_TOKEN (never stored).
  const provider = new vault.Provider(
    "vault",
    { address: ra.address, skipChildToken: false, maxLeaseTtlSeconds: 1200, tokenName: `pulumi-${config.stack}` },
    { dependsOn: [server] },
  );
  // Audit first: every later change is recorded. OpenBao has recorded since its first unseal (its devices are in the
  // server configuration, created as it unseals; its API refuses them); Vault's are enabled through the API first.
  const inVault =
    distribution.audit === "api"
      ? {
          providers: [provider],
          dependsOn: [new AuditDevices("audit", { devices: audits }, { providers: [provider] })],
        }
      : { providers: [provider], dependsOn: [server] };
  // Handed-over secrets get their metadata from the handover, once the value is in Vault.
  const kv = new KvEngine(
    "kv",
    {
      defaultMaxVersions: DEFAULT_KV_MAX_VERSIONS,
      secrets: layout.kvSecrets.filter((s) => s.writtenBy !== "handover"),
    },
    inVault,
  );
  const transit = new TransitEngine("transit", { keys: layout.transitKeys }, inVault);
  const auth = new KubernetesAuth("kubernetes-auth", {}, inVault);

  new ConsumerPolicies(
    "consumer-policies",
    {
      identities: [
        ...layout.consumers.map((g) => ({
          role: g.role,
          policy: g.policy,
          namespace: g.consumer.namespace,
          serviceAccount: g.consumer.serviceAccount,
        })),
        // cert-manager's ClusterIssuers sign as identities of their own; consumers of certificates never call Vault.
        ...layout.issuers.map((i) => ({
          role: i.role,
          policy: i.policy,
          namespace: i.namespace,
          serviceAccount: i.serviceAccount,
        })),
      ],
      authPath: auth.path,
    },
    inVault,
  );

  // The root that signed Vault's listener, for the one-shot Jobs that talk to Vault: one ConfigMap per namespace.
  const caMaps = new Map<string, k8s.core.v1.ConfigMap>();
  const caMapIn = (namespace: string) => {
    let caMap = caMaps.get(namespace);
    if (!caMap) {
      caMap = new k8s.core.v1.ConfigMap(`vault-ca-${namespace}`, {
        metadata: { name: CA_CONFIG_MAP, namespace, labels: platformLabels("runtime-authority") },
        data: { "ca.crt": rootCertificatePem },
      });
      caMaps.set(namespace, caMap);
    }
    return caMap;
  };

  // Moves first: a value whose path changed is copied to its new path before anything writes there.
  const moved = new Map<string, MoveKvValue>();
  for (const m of moves) {
    const caMap = caMapIn(m.namespace);
    moved.set(
      m.purpose,
      new MoveKvValue(
        `move-${m.purpose}`,
        {
          move: m,
          authPath: auth.path,
          vaultAddress: inClusterAddress,
          caConfigMap: caMap.metadata.name,
          image: imageReference(ra.distribution, ra.vaultVersion),
          cli: distribution.cli,
          dependsOn: [kv.ready, auth, caMap],
        },
        inVault,
      ),
    );
  }

  const kvSecretOf = new Map(layout.kvSecrets.map((s) => [s.purpose, s]));
  const handovers: Record<string, pulumi.Output<HandoverRecord>> = {};
  for (const h of layout.handovers) {
    const caMap = caMapIn(h.namespace);
    const secret = kvSecretOf.get(h.purpose);
    if (!secret) throw new Error(`${h.purpose}: the layout has a handover but no KV secret for it`);
    const handover = new HandoverToVault(
      `handover-${h.purpose}`,
      {
        handover: h,
        secret,
        authPath: auth.path,
        vaultAddress: inClusterAddress,
        caConfigMap: caMap.metadata.name,
        image: imageReference(ra.distribution, ra.vaultVersion),
        cli: distribution.cli,
        // A moved bootstrap value is in Vault once its move is done: the handover then finds it and writes nothing.
        dependsOn: [kv.ready, auth, caMap, ...(moved.has(h.purpose) ? [moved.get(h.purpose)!.done] : [])],
      },
      inVault,
    );
    handovers[h.purpose] = handover.record;
  }

  const pkiSigned = signed[VAULT_PKI_INTERMEDIATE];
  const pki = new PkiIntermediate(
    "pki",
    {
      commonName: `${config.cluster} Vault PKI Intermediate CA`,
      organization: config.rootTrust.organization,
      maxLeaseTtlSeconds: layout.pkiMaxLeaseTtlSeconds,
      vaultUrl: `https://${RELEASE}.${ra.namespace}.svc:8200`,
      ...(pkiSigned ? { signedChainPem: pkiSigned.chainPem } : {}),
      // 4. Roles only once the mount can issue.
      roles: layout.pkiRoles,
    },
    inVault,
  );
  csrs[VAULT_PKI_INTERMEDIATE] = pki.csrPem;

  Object.assign(outputs, {
    mounts: {
      kv: { path: MOUNTS.kv, type: "kv-v2", casRequired: true },
      transit: { path: MOUNTS.transit, type: "transit" },
      pki: { path: MOUNTS.pki, type: "pki", maxLeaseTtlSeconds: layout.pkiMaxLeaseTtlSeconds, signed: pki.signed },
    },
    // Stack outputs are metadata other stacks read, each fact once: every StackReference and every `pulumi up`
    // serializes all of them, which at thousands of purposes costs more than the resources (docs/performance.md).
    // The custom metadata is the registry's and Vault's; the policy documents are in the Policy resources.
    kvSecrets: Object.fromEntries(
      layout.kvSecrets.map((s) => [
        s.purpose,
        {
          path: s.dataPath,
          maxVersions: s.maxVersions,
          deleteVersionAfter: s.deleteVersionAfter,
          writtenBy: s.writtenBy,
          ...(moved.has(s.purpose) ? { movedFrom: moves.find((m) => m.purpose === s.purpose)!.from.dataPath } : {}),
        },
      ]),
    ),
    transitKeys: Object.fromEntries(
      layout.transitKeys.map((k) => [
        k.purpose,
        {
          name: k.name,
          type: k.type,
          usage: k.usage,
          autoRotatePeriodSeconds: k.autoRotatePeriodSeconds,
          latestVersion: transit.keys[k.name],
        },
      ]),
    ),
    pkiRoles: Object.fromEntries(
      layout.pkiRoles.map((r) => [
        r.purpose,
        {
          name: r.name,
          signPath: pkiSignPath({ id: r.purpose }),
          allowedDomains: r.allowedDomains,
          maxTtlSeconds: r.maxTtlSeconds,
          created: pki.signed,
        },
      ]),
    ),
    authRoles: Object.fromEntries(
      layout.consumers.map((g) => [
        g.role,
        {
          namespace: g.consumer.namespace,
          serviceAccount: g.consumer.serviceAccount,
          purposes: g.purposes,
          policy: g.role,
          tokenTtlSeconds: LOGIN_TOKEN_TTL_SECONDS,
        },
      ]),
    ),
    issuerRoles: Object.fromEntries(
      layout.issuers.map((i) => [
        i.role,
        {
          namespace: i.namespace,
          serviceAccount: i.serviceAccount,
          signPaths: i.signPaths,
          tokenTtlSeconds: LOGIN_TOKEN_TTL_SECONDS,
        },
      ]),
    ),
    policies: Object.fromEntries(
      [
        ...layout.consumers.map((g) => g.policy),
        ...layout.issuers.map((i) => i.policy),
        ...layout.handovers.map((h) => h.policy),
        ...moves.map((m) => m.policy),
      ].map((p) => [p.name, aclPolicyDigest(p)]),
    ),
    kubernetesAuth: { path: KUBERNETES_AUTH_PATH, accessor: auth.accessor },
    auditDevices: audits.map((d) => ({
      path: d.path,
      type: d.type,
      filePath: d.options.file_path,
      declaredIn: distribution.audit,
    })),
    handover: handovers,
    moves: Object.fromEntries([...moved].map(([purpose, m]) => [purpose, m.record])),
  });
  return done(pki.signed ? "configured" : "awaiting-pki-signature");
};

/**
 * The registry's KV paths against those this stack published last (its own outputs, read through a stack reference
 * to itself): a value whose path changed without a `movedFrom` saying where from would be left behind, and its
 * consumers would read an empty path. Refused with every such purpose, before anything is registered.
 */
async function checkMoves(
  phaseOutputs: PhaseContext["phaseOutputs"],
  registry: PhaseContext["registry"],
  cluster: string,
): Promise<void> {
  const published = (await phaseOutputs("runtime-authority", ["kvSecrets"])).kvSecrets;
  const problems = moveProblems(registry, published, stackName(cluster, "runtime-authority"));
  if (problems.length > 0)
    throw inputError(`move refused, nothing registered:\n  ${sortProblems(problems).map(formatProblem).join("\n  ")}`);
}

/**
 * Every bootstrap purpose must have been materialized by phase 2 (or the gitops stack) where the registry says, or
 * its handover Job would wait for a Secret that does not exist.
 */
async function checkBootstrapInventory(
  phaseOutputs: PhaseContext["phaseOutputs"],
  handovers: ReturnType<typeof runtimeAuthorityLayout>["handovers"],
  cluster: string,
): Promise<void> {
  const inventory = (await phaseOutputs("bootstrap", ["bootstrapInventory"])).bootstrapInventory ?? [];
  const problems = handovers
    .filter(
      (h) =>
        !inventory.some((e) => e.purpose === h.purpose && e.namespace === h.namespace && e.secretName === h.secretName),
    )
    .map(
      (h) =>
        `${h.purpose}: Secret ${h.namespace}/${h.secretName} is not in the ${stackName(cluster, "bootstrap")} stack's bootstrapInventory (run that stack first)`,
    );
  if (problems.length > 0) throw inputError(`handover refused, nothing registered:\n  ${problems.join("\n  ")}`);
}
