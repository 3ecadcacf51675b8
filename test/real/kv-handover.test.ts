import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { RecordedResource } from "../../plan/engine/monitor.js";
import { DEFAULT_KV_MAX_VERSIONS } from "../../registry/schema.js";
import { runtimeAuthorityLayout, type KvSecretLayout } from "../../vault/layout.js";
import { demoPlan } from "../support/demo-plan.js";
import { openBaoSkipReason } from "./openbao.js";
import {
  jobEnvironment,
  jobIdentity,
  jobSandbox,
  runHandoverScript,
  type JobSandbox,
  type ScriptRun,
} from "./support/handover.js";
import {
  applyRuntimeAuthority,
  canary,
  kubernetesCaCertificate,
  leaked,
  startPlatformServer,
  tokenWith,
  type PlatformServer,
} from "./support/platform.js";

const skip = openBaoSkipReason();
if (skip) console.info(`KV and the handover: skipped: ${skip}`);

const layout = () => runtimeAuthorityLayout(demoPlan().registry, { certManager: "cert-manager" });

/** One run of the script, with what Vault held for its secret afterwards. */
interface Recorded {
  job: string;
  scenario: string;
  run: ScriptRun;
  versionAfter: number | undefined;
}

describe.skipIf(skip !== false)("KV v2 and the handover on a real OpenBao, with the real CLI", () => {
  let platform: PlatformServer;
  const runs: Recorded[] = [];
  const secrets = new Map<string, Record<string, string>>();
  const tokens: string[] = [];
  const sandboxes: JobSandbox[] = [];
  const jobs: RecordedResource[] = [];

  const target = () => ({ address: platform.tls!.address, caFile: platform.tls!.caFile });
  const kv = (path: string) =>
    platform.server.api<{ data?: Record<string, any>; errors?: string[] }>("GET", `/v1/kv/${path}`);
  async function versionOf(kvPath: string): Promise<number | undefined> {
    const metadata = await kv(`metadata/${kvPath}`);
    return metadata.status === 404 ? undefined : Number(metadata.body.data!.current_version);
  }
  async function record(job: RecordedResource, scenario: string, run: ScriptRun) {
    runs.push({ job: job.name, scenario, run, versionAfter: await versionOf(jobEnvironment(job).KV_PATH!) });
    return run;
  }
  const sandbox = (secret: Record<string, string>, job?: RecordedResource) => {
    const box = jobSandbox(secret, job ? jobIdentity(job) : undefined);
    sandboxes.push(box);
    return box;
  };
  async function tokenFile(box: JobSandbox, policy: string): Promise<string> {
    const token = await tokenWith(platform.server, [policy]);
    tokens.push(token);
    const file = join(box.dir, "vault-token");
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    return file;
  }

  /** The handover Job, as the engine would run it at its place in the plan; the first also fails first, three ways. */
  async function handoverJob(job: RecordedResource) {
    const env = jobEnvironment(job);
    const secret = {
      credentials: `[default]\nkey_id = ${canary(`${env.ROLE}-id`)}\nsecret = ${canary(`${env.ROLE}-secret`)}\n`,
      region: canary(`${env.ROLE}-region`),
    };
    secrets.set(env.KV_PATH!, secret);
    const box = sandbox(secret, job);
    if (jobs.length === 0) {
      await record(job, "login refused", await runHandoverScript(job, target(), box));
      await record(
        job,
        "empty Secret",
        await runHandoverScript(job, target(), sandbox({}), { tokenFile: await tokenFile(box, env.ROLE!) }),
      );
      const other = layout().handovers.find((h) => h.role !== env.ROLE)!.role;
      await record(
        job,
        "another purpose's token",
        await runHandoverScript(job, target(), box, { tokenFile: await tokenFile(box, other) }),
      );
    }
    jobs.push(job);
    const run = await record(
      job,
      "handover",
      await runHandoverScript(job, target(), box, { tokenFile: await tokenFile(box, env.ROLE!) }),
    );
    if (run.code !== 0) throw new Error(`the handover Job ${job.name} failed (${run.code}): ${run.stderr}`);
  }

  beforeAll(async () => {
    platform = await startPlatformServer({ tls: true });
    await applyRuntimeAuthority(platform, {
      kubernetesCaCert: await kubernetesCaCertificate(),
      foreign: (r) => (r.type === "kubernetes:batch/v1:Job" ? handoverJob(r) : undefined),
    });
  });
  afterAll(async () => {
    for (const box of sandboxes) box.remove();
    await platform?.stop();
  });

  it("configures the KV v2 mount as the registry says: versions kept, check-and-set required, nothing expiring", async () => {
    const mount = await platform.server.api<{ data: { type: string; options: Record<string, string> } }>(
      "GET",
      "/v1/sys/mounts/kv",
    );
    assert.deepEqual([mount.body.data.type, mount.body.data.options], ["kv", { version: "2" }]);
    const config = await kv("config");
    assert.deepEqual(
      [config.body.data!.max_versions, config.body.data!.cas_required, config.body.data!.delete_version_after],
      [DEFAULT_KV_MAX_VERSIONS, true, "0s"],
    );
    const unchecked = await platform.server.api<{ errors: string[] }>("PUT", "/v1/kv/data/platform/unchecked", {
      data: { a: "b" },
    });
    assert.equal(unchecked.status, 400);
    assert.match(unchecked.body.errors.join(), /check-and-set parameter required/);
  });

  it("writes each purpose's metadata as the registry says, and no value (only the handover writes one)", async () => {
    const handedOver = new Set(layout().handovers.map((h) => h.kvPath));
    const checked: KvSecretLayout[] = layout().kvSecrets;
    assert.ok(checked.length > 0);
    for (const s of checked) {
      const metadata = (await kv(`metadata/${s.path}`)).body.data!;
      assert.deepEqual(
        [metadata.max_versions, metadata.cas_required, metadata.delete_version_after],
        [s.maxVersions, true, s.deleteVersionAfter],
        s.purpose,
      );
      const custom = metadata.custom_metadata as Record<string, string>;
      if (handedOver.has(s.path)) {
        const { "handover-source": source, "handover-by": by, "handover-at": at, ...rest } = custom;
        assert.deepEqual(rest, s.customMetadata, s.purpose);
        assert.match(String(source), /^Secret \S+\/\S+ from /, s.purpose);
        assert.match(String(by), /^Job \S+\/handover-\S+ \(Vault role handover\.\S+\)$/, s.purpose);
        assert.ok(at, s.purpose);
        assert.equal(metadata.current_version, 1, `${s.purpose}: the handover's one version`);
      } else {
        assert.deepEqual(custom, s.customMetadata, s.purpose);
        assert.deepEqual([metadata.current_version, metadata.versions], [0, {}], `${s.purpose}: metadata only`);
      }
    }
  });

  it("copies every key of each bootstrap Secret once, with cas=0, byte for byte", async () => {
    assert.equal(jobs.length, layout().handovers.length);
    for (const [path, secret] of secrets) {
      const data = await kv(`data/${path}`);
      assert.equal(data.status, 200, path);
      assert.deepEqual(data.body.data!.data, secret, path);
      assert.equal(data.body.data!.metadata.version, 1, path);
      const handover = runs.find(
        (r) => r.scenario === "handover" && jobEnvironment(jobs.find((j) => j.name === r.job)!).KV_PATH === path,
      )!;
      assert.match(handover.run.stdout, /handover: kv\/\S+ created from Secret \S+ \(2 keys\)/);
    }
  });

  it("writes nothing when run again: the value in Vault is the authority", async () => {
    for (const job of jobs) {
      const again = await record(
        job,
        "again",
        await runHandoverScript(job, target(), sandboxes[0]!, {
          tokenFile: await tokenFile(sandboxes[0]!, jobEnvironment(job).ROLE!),
        }),
      );
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /already holds version 1; nothing written/);
      assert.equal(await versionOf(jobEnvironment(job).KV_PATH!), 1, job.name);
    }
  });

  it("writes nothing when the Kubernetes login is refused (no API server here reviews the Job's token)", () => {
    const refused = runs.find((r) => r.scenario === "login refused")!;
    assert.equal(refused.run.code, 1, refused.run.stderr);
    assert.match(
      refused.run.stderr,
      /handover: login to auth\/kubernetes as role handover\.\S+ refused; nothing written/,
    );
    assert.equal(refused.versionAfter, undefined, "nothing at the path");
  });

  it("writes nothing from an empty Secret, nor with another purpose's handover token", () => {
    const empty = runs.find((r) => r.scenario === "empty Secret")!;
    assert.equal(empty.run.code, 1);
    assert.match(empty.run.stderr, /has no keys; nothing written/);
    assert.equal(empty.versionAfter, undefined);
    const other = runs.find((r) => r.scenario === "another purpose's token")!;
    assert.equal(other.run.code, 1);
    assert.match(other.run.stderr, /cannot read kv\/metadata\/\S+; nothing written:[\s\S]*permission denied/);
    assert.equal(other.versionAfter, undefined);
  });

  it("gives the handover identity create and never update: an overwrite is refused even with the right version", async () => {
    const job = jobs[0]!;
    const env = jobEnvironment(job);
    const token = await tokenWith(platform.server, [env.ROLE!]);
    tokens.push(token);
    const overwrite = await platform.server.api(
      "PUT",
      `/v1/kv/data/${env.KV_PATH}`,
      { options: { cas: 1 }, data: { x: "y" } },
      token,
    );
    assert.equal(overwrite.status, 403);
    assert.equal(await versionOf(env.KV_PATH!), 1);
  });

  it("never prints a value or a token, and the audit log records neither", () => {
    const values = [...secrets.values()].flatMap((s) =>
      Object.values(s).flatMap((v) => [v, ...v.split("\n").filter((l) => l.length > 16)]),
    );
    const canaries = [...values, ...tokens];
    const printed = runs.map((r) => `${r.run.stdout}\n${r.run.stderr}`).join("\n");
    assert.ok(runs.length >= 7);
    assert.deepEqual(leaked(printed, canaries), []);
    assert.deepEqual(leaked(platform.server.log(), values), []);
  });
});
