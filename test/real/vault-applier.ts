import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { RecordedResource } from "../../plan/engine/monitor.js";
import { unwire } from "../../plan/engine/wire.js";
import { RESOURCE_TYPES } from "../../policies/resource-types.js";
import { canonicalJson } from "../../evidence/canonical.js";

/**
 * The demo plan's Vault resources applied to a real server through the HTTP calls terraform-provider-vault (which the
 * Pulumi vault provider bridges) makes for each resource type: the Create calls with the provider's field names and
 * defaults, then the calls of its Read, compared with the plan's inputs as `pulumi refresh` would compare them. One
 * mapping per type token, in {@link VAULT_MAPPINGS}; docs/vault-applier.md renders it as a table.
 *
 * It stands in for the Pulumi engine until the real one can run here, and is written to go: it takes the plan's
 * recorded resources (what the engine would send the provider) and returns what a stack's state would hold (id,
 * outputs), so a test that applies through it reads the same once `pulumi up` does the applying. Read at
 * terraform-provider-vault v5.11.0 (hashicorp/terraform-provider-vault 31447510c).
 */

/** One answer of the HTTP API. */
export interface VaultAnswer {
  status: number;
  body: unknown;
}

/** What the applier needs of a server: one call, as a client makes it (`path` without `/v1/`). */
export interface VaultTransport {
  readonly address: string;
  call(method: string, path: string, body: unknown, token: string): Promise<VaultAnswer>;
}

/** A call Vault refused or could not answer. The message names the call and the reason; never a body or a token. */
export class VaultCallError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    /** The HTTP status, or undefined when no answer came (the server stopped, refused or timed out). */
    readonly status: number | undefined,
    readonly reason: string,
  ) {
    super(`${method} /v1/${path}: ${reason}`);
    this.name = "VaultCallError";
  }
}

/** Retries as the provider's API client makes them (go-retryablehttp: transport errors, 5xx but 501, and 412). */
export interface RetryPolicy {
  /** The provider's `maxRetries` (its default: 2). */
  maxRetries: number;
  /** The wait between attempts; the client's backoff is 1 to 1.5 s. */
  waitMs: number;
}

/** A resource as the applier recorded it: what a stack's state holds after the engine created it. */
export interface AppliedResource {
  urn: string;
  type: string;
  name: string;
  id: string;
  /** The inputs it was created with (the plan's, or what `inputsOf` gave). */
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** The applier's state: what a retry starts from, by URN. */
export type ApplierState = Map<string, AppliedResource>;

/** What one resource's apply did. */
export interface ResourceReport {
  urn: string;
  name: string;
  type: string;
  /**
   * `create` (calls made), `update` (in the state with other inputs: the provider's Update calls made), `same` (in the
   * state with the same inputs: no call, as the engine does).
   */
  op: "create" | "update" | "same";
  /** The calls made, as `METHOD /v1/path` (no bodies). */
  calls: string[];
  /** Where the server's answer to the provider's Read differs from the inputs: what `pulumi refresh` would show. */
  drift: string[];
  /** Warnings the server returned (deprecated or ignored fields). */
  warnings: string[];
}

export interface ApplyOptions {
  transport: VaultTransport;
  /** The operator's token the provider starts from (it works with a child of it, as the provider does). */
  token: string;
  /** The state of an earlier apply: resources recorded there with the same inputs are left alone. */
  state?: ApplierState;
  /**
   * Inputs that differ from the plan's: what an earlier step of the real flow supplies (the signing ceremony's chain
   * for set-signed) or what this tier needs in place of the cluster (a Kubernetes CA). `undefined`: the plan's.
   */
  inputsOf?: (resource: RecordedResource, applied: ApplierState) => Record<string, unknown> | undefined;
  /** Resources of other providers (the handover Job): run by the caller, in plan order; others are skipped. */
  foreign?: (resource: RecordedResource, applied: ApplierState) => Promise<void> | void;
  /** Before every call: a test's fault injection point. */
  beforeCall?: (method: string, path: string) => Promise<void> | void;
  /** Which resources to apply (default: all); a resource left out must not be needed by one applied. */
  include?: (resource: RecordedResource) => boolean;
  /** Audit devices the server configuration declares at another file path than the plan's (a test server's folder). */
  auditFilePaths?: Record<string, string>;
  /** @default the provider's maxRetries input, 1 s apart */
  retry?: Partial<RetryPolicy>;
}

export interface ApplyResult {
  state: ApplierState;
  reports: ResourceReport[];
  /** Resources of other providers the caller did not handle, by type. */
  skipped: Record<string, number>;
}

/** The apply stopped at a resource; `state` holds everything applied before it, for a retry to start from. */
export class ApplyError extends Error {
  constructor(
    readonly resource: RecordedResource,
    readonly state: ApplierState,
    readonly reports: ResourceReport[],
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `applying ${resource.name} (${resource.type}): ${why}; ${reports.length} Vault resources applied before it and recorded, the rest not started: apply again with the recorded state`,
      { cause },
    );
    this.name = "ApplyError";
  }
}

/** What a mapping is given: calls through the resource's provider, and the server's version as the provider read it. */
interface MappingContext {
  /** One call; a refusal throws {@link VaultCallError}. */
  write(method: string, path: string, body: Record<string, unknown>): Promise<Record<string, unknown> | undefined>;
  /** `Logical().Read`: the answer's `data`, or undefined when Vault answers 404. */
  read(path: string): Promise<Record<string, unknown> | undefined>;
  /** The whole answer body of a GET (the sys/ endpoints answer at the top level too). */
  get(path: string): Promise<Record<string, unknown> | undefined>;
  /** The provider's version gates (`provider.IsAPISupported`). */
  supports(vaultVersion: string): boolean;
  options: ApplyOptions;
  /** The provider resource only: hands its child token to the resources that use it. */
  useToken(token: string): void;
  /** The provider resource only: the token it starts from. */
  operatorToken: string;
}

