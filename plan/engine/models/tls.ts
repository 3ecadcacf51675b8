import { RESOURCE_TYPES } from "../../../policies/resource-types.js";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  webcrypto,
  type KeyObject,
} from "node:crypto";
import sshpk from "sshpk";
import { x509 } from "../../../pki/x509.js";
import type { ModelResult, ResourceModel } from "../monitor.js";

/**
 * Models of the `tls` provider's resources that behave like terraform-provider-tls: real keys in the provider's
 * PEM formats, real X.509 certificates with the requested subject, validity, key usages and basic constraints, a
 * random 128-bit serial as the id, and RFC 3339 validity times. Secretness comes from the SDK's
 * additionalSecretOutputs, as with the real provider.
 */

const CURVES: Record<string, { node: string; web: string; hash: string; ssh: boolean }> = {
  P224: { node: "secp224r1", web: "P-224", hash: "SHA-256", ssh: false },
  P256: { node: "prime256v1", web: "P-256", hash: "SHA-256", ssh: true },
  P384: { node: "secp384r1", web: "P-384", hash: "SHA-384", ssh: true },
  P521: { node: "secp521r1", web: "P-521", hash: "SHA-512", ssh: true },
};

const privateKey: ResourceModel = (inputs) => {
  const algorithm = String(inputs.algorithm);
  const curve = typeof inputs.ecdsaCurve === "string" ? inputs.ecdsaCurve : "P224"; // the provider's default
  const rsaBits = Number(inputs.rsaBits ?? 2048);
  let key: KeyObject;
  let privateKeyPem: string;
  if (algorithm === "ECDSA") {
    const c = CURVES[curve];
    if (!c) throw new Error(`tls.PrivateKey: unsupported ecdsaCurve ${curve}`);
    key = generateKeyPairSync("ec", { namedCurve: c.node }).privateKey;
    privateKeyPem = key.export({ type: "sec1", format: "pem" }).toString();
  } else if (algorithm === "RSA") {
    key = generateKeyPairSync("rsa", { modulusLength: rsaBits }).privateKey;
    privateKeyPem = key.export({ type: "pkcs1", format: "pem" }).toString();
  } else if (algorithm === "ED25519") {
    key = generateKeyPairSync("ed25519").privateKey;
    privateKeyPem = key.export({ type: "pkcs8", format: "pem" }).toString();
  } else throw new Error(`tls.PrivateKey: unsupported algorithm ${algorithm}`);
  const pkcs8 = key.export({ type: "pkcs8", format: "pem" }).toString();
  const publicKeyPem = createPublicKey(key).export({ type: "spki", format: "pem" }).toString();
  // SSH has no P-224; the provider leaves the OpenSSH forms empty then.
  const ssh = algorithm !== "ECDSA" || CURVES[curve]!.ssh ? sshpk.parsePrivateKey(pkcs8, "pem") : undefined;
  return {
    id: createHash("sha1").update(publicKeyPem).digest("hex"),
    outputs: {
      algorithm,
      ecdsaCurve: curve,
      rsaBits,
      privateKeyPem,
      privateKeyPemPkcs8: pkcs8,
      privateKeyOpenssh: ssh ? ssh.toString("openssh") : "",
      publicKeyPem,
      publicKeyOpenssh: ssh ? `${ssh.toPublic().toString("ssh")}\n` : "",
      publicKeyFingerprintMd5: ssh ? ssh.toPublic().fingerprint("md5").toString("hex") : "",
      publicKeyFingerprintSha256: ssh ? ssh.toPublic().fingerprint("sha256").toString() : "",
    },
  };
};

const selfSignedCert: ResourceModel = async (inputs, { now }) => {
  const signer = await importSigner(String(inputs.privateKeyPem));
  const subject = subjectName(inputs.subject);
  const names = subjectAltNames(inputs);
  const cert = await x509.X509CertificateGenerator.create({
    ...validity(inputs, now),
    subject,
    issuer: subject,
    publicKey: signer.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions: [...(await usageExtensions(inputs, signer.publicKey)), ...(names ? [names] : [])],
  });
  return certificateResult(inputs, cert);
};

