import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { HANDOVER_SCRIPT } from "../vault/handover-script.js";

/**
 * A stand-in for the `vault` CLI with KV v2's semantics for what the script uses: Kubernetes login, metadata
 * current_version, and `kv put -cas=0` (refused once the secret exists). It stores what it is given, so a test
 * can compare Vault's copy with the Secret, and counts writes.
 */
const FAKE_VAULT = `#!/bin/sh
state="$FAKE_VAULT_STATE"
case "$1 $2" in
  "write -field=token")
    [ -f "$state/deny-login" ] && { echo "Error writing data to auth/kubernetes/login: permission denied" >&2; exit 2; }
    echo "$*" >> "$state/logins"
    echo "hvs.fake-token" ;;
  "kv metadata")
    [ "$VAULT_TOKEN" = "hvs.fake-token" ] || { echo "permission denied" >&2; exit 2; }
    if [ -f "$state/version" ]; then cat "$state/version"; else echo "No value found at kv/metadata/x" >&2; exit 2; fi ;;
  "kv put")
    [ "$VAULT_TOKEN" = "hvs.fake-token" ] || { echo "permission denied" >&2; exit 2; }
    shift 2
    case " $* " in *" -cas=0 "*) ;; *) echo "check-and-set parameter required for this call" >&2; exit 2 ;; esac
    [ -f "$state/version" ] && { echo "check-and-set parameter did not match the current version" >&2; exit 2; }
    mkdir -p "$state/data"
    for arg in "$@"; do
      case "$arg" in *=@*) cp "\${arg#*=@}" "$state/data/\${arg%%=@*}" ;; esac
    done
    echo 1 > "$state/version"
    echo write >> "$state/writes" ;;
  *) echo "unexpected vault call: $*" >&2; exit 3 ;;
esac
`;

function sandbox(secret: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "handover-"));
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  const value = join(dir, "value");
  for (const d of [bin, state, value]) mkdirSync(d);
  writeFileSync(join(bin, "vault"), FAKE_VAULT);
  chmodSync(join(bin, "vault"), 0o755);
  // A mounted Secret: one file per key, plus the ..data machinery the kubelet adds (hidden, never copied).
  mkdirSync(join(value, "..data"));
  for (const [k, v] of Object.entries(secret)) writeFileSync(join(value, k), v);
  writeFileSync(join(dir, "token"), "eyJ.projected.token");
  const run = () =>
    spawnSync("sh", ["-c", HANDOVER_SCRIPT], {
      encoding: "utf8",
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_VAULT_STATE: state,
        AUTH_PATH: "kubernetes",
        ROLE: "handover.vault-kms-unseal-credentials",
        KV_MOUNT: "kv",
        KV_PATH: "platform/vault-kms-unseal-credentials",
        SECRET: "vault/vault-kms-unseal",
        TOKEN_FILE: join(dir, "token"),
        VALUE_DIR: value,
      },
    });
  const writes = () =>
    existsSync(join(state, "writes")) ? readFileSync(join(state, "writes"), "utf8").trim().split("\n").length : 0;
  const stored = () =>
    Object.fromEntries(
      existsSync(join(state, "data"))
        ? readdirSync(join(state, "data")).map((k) => [k, readFileSync(join(state, "data", k), "utf8")])
        : [],
    );
  return { run, writes, stored, state };
}

const SECRET = {
  credentials: "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wJalrEXAMPLEKEY\n",
  region: "eu-west-1",
};

describe("the handover Job's script", () => {
  it("copies every key of the bootstrap Secret into Vault once, with cas=0, logging in with the Job's own identity", () => {
    const box = sandbox(SECRET);
    const result = box.run();
    assert.equal(result.status, 0, result.stderr);
    assert.equal(box.writes(), 1);
    assert.deepEqual(box.stored(), SECRET);
    assert.match(
      readFileSync(join(box.state, "logins"), "utf8"),
      /auth\/kubernetes\/login role=handover\.vault-kms-unseal-credentials jwt=@/,
    );
    assert.match(result.stdout, /created from Secret vault\/vault-kms-unseal \(2 keys\)/);
  });

  it("writes nothing when run again: the value in Vault is the authority", () => {
    const box = sandbox(SECRET);
    assert.equal(box.run().status, 0);
    const again = box.run();
    assert.equal(again.status, 0, again.stderr);
    assert.equal(box.writes(), 1, "no second write");
    assert.match(again.stdout, /already holds version 1; nothing written/);
  });

  it("never prints the value or the Vault token", () => {
    const box = sandbox(SECRET);
    const first = box.run();
    const second = box.run();
    const printed = [first.stdout, first.stderr, second.stdout, second.stderr].join("\n");
    for (const secret of ["AKIAEXAMPLE", "wJalrEXAMPLEKEY", "hvs.fake-token", "eyJ.projected.token"])
      assert.ok(!printed.includes(secret), secret);
  });

  it("fails without writing when it cannot log in, so the bootstrap Secret stays authoritative", () => {
    const box = sandbox(SECRET);
    writeFileSync(join(box.state, "deny-login"), "");
    const result = box.run();
    assert.notEqual(result.status, 0);
    assert.equal(box.writes(), 0);
  });

  it("fails on an empty Secret rather than handing over nothing", () => {
    const box = sandbox({});
    const result = box.run();
    assert.equal(result.status, 1);
    assert.match(result.stderr, /has no keys; nothing written/);
    assert.equal(box.writes(), 0);
  });
});
