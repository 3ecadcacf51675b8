import { randomBytes, webcrypto } from "node:crypto";
import { join } from "node:path";
import type { RecordedResource } from "../../../plan/engine/monitor.js";
import { tlsModels } from "../../../plan/engine/models/tls.js";
import { inspectIntermediateCsr, requireCertifies, x509 } from "../../../pki/x509.js";
import { RESOURCE_TYPES } from "../../../policies/resource-types.js";
import { declaredAuditDevices, type DeclaredAuditDevice } from "../../../vault/audit.js";
import { distributionOfChart } from "../../../vault/distribution.js";
import { runtimeAuthorityLayout } from "../../../vault/layout.js";
import { serverConfigurationOfValues } from "../../../vault/server.js";
import { demoPlan, inputs, outputsOf, runOf } from "../../support/demo-plan.js";
import { startOpenBao, type OpenBao } from "../openbao.js";
import {
  applyPlan,
  type ApplierState,
  type ApplyOptions,
  type ApplyResult,
  type VaultTransport,
} from "../vault-applier.js";

/**
 * The demo platform on a real OpenBao: a server configured as phase 3 needs it (the plan's audit devices declared in
 * its configuration, optionally the plan's TLS listener), and the runtime-authority stack's Vault resources applied
 * to it in the two runs of the real flow, with the root-trust stack's signing ceremony between them.
 */

/** The runtime-authority stack's last run, in the plan's order. */
export const runtimeAuthority = () => runOf("runtime-authority").resources;

/** The planned resources of a type, in plan order. */
export const plannedOf = (type: string): RecordedResource[] => runtimeAuthority().filter((r) => r.type === type);

/** The planned resource of a name (the engine's resource name, e.g. `pki-csr`). */
export function planned(name: string, resources: readonly RecordedResource[] = runtimeAuthority()): RecordedResource {
  const found = resources.find((r) => r.name === name && r.custom && !r.read);
  if (!found) throw new Error(`the demo plan has no resource named ${name}`);
  return found;
}

/**
 * The audit devices the plan's OpenBao release declares in its server configuration (OpenBao refuses them through
 * the API), which a test server must declare too.
 */
export function plannedAuditDevices(): DeclaredAuditDevice[] {
  const release = plannedOf(RESOURCE_TYPES.helmRelease)
    .map(inputs)
    .find((r) => distributionOfChart(r.chart) === "openbao");
  if (!release) throw new Error("the demo plan deploys no OpenBao release");
  const read = declaredAuditDevices(serverConfigurationOfValues(release.values));
  if ("error" in read) throw new Error(`the demo plan's OpenBao release: ${read.error}`);
  return read.devices;
}

/** The `audit` stanzas of those devices, each file moved into `dir`; `moved` gets each planned path's new one. */
export function auditStanzasIn(dir: string, moved: Record<string, string>): Record<string, unknown>[] {
  return plannedAuditDevices().map((a) => {
    const planned = String(a.options.file_path);
    const filePath = planned === "stdout" ? planned : join(dir, planned.split("/").pop()!);
    if (filePath !== planned) moved[planned] = filePath;
    // The description kept: a stanza whose body holds only `options` is misread (vault/audit.ts auditStanzas).
    return {
      [a.type]: { [a.path]: { description: a.description ?? a.path, options: { ...a.options, file_path: filePath } } },
    };
  });
}

/** A canary: a value the tests write that must never appear in any output. */
export const canary = (label: string) => `canary-${label}-${randomBytes(12).toString("hex")}`;

/** Whether `text` holds any canary as is or in base64 (what a CLI or an API could echo). */
export function leaked(text: string, canaries: readonly string[]): string[] {
  return canaries.filter((c) => text.includes(c) || text.includes(Buffer.from(c).toString("base64")));
}

/** A running platform server. */
export interface PlatformServer {
  server: OpenBao;
  /** The API over the dev listener (plain http on 127.0.0.1), for the applier. */
  transport: VaultTransport;
  /** Where the configuration put each audit device's file (plan path -> this server's path). */
  auditFilePaths: Record<string, string>;
  /** The plan's TLS listener, when started with one: its https address and the root CA file clients trust. */
  tls?: { address: string; caFile: string };
  /** The dev server's single unseal key. */
  unsealKey: string;
  seal(): Promise<void>;
  unseal(): Promise<void>;
  stop(): Promise<void>;
}

