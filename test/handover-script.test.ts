import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { inputs, runOf } from "./support/demo-plan.js";
import { HANDOVER_SCRIPT } from "../vault/handover-script.js";
import { scratchDir } from "./support/scratch.js";

/**
 * A stand-in for the `vault` CLI with KV v2's semantics for what the script uses: Kubernetes login, the metadata
 * endpoint's current_version (`read -field`, as both CLIs have it: `kv metadata get` has no -field flag), and
 * `kv put -cas=0` (refused once the secret exists). It accepts only the tokens in `tokens`, stores what it is given, so
 * a test can compare Vault's copy with the Secret, and records each write's token. The real CLI against a real server:
 * test/real/kv-handover.test.ts.
 */
const FAKE_VAULT = `#!/bin/sh
state="$FAKE_VAULT_STATE"
[ -f "$state/sealed" ] && { echo "Error making API request. Code: 503. Errors: * Vault is sealed" >&2; exit 2; }
case "$1 $2" in
  "write -field=token")
    [ -f "$state/deny-login" ] && { echo "Error writing data to auth/kubernetes/login: permission denied" >&2; exit 2; }
    echo "$(basename "$0") $*" >> "$state/logins"
    echo "hvs.fake-token" ;;
  "read -field=current_version")
    [ "$VAULT_TOKEN" = "$BAO_TOKEN" ] || { echo "VAULT_TOKEN and BAO_TOKEN differ" >&2; exit 3; }
    grep -qx "$VAULT_TOKEN" "$state/tokens" || { echo "permission denied" >&2; exit 2; }
    if [ -f "$state/version" ]; then cat "$state/version"; else echo "No value found at $3" >&2; exit 2; fi ;;
  "kv put")
    [ "$VAULT_TOKEN" = "$BAO_TOKEN" ] || { echo "VAULT_TOKEN and BAO_TOKEN differ" >&2; exit 3; }
    grep -qx "$VAULT_TOKEN" "$state/tokens" || { echo "permission denied" >&2; exit 2; }
    shift 2
    case " $* " in *" -cas=0 "*) ;; *) echo "check-and-set parameter required for this call" >&2; exit 2 ;; esac
    [ -f "$state/version" ] && { echo "check-and-set parameter did not match the current version" >&2; exit 2; }
    mkdir -p "$state/data"
    for arg in "$@"; do
      case "$arg" in *=@*) cp "\${arg#*=@}" "$state/data/\${arg%%=@*}" ;; esac
    done
    echo 1 > "$state/version"
    echo "$VAULT_TOKEN" >> "$state/writes" ;;
  *) echo "unexpected vault call: $*" >&2; exit 3 ;;
esac
`;

