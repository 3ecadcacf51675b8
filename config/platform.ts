import sshpk from "sshpk";
import { z } from "zod";
import { isAgeIdentity, isAgeRecipient } from "../pki/age.js";
import { DISTRIBUTION, DISTRIBUTIONS, versionAtLeast, type Distribution } from "../vault/distribution.js";
import { SEAL_REQUIRED_OPTIONS, SEAL_SECRET_OPTIONS, SEAL_TYPES, type SealType } from "../vault/server.js";
import { PHASE_IDS, stackName, type PhaseId } from "../phases/catalog.js";
import type { Problem } from "../registry/problems.js";

/**
 * The meaning of the stack configuration, validated the same way under `pulumi up` and in the offline plan.
 * `Pulumi.yaml` declares the keys and their CLI types; this schema says what values make sense.
 */

const KEBAB = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const int = (min: number, max: number) => z.coerce.number().int({ error: "must be a whole number" }).min(min).max(max);

const ageRecipient = z.string().refine(isAgeRecipient, {
  error: (issue) => `${JSON.stringify(issue.input)} is not an age recipient (age1..., with a valid checksum)`,
});
const dnsLabel = z.string().regex(KEBAB, { error: "must be a Kubernetes namespace name (RFC 1123 label)" });

const bool = z.enum(["true", "false"], { error: "must be true or false" }).transform((v) => v === "true");

const jsonArray = z.string().transform((text, ctx) => {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v)) return v as unknown[];
  } catch {
    /* reported below */
  }
  ctx.addIssue({ code: "custom", message: "must be a list" });
  return z.NEVER;
});

const chartRepository = z.url({ protocol: /^https$/, error: "must be an https URL" });
// Some charts tag versions with a leading v (cert-manager's v1.19.1); either way one exact release.
const chartVersion = z
  .string()
  .regex(/^v?\d+\.\d+\.\d+$/, { error: "must pin an exact chart version, e.g. 1.2.3 or v1.2.3" });

const PlatformConfigSchema = z.object({
  cluster: z.string().max(40).regex(KEBAB, { error: "must be a kebab-case cluster name (at most 40 characters)" }),
  phase: z.enum(PHASE_IDS),
  registryDir: z.string().min(1),
  stackReferencePrefix: z
    .string()
    .regex(/^$|^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\/$/, { error: 'must be empty or "<organization>/<project>/"' }),
  rootCaCommonName: z.string().min(1).max(64),
  rootCaOrganization: z.string().min(1).max(64),
  rootCaValidityDays: int(1, 36_500),
  rootCaKeyAlgorithm: z.enum(["ECDSA", "RSA"]),
  rootCaEcdsaCurve: z.enum(["P256", "P384", "P521"]),
  rootCaRsaBits: z.coerce.number().pipe(z.union([z.literal(3072), z.literal(4096)], { error: "must be 3072 or 4096" })),
  intermediateValidityDays: int(1, 36_500),
  intermediateCsrStack: z.union([z.literal(""), z.enum(PHASE_IDS)]),
  sopsAgeRecipients: jsonArray.pipe(z.array(ageRecipient)),
  fluxNamespace: dnsLabel,
  fluxChartRepository: z.url({ protocol: /^https$/, error: "must be an https URL" }),
  fluxChartVersion: z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must pin an exact chart version, e.g. 2.14.1" }),
  gitRepositoryUrl: z.union([
    z.literal(""),
    z.string().regex(/^ssh:\/\/[^@\s]+@[^/\s]+\/\S+$/, { error: "must be an SSH URL, ssh://git@host/path" }),
  ]),
  gitBranch: z.string().min(1),
  gitKnownHosts: z.string(),
  allowedNamespaces: jsonArray.pipe(z.array(dnsLabel)),
  vaultDistribution: z.enum(DISTRIBUTIONS, { error: `must be one of ${DISTRIBUTIONS.join(", ")}` }),
  vaultNamespace: dnsLabel,
  // Empty: the distribution's own pin (vault/distribution.ts), so one key switches chart, chart version and image.
  vaultChartRepository: z.union([z.literal(""), z.url({ protocol: /^https$/, error: "must be an https URL" })]),
  vaultChartVersion: z.union([
    z.literal(""),
    z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must pin an exact chart version, e.g. 0.29.2" }),
  ]),
  vaultVersion: z.union([
    z.literal(""),
    z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must pin an exact server version, e.g. 2.7.2" }),
  ]),
  vaultReplicas: int(1, 7).refine((n) => n % 2 === 1, { error: "must be odd (1, 3, 5 or 7): Raft needs a majority" }),
  vaultSealType: z.enum(SEAL_TYPES),
  vaultSealOptions: jsonArray.pipe(
    z.array(z.string().regex(/^[a-z_]+=.+$/, { error: "must be name=value, e.g. region=eu-west-1" })),
  ),
  vaultSealCredentialsSecret: z.union([z.literal(""), dnsLabel]),
  vaultInjector: bool,
  vaultInitialized: bool,
  vaultAddress: z.url({ protocol: /^https$/, error: "must be an https URL: Vault serves TLS only" }),
  vaultKeyShares: int(1, 10),
  vaultKeyThreshold: int(1, 10),
  vaultOperatorPgpKeys: jsonArray.pipe(z.array(z.string().min(1))),
  externalSecretsNamespace: dnsLabel,
  externalSecretsChartRepository: chartRepository,
  externalSecretsChartVersion: chartVersion,
  certManagerNamespace: dnsLabel,
  certManagerChartRepository: chartRepository,
  certManagerChartVersion: chartVersion,
  approverPolicyChartVersion: chartVersion,
  trustManagerChartVersion: chartVersion,
  csiDriverChartVersion: chartVersion,
  reloaderNamespace: dnsLabel,
  reloaderChartRepository: chartRepository,
  reloaderChartVersion: chartVersion,
});

