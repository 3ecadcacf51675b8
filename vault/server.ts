/**
 * How the runtime authority's server runs: the server configuration, the chart's values, and the init ceremony, for
 * either distribution (vault/distribution.ts: OpenBao or HashiCorp Vault). Pure data; the VaultServer component only
 * hands it to Helm. The server configuration is rendered as JSON, which both servers' HCL parsers read as is, so no
 * value is ever spliced into configuration text.
 */
import { auditDevices, auditStanzas } from "./audit.js";
import { DISTRIBUTION, type Distribution } from "./distribution.js";

export const SEAL_TYPES = ["shamir", "awskms", "gcpckms", "azurekeyvault", "transit"] as const;
export type SealType = (typeof SEAL_TYPES)[number];

/** The seal stanza options each auto-unseal needs; credentials never go here (see {@link SEAL_SECRET_OPTIONS}). */
export const SEAL_REQUIRED_OPTIONS: Record<Exclude<SealType, "shamir">, readonly string[]> = {
  awskms: ["region", "kms_key_id"],
  gcpckms: ["project", "region", "key_ring", "crypto_key"],
  azurekeyvault: ["tenant_id", "vault_name", "key_name"],
  transit: ["address", "key_name", "mount_path"],
};

/** Seal options that are credentials: they come from the seal credentials Secret, never from stack config. */
export const SEAL_SECRET_OPTIONS = [
  "access_key",
  "secret_key",
  "session_token",
  "client_secret",
  "token",
  "credentials",
] as const;

export interface VaultServerSettings {
  /** Which server of the Vault API runs (vault/distribution.ts). */
  distribution: Distribution;
  namespace: string;
  /** Helm release name; also the Service and StatefulSet name, whatever the chart (`fullnameOverride`). */
  releaseName: string;
  /** The server's release (the image tag). */
  vaultVersion: string;
  replicas: number;
  seal: { type: SealType; options: Record<string, string>; credentialsSecret?: string };
  injector: boolean;
  /** The Secret holding the listener certificate (tls.crt with chain, tls.key, ca.crt). */
  tlsSecret: string;
}

/** The Secret in Vault's namespace that holds its listener certificate: the runtime-authority stack writes it. */
export const VAULT_TLS_SECRET = "vault-tls";

/** Where the chart mounts `extraVolumes` of type secret: `<home>/userconfig/<secret name>`. */
const userconfig = (s: Pick<VaultServerSettings, "distribution">, secret: string) =>
  `${DISTRIBUTION[s.distribution].home}/userconfig/${secret}`;

/** The in-cluster address of the active node (the chart's `<release>-active` Service). */
export function vaultActiveAddress(s: Pick<VaultServerSettings, "namespace" | "releaseName">): string {
  return `https://${s.releaseName}-active.${s.namespace}.svc:8200`;
}

/** The DNS names the listener certificate must carry: the Services and every Raft peer's stable name. */
export function listenerDnsNames(s: Pick<VaultServerSettings, "namespace" | "releaseName">): string[] {
  const { namespace: ns, releaseName: r } = s;
  return [
    r,
    `${r}.${ns}`,
    `${r}.${ns}.svc`,
    `${r}-active.${ns}.svc`,
    `${r}-standby.${ns}.svc`,
    `*.${r}-internal`,
    `*.${r}-internal.${ns}.svc`,
    "localhost",
  ];
}

/**
 * The server configuration: Raft storage joined over TLS, TLS-only listener, the seal, Kubernetes service
 * registration and, for OpenBao, the audit devices (OpenBao 2.4+ creates them from here on start and SIGHUP, and
 * refuses them through the API). `api_addr` and `cluster_addr` are left to the chart, which sets them per pod
 * (`BAO_API_ADDR`/`VAULT_API_ADDR`, `..._CLUSTER_ADDR`).
 */
export function vaultServerConfig(s: VaultServerSettings): Record<string, unknown> {
  const spec = DISTRIBUTION[s.distribution];
  const tls = userconfig(s, s.tlsSecret);
  const peers = Array.from({ length: s.replicas }, (_, i) => ({
    leader_api_addr: `https://${s.releaseName}-${i}.${s.releaseName}-internal:8200`,
    leader_ca_cert_file: `${tls}/ca.crt`,
  }));
  const sealOptions = { ...s.seal.options, ...sealCredentialFiles(s) };
  return {
    ui: false,
    // Vault: mlock is recommended off with integrated storage (Raft keeps its data on disk). OpenBao removed mlock,
    // and `disable_mlock` with it (only `true` is still accepted), so it is left out there.
    ...(s.distribution === "vault" ? { disable_mlock: true } : {}),
    listener: [
      {
        tcp: {
          address: "[::]:8200",
          cluster_address: "[::]:8201",
          tls_cert_file: `${tls}/tls.crt`,
          tls_key_file: `${tls}/tls.key`,
          tls_min_version: "tls12",
        },
      },
    ],
    storage: {
      raft: {
        path: `${spec.home}/data`,
        // Raft's production timing (both servers' docs recommend 1; the default, 5, is for minimal servers): leader
        // election and failure detection in about a fifth of the time (init took 7.7 s against 1.9 s, real tier).
        performance_multiplier: 1,
        retry_join: peers,
      },
    },
    ...(s.seal.type === "shamir" ? {} : { seal: { [s.seal.type]: sealOptions } }),
    service_registration: { kubernetes: {} },
    ...(spec.audit === "server-configuration" ? { audit: auditStanzas(auditDevices(s.distribution)) } : {}),
  };
}

