import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, it } from "vitest";
import { auditDevices } from "../../vault/audit.js";
import { GENERATE_ROOT_POLICY, vaultServerConfig } from "../../vault/server.js";
import { runOf } from "../support/demo-plan.js";
import { gnupgSkipReason } from "./gnupg.js";
import { freePort, openBaoSkipReason, startOpenBao } from "./openbao.js";
import {
  LAPTOP_REWRITES,
  laptopConfiguration,
  productionPlan,
  serverFiles,
  startProductionOpenBao,
  type ProductionOpenBao,
} from "./openbao-production.js";

const skip = openBaoSkipReason() || (await gnupgSkipReason());
if (skip) console.info(`OpenBao in production configuration: skipped: ${skip}`);

/** Canary values the tests write: none may appear in either audit log. */
const CANARIES = {
  password: `canary-password-${Date.now().toString(36)}-do-not-log`,
  apiKey: `canary-api-key-${process.pid}-never-in-audit`,
};

/** The JSON paths at which two documents differ. */
function differences(a: unknown, b: unknown, at = ""): string[] {
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}/${k}`),
    );
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

describe.skipIf(skip !== false)("OpenBao in the production configuration of phase 3", () => {
  let prod: ProductionOpenBao;
  beforeAll(async () => {
    const started = performance.now();
    prod = await startProductionOpenBao();
    console.info(
      `production OpenBao started, initialized and unsealed in ${Math.round(performance.now() - started)} ms`,
    );
  });
  afterAll(() => prod?.stop());

  it("runs the program's own server configuration, rewritten only where a laptop differs", () => {
    const { config, plan } = prod;
    const changed = differences(plan.config, config);
    // Exactly LAPTOP_REWRITES: paths under /openbao/, the listener's addresses, retry_join, service registration,
    // and what the chart sets per pod.
    assert.deepEqual(changed.sort(), [
      "/api_addr",
      "/audit/0/file/file-volume/options/file_path",
      "/cluster_addr",
      "/listener/0/tcp/address",
      "/listener/0/tcp/cluster_address",
      "/listener/0/tcp/tls_cert_file",
      "/listener/0/tcp/tls_key_file",
      "/service_registration",
      "/storage/raft/node_id",
      "/storage/raft/path",
      "/storage/raft/retry_join/0/leader_api_addr",
      "/storage/raft/retry_join/0/leader_ca_cert_file",
      "/storage/raft/retry_join/1",
      "/storage/raft/retry_join/2",
    ]);
    assert.equal(LAPTOP_REWRITES.length, 5);
    assert.ok(prod.server.running());
  });

  it("serves the plan's listener certificate over TLS that verifies against the phase-0 root alone", async () => {
    const port = Number(new URL(prod.server.address).port);
    const root = readFileSync(prod.server.caCertFile!, "utf8");
    const served = await new Promise<{ fingerprint: string; protocol: string | null }>((done, fail) => {
      const socket = connect({ host: "127.0.0.1", port, ca: root, servername: "localhost" }, () => {
        done({ fingerprint: socket.getPeerX509Certificate()!.fingerprint256, protocol: socket.getProtocol() });
        socket.end();
      });
      socket.on("error", fail);
    });
    assert.equal(served.fingerprint, new X509Certificate(prod.plan.tls["tls.crt"]).fingerprint256);
    assert.match(served.protocol ?? "", /^TLSv1\.[23]$/);
    // Another CA does not vouch for it: the chain goes leaf → the plan's TLS intermediate → this root.
    const stranger = new X509Certificate(prod.plan.tls["tls.crt"]).toString();
    await assert.rejects(
      new Promise((done, fail) => {
        const socket = connect({ host: "127.0.0.1", port, ca: stranger, servername: "localhost" }, () =>
          done(socket.end()),
        );
        socket.on("error", fail);
      }),
      /unable to (get local issuer|verify)|self.signed|UNABLE_TO/i,
    );
  });

  it("was initialized as the ceremony prints it: one share encrypted to each operator, the root token to the first", async () => {
    const { init, operators, plan } = prod;
    assert.equal(init.unseal_shares, plan.keyShares);
    assert.equal(init.unseal_threshold, plan.keyThreshold);
    assert.equal(init.unseal_keys_b64.length, operators.length);
    // No share in clear: the hex form is the same PGP message as the base64 one, not the key.
    assert.deepEqual(
      init.unseal_keys_hex,
      init.unseal_keys_b64.map((b) => Buffer.from(b, "base64").toString("hex")),
    );
    for (const share of prod.shares) assert.ok(!JSON.stringify(init).includes(share));
    // Each operator reads only their own share.
    await assert.rejects(operators[1]!.decrypt(init.unseal_keys_b64[0]!), /gpg --decrypt exited/);
    await assert.rejects(operators[1]!.decrypt(init.root_token), /gpg --decrypt exited/);
    const self = await prod.server.api<{ data: { policies: string[] } }>("GET", "/v1/auth/token/lookup-self");
    assert.deepEqual(self.body.data.policies, ["root"], "the first operator's decrypted root token");
  });

  it("was unsealed by the threshold of decrypted shares, and not by fewer", async () => {
    assert.deepEqual(prod.unsealProgress, [
      { sealed: true, progress: 1 },
      { sealed: false, progress: 0 },
    ]);
    const health = await prod.server.api<{ initialized: boolean; sealed: boolean }>("GET", "/v1/sys/health");
    assert.deepEqual([health.status, health.body.initialized, health.body.sealed], [200, true, false]);
  });

  it("has both audit devices of the configuration active, and refuses another through the API", async () => {
    const listed = await prod.server.api<{ data: Record<string, { type: string; options: Record<string, string> }> }>(
      "GET",
      "/v1/sys/audit",
    );
    assert.equal(listed.status, 200);
    assert.deepEqual(
      Object.entries(listed.body.data).map(([path, d]) => [path, d.type, d.options.file_path]),
      [
        ["file-stdout/", "file", "stdout"],
        ["file-volume/", "file", prod.auditLogFile],
      ],
    );
    assert.deepEqual(
      Object.keys(listed.body.data).sort(),
      auditDevices("openbao")
        .map((d) => `${d.path}/`)
        .sort(),
    );
    const refused = await prod.server.api<{ errors: string[] }>("PUT", "/v1/sys/audit/extra", {
      type: "file",
      options: { file_path: `${prod.server.dir}/extra.log` },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body.errors.join(), /cannot enable audit device via API; use declarative/);
    assert.ok(!existsSync(`${prod.server.dir}/extra.log`));
  });

  it("records every request in both devices, and no value a test writes appears in either log", async () => {
    assert.equal(
      (await prod.server.api("POST", "/v1/sys/mounts/kv", { type: "kv", options: { version: "2" } })).status,
      204,
    );
    const put = await prod.bao(["kv", "put", "-mount=kv", "payments/db", `password=${CANARIES.password}`]);
    assert.equal(put.code, 0, put.stderr);
    const write = await prod.server.api("POST", "/v1/kv/data/payments/api", { data: { key: CANARIES.apiKey } });
    assert.equal(write.status, 200);
    const read = await prod.bao(["kv", "get", "-mount=kv", "-field=password", "payments/db"]);
    assert.equal(read.stdout.trim(), CANARIES.password, "the value is there, read back");

    const file = readFileSync(prod.auditLogFile, "utf8");
    const stdout = prod.server.log();
    for (const [name, log] of [
      ["file-volume", file],
      ["file-stdout", stdout],
    ] as const) {
      for (const value of Object.values(CANARIES)) assert.ok(!log.includes(value), `${name} holds a canary value`);
      assert.ok(!log.includes(prod.server.rootToken), `${name} holds the root token`);
      assert.match(log, /"path":"kv\/data\/payments\/db"/, `${name} recorded the write`);
      assert.match(log, /"password":"hmac-sha256:[0-9a-f]{64}"/, `${name} holds the value's HMAC only`);
    }
    // The same requests, in both: each device recorded every request of this test.
    const entries = (log: string) =>
      log
        .split("\n")
        .filter((l) => l.startsWith('{"time"'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as { type: string; request?: { id?: string; path?: string } }];
          } catch {
            return []; // a line the server's other output interleaved with
          }
        });
    const ofThisTest = (log: string) =>
      new Set(
        entries(log)
          .filter((e) => /^(kv\/|sys\/mounts\/kv)/.test(e.request?.path ?? ""))
          .map((e) => `${e.type} ${e.request!.id}`),
      );
    const [inFile, inStdout] = [ofThisTest(file), ofThisTest(stdout)];
    assert.ok(inFile.size >= 8, `${inFile.size} requests and responses of this test in file-volume`);
    assert.deepEqual([...inStdout].sort(), [...inFile].sort());
  });

  it("generates a root token again after the first is revoked, with a quorum of shares and the ceremony's generate-root login", async () => {
    const { server, shares, operators, plan } = prod;
    const step = plan.ceremony.steps.find((s) => s.includes(JSON.stringify(GENERATE_ROOT_POLICY.document)));
    assert.ok(step, "the ceremony prints the generate-root policy");
    const policy = await prod.bao(["policy", "write", GENERATE_ROOT_POLICY.name, "-"], {
      input: JSON.stringify(GENERATE_ROOT_POLICY.document),
    });
    assert.equal(policy.code, 0, policy.stderr);
    const login = await prod.bao([
      "token",
      "create",
      "-orphan",
      "-no-default-policy",
      `-policy=${GENERATE_ROOT_POLICY.name}`,
      "-field=token",
    ]);
    assert.equal(login.code, 0, login.stderr);
    const operatorToken = login.stdout.trim();
    assert.equal((await prod.bao(["token", "revoke", "-self"])).code, 0);
    assert.equal((await server.api("GET", "/v1/auth/token/lookup-self")).status, 403, "the root token is revoked");
    // OpenBao (2.6+): no root generation without a login, whatever the shares.
    const anonymous = await prod.bao(["operator", "generate-root", "-init", `-pgp-key=${plan.operatorPgpKeys[0]}`], {
      token: "",
    });
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /Code: 403/);
    // The login alone reads no secret.
    assert.equal((await server.api("GET", "/v1/kv/data/payments/db", undefined, operatorToken)).status, 403);

    const start = await prod.bao(
      ["operator", "generate-root", "-init", "-format=json", `-pgp-key=${plan.operatorPgpKeys[0]}`],
      { token: operatorToken },
    );
    assert.equal(start.code, 0, start.stderr);
    const { nonce } = JSON.parse(start.stdout) as { nonce: string };
    let encoded = "";
    for (const share of shares.slice(0, plan.keyThreshold)) {
      const r = await prod.bao(["operator", "generate-root", "-format=json", `-nonce=${nonce}`, "-"], {
        token: operatorToken,
        input: share,
      });
      assert.equal(r.code, 0, r.stderr);
      const status = JSON.parse(r.stdout) as { complete: boolean; encoded_token?: string; encoded_root_token?: string };
      encoded = status.encoded_token || status.encoded_root_token || "";
    }
    assert.ok(encoded, "complete after the threshold of shares");
    const root = await operators[0]!.decrypt(encoded);
    const self = await server.api<{ data: { policies: string[] } }>(
      "GET",
      "/v1/auth/token/lookup-self",
      undefined,
      root,
    );
    assert.deepEqual(self.body.data.policies, ["root"]);
    server.rootToken = root;
  });
});

describe.skipIf(skip !== false)("OpenBao 2.7 and the cloud KMS seals", () => {
  it("refuses the awskms seal the program would render (no built-in wrapper), as the config check says", async () => {
    const run = runOf("runtime-authority");
    const plan = productionPlan(run);
    const awskms = vaultServerConfig({
      distribution: "openbao",
      namespace: run.config.runtimeAuthority.namespace,
      releaseName: "vault",
      vaultVersion: run.config.runtimeAuthority.vaultVersion,
      replicas: run.config.runtimeAuthority.replicas,
      seal: { type: "awskms", options: { region: "eu-west-1", kms_key_id: "alias/demo" } },
      injector: false,
      tlsSecret: "vault-tls",
    });
    const { seal, ...rest } = awskms;
    const clusterPort = await freePort();
    await assert.rejects(
      startOpenBao({
        address: (port) => `https://127.0.0.1:${port}`,
        args: (dir) => [`-config=${dir}/config.json`],
        files: (dir, port) =>
          serverFiles(dir, plan, { ...laptopConfiguration(rest, { dir, port, clusterPort }), seal }),
        healthy: [501],
      }),
      /Error configuring seal "awskms": unknown wrapper: awskms/,
    );
  });
});