/**
 * Secret keys: undeclared in Pulumi.yaml (see the note there), set with `pulumi config set --secret` on the gitops
 * stack only. Checks never print their values.
 */
export const SECRET_KEYS: Record<string, { phase: PhaseId; valid: (value: string) => boolean; expected: string }> = {
  sopsAgeKey: {
    phase: "gitops",
    valid: isAgeIdentity,
    expected: "an age identity (AGE-SECRET-KEY-1..., as age-keygen writes it)",
  },
  gitDeployKey: { phase: "gitops", valid: isSshPrivateKey, expected: "an SSH private key (OpenSSH or PEM)" },
};

function isSshPrivateKey(value: string): boolean {
  try {
    sshpk.parsePrivateKey(value, "auto");
    return true;
  } catch {
    return false;
  }
}

type Parsed = z.output<typeof PlatformConfigSchema>;

/** The validated configuration of one stack. */
export interface PlatformConfig {
  stack: string;
  cluster: string;
  phase: PhaseId;
  registryDir: string;
  stackReferencePrefix: string;
  rootTrust: {
    commonName: string;
    organization: string;
    validityDays: number;
    keyAlgorithm: "ECDSA" | "RSA";
    ecdsaCurve: "P256" | "P384" | "P521";
    rsaBits: 3072 | 4096;
    intermediateValidityDays: number;
    /** The phase whose stack publishes CSRs for the signing ceremony, if any. */
    intermediateCsrStack?: PhaseId;
    sopsAgeRecipients: string[];
  };
  gitops: {
    fluxNamespace: string;
    chartRepository: string;
    chartVersion: string;
    repositoryUrl: string;
    branch: string;
    knownHosts: string;
  };
  bootstrap: {
    allowedNamespaces: string[];
  };
  runtimeAuthority: {
    /** OpenBao or HashiCorp Vault (vault/distribution.ts); the chart and version below default to its pins. */
    distribution: Distribution;
    namespace: string;
    chartRepository: string;
    chartVersion: string;
    /** The server's release (OpenBao 2.x or Vault 1.x), the image tag of the server and the handover Jobs. */
    vaultVersion: string;
    replicas: number;
    seal: { type: SealType; options: Record<string, string>; credentialsSecret?: string };
    injector: boolean;
    /** Set by the operators once the init ceremony is done: only then is Vault configured. */
    initialized: boolean;
    /** Where `pulumi up` reaches Vault (a port-forward or an internal ingress). */
    address: string;
    keyShares: number;
    keyThreshold: number;
    operatorPgpKeys: string[];
  };
  /** The controllers of the steady state, each from a pinned chart (the runtime-authority stack binds issuer identities in cert-manager's namespace). */
  steadyState: {
    externalSecrets: ControllerChart;
    certManager: ControllerChart;
    /** approver-policy, trust-manager and csi-driver come from cert-manager's chart repository and run in its namespace. */
    approverPolicyChartVersion: string;
    trustManagerChartVersion: string;
    csiDriverChartVersion: string;
    reloader: ControllerChart;
  };
}

