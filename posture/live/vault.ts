import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { z } from "zod";
import { splitPemBundle, x509 } from "../../pki/x509.js";
import type { Registry } from "../../registry/load.js";
import { isCertificatePurpose, type RegisteredPurpose } from "../../registry/purpose.js";
import { mechanismOf } from "../../delivery/mechanisms/index.js";
import { InvalidInputError, type Problem } from "../../registry/problems.js";
import { kvMetadataPath, MOUNTS, transitKeyName } from "../../vault/paths.js";
import type { Observation } from "../model.js";

/**
 * The live Vault source of posture: when each KV value and transit key version was created, and when the PKI issuer
 * expires. It reads metadata only (KV metadata, transit key info, the issuer certificate): never a secret value.
 */

/** Reads Vault's HTTP API with one token. */
export interface VaultReader {
  /**
   * The JSON body of `GET /v1/<path>`, or `undefined` when Vault answers 404 (nothing at that path). Any other
   * answer rejects with a {@link VaultReadError}.
   */
  read(path: string): Promise<unknown>;
}

/** A read Vault refused or could not answer. The message never holds the token. */
export class VaultReadError extends Error {
  constructor(
    /** The path read, without `/v1/`. */
    readonly path: string,
    /** Why, e.g. `HTTP 403: permission denied`. */
    readonly reason: string,
    readonly status?: number,
    /** The answer is the server's state (sealed, not initialized), the same for every path: not this path's. */
    readonly serverWide = false,
  ) {
    super(`GET /v1/${path}: ${reason}`);
    this.name = "VaultReadError";
  }
}

/** Settings of {@link vaultReader}. */
export interface VaultReaderSettings {
  /** Vault's address, e.g. `https://127.0.0.1:8200`; an https URL. */
  address: string;
  /** The token, sent as `X-Vault-Token`. */
  token: string;
  /** PEM of the CA certificates Vault's listener certificate must chain to (the platform root). */
  caPem?: string;
  /**
   * How long one request may take before it is abandoned.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Tests only: accept an `http://` address (a local stand-in). Production refuses it: the token would travel in clear.
   * @default false
   */
  allowPlainHttpForTests?: boolean;
}

/**
 * A {@link VaultReader} over `node:https`. Node 20's `fetch` cannot be given a CA without undici's `Agent` (not a
 * public module of Node 20 and not a dependency here), and Vault's listener chains to the platform's private root, so
 * `https.request` with `ca` it is. Redirects are not followed: a standby's redirect would carry the token elsewhere.
 */
export function vaultReader(settings: VaultReaderSettings): VaultReader {
  const base = new URL(settings.address);
  const plain = base.protocol === "http:";
  if (!(base.protocol === "https:" || (plain && settings.allowPlainHttpForTests)))
    throw new Error(`Vault address must be https:// (got ${base.protocol}//): the token must not travel in clear`);
  const prefix = base.pathname.replace(/\/+$/, "");
  const timeoutMs = settings.timeoutMs ?? 10_000;
  // Defence in depth: no message this reader produces may carry the token, whatever a server or socket echoes.
  const redact = (text: string) => text.split(settings.token).join("[token]");

  return {
    read(path) {
      const url = new URL(base);
      url.pathname = `${prefix}/v1/${path}`;
      const send = plain ? httpRequest : httpsRequest;
      return new Promise((resolve, reject) => {
        const fail = (reason: string, status?: number, serverWide = false) =>
          reject(new VaultReadError(path, redact(reason), status, serverWide));
        const req = send(
          url,
          {
            method: "GET",
            headers: { "X-Vault-Token": settings.token, Accept: "application/json" },
            ...(plain ? {} : { ca: settings.caPem, minVersion: "TLSv1.2" as const }),
            timeout: timeoutMs,
          },
          (res) => {
            readBody(res).then(
              (text) => {
                const status = res.statusCode ?? 0;
                if (status === 404) return resolve(undefined);
                const state = serverState(status, text);
                if (state) return fail(`${base.origin} ${state}`, status, true);
                if (status < 200 || status > 299) return fail(`HTTP ${status}${vaultErrors(text)}`, status);
                try {
                  resolve(JSON.parse(text));
                } catch {
                  fail(`HTTP ${status} with a body that is not JSON`, status);
                }
              },
              (e: Error) => fail(e.message),
            );
          },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e: NodeJS.ErrnoException) => fail(transportReason(base, e)));
        req.end();
      });
    },
  };
}