/** How the provider creates and reads one resource type. */
export interface ResourceMapping {
  /** The Terraform resource the Pulumi type bridges. */
  terraform: string;
  /** The calls of Create, for the docs table (docs/vault-applier.md). */
  calls: string;
  /** What Read asks for and what is compared with the inputs, for the docs table. */
  readBack: string;
  create(
    inputs: Record<string, unknown>,
    ctx: MappingContext,
  ): Promise<{ id: string; outputs?: Record<string, unknown> }>;
  /**
   * When the inputs changed since the state: `create` if the provider's Update (or its replacement) makes the same
   * calls as Create, which then run again; absent, a change is not modelled and fails by name.
   */
  update?: "create";
  /** Inputs holding JSON that the provider normalizes (keys sorted) before comparing. */
  jsonFields?: readonly string[];
  /** The provider's Read, as the inputs it would set (Pulumi names); undefined: gone. Absent: Read calls nothing. */
  read?(id: string, inputs: Record<string, unknown>, ctx: MappingContext): Promise<Record<string, unknown> | undefined>;
}

/** A scalar input as text (the engine sends provider config as strings, resource inputs as JSON values). */
const str = (v: unknown, fallback = ""): string =>
  v === undefined || v === null ? fallback : typeof v === "string" ? v : JSON.stringify(v);
const num = (v: unknown, fallback = 0): number => (v === undefined || v === null || v === "" ? fallback : Number(v));
const bool = (v: unknown, fallback = false): boolean =>
  v === undefined || v === null ? fallback : v === true || v === "true";
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const trimSlashes = (path: unknown) => str(path).replace(/^\/+|\/+$/g, "");

/** Seconds of a Go duration as Vault prints one (`2160h0m0s`, `0s`, `1h30m`). */
export function goDurationSeconds(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(value) * units[unit!]!;
  return total;
}

/** `allowIpSans` -> `allow_ip_sans`: the provider's field names are the Pulumi ones in snake case. */
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The PKI role's fields as the provider sends them (resource_pki_secret_backend_role.go), with its schema defaults. */
const PKI_ROLE_BOOLEANS: Record<string, boolean> = {
  allowAnyName: false,
  allowBareDomains: false,
  allowGlobDomains: false,
  allowIpSans: true,
  allowLocalhost: true,
  allowSubdomains: false,
  allowWildcardCertificates: true,
  allowedUriSansTemplate: false,
  basicConstraintsValidForNonCa: false,
  clientFlag: true,
  codeSigningFlag: false,
  emailProtectionFlag: false,
  enforceHostnames: true,
  generateLease: false,
  noStore: false,
  requireCn: true,
  serverFlag: true,
  useCsrCommonName: true,
  useCsrSans: true,
};
const PKI_ROLE_LISTS = ["allowedDomains", "allowedSerialNumbers", "extKeyUsage", "extKeyUsageOids", "cnValidations"];
const PKI_ROLE_SCALARS = [
  "allowedDomainsTemplate",
  "allowedOtherSans",
  "allowedUriSans",
  "country",
  "keyBits",
  "signatureBits",
  "keyType",
  "locality",
  "maxTtl",
  "notBeforeDuration",
  "ou",
  "organization",
  "postalCode",
  "province",
  "streetAddress",
  "ttl",
  "notAfter",
];
/** Pulumi names whose provider field is not their snake case. */
const PKI_ROLE_FIELD: Record<string, string> = { keyUsages: "key_usage", extKeyUsageOids: "ext_key_usage_oids" };
const pkiRoleField = (name: string) => PKI_ROLE_FIELD[name] ?? snake(name);

/** `d.GetOk`: set and not the zero value of its type. */
const given = (v: unknown) =>
  v !== undefined && v !== null && v !== "" && v !== 0 && v !== false && !(Array.isArray(v) && v.length === 0);

