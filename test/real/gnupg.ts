import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join } from "node:path";
import { promisify } from "node:util";

/**
 * The operators of the init ceremony, each with a PGP key of their own, made with Debian's GnuPG (`gpg`, which
 * `.ci/run` installs): one GNUPGHOME per operator in a temp folder, so an operator decrypts their own share and no
 * one else's, as the ceremony intends. The homes (and the gpg-agent each one starts) are removed by `stop()`.
 */

const run = promisify(execFile);

/** Why the tests that need GnuPG cannot run here, or false (CI requires them: REQUIRE_REAL_TOOLS=1). */
export async function gnupgSkipReason(env: NodeJS.ProcessEnv = process.env): Promise<string | false> {
  if (env.REQUIRE_REAL_TOOLS === "1") return false;
  try {
    await run("gpg", ["--version"]);
    return false;
  } catch {
    return "gpg is absent; install Debian's gnupg (apt-get install gnupg), as .ci/run does";
  }
}

export interface Operator {
  /** The name the stack's key file gives (`operators/alice.asc` → `alice`). */
  name: string;
  /** The armored public key, written where the ceremony command expects it. */
  publicKeyFile: string;
  /** Decrypts what OpenBao encrypted to this operator's key (base64 of a binary PGP message), as the operator does. */
  decrypt(base64: string): Promise<string>;
}

export interface Operators {
  operators: Operator[];
  /** Kills each home's gpg-agent and removes the homes; may be called more than once. */
  stop(): Promise<void>;
}

/**
 * One operator per key file the stack names (paths relative to `dir`, as the ceremony command names them), each key
 * generated in its own home: Ed25519 for signing and Curve25519 for encryption (GnuPG's `future-default`), no
 * passphrase (a test key), never expiring.
 */
export async function createOperators(dir: string, keyFiles: readonly string[]): Promise<Operators> {
  const homes: string[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const home of homes) {
      await run("gpgconf", ["--kill", "all"], { env: gpgEnv(home) }).catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    }
  };
  try {
    const operators: Operator[] = [];
    for (const file of keyFiles) {
      const name = basename(file, extname(file));
      // Short and private: gpg-agent's socket lives here (sockets have a ~100-character path limit).
      const home = mkdtempSync(join(tmpdir(), `gpg-${name}-`));
      homes.push(home);
      const env = gpgEnv(home);
      const uid = `${name} <${name}@operators.test>`;
      const batch = ["--batch", "--pinentry-mode", "loopback", "--passphrase", ""];
      await run("gpg", [...batch, "--quick-gen-key", uid, "future-default", "default", "never"], { env });
      const { stdout: armored } = await run("gpg", ["--batch", "--armor", "--export", uid], { env });
      const publicKeyFile = join(dir, file);
      mkdirSync(dirname(publicKeyFile), { recursive: true });
      writeFileSync(publicKeyFile, armored);
      operators.push({ name, publicKeyFile, decrypt: (b64) => decrypt(env, b64) });
    }
    return { operators, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

const gpgEnv = (home: string) => ({ PATH: process.env.PATH ?? "", GNUPGHOME: home });

function decrypt(env: Record<string, string>, base64: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn("gpg", ["--batch", "--quiet", "--decrypt"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0 ? done(stdout.trim()) : fail(new Error(`gpg --decrypt exited ${code}: ${stderr.trim()}`)),
    );
    child.stdin.end(Buffer.from(base64, "base64"));
  });
}
