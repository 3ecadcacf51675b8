import { z } from "zod";
import { DURATION_HINT, DURATION_PATTERN, parseDuration } from "./duration.js";

/**
 * The shape of a purpose contract. Cross-field rules (tier/delivery compatibility, grace < period, ids unique across
 * files...) live in `rules.ts`; this file only says what each field may hold, and feeds the editor JSON Schema.
 * Objects are strict: a misspelt field is an error, not a silently ignored key.
 */

const KEBAB = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const kebabId = (what: string) =>
  z
    .string()
    .max(63)
    .regex(KEBAB, { error: `must be a kebab-case ${what} (lowercase letters, digits and '-', at most 63 characters)` });

/** A Kubernetes namespace name (RFC 1123 label). */
const namespace = z
  .string()
  .max(63)
  .regex(KEBAB, { error: "must be a Kubernetes namespace name (RFC 1123 label)" })
  .describe("Kubernetes namespace (RFC 1123 label).");

/** A Kubernetes object name (RFC 1123 subdomain), as for ServiceAccounts and Secrets. */
const objectName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, { error: "must be a Kubernetes object name (RFC 1123 subdomain)" });

const notADuration = (issue: { input?: unknown }) =>
  `${JSON.stringify(issue.input)} is not a duration (${DURATION_HINT})`;
const duration = z
  .string()
  .regex(DURATION_PATTERN, { error: notADuration })
  // The pattern admits "0d"; a zero period or grace is no duration either (reported once, not twice).
  .refine((text) => !DURATION_PATTERN.test(text) || parseDuration(text) !== undefined, { error: notADuration })
  .describe(`A duration: ${DURATION_HINT}.`);

/** One DNS label (RFC 1123): letters, digits and '-' inside, at most 63 characters. */
const DNS_LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
/**
 * A lowercase DNS name of labels, optionally a leading `*.` wildcard; its last label is not all digits (RFC 3696
 * section 2), so an IPv4 address is never taken for a name.
 */