const locallySignedCert: ResourceModel = async (inputs, { now }) => {
  const csr = new x509.Pkcs10CertificateRequest(String(inputs.certRequestPem));
  if (!(await csr.verify()))
    throw new Error("tls.LocallySignedCert: the certificate request's signature does not verify");
  const ca = new x509.X509Certificate(String(inputs.caCertPem));
  const signer = await importSigner(String(inputs.caPrivateKeyPem));
  const caSki = ca.getExtension(x509.SubjectKeyIdentifierExtension);
  const publicKey = await csr.publicKey.export(webcrypto as unknown as Crypto);
  // The provider copies the subject and the alternative names from the request.
  const names = csr.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension);
  const cert = await x509.X509CertificateGenerator.create({
    ...validity(inputs, now),
    subject: csr.subjectName,
    issuer: ca.subjectName,
    publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions: [
      ...(await usageExtensions(inputs, publicKey)),
      // Go's x509 sets the authority key id from the parent's subject key id.
      ...(caSki ? [new x509.AuthorityKeyIdentifierExtension(caSki.keyId)] : []),
      ...(names ? [names] : []),
    ],
  });
  return certificateResult(inputs, cert);
};

/** A PKCS#10 request with the requested subject and alternative names, signed by the given key; id as the provider's. */
const certRequest: ResourceModel = async (inputs) => {
  const signer = await importSigner(String(inputs.privateKeyPem));
  const names = subjectAltNames(inputs);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(inputs.subject),
    keys: { privateKey: signer.privateKey, publicKey: signer.publicKey },
    signingAlgorithm: signer.algorithm,
    extensions: names ? [names] : [],
  });
  const pem = `${csr.toString("pem")}\n`;
  return { id: createHash("sha1").update(pem).digest("hex"), outputs: { ...inputs, certRequestPem: pem } };
};

export const tlsModels: Record<string, ResourceModel> = {
  [RESOURCE_TYPES.tlsCertRequest]: certRequest,
  [RESOURCE_TYPES.tlsPrivateKey]: privateKey,
  [RESOURCE_TYPES.tlsSelfSignedCert]: selfSignedCert,
  [RESOURCE_TYPES.tlsLocallySignedCert]: locallySignedCert,
};

interface Signer {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  algorithm: Algorithm | EcdsaParams;
}

/** Imports a PEM private key of any of the provider's formats (PKCS#1, SEC1, PKCS#8) for WebCrypto signing. */
async function importSigner(pem: string): Promise<Signer> {
  const key = createPrivateKey(pem);
  const der = key.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  let algorithm: RsaHashedImportParams | EcKeyImportParams | Algorithm;
  let signing: Algorithm | EcdsaParams;
  if (key.asymmetricKeyType === "ec") {
    const curve = Object.values(CURVES).find((c) => c.node === key.asymmetricKeyDetails?.namedCurve);
    if (!curve || curve.web === "P-224")
      throw new Error(`cannot sign with curve ${key.asymmetricKeyDetails?.namedCurve}: use P256, P384 or P521`);
    algorithm = { name: "ECDSA", namedCurve: curve.web };
    signing = { name: "ECDSA", hash: curve.hash };
  } else if (key.asymmetricKeyType === "rsa") {
    algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    signing = algorithm;
  } else if (key.asymmetricKeyType === "ed25519") {
    algorithm = { name: "Ed25519" };
    signing = algorithm;
  } else throw new Error(`cannot sign with a ${key.asymmetricKeyType} key`);
  const subtle = webcrypto.subtle as unknown as SubtleCrypto;
  return {
    privateKey: await subtle.importKey("pkcs8", der, algorithm, false, ["sign"]),
    publicKey: await subtle.importKey("spki", spki, algorithm, true, ["verify"]),
    algorithm: signing,
  };
}

const KEY_USAGES: Record<string, x509.KeyUsageFlags> = {
  digital_signature: x509.KeyUsageFlags.digitalSignature,
  content_commitment: x509.KeyUsageFlags.nonRepudiation,
  key_encipherment: x509.KeyUsageFlags.keyEncipherment,
  data_encipherment: x509.KeyUsageFlags.dataEncipherment,
  key_agreement: x509.KeyUsageFlags.keyAgreement,
  cert_signing: x509.KeyUsageFlags.keyCertSign,
  crl_signing: x509.KeyUsageFlags.cRLSign,
  encipher_only: x509.KeyUsageFlags.encipherOnly,
  decipher_only: x509.KeyUsageFlags.decipherOnly,
};
const EXTENDED_USAGES: Record<string, string> = {
  any_extended: "2.5.29.37.0",
  server_auth: x509.ExtendedKeyUsage.serverAuth,
  client_auth: x509.ExtendedKeyUsage.clientAuth,
  code_signing: x509.ExtendedKeyUsage.codeSigning,
  email_protection: x509.ExtendedKeyUsage.emailProtection,
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  ocsp_signing: x509.ExtendedKeyUsage.ocspSigning,
};