/** Where a controller runs and which pinned chart installs it. */
export interface ControllerChart {
  namespace: string;
  chartRepository: string;
  chartVersion: string;
}

export type PlatformConfigResult = { ok: true; config: PlatformConfig } | { ok: false; problems: Problem[] };

/**
 * Validates the configuration values of `stack` (full keys, as the CLI passes them). `declared` lists the keys
 * Pulumi.yaml declares: any other key in the project namespace is a typo the CLI would silently pass through.
 */
export function parsePlatformConfig(args: {
  project: string;
  stack: string;
  file: string;
  values: Readonly<Record<string, string>>;
  /** Keys whose values are secret (encrypted in the stack file). */
  secretKeys: readonly string[];
  declared: readonly string[];
}): PlatformConfigResult {
  const { project, stack, file, values, declared, secretKeys } = args;
  const prefix = `${project}:`;
  const problems: Problem[] = [];
  const own: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (name in SECRET_KEYS) continue;
    if (!declared.includes(name))
      problems.push({ file, subject: key, message: "is not a key this project declares (see Pulumi.yaml)" });
    else own[name] = value;
  }
  const phase = own.phase;
  // The Vault provider would store a configured token in state; a token comes from VAULT_TOKEN for one run only.
  for (const key of ["vault:token", "vault:authLogin"])
    if (values[key] !== undefined)
      problems.push({
        file,
        subject: key,
        message:
          "must not be stack config: export VAULT_TOKEN for the run (a token generated on demand, revoked after; see docs/phases/3-runtime-authority.md)",
      });
  for (const [name, rule] of Object.entries(SECRET_KEYS)) {
    const key = `${prefix}${name}`;
    const value = values[key];
    if (value === undefined) {
      if (phase === rule.phase)
        problems.push({
          file,
          subject: key,
          message: `is required: ${rule.expected}, set with \`pulumi config set --secret ${name}\``,
        });
      continue;
    }
    // Secret material lives in exactly one stack: the one that delivers it.
    if (phase !== rule.phase)
      problems.push({
        file,
        subject: key,
        message: `only the ${rule.phase} stack reads it: remove it from this stack`,
      });
    else if (!secretKeys.includes(key))
      problems.push({
        file,
        subject: key,
        message: `is stored in plain text: set it with \`pulumi config set --secret ${name}\``,
      });
    else if (!rule.valid(value))
      problems.push({ file, subject: key, message: `is not ${rule.expected} (value not shown)` });
  }
  const parsed = PlatformConfigSchema.safeParse(own);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const [name, ...rest] = issue.path.map(String);
      // zod does not report the input in issues; a key is missing when the stack does not set it at all.
      const missing = rest.length === 0 && own[name!] === undefined;
      problems.push({
        file,
        subject: `${prefix}${name}`,
        field: rest.length ? rest.map((r) => `[${r}]`).join("") : undefined,
        message: missing ? "is required" : issue.message,
      });
    }
  if (problems.length === 0 && parsed.success) problems.push(...crossFieldProblems(parsed.data, stack, file, prefix));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, config: toConfig(parsed.data, stack) };
}