/** A connection or TLS failure, with the hint an operator needs when it is the CA. */
function transportReason(base: URL, e: NodeJS.ErrnoException): string {
  const tls = /CERT|SELF_SIGNED|UNABLE_TO_|HOSTNAME|ERR_TLS/.test(e.code ?? "");
  return `${base.origin}: ${e.message}${tls ? " (is VAULT_CACERT the CA that signed Vault's listener certificate?)" : ""}`;
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}

/**
 * A sealed server answers every path `503 {"errors": ["Vault is sealed"]}` (OpenBao too), one not initialized `501`:
 * the server's state, said once for all reads, with what to do.
 */
function serverState(status: number, text: string): string | undefined {
  if (status === 503 && /sealed/i.test(vaultErrors(text)))
    return `is sealed (HTTP 503${vaultErrors(text)}): unseal it, then read posture again`;
  if (status === 501) return `is not initialized (HTTP 501${vaultErrors(text)}): run the init ceremony first`;
  return undefined;
}

/** Vault's error body is `{"errors": ["permission denied"]}`: the reason an operator needs, e.g. a missing policy. */
function vaultErrors(text: string): string {
  try {
    const errors = (JSON.parse(text) as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) return `: ${errors.map(String).join("; ")}`;
  } catch {
    // not JSON: the status alone says enough
  }
  return "";
}

/** What each variable is for, in the words of the message that reports it missing. */
const ENV_HELP = {
  VAULT_ADDR: "the Vault address, https://<host>:8200 (e.g. a port-forward to svc/vault-active)",
  token:
    "a Vault token that may read the KV metadata, transit keys and PKI issuer, in VAULT_TOKEN or in the file VAULT_TOKEN_FILE names",
  VAULT_CACERT:
    "a PEM file with the CA that signed Vault's listener certificate (the root-trust stack's rootCertificatePem)",
} as const;

/** Options of {@link vaultReaderFromEnv}. */
export interface VaultEnvOptions {
  /**
   * Tests only: accept `VAULT_ADDR=http://...` (then `VAULT_CACERT` is not needed).
   * @default false
   */
  allowPlainHttpForTests?: boolean;
}

/**
 * A {@link VaultReader} from the variables the Vault CLI reads: `VAULT_ADDR` (https), `VAULT_TOKEN` or
 * `VAULT_TOKEN_FILE`, `VAULT_CACERT`. Throws one {@link InvalidInputError} naming every missing or invalid variable;
 * no message holds the token.
 */
