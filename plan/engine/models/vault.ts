import { RESOURCE_TYPES } from "../../../policies/resource-types.js";
import { randomBytes, randomUUID, webcrypto } from "node:crypto";
import { x509 } from "../../../pki/x509.js";
import type { ResourceModel } from "../monitor.js";

/**
 * Models of the `vault` provider's resources, answering as Vault and terraform-provider-vault do: ids are the API
 * paths the provider uses, mounts and auth methods get accessors, transit keys start at version 1, an intermediate
 * CSR is a real PKCS#10 request from a key that stays "inside Vault" (type internal: no private key output), and
 * Vault's validation that a plan could otherwise hide is applied: policy documents must parse, set-signed needs a
 * certificate, KV metadata must be valid JSON.
 */

const hex = (n: number) => randomBytes(n).toString("hex");
const echo =
  (
    id: (i: Record<string, unknown>) => string,
    extra: (i: Record<string, unknown>) => Record<string, unknown> = () => ({}),
  ): ResourceModel =>
  (inputs) => ({
    id: id(inputs),
    outputs: { ...inputs, ...extra(inputs) },
  });

const mount = echo(
  (i) => String(i.path),
  (i) => ({ accessor: `${String(i.type)}_${hex(4)}` }),
);

const authBackend = echo(
  (i) => String(i.path ?? i.type),
  (i) => ({ accessor: `auth_${String(i.type)}_${hex(4)}`, path: i.path ?? i.type }),
);

/** Vault reads a policy in HCL or JSON; the platform writes JSON, so anything else is a bug the plan must show. */
const policy: ResourceModel = (inputs) => {
  const doc = JSON.parse(String(inputs.policy)) as { path?: Record<string, { capabilities?: unknown }> };
  for (const [path, rule] of Object.entries(doc.path ?? {}))
    if (!Array.isArray(rule.capabilities))
      throw new Error(`vault.Policy ${String(inputs.name)}: path "${path}" has no capabilities list`);
  return { id: String(inputs.name), outputs: { ...inputs } };
};

const genericEndpoint: ResourceModel = (inputs) => {
  JSON.parse(String(inputs.dataJson));
  return { id: String(inputs.path), outputs: { ...inputs, writeData: {}, writeDataJson: "null" } };
};

const intermediateCertRequest: ResourceModel = async (inputs) => {
  if (inputs.type !== "internal")
    throw new Error("the platform generates intermediate keys inside Vault (type internal)");
  const curve = { 256: "P-256", 384: "P-384", 521: "P-521" }[Number(inputs.keyBits ?? 256)];
  if (inputs.keyType !== "ec" || !curve)
    throw new Error(`unsupported intermediate key ${String(inputs.keyType)}/${String(inputs.keyBits)}`);
  const algorithm = { name: "ECDSA", namedCurve: curve, hash: curve === "P-256" ? "SHA-256" : "SHA-384" };
  const keys = await webcrypto.subtle.generateKey(algorithm, false, ["sign", "verify"]);
  const name = [
    `CN=${String(inputs.commonName)}`,
    ...(typeof inputs.organization === "string" && inputs.organization ? [`O=${inputs.organization}`] : []),
  ].join(", ");
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: algorithm });
  return {
    id: `${String(inputs.backend)}/intermediate/generate/internal`,
    outputs: { ...inputs, csr: csr.toString("pem"), keyId: randomUUID(), privateKey: "", privateKeyType: "" },
  };
};

const intermediateSetSigned: ResourceModel = (inputs) => {
  const bundle = String(inputs.certificate);
  if (!bundle.includes("BEGIN CERTIFICATE")) throw new Error("set-signed needs the signed certificate (PEM)");
  new x509.X509Certificate(bundle.slice(bundle.indexOf("-----BEGIN CERTIFICATE-----")));
  return {
    id: `${String(inputs.backend)}/intermediate/set-signed`,
    outputs: { ...inputs, importedIssuers: [randomUUID()], importedKeys: [] },
  };
};

const transitKey = echo(
  (i) => `${String(i.backend)}/keys/${String(i.name)}`,
  () => ({
    latestVersion: 1,
    minAvailableVersion: 0,
    minDecryptionVersion: 1,
    minEncryptionVersion: 0,
    supportsEncryption: true,
    supportsSigning: true,
  }),
);

export const vaultModels: Record<string, ResourceModel> = {
  "pulumi:providers:vault": echo(() => randomUUID()),
  [RESOURCE_TYPES.vaultMount]: mount,
  [RESOURCE_TYPES.vaultAuthBackend]: authBackend,
  [RESOURCE_TYPES.vaultPolicy]: policy,
  [RESOURCE_TYPES.vaultAudit]: echo((i) => String(i.path)),
  [RESOURCE_TYPES.vaultGenericEndpoint]: genericEndpoint,
  [RESOURCE_TYPES.vaultKvSecretBackendV2]: echo((i) => `${String(i.mount)}/config`),
  [RESOURCE_TYPES.vaultTransitKey]: transitKey,
  [RESOURCE_TYPES.vaultKubernetesAuthConfig]: echo((i) => `auth/${String(i.backend)}/config`),
  [RESOURCE_TYPES.vaultKubernetesAuthRole]: echo((i) => `auth/${String(i.backend)}/role/${String(i.roleName)}`),
  [RESOURCE_TYPES.vaultPkiIntermediateCsr]: intermediateCertRequest,
  [RESOURCE_TYPES.vaultPkiIntermediateSetSigned]: intermediateSetSigned,
  [RESOURCE_TYPES.vaultPkiConfigUrls]: echo((i) => `${String(i.backend)}/config/urls`),
  [RESOURCE_TYPES.vaultPkiRole]: echo((i) => `${String(i.backend)}/roles/${String(i.name)}`),
};
