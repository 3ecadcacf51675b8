// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { randomBytes, webcrypto } from "node:crypto";

/**
 * The certificates and keys of one control plane, made per run as envtest makes them: a CA of its own, the API
 * server's serving certificate (localhost, 127.0.0.1), client certificates it signs for any user and groups, and the
 * service-account signing key. All ECDSA P-256 (Go's TLS and the JWT signer both take it); PEM throughout.
 */

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
/** A run lasts minutes; a day covers a cluster left up by hand for a day's tries. */
const VALIDITY_MS = 24 * 3600_000;

export interface KeyPairPem {
  certificatePem: string;
  keyPem: string;
}

export interface ControlPlaneCa extends KeyPairPem {
  /** A client certificate for `user` in `groups` (system:masters is the admin), signed by this CA. */
  clientCertificate(user: string, groups?: readonly string[]): Promise<KeyPairPem>;
  /** The API server's serving certificate for these names (DNS names and IP addresses). */
  servingCertificate(dnsNames: readonly string[], ips: readonly string[]): Promise<KeyPairPem>;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** A positive 128-bit serial: unique per certificate, as RFC 5280 asks of a CA. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString("hex");
}

/** The cluster CA: self-signed, for signing certificates only. */
export async function createControlPlaneCa(
  commonName = "secrets-platform test control plane CA",
): Promise<ControlPlaneCa> {
  const keys = await keyPair();
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + VALIDITY_MS);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: new x509.Name([{ CN: [commonName] }]),
    keys,
    signingAlgorithm: ALGORITHM,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caKeyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;

  async function issue(subject: x509.Name, extensions: x509.Extension[]): Promise<KeyPairPem> {
    const leaf = await keyPair();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject,
      issuer: ca.subjectName,
      notBefore,
      notAfter,
      publicKey: leaf.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.AuthorityKeyIdentifierExtension(caKeyId),
        ...extensions,
      ],
    });
    return { certificatePem: cert.toString("pem"), keyPem: await privateKeyPem(leaf.privateKey) };
  }

  return {
    certificatePem: ca.toString("pem"),
    keyPem: await privateKeyPem(keys.privateKey),
    // The API server's x509 authenticator reads the user from CN and the groups from O.
    clientCertificate: (user, groups = []) =>
      issue(new x509.Name([{ CN: [user] }, ...groups.map((g) => ({ O: [g] }))]), [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ]),
    servingCertificate: (dnsNames, ips) =>
      issue(new x509.Name([{ CN: ["kube-apiserver"] }]), [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...dnsNames.map((value) => ({ type: "dns" as const, value })),
          ...ips.map((value) => ({ type: "ip" as const, value })),
        ]),
      ]),
  };
}

/** The service-account token signing key (private, PKCS#8) and its public half (SPKI), PEM. */
export async function serviceAccountKeys(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const keys = await keyPair();
  return {
    privateKeyPem: await privateKeyPem(keys.privateKey),
    publicKeyPem: x509.PemConverter.encode(await webcrypto.subtle.exportKey("spki", keys.publicKey), "PUBLIC KEY"),
  };
}
