import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { RecordedResource } from "../../plan/engine/monitor.js";
import { RESOURCE_TYPES } from "../../policies/resource-types.js";
import { runtimeAuthorityLayout } from "../../vault/layout.js";
import { demoPlan } from "../support/demo-plan.js";
import { BAO, openBaoSkipReason } from "./openbao.js";
import {
  jobEnvironment,
  jobIdentity,
  jobSandbox,
  runHandoverScript,
  type JobSandbox,
  type ScriptRun,
} from "./support/handover.js";
import { startPersistentServer, type PersistentServer } from "./support/persistent-server.js";
import {
  applyRuntimeAuthority,
  canary,
  kubernetesCaCertificate,
  leaked,
  runtimeAuthority,
  tokenWith,
  writeFirstValues,
  type RuntimeAuthorityOptions,
} from "./support/platform.js";
import { ApplyError, isVaultType, refreshState, type ApplierState } from "./vault-applier.js";

const skip = openBaoSkipReason();
if (skip) console.info(`faults: skipped: ${skip}`);

/**
 * The CLI the faulty handover Jobs run: the real `bao`, but before the write (`kv put`) the server is sealed (with
 * FAULT_TOKEN, the operator's) or stopped (the wrapper waits at a file until the test has stopped it).
 */
const FAULTY_CLI = `#!/bin/sh
if [ "$1 $2" = "kv put" ]; then
  case "$FAULT" in
    seal) BAO_TOKEN="$FAULT_TOKEN" "$BAO_REAL" operator seal >/dev/null 2>&1 ;;
    stop) : > "$FAULT_DIR/at-write"; while [ ! -f "$FAULT_DIR/go" ]; do sleep 0.05; done ;;
  esac
fi
exec "$BAO_REAL" "$@"
`;

/** Every KV version the server holds, by path: what no fault or retry may lose. */
async function kvVersions(server: PersistentServer): Promise<Record<string, { versions: string[]; data: unknown }>> {
  const s = server.platform().server;
  const out: Record<string, { versions: string[]; data: unknown }> = {};
  for (const secret of runtimeAuthorityLayout(demoPlan().registry, { certManager: "cert-manager" }).kvSecrets) {
    const metadata = await s.api<{ data: { versions: Record<string, unknown> } }>(
      "GET",
      `/v1/kv/metadata/${secret.path}`,
    );
    if (metadata.status !== 200) continue;
    const versions = Object.keys(metadata.body.data.versions).sort();
    const data = versions.length
      ? (await s.api<{ data: { data: unknown } }>("GET", `/v1/kv/data/${secret.path}`)).body.data.data
      : undefined;
    out[secret.path] = { versions, data };
  }
  return out;
}

const vaultResources = () =>
  runtimeAuthority().filter((r) => isVaultType(r.type) && r.type !== "pulumi:providers:vault");

async function expectConverged(server: PersistentServer, state: ApplierState) {
  const p = server.platform();
  for (const r of vaultResources()) assert.ok(state.has(r.urn), `${r.name} is applied`);
  const refreshed = await refreshState(state, {
    transport: p.transport,
    token: p.server.rootToken,
    auditFilePaths: p.auditFilePaths,
  });
  assert.deepEqual(
    refreshed.filter((r) => r.drift.length > 0).map((r) => `${r.name}: ${r.drift.join("; ")}`),
    [],
  );
}

/** The applier's ApplyError of a promise that must fail. */
async function applyError(promise: Promise<unknown>): Promise<ApplyError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ApplyError, String(e));
    return e;
  }
  assert.fail("the apply succeeded");
}

