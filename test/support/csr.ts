import { webcrypto } from "node:crypto";
import { x509 } from "../../pki/x509.js";

/** A CSR for an intermediate CA, as Vault's `pki/intermediate/generate/internal` returns one. */
export async function intermediateCsr(
  options: { commonName?: string; algorithm?: "ECDSA" | "RSA-1024" } = {},
): Promise<string> {
  const algorithm =
    options.algorithm === "RSA-1024"
      ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 1024 }
      : { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${options.commonName ?? "Demo Platform Vault Intermediate CA"}`,
    keys,
    signingAlgorithm: algorithm,
  });
  return csr.toString("pem");
}