function crossFieldProblems(c: Parsed, stack: string, file: string, prefix: string): Problem[] {
  const out: Problem[] = [];
  // A stack that runs another phase's program, or another cluster's, would plan the wrong resources.
  if (stack !== stackName(c.cluster, c.phase))
    out.push({
      file,
      subject: `${prefix}phase`,
      message: `stack ${stack} must be named ${stackName(c.cluster, c.phase)} (<cluster>-<phase>)`,
    });
  if (c.intermediateValidityDays >= c.rootCaValidityDays)
    out.push({
      file,
      subject: `${prefix}intermediateValidityDays`,
      message: `${c.intermediateValidityDays} must be shorter than rootCaValidityDays (${c.rootCaValidityDays}): an intermediate cannot outlive its root`,
    });
  if (c.phase === "gitops") {
    if (!c.gitRepositoryUrl)
      out.push({
        file,
        subject: `${prefix}gitRepositoryUrl`,
        message: "is required for the gitops stack: the SSH URL of the platform repository",
      });
    if (!c.gitKnownHosts.trim())
      out.push({
        file,
        subject: `${prefix}gitKnownHosts`,
        message: "is required for the gitops stack: Flux verifies the Git host against it (ssh-keyscan <host>)",
      });
  }
  if (c.phase === "bootstrap" && c.allowedNamespaces.length === 0)
    out.push({
      file,
      subject: `${prefix}allowedNamespaces`,
      message: "is required for the bootstrap stack: list the namespaces bootstrap material may land in",
    });
  if (c.phase === "runtime-authority") out.push(...runtimeAuthorityProblems(c, file, prefix));
  if (c.intermediateCsrStack === "root-trust")
    out.push({
      file,
      subject: `${prefix}intermediateCsrStack`,
      message: "the root-trust stack signs CSRs; it cannot publish them",
    });
  return out;
}

function runtimeAuthorityProblems(c: Parsed, file: string, prefix: string): Problem[] {
  const out: Problem[] = [];
  const at = (key: string, message: string) => out.push({ file, subject: `${prefix}${key}`, message });
  const options = sealOptions(c.vaultSealOptions);
  const spec = DISTRIBUTION[c.vaultDistribution];
  const version = c.vaultVersion || spec.version;
  const versionProblem = spec.checkVersion(version);
  if (versionProblem) at("vaultVersion", versionProblem);
  // A stack written for the other distribution (its chart repository set explicitly) would install the wrong chart.
  for (const other of DISTRIBUTIONS)
    if (other !== c.vaultDistribution && c.vaultChartRepository === DISTRIBUTION[other].chart.repository)
      at(
        "vaultChartRepository",
        `${c.vaultChartRepository} is ${DISTRIBUTION[other].product}'s chart repository, but vaultDistribution is ${c.vaultDistribution}: set vaultDistribution: ${other}, or leave the repository empty for ${spec.product}'s`,
      );
  const removed = spec.sealsRemovedIn;
  if (removed && removed.seals.includes(c.vaultSealType) && versionAtLeast(version, removed.version))
    at(
      "vaultSealType",
      `${spec.product} ${version} has no built-in ${c.vaultSealType} seal (removed in ${removed.version}; it is a KMS plugin now, which this program does not declare): use transit or shamir`,
    );
  if (c.vaultSealType === "shamir") {
    if (c.vaultSealOptions.length > 0)
      at("vaultSealOptions", "a shamir seal takes no options: set vaultSealType to the auto-unseal it configures");
    if (c.vaultSealCredentialsSecret)
      at("vaultSealCredentialsSecret", "a shamir seal reads no credentials: leave it empty, or set the auto-unseal");
  } else {
    const missing = SEAL_REQUIRED_OPTIONS[c.vaultSealType].filter((k) => !(k in options));
    if (missing.length > 0) at("vaultSealOptions", `the ${c.vaultSealType} seal needs ${missing.join(", ")}`);
  }
  const secret = Object.keys(options).filter((k) => (SEAL_SECRET_OPTIONS as readonly string[]).includes(k));
  if (secret.length > 0)
    at(
      "vaultSealOptions",
      `${secret.join(", ")} are credentials: put them in the vaultSealCredentialsSecret Secret, never in stack config (values not shown)`,
    );
  if (c.vaultKeyThreshold > c.vaultKeyShares)
    at(
      "vaultKeyThreshold",
      `${c.vaultKeyThreshold} is more than vaultKeyShares (${c.vaultKeyShares}): Vault could never be unsealed or recovered`,
    );
  if (c.vaultKeyShares > 1 && c.vaultKeyThreshold < 2)
    at(
      "vaultKeyThreshold",
      "must be at least 2 when there are several shares: one operator alone must not be able to act",
    );
  if (c.vaultOperatorPgpKeys.length !== c.vaultKeyShares)
    at(
      "vaultOperatorPgpKeys",
      `lists ${c.vaultOperatorPgpKeys.length} PGP public key files; the init ceremony encrypts one share to each of vaultKeyShares (${c.vaultKeyShares}) operators`,
    );
  return out;
}