/** Every Vault resource type the platform registers, by Pulumi type token. */
export const VAULT_MAPPINGS: Readonly<Record<string, ResourceMapping>> = {
  "pulumi:providers:vault": {
    terraform: "provider",
    calls:
      "`GET sys/seal-status` (the server version its API gates compare with); unless `skipChildToken`: `POST auth/token/create` `{display_name: tokenName, ttl, explicit_max_ttl: maxLeaseTtlSeconds, renewable: false}` as the operator's token; every later call uses that child token",
    readBack: "`GET auth/token/lookup-self` as the child: display name and TTL",
    async create(inputs, ctx) {
      const status = await ctx.get("sys/seal-status");
      const version = str(status?.version);
      if (!bool(inputs.skipChildToken)) {
        const ttl = `${num(inputs.maxLeaseTtlSeconds, 1200)}s`;
        const created = await ctx.write("POST", "auth/token/create", {
          display_name: str(inputs.tokenName, "terraform"),
          ttl,
          explicit_max_ttl: ttl,
          renewable: false,
        });
        const auth = (created as { auth?: { client_token?: string } } | undefined)?.auth;
        if (!auth?.client_token) throw new Error("auth/token/create answered without a client token");
        ctx.useToken(auth.client_token);
      }
      return { id: randomUUID(), outputs: { version } };
    },
    async read(_id, inputs, ctx) {
      if (bool(inputs.skipChildToken)) return {};
      const self = await ctx.read("auth/token/lookup-self");
      return {
        tokenName: str(self?.display_name).replace(/^token-/, ""),
        maxLeaseTtlSeconds: num(self?.creation_ttl),
      };
    },
  },

  [RESOURCE_TYPES.vaultAudit]: {
    update: "create",
    terraform: "vault_audit",
    calls:
      "the provider: `PUT sys/audit/<path>` `{type, description, local, options}`, which OpenBao 2.4+ refuses (`cannot enable audit device via API`); here: `GET sys/audit`, and the device must be there, declared in the server configuration",
    readBack: "`GET sys/audit`: the device at `<path>/` with the plan's type, description and options",
    async create(inputs, ctx) {
      const observed = await this.read!(str(inputs.path), inputs, ctx);
      if (!observed)
        throw new Error(
          `audit device ${str(inputs.path)}/ is not in the server's configuration: OpenBao refuses to enable audit devices through the API (2.4+), so they are declared in its configuration file`,
        );
      return { id: str(inputs.path) };
    },
    async read(id, inputs, ctx) {
      const devices = await ctx.read("sys/audit");
      const device = devices?.[`${trimSlashes(id)}/`] as
        { type: string; description: string; options: Record<string, string> } | undefined;
      if (!device) return undefined;
      // A test server writes the volume's file into its own folder: map it back to the plan's path.
      const planned = Object.entries(ctx.options.auditFilePaths ?? {}).find(
        ([, at]) => at === device.options.file_path,
      );
      const options = { ...device.options, ...(planned ? { file_path: planned[0] } : {}) };
      return { path: id, type: device.type, description: device.description, options };
    },
  },

  [RESOURCE_TYPES.vaultMount]: {
    terraform: "vault_mount",
    calls:
      "`POST sys/mounts/<path>` `{type, description, config: {default_lease_ttl, max_lease_ttl, force_no_cache}, local, options, seal_wrap, external_entropy_access}` (TTLs as `<n>s`, 0 when not set)",
    readBack: "`GET sys/mounts/<path>`: type, description, both lease TTLs, options, accessor",
    async create(inputs, ctx) {
      const path = trimSlashes(inputs.path);
      await ctx.write("POST", `sys/mounts/${path}`, {
        type: str(inputs.type),
        description: str(inputs.description),
        config: {
          default_lease_ttl: `${num(inputs.defaultLeaseTtlSeconds)}s`,
          max_lease_ttl: `${num(inputs.maxLeaseTtlSeconds)}s`,
          force_no_cache: bool(inputs.forceNoCache),
        },
        local: bool(inputs.local),
        options: inputs.options ?? {},
        seal_wrap: bool(inputs.sealWrap),
        external_entropy_access: bool(inputs.externalEntropyAccess),
      });
      const read = await this.read!(path, inputs, ctx);
      return { id: path, outputs: { accessor: read?.accessor } };
    },
    async read(id, _inputs, ctx) {
      const mount = await ctx.read(`sys/mounts/${id}`);
      if (!mount) return undefined;
      const config = mount.config as { default_lease_ttl: number; max_lease_ttl: number };
      return {
        path: id,
        type: mount.type,
        description: mount.description,
        defaultLeaseTtlSeconds: config.default_lease_ttl,
        maxLeaseTtlSeconds: config.max_lease_ttl,
        options: mount.options ?? {},
        accessor: mount.accessor,
      };
    },
  },

  [RESOURCE_TYPES.vaultKvSecretBackendV2]: {
    update: "create",
    terraform: "vault_kv_secret_backend_v2",
    calls: "`PUT <mount>/config` `{max_versions, cas_required, delete_version_after}` (seconds)",
    readBack: "`GET <mount>/config`: max_versions, cas_required, delete_version_after (a Go duration, read as seconds)",
    async create(inputs, ctx) {
      const mount = trimSlashes(inputs.mount);
      await ctx.write("PUT", `${mount}/config`, {
        max_versions: num(inputs.maxVersions),
        cas_required: bool(inputs.casRequired),
        delete_version_after: num(inputs.deleteVersionAfter),
      });
      return { id: `${mount}/config` };
    },
    async read(id, _inputs, ctx) {
      const config = await ctx.read(id);
      if (!config) return undefined;
      return {
        mount: id.replace(/\/config$/, ""),
        maxVersions: config.max_versions,
        casRequired: config.cas_required,
        deleteVersionAfter: goDurationSeconds(str(config.delete_version_after, "0s")),
      };
    },
  },

  [RESOURCE_TYPES.vaultGenericEndpoint]: {
    update: "create",
    terraform: "vault_generic_endpoint",
    calls: "`PUT <path>` with `dataJson` as the body (here KV v2 metadata: never a value)",
    readBack:
      "unless `disableRead`: `GET <path>`; with `ignoreAbsentFields`, the fields of `dataJson` only, as `dataJson` (keys sorted)",
    jsonFields: ["dataJson"],
    async create(inputs, ctx) {
      const path = trimSlashes(inputs.path);
      const answer = await ctx.write("PUT", path, JSON.parse(str(inputs.dataJson)) as Record<string, unknown>);
      const data = answer?.data as Record<string, unknown> | undefined;
      const fields = list(inputs.writeFields);
      const written = Object.fromEntries(fields.filter((f) => data && f in data).map((f) => [f, data![f]]));
      return { id: path, outputs: { writeDataJson: data ? JSON.stringify(written) : "null", writeData: written } };
    },
    async read(id, inputs, ctx) {
      if (bool(inputs.disableRead)) return {};
      const data = await ctx.read(id);
      if (!data) return undefined;
      const supplied = JSON.parse(str(inputs.dataJson)) as Record<string, unknown>;
      const relevant = bool(inputs.ignoreAbsentFields)
        ? Object.fromEntries(Object.keys(supplied).map((k) => [k, k in data ? data[k] : supplied[k]]))
        : data;
      return { path: id, dataJson: canonicalJson(relevant) };
    },
  },

  [RESOURCE_TYPES.vaultPolicy]: {
    update: "create",
    terraform: "vault_policy",
    calls: "`PUT sys/policy/<name>` `{rules: policy}` (first `GET sys/policy/<name>` when `allowOverwrite` is false)",
    readBack: "`GET sys/policy/<name>`: the policy text, compared byte for byte",
    async create(inputs, ctx) {
      const name = str(inputs.name);
      if (inputs.allowOverwrite === false || inputs.allowOverwrite === "false")
        if (await ctx.get(`sys/policy/${name}`))
          throw new Error(`policy ${name} already exists and allowOverwrite is false`);
      await ctx.write("PUT", `sys/policy/${name}`, { rules: str(inputs.policy) });
      return { id: name };
    },
    async read(id, _inputs, ctx) {
      const policy = await ctx.get(`sys/policy/${id}`);
      if (!policy) return undefined;
      return { name: id, policy: policy.rules ?? policy.policy };
    },
  },

  [RESOURCE_TYPES.vaultAuthBackend]: {
    terraform: "vault_auth_backend",
    calls: "`POST sys/auth/<path>` `{type, description, local, config: {}}` (tune only when `tune` is given)",
    readBack: "`GET sys/auth/<path>` (type, description, local, accessor) and `GET sys/mounts/auth/<path>/tune`",
    async create(inputs, ctx) {
      const path = trimSlashes(inputs.path) || str(inputs.type);
      await ctx.write("POST", `sys/auth/${path}`, {
        type: str(inputs.type),
        description: str(inputs.description),
        local: bool(inputs.local),
        config: {},
      });
      const read = await this.read!(path, inputs, ctx);
      return { id: path, outputs: { accessor: read?.accessor } };
    },
    async read(id, _inputs, ctx) {
      const auth = await ctx.read(`sys/auth/${id}`);
      if (!auth) return undefined;
      await ctx.read(`sys/mounts/auth/${id}/tune`);
      return { path: id, type: auth.type, description: auth.description, local: auth.local, accessor: auth.accessor };
    },
  },

  [RESOURCE_TYPES.vaultKubernetesAuthConfig]: {
    update: "create",
    terraform: "vault_kubernetes_auth_backend_config",
    calls:
      "`PUT auth/<backend>/config` `{kubernetes_host, disable_iss_validation, use_annotations_as_alias_metadata}` and, when given, `kubernetes_ca_cert`, `token_reviewer_jwt`, `pem_keys`, `issuer`, `disable_local_ca_jwt` (only when true)",
    readBack: "`GET auth/<backend>/config`: host, CA, issuer, ISS validation, local CA/JWT",
    async create(inputs, ctx) {
      const backend = trimSlashes(inputs.backend) || "kubernetes";
      const body: Record<string, unknown> = {
        kubernetes_host: str(inputs.kubernetesHost),
        disable_iss_validation: bool(inputs.disableIssValidation),
      };
      if (given(inputs.kubernetesCaCert)) body.kubernetes_ca_cert = str(inputs.kubernetesCaCert);
      if (given(inputs.tokenReviewerJwt)) body.token_reviewer_jwt = str(inputs.tokenReviewerJwt);
      if (Array.isArray(inputs.pemKeys)) body.pem_keys = list(inputs.pemKeys).join(",");
      if (given(inputs.issuer)) body.issuer = str(inputs.issuer);
      if (bool(inputs.disableLocalCaJwt)) body.disable_local_ca_jwt = true;
      if (ctx.supports("1.16.0")) body.use_annotations_as_alias_metadata = bool(inputs.useAnnotationsAsAliasMetadata);
      await ctx.write("PUT", `auth/${backend}/config`, body);
      return { id: `auth/${backend}/config` };
    },
    async read(id, _inputs, ctx) {
      const config = await ctx.read(id);
      if (!config) return undefined;
      return {
        backend: id.replace(/^auth\/|\/config$/g, ""),
        kubernetesHost: config.kubernetes_host,
        kubernetesCaCert: config.kubernetes_ca_cert,
        issuer: config.issuer,
        disableIssValidation: config.disable_iss_validation,
        disableLocalCaJwt: config.disable_local_ca_jwt,
      };
    },
  },

  [RESOURCE_TYPES.vaultKubernetesAuthRole]: {
    update: "create",
    terraform: "vault_kubernetes_auth_backend_role",
    calls:
      "`PUT auth/<backend>/role/<roleName>` `{bound_service_account_names, bound_service_account_namespaces, bound_service_account_namespace_selector, audience, token_policies, token_ttl, token_max_ttl, token_no_default_policy, token_type, ...}` (token fields only when set)",
    readBack: "`GET auth/<backend>/role/<roleName>`: bindings, audience and every token field",
    async create(inputs, ctx) {
      const path = `auth/${trimSlashes(inputs.backend) || "kubernetes"}/role/${trimSlashes(inputs.roleName)}`;
      const body: Record<string, unknown> = {};
      for (const field of ["tokenBoundCidrs", "tokenPolicies"])
        if (given(inputs[field])) body[snake(field)] = list(inputs[field]);
      for (const field of ["tokenExplicitMaxTtl", "tokenMaxTtl", "tokenPeriod", "tokenTtl", "tokenNumUses"])
        if (given(inputs[field])) body[snake(field)] = num(inputs[field]);
      if (inputs.tokenNoDefaultPolicy !== undefined) body.token_no_default_policy = bool(inputs.tokenNoDefaultPolicy);
      if (given(inputs.tokenType)) body.token_type = str(inputs.tokenType);
      if (given(inputs.aliasMetadata)) body.alias_metadata = inputs.aliasMetadata;
      if (given(inputs.boundServiceAccountNames))
        body.bound_service_account_names = list(inputs.boundServiceAccountNames);
      if (given(inputs.boundServiceAccountNamespaces))
        body.bound_service_account_namespaces = list(inputs.boundServiceAccountNamespaces);
      body.bound_service_account_namespace_selector = str(inputs.boundServiceAccountNamespaceSelector);
      for (const field of ["audience", "aliasNameSource"])
        if (given(inputs[field])) body[snake(field)] = str(inputs[field]);
      await ctx.write("PUT", path, body);
      return { id: path };
    },
    async read(id, _inputs, ctx) {
      const role = await ctx.read(id);
      if (!role) return undefined;
      const [, backend, roleName] = /^auth\/(.+)\/role\/([^/]+)$/.exec(id)!;
      return {
        backend,
        roleName,
        boundServiceAccountNames: role.bound_service_account_names,
        boundServiceAccountNamespaces: role.bound_service_account_namespaces,
        audience: role.audience,
        aliasNameSource: role.alias_name_source,
        tokenPolicies: role.token_policies,
        tokenTtl: role.token_ttl,
        tokenMaxTtl: role.token_max_ttl,
        tokenNoDefaultPolicy: role.token_no_default_policy,
        tokenType: role.token_type,
      };
    },
  },

  [RESOURCE_TYPES.vaultPkiIntermediateCsr]: {
    terraform: "vault_pki_secret_backend_intermediate_cert_request",
    calls:
      "`PUT <backend>/issuers/generate/intermediate/<type>` (Vault 1.11+; `<backend>/intermediate/generate/<type>` before) `{common_name, organization, ..., key_type, key_bits, format: pem, private_key_format: der, exclude_cn_from_sans, add_basic_constraints}`: the CSR and key id in the outputs",
    readBack: "nothing: the provider's Read is empty (the test reads `<backend>/key/<keyId>` itself)",
    async create(inputs, ctx) {
      const backend = trimSlashes(inputs.backend);
      const type = trimSlashes(inputs.type);
      const multiIssuer = ctx.supports("1.11.0");
      const path = multiIssuer
        ? `${backend}/issuers/generate/intermediate/${type}`
        : `${backend}/intermediate/generate/${type}`;
      const body: Record<string, unknown> = {};
      const fields = [
        "commonName",
        "format",
        "privateKeyFormat",
        "ou",
        "organization",
        "country",
        "locality",
        "province",
        "streetAddress",
        "postalCode",
        "serialNumber",
        "managedKeyName",
        "managedKeyId",
        "signatureBits",
        ...(type === "kms" || type === "existing" ? [] : ["keyType", "keyBits"]),
        ...(multiIssuer ? [type === "existing" ? "keyRef" : "keyName"] : []),
      ];
      const defaults: Record<string, unknown> = {
        format: "pem",
        privateKeyFormat: "der",
        keyType: "rsa",
        keyBits: 2048,
      };
      for (const field of fields) {
        const value = inputs[field] ?? defaults[field];
        if (given(value)) body[snake(field)] = value;
      }
      for (const field of ["excludeCnFromSans", "addBasicConstraints"]) body[snake(field)] = bool(inputs[field]);
      for (const field of ["altNames", "ipSans", "uriSans", "otherSans", "keyUsage"])
        if (list(inputs[field]).length > 0) body[snake(field)] = list(inputs[field]).join(",");
      const answer = await ctx.write("PUT", path, body);
      const data = (answer?.data ?? {}) as Record<string, unknown>;
      return {
        id: multiIssuer ? `${path}/${randomUUID()}` : path,
        outputs: {
          csr: data.csr,
          ...(multiIssuer ? { keyId: data.key_id } : {}),
          ...(type === "exported" ? { privateKey: data.private_key, privateKeyType: data.private_key_type } : {}),
        },
      };
    },
  },

  [RESOURCE_TYPES.vaultPkiIntermediateSetSigned]: {
    update: "create",
    terraform: "vault_pki_secret_backend_intermediate_set_signed",
    calls: "`PUT <backend>/intermediate/set-signed` `{certificate}`: the imported issuers and keys in the outputs",
    readBack: "nothing for a new resource (the provider reads the backend's certificate only on later refreshes)",
    async create(inputs, ctx) {
      const backend = trimSlashes(inputs.backend);
      const path = `${backend}/intermediate/set-signed`;
      const answer = await ctx.write("PUT", path, { certificate: str(inputs.certificate) });
      const data = (answer?.data ?? {}) as Record<string, unknown>;
      return {
        id: ctx.supports("1.11.0") ? `${path}/${randomUUID()}` : path,
        outputs: { importedIssuers: data.imported_issuers ?? null, importedKeys: data.imported_keys ?? null },
      };
    },
  },

  [RESOURCE_TYPES.vaultPkiConfigUrls]: {
    update: "create",
    terraform: "vault_pki_secret_backend_config_urls",
    calls:
      "`PUT <backend>/config/urls` `{issuing_certificates, crl_distribution_points, ocsp_servers}` (and `enable_templating`, Vault 1.13+)",
    readBack: "`GET <backend>/config/urls`: the three URL lists (and `enable_templating`)",
    async create(inputs, ctx) {
      const backend = trimSlashes(inputs.backend);
      const body: Record<string, unknown> = {
        issuing_certificates: list(inputs.issuingCertificates),
        crl_distribution_points: list(inputs.crlDistributionPoints),
        ocsp_servers: list(inputs.ocspServers),
      };
      if (ctx.supports("1.13.0")) body.enable_templating = bool(inputs.enableTemplating);
      await ctx.write("PUT", `${backend}/config/urls`, body);
      return { id: `${backend}/config/urls` };
    },
    async read(id, _inputs, ctx) {
      const urls = await ctx.read(id);
      if (!urls) return undefined;
      return {
        backend: id.replace(/\/config\/urls$/, ""),
        issuingCertificates: urls.issuing_certificates,
        crlDistributionPoints: urls.crl_distribution_points,
        ocspServers: urls.ocsp_servers,
        enableTemplating: urls.enable_templating,
      };
    },
  },

  [RESOURCE_TYPES.vaultPkiRole]: {
    update: "create",
    terraform: "vault_pki_secret_backend_role",
    calls:
      "`PUT <backend>/roles/<name>`: every boolean with the provider's default when not set (`allow_ip_sans`, `allow_localhost`, `allow_wildcard_certificates`, `server_flag`, `client_flag`, `enforce_hostnames`, `require_cn`, `use_csr_common_name`, `use_csr_sans` default true), lists when not empty, `key_usage` from `keyUsages`, other fields when set",
    readBack: "`GET <backend>/roles/<name>`: every field the plan sets",
    async create(inputs, ctx) {
      const backend = trimSlashes(inputs.backend);
      const path = `${backend}/roles/${trimSlashes(inputs.name)}`;
      const body: Record<string, unknown> = {};
      for (const field of PKI_ROLE_LISTS)
        if (list(inputs[field]).length > 0) body[pkiRoleField(field)] = list(inputs[field]);
      if (inputs.keyUsages !== undefined) body.key_usage = list(inputs.keyUsages);
      for (const [field, fallback] of Object.entries(PKI_ROLE_BOOLEANS))
        body[pkiRoleField(field)] = bool(inputs[field], fallback);
      const defaults: Record<string, unknown> = { keyType: "rsa", keyBits: 2048 };
      for (const field of PKI_ROLE_SCALARS) {
        const value = inputs[field] ?? defaults[field];
        if (given(value)) body[pkiRoleField(field)] = value;
      }
      if (given(inputs.issuerRef) && ctx.supports("1.11.0")) body.issuer_ref = inputs.issuerRef;
      await ctx.write("PUT", path, body);
      return { id: path };
    },
    async read(id, inputs, ctx) {
      const role = await ctx.read(id);
      if (!role) return undefined;
      const [, backend, name] = /^(.+)\/roles\/([^/]+)$/.exec(id)!;
      const observed: Record<string, unknown> = { backend, name };
      for (const field of Object.keys(inputs))
        if (!(field in observed) && pkiRoleField(field) in role) observed[field] = role[pkiRoleField(field)];
      return observed;
    },
  },

  [RESOURCE_TYPES.vaultTransitKey]: {
    update: "create",
    terraform: "vault_transit_secret_backend_key",
    calls:
      "`PUT <backend>/keys/<name>` `{convergent_encryption, derived, type, auto_rotate_period, key_size}`, then `PUT <backend>/keys/<name>/config` `{min_decryption_version, min_encryption_versoin [sic], deletion_allowed, exportable, allow_plaintext_backup, auto_rotate_period}`",
    readBack:
      "`GET <backend>/keys/<name>`: type, exportable, deletion_allowed, allow_plaintext_backup, auto_rotate_period, derived, the versions",
    async create(inputs, ctx) {
      const path = `${trimSlashes(inputs.backend)}/keys/${trimSlashes(inputs.name)}`;
      const autoRotatePeriod = num(inputs.autoRotatePeriod);
      const key: Record<string, unknown> = {
        convergent_encryption: bool(inputs.convergentEncryption),
        derived: bool(inputs.derived),
        type: str(inputs.type, "aes256-gcm96"),
        auto_rotate_period: autoRotatePeriod,
      };
      if (given(inputs.context)) key.context = inputs.context;
      if (ctx.supports("1.12.0")) key.key_size = num(inputs.keySize);
      await ctx.write("PUT", path, key);
      await ctx.write("PUT", `${path}/config`, {
        min_decryption_version: num(inputs.minDecryptionVersion, 1),
        // The provider's own spelling (resource_transit_secret_backend_key.go): Vault ignores it, and a warning says so.
        min_encryption_versoin: num(inputs.minEncryptionVersion, 0),
        deletion_allowed: bool(inputs.deletionAllowed),
        exportable: bool(inputs.exportable),
        allow_plaintext_backup: bool(inputs.allowPlaintextBackup),
        auto_rotate_period: autoRotatePeriod,
      });
      const read = await this.read!(path, inputs, ctx);
      return {
        id: path,
        outputs: { latestVersion: read?.latestVersion, minDecryptionVersion: read?.minDecryptionVersion },
      };
    },
    async read(id, _inputs, ctx) {
      const key = await ctx.read(id);
      if (!key) return undefined;
      const [, backend, name] = /^(.+)\/keys\/([^/]+)$/.exec(id)!;
      return {
        backend,
        name,
        type: key.type,
        exportable: key.exportable,
        deletionAllowed: key.deletion_allowed,
        allowPlaintextBackup: key.allow_plaintext_backup,
        autoRotatePeriod: key.auto_rotate_period,
        derived: key.derived,
        convergentEncryption: key.convergent_encryption ?? false,
        latestVersion: key.latest_version,
        minDecryptionVersion: key.min_decryption_version,
      };
    },
  },
};