/** The transport the applier uses over a harness handle. */
export const transportOf = (server: OpenBao): VaultTransport => ({
  address: server.address,
  call: (method, path, body, token) => server.api(method, `/v1/${path}`, body, token),
});

/**
 * The listener of phase 3 re-issued now: the plan's listener CSR signed by the plan's TLS intermediate, through the
 * plan engine's own `tls.LocallySignedCert` model, so its dates start now; the chain leaf then intermediate, as the
 * `vault-tls` Secret holds it.
 */
async function listenerCertificate(): Promise<{ chainPem: string; keyPem: string; rootPem: string }> {
  const resources = runtimeAuthority();
  const cert = planned("vault-listener-cert", resources);
  const signed = await tlsModels[RESOURCE_TYPES.tlsLocallySignedCert]!(inputs(cert), {
    name: cert.name,
    urn: cert.urn,
    now: new Date(),
  });
  const certPem = String(signed.outputs.certPem);
  const chainPem = `${certPem.trimEnd()}\n${String(inputs(cert).caCertPem)}`;
  const keyPem = String(outputsOf(planned("vault-listener-key", resources)).privateKeyPem);
  return { chainPem, keyPem, rootPem: String(outputsOf(runOf("root-trust")).rootCertificatePem) };
}

/**
 * Starts a dev-mode OpenBao (in memory, unsealed) whose configuration declares the plan's audit devices (the volume's
 * file in the server's folder) and, with `tls`, the plan's TLS listener on the next port but one.
 */