function sealOptions(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
}

function toConfig(c: Parsed, stack: string): PlatformConfig {
  return {
    stack,
    cluster: c.cluster,
    phase: c.phase,
    registryDir: c.registryDir,
    stackReferencePrefix: c.stackReferencePrefix,
    rootTrust: {
      commonName: c.rootCaCommonName,
      organization: c.rootCaOrganization,
      validityDays: c.rootCaValidityDays,
      keyAlgorithm: c.rootCaKeyAlgorithm,
      ecdsaCurve: c.rootCaEcdsaCurve,
      rsaBits: c.rootCaRsaBits,
      intermediateValidityDays: c.intermediateValidityDays,
      ...(c.intermediateCsrStack ? { intermediateCsrStack: c.intermediateCsrStack } : {}),
      sopsAgeRecipients: c.sopsAgeRecipients,
    },
    gitops: {
      fluxNamespace: c.fluxNamespace,
      chartRepository: c.fluxChartRepository,
      chartVersion: c.fluxChartVersion,
      repositoryUrl: c.gitRepositoryUrl,
      branch: c.gitBranch,
      knownHosts: c.gitKnownHosts,
    },
    bootstrap: { allowedNamespaces: c.allowedNamespaces },
    runtimeAuthority: {
      distribution: c.vaultDistribution,
      namespace: c.vaultNamespace,
      chartRepository: c.vaultChartRepository || DISTRIBUTION[c.vaultDistribution].chart.repository,
      chartVersion: c.vaultChartVersion || DISTRIBUTION[c.vaultDistribution].chart.version,
      vaultVersion: c.vaultVersion || DISTRIBUTION[c.vaultDistribution].version,
      replicas: c.vaultReplicas,
      seal: {
        type: c.vaultSealType,
        options: sealOptions(c.vaultSealOptions),
        ...(c.vaultSealCredentialsSecret ? { credentialsSecret: c.vaultSealCredentialsSecret } : {}),
      },
      injector: c.vaultInjector,
      initialized: c.vaultInitialized,
      address: c.vaultAddress,
      keyShares: c.vaultKeyShares,
      keyThreshold: c.vaultKeyThreshold,
      operatorPgpKeys: c.vaultOperatorPgpKeys,
    },
    steadyState: {
      externalSecrets: {
        namespace: c.externalSecretsNamespace,
        chartRepository: c.externalSecretsChartRepository,
        chartVersion: c.externalSecretsChartVersion,
      },
      certManager: {
        namespace: c.certManagerNamespace,
        chartRepository: c.certManagerChartRepository,
        chartVersion: c.certManagerChartVersion,
      },
      approverPolicyChartVersion: c.approverPolicyChartVersion,
      trustManagerChartVersion: c.trustManagerChartVersion,
      csiDriverChartVersion: c.csiDriverChartVersion,
      reloader: {
        namespace: c.reloaderNamespace,
        chartRepository: c.reloaderChartRepository,
        chartVersion: c.reloaderChartVersion,
      },
    },
  };
}