/** A Job's sandbox: the CLI stand-in (as `vault` and as `bao`), its state, a mounted Secret and a projected token. */
function sandbox(secret: Record<string, string>) {
  const dir = scratchDir("handover-");
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  const value = join(dir, "value");
  for (const d of [bin, state, value]) mkdirSync(d);
  for (const name of ["vault", "bao"]) {
    writeFileSync(join(bin, name), FAKE_VAULT);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(state, "tokens"), "hvs.fake-token\n");
  // A mounted Secret: one file per key, plus the ..data machinery the kubelet adds (hidden, never copied).
  mkdirSync(join(value, "..data"));
  for (const [k, v] of Object.entries(secret)) writeFileSync(join(value, k), v);
  writeFileSync(join(dir, "token"), "eyJ.projected.token");
  const run = (env: Record<string, string> = {}) =>
    spawnSync("sh", ["-c", HANDOVER_SCRIPT], {
      encoding: "utf8",
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        TMPDIR: dir,
        FAKE_VAULT_STATE: state,
        AUTH_PATH: "kubernetes",
        ROLE: "handover.vault-kms-unseal-credentials",
        KV_MOUNT: "kv",
        KV_PATH: "platform/vault-kms-unseal-credentials",
        SECRET: "vault/vault-kms-unseal",
        TOKEN_FILE: join(dir, "token"),
        VALUE_DIR: value,
        ...env,
      },
    });
  const lines = (file: string) =>
    existsSync(join(state, file)) ? readFileSync(join(state, file), "utf8").trim().split("\n") : [];
  const stored = () =>
    Object.fromEntries(
      existsSync(join(state, "data"))
        ? readdirSync(join(state, "data")).map((k) => [k, readFileSync(join(state, "data", k), "utf8")])
        : [],
    );
  return { dir, run, writes: () => lines("writes"), logins: () => lines("logins"), stored, state };
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
    assert.deepEqual(box.writes(), ["hvs.fake-token"]);
    assert.deepEqual(box.stored(), SECRET);
    assert.deepEqual(box.logins(), [
      `vault write -field=token auth/kubernetes/login role=handover.vault-kms-unseal-credentials jwt=@${join(box.dir, "token")}`,
    ]);
    assert.match(result.stdout, /created from Secret vault\/vault-kms-unseal \(2 keys\)/);
  });

  it("writes nothing when run again: the value in Vault is the authority", () => {
    const box = sandbox(SECRET);
    assert.equal(box.run().status, 0);
    const again = box.run();
    assert.equal(again.status, 0, again.stderr);
    assert.equal(box.writes().length, 1, "no second write");
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
    assert.equal(result.status, 1);
    assert.match(result.stderr, /login to auth\/kubernetes as role handover\.vault-kms-unseal-credentials refused/);
    assert.deepEqual(box.writes(), []);
  });

  it("fails on an empty Secret rather than handing over nothing", () => {
    const box = sandbox({});
    const result = box.run();
    assert.equal(result.status, 1);
    assert.match(result.stderr, /has no keys; nothing written/);
    assert.deepEqual(box.writes(), []);
  });

  it("fails without writing when the metadata cannot be read for another reason than its absence (a sealed server)", () => {
    const box = sandbox(SECRET);
    assert.equal(box.run().status, 0);
    writeFileSync(join(box.state, "sealed"), "");
    const result = box.run();
    assert.equal(result.status, 1);
    assert.match(result.stderr, /login to auth\/kubernetes .* refused/);
    // Logged in but sealed before the read: the read's own failure is named, nothing is written.
    const skip = sandbox(SECRET);
    writeFileSync(join(skip.dir, "given-token"), "hvs.given-token\n");
    writeFileSync(join(skip.state, "tokens"), "hvs.given-token\n");
    writeFileSync(join(skip.state, "sealed"), "");
    const sealed = skip.run({ HANDOVER_VAULT_TOKEN_FILE: join(skip.dir, "given-token") });
    assert.equal(sealed.status, 1);
    assert.match(
      sealed.stderr,
      /cannot read kv\/metadata\/platform\/vault-kms-unseal-credentials; nothing written:\n.*Vault is sealed/,
    );
    assert.deepEqual(skip.writes(), []);
  });

  it("runs the CLI its environment names (VAULT_CLI: `bao` for OpenBao), `vault` otherwise", () => {
    const box = sandbox(SECRET);
    const result = box.run({ VAULT_CLI: "bao" });
    assert.equal(result.status, 0, result.stderr);
    assert.match(box.logins()[0]!, /^bao write -field=token auth\/kubernetes\/login /);
  });

  it("uses a token given in HANDOVER_VAULT_TOKEN_FILE instead of logging in, and refuses an empty one", () => {
    const box = sandbox(SECRET);
    writeFileSync(join(box.dir, "given-token"), "hvs.given-token\n");
    writeFileSync(join(box.state, "tokens"), "hvs.given-token\n");
    const result = box.run({ HANDOVER_VAULT_TOKEN_FILE: join(box.dir, "given-token") });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(box.logins(), [], "no login");
    assert.deepEqual(box.writes(), ["hvs.given-token"]);
    assert.ok(!`${result.stdout}${result.stderr}`.includes("hvs.given-token"));

    const empty = sandbox(SECRET);
    writeFileSync(join(empty.dir, "given-token"), "");
    const refused = empty.run({ HANDOVER_VAULT_TOKEN_FILE: join(empty.dir, "given-token") });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /HANDOVER_VAULT_TOKEN_FILE is empty; nothing written/);
    assert.deepEqual([empty.logins(), empty.writes()], [[], []]);
  });

  it("never uses an inherited VAULT_TOKEN or BAO_TOKEN in place of the login's token", () => {
    const box = sandbox(SECRET);
    writeFileSync(join(box.state, "tokens"), "hvs.fake-token\nhvs.inherited\n");
    const result = box.run({ VAULT_TOKEN: "hvs.inherited", BAO_TOKEN: "hvs.inherited", VAULT_CLI: "bao" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(box.logins().length, 1);
    assert.deepEqual(box.writes(), ["hvs.fake-token"]);
  });

  it("is what every planned handover Job runs, always through the login: no token variable in its environment", () => {
    const jobs = runOf("runtime-authority").resources.filter((r) => r.type === "kubernetes:batch/v1:Job");
    assert.ok(jobs.length > 0);
    for (const job of jobs) {
      const container = inputs(job).spec.template.spec.containers[0];
      assert.deepEqual(container.command, ["/bin/sh", "-c", HANDOVER_SCRIPT], job.name);
      const names = (container.env as { name: string }[]).map((e) => e.name);
      for (const forbidden of ["HANDOVER_VAULT_TOKEN_FILE", "VAULT_TOKEN", "BAO_TOKEN"])
        assert.ok(!names.includes(forbidden), `${job.name} sets ${forbidden}`);
    }
    // The Job's Vault identity is a handover role of the plan, bound to the Job's own service account.
    const roles = runOf("runtime-authority").resources.filter((r) => r.type === RESOURCE_TYPES.vaultKubernetesAuthRole);
    for (const job of jobs) {
      const env = Object.fromEntries(
        (inputs(job).spec.template.spec.containers[0].env as { name: string; value: string }[]).map((e) => [
          e.name,
          e.value,
        ]),
      );
      const role = roles.map(inputs).find((r) => r.roleName === env.ROLE);
      assert.ok(role, `${job.name}: role ${env.ROLE} is planned`);
      assert.deepEqual(role.boundServiceAccountNames, [inputs(job).spec.template.spec.serviceAccountName]);
    }
  });
});
