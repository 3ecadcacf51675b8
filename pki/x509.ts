// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata polyfill first.
import "reflect-metadata";
import { webcrypto, X509Certificate as NodeX509 } from "node:crypto";
import * as x509 from "@peculiar/x509";

// @peculiar/x509 signs and verifies through WebCrypto; Node's implementation is the one to use everywhere here.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };

/** SHA-256 fingerprint of a PEM certificate, as `AB:CD:...` (the form `openssl x509 -fingerprint -sha256` prints). */
export function certificateFingerprint(pem: string): string {
  return new NodeX509(pem).fingerprint256;
}

/** The subject of a PEM certificate in its encoding order, e.g. `O=Demo Platform, CN=Demo Platform Root CA`. */
export function certificateSubject(pem: string): string {
  return new x509.X509Certificate(pem).subject;
}

/** Splits a PEM bundle into its certificates, in order. */
export function splitPemBundle(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** What the signing ceremony checks of a CSR before the root signs it. */
export interface CsrInspection {
  subject: string;
  publicKeyAlgorithm: string;
  problems: string[];
}

/**
 * Checks an intermediate CA CSR before the offline root signs it: the request is self-consistent (its signature
 * verifies with its own key) and the key is strong enough for a CA. A ceremony that signs whatever arrives through a
 * stack reference would let anyone who can write that stack mint a trusted CA.
 */
export async function inspectIntermediateCsr(pem: string): Promise<CsrInspection> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    return { subject: "", publicKeyAlgorithm: "", problems: ["is not a PEM PKCS#10 certificate request"] };
  }
  const problems: string[] = [];
  if (!(await csr.verify())) problems.push("its signature does not verify with its own public key");
  const algorithm = csr.publicKey.algorithm as EcKeyAlgorithm & RsaHashedKeyAlgorithm & { name: string };
  const strong =
    (algorithm.name === "ECDSA" && ["P-256", "P-384", "P-521"].includes(algorithm.namedCurve)) ||
    (algorithm.name.startsWith("RSA") && algorithm.modulusLength >= 2048) ||
    algorithm.name === "Ed25519";
  const described =
    algorithm.name === "ECDSA"
      ? `ECDSA ${algorithm.namedCurve}`
      : algorithm.name.startsWith("RSA")
        ? `RSA ${algorithm.modulusLength}`
        : algorithm.name;
  if (!strong)
    problems.push(`its key (${described}) is too weak for a CA: use ECDSA P-256 or stronger, or RSA 2048 or more`);
  if (!csr.subject) problems.push("it has an empty subject");
  return { subject: csr.subject, publicKeyAlgorithm: described, problems };
}

/**
 * Whether a signed certificate (the first of a chain) certifies the key of a certificate request: the same
 * SubjectPublicKeyInfo. A stack that lost its state generates new keys; a certificate the root signed for the old key
 * must then not be used (docs/failure-modes.md "Cluster loss").
 */
export function certifiesRequest(certificatePem: string, csrPem: string): boolean {
  const certificate = new x509.X509Certificate(splitPemBundle(certificatePem)[0]!);
  const request = new x509.Pkcs10CertificateRequest(csrPem);
  return Buffer.from(certificate.publicKey.rawData).equals(Buffer.from(request.publicKey.rawData));
}

/** The certificate (chain) when it certifies the request's key; otherwise a deployment error that says what to do. */
export function requireCertifies(what: string, certificatePem: string, csrPem: string): string {
  if (!certifiesRequest(certificatePem, csrPem))
    throw new Error(
      `the signed ${what} intermediate certifies another key than this stack's current CSR (its state was lost or its key replaced): run the signing ceremony again (docs/failure-modes.md "Cluster loss")`,
    );
  return certificatePem;
}