export async function startPlatformServer(options: { tls?: boolean } = {}): Promise<PlatformServer> {
  const listener = options.tls ? await listenerCertificate() : undefined;
  const rootToken = `dev-${randomBytes(12).toString("hex")}`;
  const auditFilePaths: Record<string, string> = {};
  let tlsPort = 0;
  const server = await startOpenBao({
    rootToken,
    address: (port) => `http://127.0.0.1:${port}`,
    files: (dir, port) => {
      tlsPort = port + 2;
      const config: Record<string, unknown> = { audit: auditStanzasIn(dir, auditFilePaths) };
      const files: Record<string, string> = {};
      if (listener) {
        files["tls.crt"] = listener.chainPem;
        files["tls.key"] = listener.keyPem;
        files["ca.crt"] = listener.rootPem;
        config.listener = [
          {
            tcp: {
              address: `127.0.0.1:${tlsPort}`,
              tls_cert_file: join(dir, "tls.crt"),
              tls_key_file: join(dir, "tls.key"),
              tls_min_version: "tls12",
            },
          },
        ];
      }
      return { ...files, "platform.json": JSON.stringify(config, null, 2) };
    },
    args: (dir, port) => [
      "-dev",
      `-dev-root-token-id=${rootToken}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      "-dev-no-store-token",
      `-config=${join(dir, "platform.json")}`,
    ],
  });
  // The banner with the unseal key may come a moment after the health endpoint answers.
  let unsealKey: string | undefined;
  for (let waited = 0; !(unsealKey = /Unseal Key: (\S+)/.exec(server.log())?.[1]) && waited < 5000; waited += 50)
    await new Promise((r) => setTimeout(r, 50));
  if (!unsealKey) {
    await server.stop();
    throw new Error(`the dev server printed no unseal key:\n${server.log().slice(-2000)}`);
  }
  return {
    server,
    transport: transportOf(server),
    auditFilePaths,
    ...(listener ? { tls: { address: `https://127.0.0.1:${tlsPort}`, caFile: join(server.dir, "ca.crt") } } : {}),
    unsealKey,
    stop: () => server.stop(),
    async seal() {
      const answer = await server.api("PUT", "/v1/sys/seal");
      if (answer.status !== 204) throw new Error(`sys/seal: HTTP ${answer.status}`);
    },
    async unseal() {
      const answer = await server.api<{ sealed: boolean }>("PUT", "/v1/sys/unseal", { key: unsealKey });
      if (answer.status !== 200 || answer.body.sealed) throw new Error(`sys/unseal: HTTP ${answer.status}`);
    },
  };
}

/** A CA certificate standing in for the cluster's, which Vault in a pod reads from its service account volume. */
export async function kubernetesCaCertificate(): Promise<string> {
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await webcrypto.subtle.generateKey(algorithm, false, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=kubernetes (stands in for the cluster CA)",
    keys,
    signingAlgorithm: algorithm,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  return cert.toString("pem");
}

/** What the offline root's ceremony returns for a CSR. */
export interface SignedChain {
  certificatePem: string;
  /** Intermediate then root, as SignedIntermediateCa publishes `chainPem`. */
  chainPem: string;
  rootCertificatePem: string;
}

/**
 * The signing ceremony for the PKI mount's CSR, as the root-trust stack runs it: the CSR inspected
 * (`inspectIntermediateCsr`), then signed by the plan's `intermediate-vault-pki-cert` (`tls.LocallySignedCert`: the
 * demo root's key and certificate, CA usages, validity) through the plan engine's own model of that resource, now;
 * and the check the runtime-authority stack makes before set-signed (`requireCertifies`).
 */
export async function signAtRoot(csrPem: string, now = new Date()): Promise<SignedChain> {
  // The root-trust stack keeps what it signed in its state: the same CSR gets the same chain on a later run.
  const known = signedBefore.get(csrPem);
  if (known) return known;
  const inspection = await inspectIntermediateCsr(csrPem);
  if (inspection.problems.length > 0) throw new Error(`signing ceremony refused: ${inspection.problems.join("; ")}`);
  const cert = planned("intermediate-vault-pki-cert", runOf("root-trust").resources);
  const given = inputs(cert);
  const signed = await tlsModels[RESOURCE_TYPES.tlsLocallySignedCert]!(
    { ...given, certRequestPem: csrPem },
    { name: cert.name, urn: cert.urn, now },
  );
  const certificatePem = String(signed.outputs.certPem);
  const rootCertificatePem = String(given.caCertPem);
  const chainPem = requireCertifies("PKI", `${certificatePem.trimEnd()}\n${rootCertificatePem}`, csrPem);
  const result = { certificatePem, chainPem, rootCertificatePem };
  signedBefore.set(csrPem, result);
  return result;
}

const signedBefore = new Map<string, SignedChain>();

/** What only the `configured` run registers: the signed chain and the roles that need it. */
export const needsSignedChain = (r: Pick<RecordedResource, "type">) =>
  r.type === RESOURCE_TYPES.vaultPkiIntermediateSetSigned || r.type === RESOURCE_TYPES.vaultPkiRole;

export interface RuntimeAuthorityApply {
  /** The `awaiting-pki-signature` run: everything but the signed chain and the PKI roles. */
  first: ApplyResult;
  /** The ceremony's result for the CSR the server generated. */
  signed: SignedChain;
  csrPem: string;
  /** The `configured` run: the rest, everything else `same`. */
  second: ApplyResult;
  state: ApplierState;
}

/** Options of {@link applyRuntimeAuthority}: the applier's, but the transport, token and inputs. */
export type RuntimeAuthorityOptions = Pick<ApplyOptions, "foreign" | "beforeCall" | "retry"> & {
  kubernetesCaCert: string;
  /** Where a previous, interrupted apply stopped. */
  state?: ApplierState;
  /** A change of the program between runs, applied last: the inputs a later `pulumi up` would send. */
  amend?: (resource: RecordedResource, inputs: Record<string, unknown>) => Record<string, unknown>;
};

/**
 * The runtime-authority stack's Vault resources applied as the real flow applies them: the `awaiting-pki-signature`
 * run (the server generates the intermediate's key and CSR), the root's ceremony on that CSR, and the `configured` run
 * with the signed chain set back and the PKI roles. The Kubernetes auth config is given `kubernetesCaCert`: in a pod,
 * the server reads its cluster's CA from its service account volume, which a test server has not.
 */
export async function applyRuntimeAuthority(
  platform: PlatformServer,
  options: RuntimeAuthorityOptions,
): Promise<RuntimeAuthorityApply> {
  const resources = runtimeAuthority();
  const csr = planned("pki-csr", resources);
  const base: ApplyOptions = {
    transport: platform.transport,
    token: platform.server.rootToken,
    auditFilePaths: platform.auditFilePaths,
    ...(options.foreign ? { foreign: options.foreign } : {}),
    ...(options.beforeCall ? { beforeCall: options.beforeCall } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  };
  const amended = (r: RecordedResource, given: Record<string, unknown>) => options.amend?.(r, given) ?? given;
  const kubernetesConfig = (r: RecordedResource) =>
    amended(
      r,
      r.type === RESOURCE_TYPES.vaultKubernetesAuthConfig
        ? { ...inputs(r), kubernetesCaCert: options.kubernetesCaCert }
        : inputs(r),
    );
  const first = await applyPlan(resources, {
    ...base,
    ...(options.state ? { state: options.state } : {}),
    include: (r) => !needsSignedChain(r),
    inputsOf: kubernetesConfig,
  });
  const csrPem = String(first.state.get(csr.urn)?.outputs.csr);
  const signed = await signAtRoot(csrPem);
  const second = await applyPlan(resources, {
    ...base,
    state: first.state,
    inputsOf: (r, applied) =>
      r.type === RESOURCE_TYPES.vaultPkiIntermediateSetSigned
        ? amended(r, { ...inputs(r), certificate: applied.has(csr.urn) ? signed.chainPem : "" })
        : kubernetesConfig(r),
  });
  return { first, signed, csrPem, second, state: second.state };
}

/**
 * A token with exactly `policies` and not `default` (as the platform's Kubernetes auth roles issue them), made with
 * the root token: what a consumer, issuer or handover identity holds once its login succeeded.
 */
export async function tokenWith(server: OpenBao, policies: readonly string[], ttl = "10m"): Promise<string> {
  const answer = await server.api<{ auth?: { client_token: string; policies: string[] } }>(
    "POST",
    "/v1/auth/token/create",
    { policies, no_default_policy: true, ttl, renewable: false },
  );
  const auth = answer.body.auth;
  if (answer.status !== 200 || !auth) throw new Error(`auth/token/create: HTTP ${answer.status}`);
  if ([...auth.policies].sort().join() !== [...policies].sort().join())
    throw new Error(`auth/token/create gave policies ${auth.policies.join(", ")}, not ${policies.join(", ")}`);
  return auth.client_token;
}

/**
 * A first value in every KV secret the handover does not write, as its writer writes it (cas=0): the PushSecret's
 * writer identity where a consumer policy may create it, the owner (an operator token) otherwise. Canary values.
 */
export async function writeFirstValues(platform: PlatformServer): Promise<Map<string, Record<string, string>>> {
  const policies = plannedOf(RESOURCE_TYPES.vaultPolicy).map(inputs);
  const written = new Map<string, Record<string, string>>();
  const secrets = runtimeAuthorityLayout(demoPlan().registry, { certManager: "cert-manager" }).kvSecrets;
  for (const s of secrets.filter((k) => k.writtenBy !== "handover")) {
    const writer = policies.find(
      (p) =>
        String(p.name).startsWith("consumer.") &&
        (JSON.parse(String(p.policy)) as { path: Record<string, { capabilities: string[] }> }).path[
          s.dataPath
        ]?.capabilities.includes("create"),
    );
    const token = writer ? await tokenWith(platform.server, [String(writer.name)]) : platform.server.rootToken;
    const value = { value: canary(s.purpose) };
    const answer = await platform.server.api("PUT", `/v1/${s.dataPath}`, { options: { cas: 0 }, data: value }, token);
    if (answer.status !== 200)
      throw new Error(`writing ${s.dataPath} as ${String(writer?.name ?? "the owner")}: HTTP ${answer.status}`);
    written.set(s.path, value);
  }
  return written;
}