/** A random serial and the validity window: from now, for validityPeriodHours. */
function validity(inputs: Record<string, unknown>, now: Date) {
  return {
    serialNumber: serialHex(),
    notBefore: now,
    notAfter: new Date(now.getTime() + Number(inputs.validityPeriodHours) * 3_600_000),
  };
}

/** Key usages, extended key usages, basic constraints and subject key id, as the provider's createCertificate sets them. */
async function usageExtensions(inputs: Record<string, unknown>, publicKey: CryptoKey): Promise<x509.Extension[]> {
  const uses = (inputs.allowedUses as string[] | undefined) ?? [];
  const isCa = inputs.isCaCertificate === true;
  const maxPathLength = Number(inputs.maxPathLength ?? 0);
  const keyUsage = uses.reduce((flags, u) => flags | (KEY_USAGES[u] ?? 0), 0);
  const extended = uses.map((u) => EXTENDED_USAGES[u]).filter((u): u is string => !!u);
  const extensions: x509.Extension[] = [];
  if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (extended.length) extensions.push(new x509.ExtendedKeyUsageExtension(extended, false));
  // Go reads MaxPathLen 0 (without MaxPathLenZero) as "no constraint"; the provider passes 0 by default.
  if (isCa)
    extensions.push(new x509.BasicConstraintsExtension(true, maxPathLength > 0 ? maxPathLength : undefined, true));
  if (isCa || inputs.setSubjectKeyId === true)
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
  return extensions;
}

function subjectAltNames(inputs: Record<string, unknown>): x509.SubjectAlternativeNameExtension | undefined {
  const names = [
    ...((inputs.dnsNames as string[] | undefined) ?? []).map((value) => ({ type: "dns" as const, value })),
    ...((inputs.ipAddresses as string[] | undefined) ?? []).map((value) => ({ type: "ip" as const, value })),
    ...((inputs.uris as string[] | undefined) ?? []).map((value) => ({ type: "url" as const, value })),
  ];
  return names.length ? new x509.SubjectAlternativeNameExtension(names) : undefined;
}

function certificateResult(inputs: Record<string, unknown>, cert: x509.X509Certificate): ModelResult {
  return {
    id: BigInt(`0x${cert.serialNumber}`).toString(10),
    outputs: {
      ...inputs,
      certPem: `${cert.toString("pem")}\n`,
      validityStartTime: rfc3339(cert.notBefore),
      validityEndTime: rfc3339(cert.notAfter),
      readyForRenewal: false,
      earlyRenewalHours: inputs.earlyRenewalHours ?? 0,
      isCaCertificate: inputs.isCaCertificate ?? false,
      keyAlgorithm: keyAlgorithmName(cert),
    },
  };
}

function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function keyAlgorithmName(cert: x509.X509Certificate): string {
  const name = cert.publicKey.algorithm.name;
  return name === "ECDSA" ? "ECDSA" : name === "Ed25519" ? "ED25519" : "RSA";
}

/** A positive 128-bit serial, as the provider draws it. */
function serialHex(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString("hex");
}

/** The provider's subject block as an X.509 name, in Go's pkix.Name order. */
function subjectName(subject: unknown): x509.Name {
  const s = (subject ?? {}) as Record<string, unknown>;
  const parts: x509.JsonName = [];
  const add = (type: string, value: unknown) => {
    // The provider's subject fields are strings, or lists of strings.
    const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    if (Array.isArray(value)) for (const v of value) parts.push({ [type]: [text(v)] });
    else if (value !== undefined && value !== null && value !== "") parts.push({ [type]: [text(value)] });
  };
  add("C", s.country);
  add("ST", s.province);
  add("L", s.locality);
  add("street", s.streetAddresses);
  add("postalCode", s.postalCode);
  add("O", s.organization);
  add("OU", s.organizationalUnit);
  add("CN", s.commonName);
  add("serialNumber", s.serialNumber);
  return new x509.Name(parts);
}