/** Whether a type is the vault provider's (a resource or the provider itself): those the applier must map. */
export const isVaultType = (type: string) => type.startsWith("vault:") || type === "pulumi:providers:vault";

/** The Vault types among `resources` that {@link VAULT_MAPPINGS} lacks, sorted: each a test failure by name. */
export function unmappedTypes(resources: readonly Pick<RecordedResource, "type">[]): string[] {
  return [...new Set(resources.map((r) => r.type).filter((t) => isVaultType(t) && !VAULT_MAPPINGS[t]))].sort();
}

/** How `pulumi refresh` would see a field: numbers and their strings alike, lists of names in any order. */
function sameField(planned: unknown, observed: unknown, json: boolean): boolean {
  if (json) return canonicalJson(JSON.parse(String(planned))) === observed;
  if (Array.isArray(planned) && Array.isArray(observed))
    return isDeepStrictEqual([...planned.map(String)].sort(), [...observed.map(String)].sort());
  if (planned !== null && typeof planned === "object") return isDeepStrictEqual(planned, observed);
  return String(planned) === String(observed);
}

/**
 * Each input the provider's Read set to something else, as `<field>: planned <x>, server <y>`: what `pulumi refresh`
 * would change in the state, and the next `pulumi up` would write again. `jsonFields` are compared as JSON documents
 * (the provider normalizes them), everything else as written.
 */