/** Seal credentials are files of the credentials Secret; each seal type names its file option differently. */
function sealCredentialFiles(s: VaultServerSettings): Record<string, string> {
  if (!s.seal.credentialsSecret) return {};
  const dir = userconfig(s, s.seal.credentialsSecret);
  if (s.seal.type === "gcpckms") return { credentials: `${dir}/credentials.json` };
  return {};
}

/** Values for the distribution's chart: `openbao/openbao` (openbao-helm) or `hashicorp/vault` (vault-helm). */
export function vaultChartValues(s: VaultServerSettings): Record<string, unknown> {
  const spec = DISTRIBUTION[s.distribution];
  const credentials = s.seal.credentialsSecret;
  // The CLI in the pod (`kubectl exec ... bao|vault ...`) trusts the listener through this CA file.
  const env: Record<string, string> = { [spec.caCertEnv]: `${userconfig(s, s.tlsSecret)}/ca.crt` };
  // The AWS and Azure SDKs read credentials from files named by these variables; no key is put in an env value.
  if (credentials && s.seal.type === "awskms")
    env.AWS_SHARED_CREDENTIALS_FILE = `${userconfig(s, credentials)}/credentials`;
  if (credentials && s.seal.type === "azurekeyvault")
    env.AZURE_AUTH_LOCATION = `${userconfig(s, credentials)}/azure.auth`;
  return {
    global: { enabled: true, tlsDisable: false },
    // The Services, pods and peers are named after the release whatever the chart (release `vault` of chart
    // `openbao` would otherwise be `vault-openbao`): the listener certificate and retry_join name them.
    fullnameOverride: s.releaseName,
    injector: { enabled: s.injector },
    server: {
      image: {
        ...(spec.image.registry ? { registry: spec.image.registry } : {}),
        repository: spec.image.repository,
        tag: s.vaultVersion,
      },
      // Both charts' default, pinned because the install relies on it: Helm's wait skips a StatefulSet that does
      // not roll (helm pkg/kube ready.go), so the atomic install completes while the pods are still uninitialized
      // and sealed (their readiness probe, `bao status`/`vault status`, fails until they are unsealed).
      updateStrategyType: "OnDelete",
      dev: { enabled: false },
      standalone: { enabled: false },
      ha: {
        enabled: true,
        replicas: s.replicas,
        raft: { enabled: true, setNodeId: true, config: `${JSON.stringify(vaultServerConfig(s), null, 2)}\n` },
      },
      dataStorage: { enabled: true, size: "10Gi" },
      // The file audit device writes here; the second device writes to stdout for the log pipeline.
      auditStorage: { enabled: true, size: "10Gi" },
      extraEnvironmentVars: env,
      extraVolumes: [
        { type: "secret", name: s.tlsSecret },
        ...(credentials ? [{ type: "secret", name: credentials }] : []),
      ],
      serviceAccount: { create: true, name: s.releaseName },
      // Both charts' default, pinned because the Kubernetes auth method relies on it: the server reviews every
      // login's token with its own service account token (components/runtime-authority/access.ts), and TokenReview
      // needs this account bound to system:auth-delegator ({@link chartAuthDelegatorBinding}).
      authDelegator: { enabled: true },
      affinity: "",
    },
    ui: { enabled: false },
  };
}

/**
 * OpenBao (2.6 on) generates a root token only for an authenticated caller (`sys/generate-root-token`; the
 * unauthenticated `sys/generate-root` is off by default since 2.5.3, CVE-2026-5807), where Vault takes a quorum of
 * shares alone. This policy is all the operators' login needs: it reads, starts, feeds and cancels an attempt, and
 * grants nothing else; a root token still takes a quorum of shares.
 */
export const GENERATE_ROOT_POLICY = {
  name: "generate-root",
  document: {
    path: {
      "sys/generate-root-token/attempt": { capabilities: ["read", "update", "delete"] },
      "sys/generate-root-token/update": { capabilities: ["update"] },
    },
  },
} as const;

export interface InitCeremonySettings {
  distribution: Distribution;
  seal: SealType;
  keyShares: number;
  keyThreshold: number;
  /** Operators' PGP public key files, one per share, in share order. */
  operatorPgpKeys: string[];
  namespace: string;
  releaseName: string;
}

/**
 * The init ceremony, as commands an operator runs once: shares encrypted to each operator's PGP key (each operator
 * decrypts only their own), the initial root token encrypted to the first operator, used for one configuration run
 * and revoked. Later changes use a root token generated on demand from a quorum of shares, revoked again after.
 */