export const DNS_NAME = new RegExp(`^(?!(.*\\.)?[0-9]+$)(\\*\\.)?${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const dnsName = z.string().max(253).regex(DNS_NAME, {
  error: "must be a lowercase DNS name of labels of at most 63 characters (a leading '*.' wildcard is allowed)",
});

export const KINDS = ["secret", "certificate", "key"] as const;
export const TIERS = ["vault_transit", "vault_kv", "kubernetes_secret", "ephemeral"] as const;
export const DELIVERIES = [
  "external-secret",
  "push-secret",
  "cert-manager",
  "csi",
  "transit",
  "reveal-once",
  "bootstrap",
] as const;
export const ROTATION_METHODS = ["generated", "issued", "transit-auto", "external", "manual"] as const;
export const TRANSIT_KEY_TYPES = [
  "aes128-gcm96",
  "aes256-gcm96",
  "chacha20-poly1305",
  "ecdsa-p256",
  "ecdsa-p384",
  "ecdsa-p521",
  "ed25519",
  "rsa-3072",
  "rsa-4096",
] as const;

/** The key sizes each certificate key algorithm allows, and the size used when a contract names none. */
export const KEY_SIZES = { ECDSA: [256, 384, 521], RSA: [2048, 3072, 4096], Ed25519: [] } as const;
export const DEFAULT_KEY_SIZE = { ECDSA: 256, RSA: 3072 } as const;
/** KV v2 versions kept when a contract (or the mount) says nothing. */
export const DEFAULT_KV_MAX_VERSIONS = 5;

export const ConsumerSchema = z
  .strictObject({
    namespace,
    serviceAccount: objectName.describe("Kubernetes ServiceAccount that reads the purpose."),
  })
  .describe("A workload identity allowed to read (or use) the purpose.");

export const RotationSchema = z.strictObject({
  period: duration.describe("How long one value (or certificate, or key version) is used before it is replaced."),
  grace: duration.describe("How long past `period` the old value may still be used; posture turns stale after it."),
  method: z
    .enum(ROTATION_METHODS)
    .describe(
      "How it rotates: generated (a generator or Vault engine makes the new value), issued (PKI issuance), " +
        "transit-auto (Vault transit auto-rotation), external (rotated at the issuing service, e.g. SaaS tokens), " +
        "manual (a recorded ceremony, e.g. break-glass).",
    ),
});

export const CertificateSchema = z
  .strictObject({
    commonName: dnsName
      .max(64)
      .optional()
      .describe("Subject common name: one of dnsNames (at most 64 characters, RFC 5280); none when omitted."),
    dnsNames: z.array(dnsName).min(1).describe("Exactly the names the PKI role may issue for this purpose."),
    keyAlgorithm: z.enum(["ECDSA", "RSA", "Ed25519"]).default("ECDSA"),
    keySize: z
      .number()
      .int()
      .optional()
      .describe(
        `ECDSA: ${KEY_SIZES.ECDSA.join(", ")} (default ${DEFAULT_KEY_SIZE.ECDSA}). RSA: ${KEY_SIZES.RSA.join(", ")} (default ${DEFAULT_KEY_SIZE.RSA}). Ed25519: none.`,
      ),
    usages: z
      .array(z.enum(["server auth", "client auth"]))
      .min(1)
      .default(["server auth"]),
    secretName: objectName
      .optional()
      .describe("Kubernetes Secret (cert-manager) the certificate is cached in; defaults to the purpose id."),
  })
  .describe("Certificate details, for kind: certificate.");

export const TransitSchema = z
  .strictObject({
    type: z.enum(TRANSIT_KEY_TYPES).describe("Vault transit key type."),
    usage: z.enum(["encrypt", "sign"]).describe("What consumers do with the key."),
  })
  .describe("Transit key details, for delivery: transit.");

/** Secret stack config keys of the gitops stack that may be a bootstrap purpose's source (see `config/platform.ts`). */
export const CONFIG_SOURCES = ["gitDeployKey"] as const;

export const BootstrapSchema = z
  .strictObject({
    source: z
      .string()
      .regex(
        new RegExp(
          `^(bootstrap/[A-Za-z0-9._/-]+\\.sops\\.ya?ml|${CONFIG_SOURCES.map((k) => `config:${k}`).join("|")})$`,
        ),
        {
          error: `must be a SOPS-encrypted manifest under bootstrap/<namespace>/ ending in .sops.yaml, or one of ${CONFIG_SOURCES.map((k) => `config:${k}`).join(", ")}`,
        },
      )
      .refine((p) => !p.split("/").includes(".."), { error: "must be a path inside the repository" })
      .describe(
        "Where the material comes from: a SOPS-encrypted Secret manifest in the platform Git repository " +
          "(bootstrap/<namespace>/<file>.sops.yaml), or config:gitDeployKey for the key Flux needs before it can read Git.",
      ),
    namespace: namespace.describe("Namespace the bootstrap Secret is materialized in."),
    secretName: objectName.describe("Name of the materialized Kubernetes Secret."),
  })
  .describe("Bootstrap material, for delivery: bootstrap.");

export const PushSchema = z
  .strictObject({
    writer: ConsumerSchema.describe(
      "The identity whose PushSecret writes the value into Vault KV (one of the consumers): the only one granted write.",
    ),
  })
  .describe("Push details, for delivery: push-secret.");

export const KvSchema = z
  .strictObject({
    maxVersions: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(DEFAULT_KV_MAX_VERSIONS)
      .describe("KV v2 versions kept (max_versions)."),
    deleteVersionAfter: duration
      .optional()
      .describe("KV v2 delete_version_after: old versions are soft-deleted, never destroyed."),
    secretName: objectName
      .optional()
      .describe("Kubernetes Secret the value is materialized in; defaults to the purpose id."),
  })
  .describe("KV v2 settings, for tier: vault_kv.");

export const MovedFromSchema = z
  .strictObject({
    owner: kebabId("team name").optional().describe("The team that owned the purpose before (its old registry file)."),
    id: kebabId("purpose id").optional().describe("The purpose's id before it was renamed."),
  })
  .describe(
    "Where the value lived before an owner change or an id rename (kv/<owner>/<id>): the runtime-authority stack " +
      "copies every live version from there once, and leaves the old path in place until this field is removed.",
  );

export const PurposeSchema = z
  .strictObject({
    id: kebabId("purpose id").describe("Unique, stable id; resource names derive from it."),
    description: z.string().min(1).describe("What the credential, certificate or key is for."),
    owner: kebabId("team name").describe("Owning team; must match the registry file name (purposes/<owner>.yaml)."),
    kind: z.enum(KINDS),
    tier: z.enum(TIERS).describe("Where the value is stored; kubernetes_secret is a transitional cache only."),
    delivery: z.enum(DELIVERIES).describe("How consumers receive it."),
    consumers: z
      .array(ConsumerSchema)
      .min(1, { error: "at least one consumer is required: something must receive it" }),
    rotation: RotationSchema,
    evidence: kebabId("evidence component id").describe("Evidence component that proves this purpose healthy."),
    transitionalUntil: z.iso
      .date({ error: "must be a date, YYYY-MM-DD" })
      .optional()
      .describe("For tier kubernetes_secret: the date after which the Kubernetes copy is no longer tolerated."),
    certificate: CertificateSchema.optional(),
    transit: TransitSchema.optional(),
    bootstrap: BootstrapSchema.optional(),
    push: PushSchema.optional(),
    kv: KvSchema.optional(),
    movedFrom: MovedFromSchema.optional(),
  })
  .describe("A purpose contract.");

export const EvidenceComponentSchema = z
  .strictObject({
    id: kebabId("evidence component id"),
    description: z.string().min(1),
    controls: z
      .array(z.string().min(1))
      .default([])
      .describe("Controls or requirements this component gives evidence for."),
  })
  .describe("An evidence component: the unit auditors receive a packet for.");

export const DomainGrantsSchema = z
  .record(
    kebabId("team name"),
    z
      .array(dnsName)
      .min(1)
      .describe("Domains granted to the team: each name and every name under it; `*.<domain>` also its wildcards."),
  )
  .describe(
    "The DNS domains outside the cluster that each team's certificates may name, by team. Only the platform's file " +
      "(purposes/platform.yaml) holds them: the platform reviews and grants them.",
  );

export const RegistryFileSchema = z
  .strictObject({
    purposes: z.array(PurposeSchema).min(1, { error: "a registry file lists at least one purpose" }),
    evidence: z.array(EvidenceComponentSchema).default([]).describe("Evidence components this team owns."),
    domains: DomainGrantsSchema.optional(),
  })
  .describe("One team's purpose registry file (purposes/<team>.yaml).");

/** The outer shape of a file; entries are validated one by one (see `load.ts`) so each reports its own problems. */
export const RegistryFileShape = z.strictObject({
  purposes: z.array(z.unknown()).min(1, { error: "a registry file lists at least one purpose" }),
  evidence: z.array(z.unknown()).default([]),
  domains: z.unknown().optional(),
});

export type Consumer = z.output<typeof ConsumerSchema>;
export type Purpose = z.output<typeof PurposeSchema>;
export type EvidenceComponent = z.output<typeof EvidenceComponentSchema>;
export type DomainGrants = z.output<typeof DomainGrantsSchema>;
export type Kind = (typeof KINDS)[number];
export type Tier = (typeof TIERS)[number];
export type Delivery = (typeof DELIVERIES)[number];
export type RotationMethod = (typeof ROTATION_METHODS)[number];

/** The JSON Schema editors use to complete and check `purposes/*.yaml` (see `npm run schema`). */
export function registryJsonSchema(): object {
  return {
    ...z.toJSONSchema(RegistryFileSchema, { io: "input", target: "draft-2020-12" }),
    title: "Purpose registry file",
  };
}