export function vaultReaderFromEnv(env: NodeJS.ProcessEnv = process.env, options: VaultEnvOptions = {}): VaultReader {
  const problems: Problem[] = [];
  const problem = (field: string, message: string) => problems.push({ file: "environment", field, message });
  const set = (name: string) => (env[name] ?? "").trim() !== "";

  let address: URL | undefined;
  if (!set("VAULT_ADDR")) problem("VAULT_ADDR", `is not set: ${ENV_HELP.VAULT_ADDR}`);
  else if (!URL.canParse(env.VAULT_ADDR!.trim())) problem("VAULT_ADDR", `is not a URL: ${ENV_HELP.VAULT_ADDR}`);
  else {
    address = new URL(env.VAULT_ADDR!.trim());
    const allowed = address.protocol === "https:" || (address.protocol === "http:" && options.allowPlainHttpForTests);
    if (!allowed)
      problem(
        "VAULT_ADDR",
        `must be an https:// URL (Vault's listener is TLS-only, and the token must not travel in clear), not ${address.protocol}//`,
      );
  }

  let token: string | undefined;
  if (set("VAULT_TOKEN") && set("VAULT_TOKEN_FILE"))
    problem("VAULT_TOKEN, VAULT_TOKEN_FILE", "both are set: set one, so it is clear which token is used");
  else if (set("VAULT_TOKEN")) token = env.VAULT_TOKEN!.trim();
  else if (set("VAULT_TOKEN_FILE")) {
    const file = env.VAULT_TOKEN_FILE!.trim();
    try {
      token = readFileSync(file, "utf8").trim();
      if (token === "") problem("VAULT_TOKEN_FILE", `${file} is empty: ${ENV_HELP.token}`);
    } catch (e) {
      problem(
        "VAULT_TOKEN_FILE",
        `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "unreadable"}): ${ENV_HELP.token}`,
      );
    }
  } else problem("VAULT_TOKEN, VAULT_TOKEN_FILE", `neither is set: ${ENV_HELP.token}`);
  // A header cannot carry whitespace or control characters; say so without echoing the token.
  if (token && !/^[\x21-\x7e]+$/.test(token)) {
    problem(
      set("VAULT_TOKEN") ? "VAULT_TOKEN" : "VAULT_TOKEN_FILE",
      "holds characters a Vault token never has (whitespace or control characters)",
    );
    token = undefined;
  }

  let caPem: string | undefined;
  const needsCa = address?.protocol !== "http:";
  if (!set("VAULT_CACERT")) {
    if (needsCa) problem("VAULT_CACERT", `is not set: ${ENV_HELP.VAULT_CACERT}`);
  } else {
    const file = env.VAULT_CACERT!.trim();
    try {
      caPem = readFileSync(file, "utf8");
      if (splitPemBundle(caPem).length === 0)
        problem("VAULT_CACERT", `${file} holds no PEM certificate: ${ENV_HELP.VAULT_CACERT}`);
    } catch (e) {
      problem(
        "VAULT_CACERT",
        `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "unreadable"}): ${ENV_HELP.VAULT_CACERT}`,
      );
    }
  }

  if (problems.length > 0 || !address || !token) throw new InvalidInputError("Vault settings", problems);
  return vaultReader({
    address: address.href,
    token,
    ...(caPem ? { caPem } : {}),
    allowPlainHttpForTests: options.allowPlainHttpForTests ?? false,
  });
}

// The documented response shapes (KV v2 "read secret metadata", transit "read key", PKI "read issuer"), reduced to
// the fields posture uses; other fields are ignored.
const KvMetadataResponse = z.object({
  data: z.object({
    current_version: z.number().int().nonnegative(),
    versions: z.record(
      z.string(),
      z.object({ created_time: z.string(), deletion_time: z.string(), destroyed: z.boolean() }),
    ),
  }),
});
const TransitKeyResponse = z.object({
  data: z.object({
    latest_version: z.number().int().positive(),
    // Symmetric keys: creation time in unix seconds; asymmetric keys: an object with `creation_time` (RFC 3339).
    keys: z.record(z.string(), z.union([z.number(), z.object({ creation_time: z.string() })])),
  }),
});
const PkiIssuerResponse = z.object({ data: z.object({ certificate: z.string() }) });

/** A fact or a problem from one read. */
type Outcome = { observations: Observation[] } | { problem: Problem; transport: boolean };

/**
 * Observations (source `vault`) for every purpose of the registry that Vault can speak for: KV purposes and handed
 * over bootstrap values (the current version's creation), transit keys (the latest version's creation), and
 * certificate purposes (the PKI issuer's expiry). A 404 gives no observation, so posture says nothing shows a
 * rotation. Every failed read is reported at once, in one {@link InvalidInputError}.
 */
export async function readVaultObservations(registry: Registry, client: VaultReader): Promise<Observation[]> {
  const reads: Promise<Outcome>[] = [];
  for (const p of registry.purposes) {
    // Where the mechanism keeps it: KV v2 (tier vault_kv, and bootstrap values once handed over), or a transit key.
    const engine = mechanismOf(p).vault.engine;
    if (engine === "kv") reads.push(attempt(client, p, kvMetadataPath(p), (body) => kvObservation(p, body)));
    if (engine === "transit")
      reads.push(
        attempt(client, p, `${MOUNTS.transit}/keys/${transitKeyName(p)}`, (body) => transitObservation(p, body)),
      );
  }
  const certificates = registry.purposes.filter(isCertificatePurpose);
  if (certificates.length > 0)
    reads.push(
      attempt(client, undefined, `${MOUNTS.pki}/issuer/default`, (body) => issuerObservations(certificates, body)),
    );

  const outcomes = await Promise.all(reads);
  // A connection or TLS failure, or a sealed server, is Vault's, not a path's: one line per distinct reason, not one
  // per read.
  const problems: Problem[] = [];
  const transport = new Map<string, number>();
  for (const o of outcomes) {
    if (!("problem" in o)) continue;
    if (o.transport) transport.set(o.problem.message, (transport.get(o.problem.message) ?? 0) + 1);
    else problems.push(o.problem);
  }
  for (const [reason, n] of transport)
    problems.push({ file: "vault", message: `${reason} (${n} of ${reads.length} reads)` });
  if (problems.length > 0) throw new InvalidInputError("Vault reads", problems);
  return outcomes.flatMap((o) => ("observations" in o ? o.observations : []));
}