export function initCeremony(s: InitCeremonySettings): { command: string; steps: string[] } {
  const cli = DISTRIBUTION[s.distribution].cli;
  const auto = s.seal !== "shamir";
  const keys = s.operatorPgpKeys.join(",");
  const command = [
    `kubectl -n ${s.namespace} exec ${s.releaseName}-0 -- ${cli} operator init -format=json`,
    auto
      ? `-recovery-shares=${s.keyShares} -recovery-threshold=${s.keyThreshold} -recovery-pgp-keys=${keys}`
      : `-key-shares=${s.keyShares} -key-threshold=${s.keyThreshold} -pgp-keys=${keys}`,
    `-root-token-pgp-key=${s.operatorPgpKeys[0]}`,
  ].join(" ");
  const policy = GENERATE_ROOT_POLICY;
  return {
    command,
    steps: [
      `Copy the operators' public keys into ${s.releaseName}-0 (kubectl cp), then run the command above. Nothing in the output is readable without an operator's private key.`,
      `Hand each operator their own encrypted ${auto ? "recovery" : "unseal"} share; store none of them together, and none in Kubernetes, Git or Pulumi.`,
      auto
        ? `Auto-unseal (${s.seal}) unseals every pod; check with: ${cli} status`
        : `Unseal each pod with ${s.keyThreshold} shares: ${cli} operator unseal (repeat on every restart).`,
      "The first operator decrypts the root token (gpg --decrypt), sets secrets-platform:vaultInitialized true and runs `VAULT_TOKEN=<root token> pulumi up` for this stack once.",
      ...(s.distribution === "openbao"
        ? [
            `Before revoking it: OpenBao generates a root token only for an authenticated caller, so write the policy that lets a quorum do it (${cli} policy write ${policy.name} - with ${JSON.stringify(policy.document)}) and give each operator a login holding only that policy; without one, no quorum can ever generate a root token again.`,
          ]
        : []),
      `Revoke the root token right after: ${cli} token revoke -self. No stored root token remains.`,
      s.distribution === "openbao"
        ? `For any later configuration change: log in with an operator's ${policy.name} login, ${cli} operator generate-root with a quorum of ${auto ? "recovery " : ""}shares, pulumi up with that token, revoke it again.`
        : `For any later configuration change: ${cli} operator generate-root with a quorum of shares, pulumi up with that token, revoke it again.`,
    ],
  };
}

/** The server configuration a release of the server's chart carries, in whichever mode its values enable. */
export function serverConfigurationOfValues(values: unknown): unknown {
  type Mode = { enabled?: unknown; config?: unknown };
  const server = (values as { server?: { ha?: Mode & { raft?: Mode }; standalone?: Mode } } | undefined)?.server;
  if (server?.ha?.enabled === true) return server.ha.raft?.enabled === true ? server.ha.raft.config : server.ha.config;
  return server?.standalone?.config;
}

/** The chart values {@link chartAuthDelegatorBinding} reads. */
export interface ChartRbacValues {
  fullnameOverride?: string;
  server?: { authDelegator?: { enabled?: boolean }; serviceAccount?: { create?: boolean; name?: string } };
}

/** The cluster role whose TokenReview grant the Kubernetes auth method's reviewer needs (Kubernetes' own). */
export const TOKEN_REVIEWER_CLUSTER_ROLE = "system:auth-delegator";

/**
 * The ClusterRoleBinding either chart creates from its values when `server.authDelegator.enabled` and a service
 * account is named (openbao-helm and vault-helm `server-clusterrolebinding.yaml`: `<fullname>-server-binding`, the
 * server's service account in the release's namespace, to {@link TOKEN_REVIEWER_CLUSTER_ROLE}); undefined when the
 * values disable it. The only object of the charts the platform's own access relies on.
 */
export function chartAuthDelegatorBinding(
  values: ChartRbacValues,
  release: { name: string; namespace: string },
):
  | {
      apiVersion: "rbac.authorization.k8s.io/v1";
      kind: "ClusterRoleBinding";
      metadata: { name: string };
      roleRef: { apiGroup: "rbac.authorization.k8s.io"; kind: "ClusterRole"; name: string };
      subjects: { kind: "ServiceAccount"; name: string; namespace: string }[];
    }
  | undefined {
  const server = values.server ?? {};
  // The platform always sets fullnameOverride (vaultChartValues); the charts' own fallback is not modelled.
  const fullname = values.fullnameOverride ?? release.name;
  // The charts' defaults: the binding on, the account created and named after the release's full name.
  const create = server.serviceAccount?.create !== false;
  const account = server.serviceAccount?.name || (create ? fullname : undefined);
  if (server.authDelegator?.enabled === false || !account) return undefined;
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: `${fullname}-server-binding` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: TOKEN_REVIEWER_CLUSTER_ROLE },
    subjects: [{ kind: "ServiceAccount", name: String(account), namespace: release.namespace }],
  };
}
