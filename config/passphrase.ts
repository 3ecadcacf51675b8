import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from "node:crypto";

/**
 * The Pulumi CLI's passphrase secrets provider, so stack files written by `pulumi config set --secret` (with
 * PULUMI_CONFIG_PASSPHRASE) decrypt here, and values encrypted here decrypt in the CLI:
 * key = PBKDF2-SHA256(passphrase, salt, 1,000,000 iterations, 32 bytes); values are AES-256-GCM,
 * written `v1:<base64 nonce>:<base64 ciphertext+tag>`; the stack's `encryptionsalt` is
 * `v1:<base64 salt>:<the encryption of "pulumi">`, which tells a wrong passphrase from a corrupt value.
 */
export class PassphraseCrypter {
  private constructor(private readonly key: Buffer) {}

  /** Opens a stack's `encryptionsalt` with `passphrase`; throws "incorrect passphrase" when it does not fit. */
  static open(encryptionSalt: string, passphrase: string): PassphraseCrypter {
    const match = /^v1:([^:]+):(v1:[^:]+:[^:]+)$/.exec(encryptionSalt);
    if (!match) throw new Error("encryptionsalt is not in the passphrase provider's v1 format");
    const crypter = new PassphraseCrypter(deriveKey(passphrase, Buffer.from(match[1]!, "base64")));
    let check: string;
    try {
      check = crypter.decrypt(match[2]!);
    } catch {
      throw new Error("incorrect passphrase");
    }
    if (check !== "pulumi") throw new Error("incorrect passphrase");
    return crypter;
  }

  /** A new salt and crypter, as `pulumi stack init --secrets-provider passphrase` makes them. */
  static create(passphrase: string): { encryptionSalt: string; crypter: PassphraseCrypter } {
    const salt = randomBytes(8);
    const crypter = new PassphraseCrypter(deriveKey(passphrase, salt));
    return { encryptionSalt: `v1:${salt.toString("base64")}:${crypter.encrypt("pulumi")}`, crypter };
  }

  encrypt(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1:${nonce.toString("base64")}:${sealed.toString("base64")}`;
  }

  decrypt(ciphertext: string): string {
    const parts = ciphertext.split(":");
    if (parts.length !== 3 || parts[0] !== "v1") throw new Error("not a v1 secure value");
    const nonce = Buffer.from(parts[1]!, "base64");
    const sealed = Buffer.from(parts[2]!, "base64");
    if (nonce.length !== 12 || sealed.length < 16) throw new Error("malformed secure value");
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString("utf8");
  }
}

const keys = new Map<string, Buffer>();

/** 1,000,000 PBKDF2 rounds take ~0.5 s; stacks that share a salt and passphrase derive the key once. */
function deriveKey(passphrase: string, salt: Buffer): Buffer {
  const id = `${salt.toString("base64")}\0${passphrase}`;
  let key = keys.get(id);
  if (!key) {
    key = pbkdf2Sync(passphrase, salt, 1_000_000, 32, "sha256");
    keys.set(id, key);
  }
  return key;
}
