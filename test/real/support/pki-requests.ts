import { webcrypto } from "node:crypto";
import { x509 } from "../../../pki/x509.js";

/**
 * Certificate requests as cert-manager's Vault issuer makes them (`<mount>/sign/<role>` with the CSR, `common_name`,
 * `alt_names`, `ip_sans` and `ttl`), for keys of the role's type.
 */

const CURVES: Record<number, { namedCurve: string; hash: string }> = {
  256: { namedCurve: "P-256", hash: "SHA-256" },
  384: { namedCurve: "P-384", hash: "SHA-384" },
  521: { namedCurve: "P-521", hash: "SHA-512" },
};

/** What to ask for. */
export interface CertificateAsk {
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
}

/** A PKCS#10 request for a fresh key of `keyType`/`keyBits` (the role's), naming `ask` in its subject and SANs. */
export async function certificateRequest(keyType: string, keyBits: number, ask: CertificateAsk): Promise<string> {
  const algorithm =
    keyType === "ec"
      ? { name: "ECDSA", ...(CURVES[keyBits] ?? CURVES[256]!) }
      : keyType === "ed25519"
        ? { name: "Ed25519" }
        : {
            name: "RSASSA-PKCS1-v1_5",
            hash: "SHA-256",
            publicExponent: new Uint8Array([1, 0, 1]),
            modulusLength: keyBits || 2048,
          };
  const keys = (await webcrypto.subtle.generateKey(algorithm, false, ["sign", "verify"])) as CryptoKeyPair;
  const names = [
    ...(ask.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(ask.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: ask.commonName ? `CN=${ask.commonName}` : "",
    keys,
    signingAlgorithm: algorithm,
    extensions: names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return csr.toString("pem");
}

/** The body cert-manager's Vault issuer sends to `sign/<role>`. */
export function signRequest(csrPem: string, ask: CertificateAsk, ttlSeconds: number): Record<string, string> {
  return {
    csr: csrPem,
    common_name: ask.commonName ?? "",
    alt_names: (ask.dnsNames ?? []).join(","),
    ip_sans: (ask.ipAddresses ?? []).join(","),
    ttl: `${ttlSeconds}s`,
    exclude_cn_from_sans: "true",
    format: "pem",
  };
}