describe.skipIf(skip !== false)("a server sealed or stopped in the middle of a step", () => {
  let kubernetesCaCert: string;
  const retry = { maxRetries: 2, waitMs: 50 };
  const outputs: string[] = [];
  const canaries: string[] = [];
  const mark = (label: string) => {
    const value = canary(label);
    canaries.push(value);
    return value;
  };
  beforeAll(async () => {
    kubernetesCaCert = await kubernetesCaCertificate();
  });
  afterAll(() => {
    // No value a test wrote appears in anything a failed or retried step printed.
    assert.deepEqual(leaked(outputs.join("\n"), canaries), []);
  });

  describe("while applying the plan", () => {
    let server: PersistentServer;
    let state: ApplierState;
    const base = (): RuntimeAuthorityOptions => ({ kubernetesCaCert, retry, foreign: () => undefined });
    beforeAll(async () => {
      server = await startPersistentServer();
    });
    afterAll(() => server?.remove());

    it("sealed between a transit key and its config: fails naming the resource, the call and the sealed server; the retry converges", async () => {
      const p = server.platform();
      let sealed = false;
      const e = await applyError(
        applyRuntimeAuthority(p, {
          ...base(),
          beforeCall: async (method, path) => {
            if (!sealed && method === "PUT" && /^transit\/keys\/[^/]+\/config$/.test(path)) {
              sealed = true;
              await p.seal();
            }
          },
        }),
      );
      outputs.push(e.message);
      assert.match(
        e.message,
        /^applying transit-audit-export-signing \(vault:transit\/secretBackendKey:SecretBackendKey\): PUT \/v1\/transit\/keys\/audit-export-signing\/config: HTTP 503: Vault is sealed \(3 attempts\); \d+ Vault resources applied before it and recorded, the rest not started: apply again with the recorded state$/,
      );
      const key = runtimeAuthority().find((r) => r.name === "transit-audit-export-signing")!;
      assert.ok(!e.state.has(key.urn), "the half-made key is not recorded");
      await p.unseal();
      // Half-written: the key exists with the server's defaults, which are the platform's (not exportable, no backup,
      // not deletable); only its config call did not happen.
      const half = await p.server.api<{ data: Record<string, unknown> }>(
        "GET",
        "/v1/transit/keys/audit-export-signing",
      );
      assert.deepEqual(
        [half.body.data.exportable, half.body.data.allow_plaintext_backup, half.body.data.deletion_allowed],
        [false, false, false],
      );
      const retried = await applyRuntimeAuthority(p, { ...base(), state: e.state });
      state = retried.state;
      await expectConverged(server, state);
    });

    it("stopped between two KV metadata writes of a later run: fails naming the unreachable server; restarted, the retry converges and no KV version is lost", async () => {
      const values = await writeFirstValues(server.platform());
      for (const v of values.values()) canaries.push(v.value!);
      // A second version of one secret, as its owner rotates it.
      const [path] = [...values.keys()];
      const second = await server
        .platform()
        .server.api("PUT", `/v1/kv/data/${path}`, { options: { cas: 1 }, data: { value: mark("second") } });
      assert.equal(second.status, 200);
      const before = await kvVersions(server);
      assert.ok(Object.values(before).some((v) => v.versions.length === 2));

      // The next `pulumi up` changes every secret's custom metadata (a new registry field, say).
      const amend = (r: RecordedResource, inputs: Record<string, unknown>) => {
        if (r.type !== RESOURCE_TYPES.vaultGenericEndpoint) return inputs;
        const body = JSON.parse(String(inputs.dataJson)) as { custom_metadata: Record<string, string> };
        return {
          ...inputs,
          dataJson: JSON.stringify({ ...body, custom_metadata: { ...body.custom_metadata, revision: "2" } }),
        };
      };
      let writes = 0;
      const e = await applyError(
        applyRuntimeAuthority(server.platform(), {
          ...base(),
          state,
          amend,
          beforeCall: async (method, path) => {
            if (method === "PUT" && path.startsWith("kv/metadata/") && ++writes === 4) await server.stop();
          },
        }),
      );
      outputs.push(e.message);
      assert.match(
        e.message,
        /^applying kv-\S+-metadata \(vault:generic\/endpoint:Endpoint\): PUT \/v1\/kv\/metadata\/\S+: no answer from http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) \(3 attempts\); /,
      );
      await server.restart();
      const retried = await applyRuntimeAuthority(server.platform(), { ...base(), state: e.state, amend });
      const updated = [...retried.first.reports, ...retried.second.reports].filter((r) => r.op === "update");
      assert.ok(
        updated.length > 0 && updated.every((r) => r.type === RESOURCE_TYPES.vaultGenericEndpoint),
        "only the metadata not written before the stop",
      );
      await expectConverged(server, retried.state);
      const after = await kvVersions(server);
      assert.deepEqual(after, before, "every version and value as it was");
      for (const s of Object.keys(after)) {
        const metadata = await server
          .platform()
          .server.api<{ data: { custom_metadata: Record<string, string> } }>("GET", `/v1/kv/metadata/${s}`);
        assert.equal(metadata.body.data.custom_metadata.revision, "2", s);
      }
    });
  });

  describe("while handing over", () => {
    let server: PersistentServer;
    const dir = mkdtempSync(join(tmpdir(), "faulty-cli-"));
    const cli = join(dir, "bao");
    const sandboxes: JobSandbox[] = [];
    const runs: { job: string; fault: string; run: ScriptRun }[] = [];
    const faults = new Map<number, "seal" | "stop">([
      [0, "seal"],
      [1, "stop"],
    ]);
    const jobs = () => runtimeAuthority().filter((r) => r.type === "kubernetes:batch/v1:Job");
    const secrets = new Map<string, Record<string, string>>();

    /** A handover Job; the first and second fail once each, the server sealed or stopped before the write. */
    async function job(resource: RecordedResource) {
      if (resource.type !== "kubernetes:batch/v1:Job") return;
      const index = jobs().findIndex((j) => j.urn === resource.urn);
      const fault = faults.get(index);
      faults.delete(index);
      const env = jobEnvironment(resource);
      const secret = secrets.get(env.KV_PATH!) ?? {
        credentials: `${mark(`${env.ROLE}`)}\n`,
        region: mark(`${env.ROLE}-region`),
      };
      secrets.set(env.KV_PATH!, secret);
      const box = jobSandbox(secret, jobIdentity(resource));
      sandboxes.push(box);
      const p = server.platform();
      const token = await tokenWith(p.server, [env.ROLE!]);
      canaries.push(token);
      writeFileSync(join(box.dir, "token-file"), token, { mode: 0o600 });
      rmSync(join(dir, "go"), { force: true });
      rmSync(join(dir, "at-write"), { force: true });
      const running = runHandoverScript(resource, { address: p.server.address }, box, {
        tokenFile: join(box.dir, "token-file"),
        overrides: {
          VAULT_CLI: cli,
          BAO_REAL: BAO,
          FAULT: fault ?? "",
          FAULT_TOKEN: p.server.rootToken,
          FAULT_DIR: dir,
        },
      });
      if (fault === "stop") {
        while (!existsSync(join(dir, "at-write"))) await new Promise((r) => setTimeout(r, 20));
        await server.stop();
        writeFileSync(join(dir, "go"), "");
      }
      const run = await running;
      runs.push({ job: resource.name, fault: fault ?? "none", run });
      outputs.push(run.stdout, run.stderr);
      if (run.code !== 0) throw new Error(`the handover Job ${resource.name} failed (exit ${run.code}): ${run.stderr}`);
    }

    beforeAll(async () => {
      writeFileSync(cli, FAULTY_CLI);
      chmodSync(cli, 0o755);
      server = await startPersistentServer();
    });
    afterAll(async () => {
      for (const box of sandboxes) box.remove();
      rmSync(dir, { recursive: true, force: true });
      await server?.remove();
    });

    it("sealed before the write, then stopped before the next Job's: each fails with the reason and writes nothing; the retries hand everything over once", async () => {
      const options = (state?: ApplierState): RuntimeAuthorityOptions => ({
        kubernetesCaCert,
        retry,
        foreign: job,
        ...(state ? { state } : {}),
      });
      const [first, second, third] = jobs().map((j) => jobEnvironment(j).KV_PATH!);
      const version = async (path: string) => {
        const metadata = await server
          .platform()
          .server.api<{ data: { current_version: number } }>("GET", `/v1/kv/metadata/${path}`);
        return metadata.status === 404 ? undefined : metadata.body.data.current_version;
      };

      const sealed = await applyError(applyRuntimeAuthority(server.platform(), options()));
      outputs.push(sealed.message);
      assert.match(
        sealed.message,
        /^applying handover-\S+-job \(kubernetes:batch\/v1:Job\): the handover Job \S+ failed \(exit 1\): handover: writing kv\/\S+ failed; Vault keeps what it had:\n[\s\S]*Vault is sealed/,
      );
      await server.platform().unseal();
      assert.equal(await version(first!), undefined, "nothing written");

      const stopped = await applyError(applyRuntimeAuthority(server.platform(), options(sealed.state)));
      outputs.push(stopped.message);
      assert.match(
        stopped.message,
        /failed \(exit 1\): handover: writing kv\/\S+ failed; Vault keeps what it had:\n[\s\S]*connection refused/,
      );
      await server.restart();
      assert.equal(await version(first!), 1, "the first handover survived the stop");
      assert.equal(await version(second!), undefined, "nothing written by the stopped one");

      const done = await applyRuntimeAuthority(server.platform(), options(stopped.state));
      await expectConverged(server, done.state);
      for (const path of [first!, second!, third!]) {
        assert.equal(await version(path), 1, `${path}: one version`);
        const data = await server.platform().server.api<{ data: { data: unknown } }>("GET", `/v1/kv/data/${path}`);
        assert.deepEqual(data.body.data.data, secrets.get(path));
      }
      assert.deepEqual(
        runs.map((r) => [r.fault, r.run.code]),
        [
          ["seal", 1],
          ["none", 0],
          ["stop", 1],
          ["none", 0],
          ["none", 0],
        ],
      );
    });
  });
});