async function attempt(
  client: VaultReader,
  p: RegisteredPurpose | undefined,
  path: string,
  observe: (body: unknown) => Observation[] | string,
): Promise<Outcome> {
  const place = { file: "vault", ...(p ? { subject: p.id } : {}), field: path };
  let body: unknown;
  try {
    body = await client.read(path);
  } catch (e) {
    // No answer (connection, TLS, timeout) or the server's own state: Vault's problem, not this path's.
    const answered = e instanceof VaultReadError && e.status !== undefined && !e.serverWide;
    return {
      problem: { ...place, message: e instanceof VaultReadError ? e.reason : (e as Error).message },
      transport: !answered,
    };
  }
  if (body === undefined) return { observations: [] };
  const result = observe(body);
  return typeof result === "string"
    ? { problem: { ...place, message: result }, transport: false }
    : { observations: result };
}

/** An RFC 3339 time as posture writes it, or `undefined` when it is not one. */
function rfc3339(text: string): string | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function kvObservation(p: RegisteredPurpose, body: unknown): Observation[] | string {
  const parsed = KvMetadataResponse.safeParse(body);
  if (!parsed.success) return "not a KV v2 metadata response (data.current_version, data.versions)";
  const { current_version: n, versions } = parsed.data.data;
  // Phase 3 writes the metadata alone; until a value is written there is no version, and nothing was rotated.
  if (n === 0) return [{ purpose: p.id, source: "vault", detail: "KV metadata only: no version written yet" }];
  const version = versions[String(n)];
  if (!version) return `current_version ${n} is not among data.versions`;
  const created = rfc3339(version.created_time);
  if (!created) return `version ${n}: created_time ${JSON.stringify(version.created_time)} is not an RFC 3339 time`;
  // delete_version_after gives every version a deletion_time: past it, consumers can no longer read the value.
  // A destroyed current version is gone already, whenever that happened: unreadable at the latest now.
  const deleted = version.deletion_time === "" ? undefined : rfc3339(version.deletion_time);
  const expiresAt = deleted ?? (version.destroyed ? new Date().toISOString() : undefined);
  const state = version.destroyed ? " (destroyed)" : deleted ? ` (deleted from ${deleted})` : "";
  return [
    {
      purpose: p.id,
      source: "vault",
      lastRotatedAt: created,
      ...(expiresAt ? { expiresAt } : {}),
      detail: `KV version ${n}${state}`,
    },
  ];
}

function transitObservation(p: RegisteredPurpose, body: unknown): Observation[] | string {
  const parsed = TransitKeyResponse.safeParse(body);
  if (!parsed.success) return "not a transit key response (data.latest_version, data.keys)";
  const { latest_version: n, keys } = parsed.data.data;
  const key = keys[String(n)];
  if (key === undefined) return `latest_version ${n} is not among data.keys`;
  const created = typeof key === "number" ? new Date(key * 1000).toISOString() : rfc3339(key.creation_time);
  if (!created) return `key version ${n}: creation_time is not an RFC 3339 time`;
  return [{ purpose: p.id, source: "vault", lastRotatedAt: created, detail: `key version ${n}` }];
}

function issuerObservations(certificates: readonly RegisteredPurpose[], body: unknown): Observation[] | string {
  const parsed = PkiIssuerResponse.safeParse(body);
  if (!parsed.success) return "not a PKI issuer response (data.certificate)";
  let notAfter: string;
  try {
    notAfter = new x509.X509Certificate(parsed.data.data.certificate).notAfter.toISOString();
  } catch {
    return "data.certificate is not a PEM certificate";
  }
  return certificates.map((p) => ({
    purpose: p.id,
    source: "vault",
    issuerExpiresAt: notAfter,
    detail: `PKI issuer ${MOUNTS.pki}/issuer/default`,
  }));
}
