import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { bech32 } from "@scure/base";

/**
 * age X25519 keys as SOPS uses them: recipients `age1...` (public) and identities `AGE-SECRET-KEY-1...` (private),
 * both bech32 with a checksum, so a typo is caught here rather than by a manifest nobody can decrypt.
 */

/** DER prefix of a PKCS#8 X25519 private key; the 32-byte scalar follows. */
const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

export function isAgeRecipient(text: string): boolean {
  return decode(text, "age") !== undefined;
}

export function isAgeIdentity(text: string): boolean {
  return decode(text.toLowerCase(), "age-secret-key-") !== undefined && text === text.toUpperCase();
}

/** The recipient (public key) of an identity, as `age-keygen -y` prints it. */
export function ageRecipientOf(identity: string): string {
  const scalar = decode(identity.toLowerCase(), "age-secret-key-");
  if (!scalar) throw new Error("not an age identity");
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, scalar]), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(key).export({ format: "der", type: "spki" }).subarray(-32);
  return bech32.encode("age", bech32.toWords(publicKey));
}

/** A new identity, as `age-keygen` makes one. */
export function generateAgeIdentity(): string {
  const { privateKey } = generateKeyPairSync("x25519");
  const scalar = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  return bech32.encode("age-secret-key-", bech32.toWords(scalar), 100).toUpperCase();
}

function decode(text: string, prefix: string): Uint8Array | undefined {
  try {
    const decoded = bech32.decode(text as `${string}1${string}`, 100);
    if (decoded.prefix !== prefix) return undefined;
    const bytes = bech32.fromWords(decoded.words);
    return bytes.length === 32 ? bytes : undefined;
  } catch {
    return undefined;
  }
}
