import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { mechanismOf } from "../../delivery/mechanisms/index.js";
import { x509 } from "../../pki/x509.js";
import { RESOURCE_TYPES } from "../../policies/resource-types.js";
import { main as posture } from "../../posture/cli.js";
import type { PostureEntry } from "../../posture/model.js";
import { certificateLocation, CERTIFICATE_RESOURCE } from "../../posture/live/kubernetes.js";
import { demoPlan, demoPlanCommand, DEMO_NOW, inputs, runOf } from "../support/demo-plan.js";
import { startKubernetesStandIn, type KubernetesStandIn } from "../support/kubernetes-stand-in.js";
import type { RecordedAnswers } from "../support/stand-in-server.js";
import { openBaoSkipReason } from "./openbao.js";
import { handoverJobs, type HandoverJobs } from "./support/handover.js";
import { certificateRequest, signRequest } from "./support/pki-requests.js";
import {
  applyRuntimeAuthority,
  canary,
  kubernetesCaCertificate,
  leaked,
  plannedOf,
  startPlatformServer,
  tokenWith,
  writeFirstValues,
  type PlatformServer,
} from "./support/platform.js";
import { runProcess } from "../support/run-process.js";

const skip = openBaoSkipReason();
if (skip) console.info(`live posture: skipped: ${skip}`);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** When to compare, after the facts were made: days, and an odd half hour so that no status boundary is seconds away. */
const OFFSETS = [0, 5, 12, 20, 40, 75, 100].map((days) => days * DAY + 31 * 60_000 + 7_000);

/** The read-only token posture needs, as docs/posture-and-evidence.md says it. */
const POSTURE_POLICY = JSON.stringify({
  path: {
    "kv/metadata/*": { capabilities: ["read"] },
    "transit/keys/*": { capabilities: ["read"] },
    "pki_int/issuer/default": { capabilities: ["read"] },
  },
});

/** `npm run posture -- ...` as an operator runs it, with `env`; what it printed and its exit code. */
function npmPosture(args: readonly string[], env: Record<string, string>) {
  return runProcess("npm", ["run", "--silent", "posture", "--", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: env.HOME ?? tmpdir(), ...env },
  });
}

/** The plan's posture at `now`, as `npm run posture -- --plan plan.json --json --now` prints it. */
async function planPosture(now: Date): Promise<PostureEntry[]> {
  const out: string[] = [];
  const code = await posture(
    ["--plan", join(demoPlanCommand().dir, "plan.json"), "--json", "--now", now.toISOString()],
    {
      out: (l) => out.push(l),
      err: (l) => assert.fail(l),
    },
  );
  assert.ok(code === 0 || code === 1);
  return JSON.parse(out.join("\n")) as PostureEntry[];
}

const statuses = (entries: readonly PostureEntry[]): Record<string, string> =>
  Object.fromEntries([...entries].sort((a, b) => a.purpose.localeCompare(b.purpose)).map((e) => [e.purpose, e.status]));

