/**
 * How Vault itself runs: the server configuration, the official chart's values, and the init ceremony. Pure data;
 * the VaultServer component only hands it to Helm. The server configuration is rendered as JSON, which Vault's HCL
 * parser reads as is, so no value is ever spliced into configuration text.
 */

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
  namespace: string;
  /** Helm release name; also the Service and StatefulSet name. */
  releaseName: string;
  vaultVersion: string;
  replicas: number;
  seal: { type: SealType; options: Record<string, string>; credentialsSecret?: string };
  injector: boolean;
  /** The Secret holding the listener certificate (tls.crt with chain, tls.key, ca.crt). */
  tlsSecret: string;
}

/** Where the chart mounts `extraVolumes` of type secret: /vault/userconfig/<secret name>. */
const userconfig = (secret: string) => `/vault/userconfig/${secret}`;

/** The in-cluster address of the active Vault node (the chart's `<release>-active` Service). */
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

/** The server configuration: Raft storage joined over TLS, TLS-only listener, the seal, Kubernetes service registration. */
export function vaultServerConfig(s: VaultServerSettings): Record<string, unknown> {
  const tls = userconfig(s.tlsSecret);
  const peers = Array.from({ length: s.replicas }, (_, i) => ({
    leader_api_addr: `https://${s.releaseName}-${i}.${s.releaseName}-internal:8200`,
    leader_ca_cert_file: `${tls}/ca.crt`,
  }));
  const sealOptions = { ...s.seal.options, ...sealCredentialFiles(s) };
  return {
    ui: false,
    // Raft keeps its data on disk; mlock is recommended off with integrated storage.
    disable_mlock: true,
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
    storage: { raft: { path: "/vault/data", retry_join: peers } },
    ...(s.seal.type === "shamir" ? {} : { seal: { [s.seal.type]: sealOptions } }),
    service_registration: { kubernetes: {} },
  };
}

/** Seal credentials are files of the credentials Secret; each seal type names its file option differently. */
function sealCredentialFiles(s: VaultServerSettings): Record<string, string> {
  if (!s.seal.credentialsSecret) return {};
  const dir = userconfig(s.seal.credentialsSecret);
  if (s.seal.type === "gcpckms") return { credentials: `${dir}/credentials.json` };
  return {};
}

/** Values for the official `hashicorp/vault` chart. */
export function vaultChartValues(s: VaultServerSettings): Record<string, unknown> {
  const credentials = s.seal.credentialsSecret;
  const env: Record<string, string> = { VAULT_CACERT: `${userconfig(s.tlsSecret)}/ca.crt` };
  // The AWS and Azure SDKs read credentials from files named by these variables; no key is put in an env value.
  if (credentials && s.seal.type === "awskms")
    env.AWS_SHARED_CREDENTIALS_FILE = `${userconfig(credentials)}/credentials`;
  if (credentials && s.seal.type === "azurekeyvault") env.AZURE_AUTH_LOCATION = `${userconfig(credentials)}/azure.auth`;
  return {
    global: { enabled: true, tlsDisable: false },
    injector: { enabled: s.injector },
    server: {
      image: { repository: "hashicorp/vault", tag: s.vaultVersion },
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
      affinity: "",
    },
    ui: { enabled: false },
  };
}

export interface InitCeremonySettings {
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
  const auto = s.seal !== "shamir";
  const keys = s.operatorPgpKeys.join(",");
  const command = [
    `kubectl -n ${s.namespace} exec ${s.releaseName}-0 -- vault operator init -format=json`,
    auto
      ? `-recovery-shares=${s.keyShares} -recovery-threshold=${s.keyThreshold} -recovery-pgp-keys=${keys}`
      : `-key-shares=${s.keyShares} -key-threshold=${s.keyThreshold} -pgp-keys=${keys}`,
    `-root-token-pgp-key=${s.operatorPgpKeys[0]}`,
  ].join(" ");
  return {
    command,
    steps: [
      `Copy the operators' public keys into ${s.releaseName}-0 (kubectl cp), then run the command above. Nothing in the output is readable without an operator's private key.`,
      `Hand each operator their own encrypted ${auto ? "recovery" : "unseal"} share; store none of them together, and none in Kubernetes, Git or Pulumi.`,
      auto
        ? `Auto-unseal (${s.seal}) unseals every pod; check with: vault status`
        : `Unseal each pod with ${s.keyThreshold} shares: vault operator unseal (repeat on every restart).`,
      "The first operator decrypts the root token (gpg --decrypt), sets secrets-platform:vaultInitialized true and runs `VAULT_TOKEN=<root token> pulumi up` for this stack once.",
      "Revoke the root token right after: vault token revoke -self. No stored root token remains.",
      "For any later configuration change: vault operator generate-root with a quorum of shares, pulumi up with that token, revoke it again.",
    ],
  };
}