export function driftOf(
  inputs: Record<string, unknown>,
  observed: Record<string, unknown>,
  jsonFields: readonly string[] = [],
): string[] {
  return Object.keys(observed)
    .filter((field) => field in inputs && inputs[field] !== undefined)
    .filter((field) => !sameField(inputs[field], observed[field], jsonFields.includes(field)))
    .map((field) => `${field}: planned ${JSON.stringify(inputs[field])}, server ${JSON.stringify(observed[field])}`);
}

/** `2.7.2` against the provider's gate `1.11.0`: OpenBao 2.x passes every Vault 1.x gate. */
function atLeast(version: string, gate: string): boolean {
  const parse = (v: string) => (/^v?(\d+)\.(\d+)\.(\d+)/.exec(v) ?? ["", "0", "0", "0"]).slice(1).map(Number);
  const [a, b] = [parse(version), parse(gate)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/** One call with the provider client's retries; a refusal or no answer throws a {@link VaultCallError}. */
async function call(
  options: ApplyOptions,
  retry: RetryPolicy,
  token: string,
  method: string,
  path: string,
  body: unknown,
  calls: string[],
): Promise<VaultAnswer> {
  calls.push(`${method} /v1/${path}`);
  let last: VaultCallError | undefined;
  for (let attempt = 0; attempt <= retry.maxRetries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, retry.waitMs));
    await options.beforeCall?.(method, path);
    let answer: VaultAnswer;
    try {
      answer = await options.transport.call(method, path, body, token);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      last = new VaultCallError(method, path, undefined, `no answer from ${options.transport.address} (${code})`);
      continue;
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    const errors = (answer.body as { errors?: unknown[] } | undefined)?.errors;
    const reason = `HTTP ${answer.status}${Array.isArray(errors) && errors.length ? `: ${errors.map(String).join("; ")}` : ""}`;
    if (answer.status === 404) return answer;
    last = new VaultCallError(method, path, answer.status, reason);
    if (!(answer.status === 412 || (answer.status >= 500 && answer.status !== 501))) break;
  }
  throw new VaultCallError(
    last!.method,
    last!.path,
    last!.status,
    `${last!.reason}${retry.maxRetries > 0 ? ` (${retry.maxRetries + 1} attempts)` : ""}`,
  );
}

/** The calls a mapping makes for one resource, with its provider's token. */
function context(
  options: ApplyOptions,
  retry: RetryPolicy,
  tokens: { current: string },
  version: { value: string },
  calls: string[],
  warnings: string[],
): MappingContext {
  const answerOf = async (method: string, path: string, body: unknown) => {
    const answer = await call(options, retry, tokens.current, method, path, body, calls);
    const body2 = answer.body as { warnings?: unknown[] } | undefined;
    if (Array.isArray(body2?.warnings)) warnings.push(...body2.warnings.map(String));
    return answer;
  };
  return {
    async write(method, path, body) {
      const answer = await answerOf(method, path, body);
      if (answer.status === 404) {
        const errors = (answer.body as { errors?: unknown[] } | undefined)?.errors ?? [];
        throw new VaultCallError(
          method,
          path,
          404,
          `HTTP 404${errors.length ? `: ${errors.map(String).join("; ")}` : ""}`,
        );
      }
      return answer.body as Record<string, unknown> | undefined;
    },
    async read(path) {
      const answer = await answerOf("GET", path, undefined);
      if (answer.status === 404) return undefined;
      return (answer.body as { data?: Record<string, unknown> } | undefined)?.data ?? undefined;
    },
    async get(path) {
      const answer = await answerOf("GET", path, undefined);
      return answer.status === 404 ? undefined : (answer.body as Record<string, unknown>);
    },
    supports: (gate) => atLeast(version.value, gate),
    options,
    useToken: (token) => (tokens.current = token),
    operatorToken: options.token,
  };
}

/**
 * Applies the Vault resources of a plan in its order (the engine's registration order, in which every dependency
 * comes first), creating each through its {@link ResourceMapping} and reading it back. Resources of other providers
 * go to `foreign` or are skipped. A Vault type without a mapping, or a resource whose Vault dependency was not applied,
 * fails by name before anything is called for it.
 */
export async function applyPlan(resources: readonly RecordedResource[], options: ApplyOptions): Promise<ApplyResult> {
  const state: ApplierState = new Map(options.state ?? []);
  const reports: ResourceReport[] = [];
  const skipped: Record<string, number> = {};
  const unmapped = unmappedTypes(resources);
  if (unmapped.length > 0)
    throw new Error(`no mapping in test/real/vault-applier.ts for ${unmapped.join(", ")}: add one before applying`);
  const vaultUrns = new Set(resources.filter((r) => isVaultType(r.type)).map((r) => r.urn));
  const tokens = new Map<string, { current: string }>();
  const version = { value: "" };

  for (const resource of resources) {
    if (!resource.custom || resource.read) continue;
    if (options.include && !options.include(resource)) continue;
    if (!isVaultType(resource.type)) {
      const given = unwire(resource.inputs) as Record<string, unknown>;
      const before = state.get(resource.urn);
      // The engine runs a resource of another provider once too: the same inputs in the state, nothing is run again.
      if (before && isDeepStrictEqual(before.inputs, given)) continue;
      if (!options.foreign) {
        skipped[resource.type] = (skipped[resource.type] ?? 0) + 1;
        continue;
      }
      try {
        await options.foreign(resource, state);
      } catch (e) {
        throw new ApplyError(resource, state, reports, e);
      }
      state.set(resource.urn, {
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        id: "",
        inputs: given,
        outputs: {},
      });
      continue;
    }
    const mapping = VAULT_MAPPINGS[resource.type]!;
    const inputs = options.inputsOf?.(resource, state) ?? (unwire(resource.inputs) as Record<string, unknown>);
    const isProvider = resource.type === "pulumi:providers:vault";
    const providerUrn = resource.options.provider?.replace(/::[^:]+$/, "");
    const missing = [...resource.options.dependsOn, ...(providerUrn ? [providerUrn] : [])].filter(
      (urn) => vaultUrns.has(urn) && !state.has(urn),
    );
    if (missing.length > 0)
      throw new ApplyError(
        resource,
        state,
        reports,
        new Error(`its dependencies were not applied: ${missing.join(", ")}`),
      );
    const before = state.get(resource.urn);
    const report: ResourceReport = {
      urn: resource.urn,
      name: resource.name,
      type: resource.type,
      op: "create",
      calls: [],
      drift: [],
      warnings: [],
    };
    // As the engine: unchanged inputs, no provider call. A provider configures itself (and its token) on every run.
    if (before && !isProvider && isDeepStrictEqual(before.inputs, inputs)) {
      reports.push({ ...report, op: "same" });
      continue;
    }
    if (before && !isProvider && !mapping.update)
      throw new ApplyError(
        resource,
        state,
        reports,
        new Error(`its inputs changed, and changing a ${resource.type} is not modelled here (only Create is)`),
      );
    if (before && !isProvider) report.op = "update";
    const tokenOf = isProvider
      ? { current: options.token }
      : (tokens.get(providerUrn ?? "") ?? { current: options.token });
    const retry: RetryPolicy = {
      maxRetries: options.retry?.maxRetries ?? num(isProvider ? inputs.maxRetries : undefined, 2),
      waitMs: options.retry?.waitMs ?? 1000,
    };
    const ctx = context(options, retry, tokenOf, version, report.calls, report.warnings);
    try {
      const created = await mapping.create(inputs, ctx);
      if (isProvider) {
        version.value = str(created.outputs?.version);
        tokens.set(resource.urn, tokenOf);
      }
      const observed = mapping.read ? await mapping.read(created.id, inputs, ctx) : {};
      if (!observed) throw new Error(`created, but the provider's Read finds nothing at ${created.id}`);
      report.drift = driftOf(inputs, observed, mapping.jsonFields);
      state.set(resource.urn, {
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        id: created.id,
        inputs,
        outputs: { ...inputs, ...(created.outputs ?? {}) },
      });
      reports.push(report);
    } catch (e) {
      throw new ApplyError(resource, state, reports, e);
    }
  }
  return { state, reports, skipped };
}

/**
 * `pulumi refresh` of the applied state: every resource read back through its mapping (as `token`, or the child
 * token of a fresh provider run), with where it drifted from its inputs; `gone` when the Read finds nothing.
 */
export async function refreshState(
  state: ApplierState,
  options: Pick<ApplyOptions, "transport" | "token" | "auditFilePaths" | "retry">,
): Promise<{ urn: string; name: string; drift: string[] }[]> {
  const version = { value: "" };
  const tokens = { current: options.token };
  const retry: RetryPolicy = { maxRetries: options.retry?.maxRetries ?? 0, waitMs: options.retry?.waitMs ?? 1000 };
  const status = await call(options, retry, options.token, "GET", "sys/seal-status", undefined, []);
  version.value = str((status.body as { version?: string }).version);
  const out: { urn: string; name: string; drift: string[] }[] = [];
  for (const entry of state.values()) {
    const mapping = VAULT_MAPPINGS[entry.type];
    // Resources of other providers (a Job) and the provider itself have nothing to refresh here.
    if (!mapping?.read || entry.type === "pulumi:providers:vault") continue;
    const ctx = context(options, retry, tokens, version, [], []);
    const observed = await mapping.read(entry.id, entry.inputs, ctx);
    out.push({
      urn: entry.urn,
      name: entry.name,
      drift: observed ? driftOf(entry.inputs, observed, mapping.jsonFields) : ["gone"],
    });
  }
  return out;
}

/** The mapping as the table of docs/vault-applier.md (section `mapping`). */
export function mappingRows(): string[][] {
  return Object.entries(VAULT_MAPPINGS).map(([type, m]) => [`\`${type}\` (\`${m.terraform}\`)`, m.calls, m.readBack]);
}