describe.skipIf(skip !== false)("npm run posture -- --live against a real OpenBao", () => {
  let platform: PlatformServer;
  let cluster: KubernetesStandIn;
  let handovers: HandoverJobs;
  let dir: string;
  let env: Record<string, string>;
  /** When the facts were made: the counterpart of the plan's time. */
  let madeAt: number;
  const canaries: string[] = [];
  const mark = (label: string) => {
    const value = canary(label);
    canaries.push(value);
    return value;
  };

  /**
   * cert-manager's part, which this tier has no controller for: each Certificate of the steady-state plan issued by
   * the real server (its ClusterIssuer's role, as the team's issuer identity, for the Certificate's names and
   * duration), and its status as cert-manager reports it, answered by a Kubernetes API stand-in.
   */
  async function issueCertificates(): Promise<RecordedAnswers> {
    const answers: RecordedAnswers = new Map();
    const issuerPolicies = plannedOf(RESOURCE_TYPES.vaultPolicy)
      .map(inputs)
      .filter((p) => String(p.name).startsWith("issuer."));
    const roles = new Map(plannedOf(RESOURCE_TYPES.vaultPkiRole).map((r) => [String(inputs(r).name), inputs(r)]));
    const registry = demoPlan().registry;
    for (const resource of runOf("steady-state").resources.filter(
      (r) => r.type === "kubernetes:cert-manager.io/v1:Certificate",
    )) {
      const certificate = inputs(resource);
      const purpose = registry.purposes.find((p) => p.id === certificate.metadata.labels["secrets-platform/purpose"])!;
      const role = roles.get(purpose.id)!;
      const issuer = issuerPolicies.find((p) => String(p.policy).includes(`pki_int/sign/${purpose.id}`))!;
      const token = await tokenWith(platform.server, [String(issuer.name)]);
      const ask = { commonName: certificate.spec.commonName, dnsNames: certificate.spec.dnsNames };
      const csr = await certificateRequest(String(role.keyType), Number(role.keyBits), ask);
      const seconds = Number(/^(\d+)h$/.exec(String(certificate.spec.duration))![1]) * 3600;
      const signed = await platform.server.api<{ data: { certificate: string } }>(
        "POST",
        `/v1/pki_int/sign/${purpose.id}`,
        signRequest(csr, ask, seconds),
        token,
      );
      assert.equal(signed.status, 200, purpose.id);
      const cert = new x509.X509Certificate(signed.body.data.certificate);
      const { namespace, name } = certificateLocation(purpose);
      assert.deepEqual([namespace, name], [certificate.metadata.namespace, certificate.metadata.name]);
      answers.set(
        `/apis/${CERTIFICATE_RESOURCE.group}/${CERTIFICATE_RESOURCE.version}/namespaces/${namespace}/${CERTIFICATE_RESOURCE.plural}/${name}`,
        [
          200,
          {
            ...certificate,
            status: {
              notBefore: cert.notBefore.toISOString(),
              notAfter: cert.notAfter.toISOString(),
              conditions: [{ type: "Ready", status: "True", reason: "Ready" }],
            },
          },
        ],
      );
    }
    return answers;
  }

  const live = (now: Date) => npmPosture(["--live", "--json", "--now", now.toISOString()], env);
  /** The same command's main() in this process, with `env` as its environment. */
  async function liveInProcess(now: Date) {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    delete process.env.VAULT_TOKEN;
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await posture(["--live", "--json", "--now", now.toISOString()], {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
      return { code, stdout: out.join("\n"), stderr: err.join("\n") };
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  beforeAll(async () => {
    madeAt = Date.now();
    platform = await startPlatformServer({ tls: true });
    handovers = handoverJobs(
      () => ({ address: platform.tls!.address, caFile: platform.tls!.caFile }),
      (policy) => tokenWith(platform.server, [policy]),
      mark,
    );
    await applyRuntimeAuthority(platform, {
      kubernetesCaCert: await kubernetesCaCertificate(),
      foreign: (r) => handovers.foreign(r),
    });
    for (const value of (await writeFirstValues(platform)).values()) canaries.push(value.value!);
    cluster = await startKubernetesStandIn(await issueCertificates());
    dir = mkdtempSync(join(tmpdir(), "posture-live-real-"));
    const policy = await platform.server.api("PUT", "/v1/sys/policy/posture-reader", { policy: POSTURE_POLICY });
    assert.equal(policy.status, 204);
    const token = await tokenWith(platform.server, ["posture-reader"]);
    canaries.push(token);
    writeFileSync(join(dir, "token"), token, { mode: 0o600 });
    writeFileSync(join(dir, "kubeconfig"), cluster.kubeConfig({ name: "posture", token: "kube-token" }).exportConfig());
    // The operator's copy of the root (rootCertificatePem), not the server's folder, which goes with the server.
    copyFileSync(platform.tls!.caFile, join(dir, "vault-ca.pem"));
    env = {
      HOME: dir,
      VAULT_ADDR: platform.tls!.address,
      VAULT_TOKEN_FILE: join(dir, "token"),
      VAULT_CACERT: join(dir, "vault-ca.pem"),
      KUBECONFIG: join(dir, "kubeconfig"),
    };
  });
  afterAll(async () => {
    handovers?.remove();
    await cluster?.stop();
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("gives the plan's statuses at the same time, for every purpose it has a live source for", async () => {
    const csi = demoPlan()
      .registry.purposes.filter((p) => p.delivery === "csi")
      .map((p) => p.id);
    // The first as an operator runs it (`npm run posture`, a process of its own), the others through the same
    // main() in this process, with the same environment: a process start costs seconds.
    const compared: (readonly [{ code: number | null; stdout: string; stderr: string }, PostureEntry[], number])[] = [];
    for (const [i, offset] of OFFSETS.entries()) {
      const at = new Date(madeAt + offset);
      compared.push([
        i === 0 ? await live(at) : await liveInProcess(at),
        await planPosture(new Date(DEMO_NOW.getTime() + offset)),
        offset,
      ]);
    }
    const seen = new Set<string>();
    for (const [ran, planned, offset] of compared) {
      assert.ok(ran.code === 0 || ran.code === 1, ran.stderr);
      assert.deepEqual(leaked(`${ran.stdout}${ran.stderr}`, canaries), []);
      const got = statuses(JSON.parse(ran.stdout) as PostureEntry[]);
      const want = statuses(planned);
      // csi-driver certificates live in pods: no Certificate object, and Vault keeps no per-purpose record, so live
      // posture has no fact about them (docs/vault-applier.md, "What the live posture cannot see").
      for (const id of csi) {
        assert.equal(got[id], "stale", `${id}: live`);
        delete got[id];
        delete want[id];
      }
      assert.deepEqual(got, want, `${offset / DAY} days after the facts were made`);
      for (const status of Object.values(got)) seen.add(status);
    }
    // The comparison went through the statuses that matter, not only `healthy`.
    assert.ok(
      ["expired", "stale", "rotation-due", "healthy"].every((s) => seen.has(s)),
      [...seen].join(),
    );
  });

  it("reads with the read-only token the docs name: KV metadata, transit keys and the PKI issuer suffice", async () => {
    const ran = await live(new Date());
    assert.equal(ran.code, 0, ran.stderr);
    const entries = JSON.parse(ran.stdout) as PostureEntry[];
    const inVault = demoPlan()
      .registry.purposes.filter((p) => ["kv", "transit", "pki"].includes(mechanismOf(p).vault.engine))
      .map((p) => p.id)
      .sort();
    assert.deepEqual(
      entries
        .filter((e) => e.sources.includes("vault"))
        .map((e) => e.purpose)
        .sort(),
      inVault,
    );
    assert.deepEqual(
      entries.filter((e) => e.status !== "healthy" && e.delivery !== "csi").map((e) => `${e.purpose}: ${e.reason}`),
      [],
    );
  });

  it("names a sealed server in one line and exits 2", async () => {
    await platform.seal();
    try {
      const ran = await live(new Date());
      assert.equal(ran.code, 2, ran.stdout);
      assert.match(ran.stderr.split("\n")[0]!, /^posture: live sources: \d+ problems?$/);
      const naming = ran.stderr.split("\n").filter((l) => l.includes(platform.tls!.address));
      assert.equal(naming.length, 1, ran.stderr);
      assert.match(
        naming[0]!,
        /is sealed \(HTTP 503: Vault is sealed\): unseal it, then read posture again \(22 of 22 reads\)/,
      );
    } finally {
      await platform.unseal();
    }
  });

  it("names an unreachable server in one line and exits 2", async () => {
    await platform.stop();
    const ran = await live(new Date());
    assert.equal(ran.code, 2, ran.stdout);
    const naming = ran.stderr.split("\n").filter((l) => l.includes(platform.tls!.address));
    assert.equal(naming.length, 1, ran.stderr);
    assert.match(naming[0]!, /connect ECONNREFUSED 127\.0\.0\.1:\d+ \(22 of 22 reads\)/);
    assert.deepEqual(leaked(ran.stderr, canaries), []);
  });
});
