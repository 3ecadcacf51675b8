import assert from "node:assert/strict";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { RecordedResource } from "../../plan/engine/monitor.js";
import { HANDOVER_PATHS } from "../../vault/handover-script.js";
import { demoPlan, inputs } from "../support/demo-plan.js";
import {
  containerVolumes,
  mayRead,
  processIdentity,
  type LaidOutEntry,
  type LaidOutVolume,
  type PodSpec,
  type ProcessIdentity,
} from "../support/kubelet-volumes.js";
import { runProcess, type ProcessResult } from "../support/run-process.js";
import { scratchDir } from "../support/scratch.js";
import { BAO, openBaoSkipReason } from "./openbao.js";
import { jobEnvironment, runHandoverScript, type ScriptRun } from "./support/handover.js";
import { asIdentity, containerRoot, inRoot, layOut, runAsSkipReason } from "./support/kubelet.js";
import {
  applyRuntimeAuthority,
  canary,
  kubernetesCaCertificate,
  startPlatformServer,
  tokenWith,
  type PlatformServer,
} from "./support/platform.js";

/**
 * Every workload the stacks create with a pod spec of their own, run as the kubelet would run it: its volumes laid
 * out with Kubernetes' owners and modes (test/support/kubelet-volumes.ts), then the container's reads done as its
 * uid, gid and groups. The handover Jobs run their real script, with the real CLI, against a real OpenBao, at their
 * place in the runtime-authority apply. Helm releases (Vault's server, Flux, the controllers) are charts: their pod
 * specs are the charts' own, not the stacks', and are not checked here.
 */

const cannot = runAsSkipReason();
const skip = openBaoSkipReason() || (process.env.REQUIRE_REAL_TOOLS === "1" ? false : cannot);
if (skip) console.info(`pod volumes as the kubelet lays them out: skipped: ${skip}`);

/** Where each workload kind keeps its pod spec. */
const POD_SPEC: Record<string, (i: Record<string, any>) => PodSpec> = {
  Pod: (i) => i.spec,
  Job: (i) => i.spec.template.spec,
  CronJob: (i) => i.spec.jobTemplate.spec.template.spec,
  Deployment: (i) => i.spec.template.spec,
  StatefulSet: (i) => i.spec.template.spec,
  DaemonSet: (i) => i.spec.template.spec,
  ReplicaSet: (i) => i.spec.template.spec,
};

const allResources = () => demoPlan().stacks.flatMap((s) => s.resources);
const hasContainers = (v: unknown): boolean =>
  typeof v === "object" && v !== null && Object.entries(v).some(([k, x]) => k === "containers" || hasContainers(x));
const workloads = () => allResources().filter((r) => r.custom && !r.read && hasContainers(inputs(r)));

/** What one container could read (or write) of its volumes, as its own identity, and what the model said it could. */
interface Access {
  workload: string;
  container: string;
  path: string;
  expected: boolean;
  result: ProcessResult;
  wanted?: string;
}

describe.skipIf(skip !== false)(
  "pod specs as the kubelet runs them: every workload reads its volumes as its own user",
  () => {
    let platform: PlatformServer;
    const accesses: Access[] = [];
    const scripts = new Map<string, { run: ScriptRun; kvPath: string; secret: Record<string, string> }>();

    /** A ConfigMap's data as the stacks create it (the CA bundle of the handover Jobs), found in the plan. */
    function configMapData(namespace: string, name: string): Record<string, string> {
      const found = allResources().find(
        (r) =>
          r.type === "kubernetes:core/v1:ConfigMap" &&
          inputs(r).metadata.namespace === namespace &&
          inputs(r).metadata.name === name,
      );
      assert.ok(found, `ConfigMap ${namespace}/${name} is not created by any stack`);
      return inputs(found).data;
    }

    /** Lays the pod out under a fresh root, and tries every read (and write) its containers' mounts imply. */
    async function runPod(
      r: RecordedResource,
      secretData: (name: string) => Record<string, string>,
      token: string,
    ): Promise<{ root: string; volumes: LaidOutVolume[]; who: ProcessIdentity }[]> {
      const i = inputs(r);
      const spec = POD_SPEC[i.kind]!(i);
      const namespace = String(i.metadata.namespace);
      const content = (c: NonNullable<LaidOutEntry["content"]>) =>
        c.kind === "ServiceAccountToken"
          ? token
          : c.kind === "Secret"
            ? secretData(c.name)[c.key]!
            : configMapData(namespace, c.name)[c.key]!;
      const keysOf = (kind: "Secret" | "ConfigMap", name: string) =>
        Object.keys(kind === "Secret" ? secretData(name) : configMapData(namespace, name));
      const out = [];
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        const root = scratchDir("pod-");
        containerRoot(root, { bao: BAO });
        const volumes = containerVolumes(spec, c, keysOf);
        layOut(root, volumes, content);
        const who = processIdentity(spec, c);
        for (const v of volumes)
          for (const e of v.entries) {
            const visible = e.path.split("/").slice(1).join("/");
            if (e.type === "file") {
              // As the program opens it: through the key's link, ..data, into the timestamped folder.
              const path = join(v.mountPath, visible);
              const [cmd, args] = asIdentity(who, ["cat", inRoot(root, path)]);
              accesses.push({
                workload: r.name,
                container: c.name,
                path,
                expected: mayRead(who, e),
                result: await runProcess(cmd, args, { env: { PATH: "/usr/bin:/bin" } }),
                wanted: content(e.content!),
              });
            } else if (e.path === "" && !v.readOnly) {
              const [cmd, args] = asIdentity(who, ["sh", "-c", 'echo probe > "$1/.probe" && rm "$1/.probe"', "sh"]);
              accesses.push({
                workload: r.name,
                container: c.name,
                path: `${v.mountPath} (write)`,
                expected: true,
                result: await runProcess(cmd, [...args, inRoot(root, v.mountPath)], { env: { PATH: "/usr/bin:/bin" } }),
              });
            }
          }
        out.push({ root, volumes, who });
      }
      return out;
    }

    /** A handover Job at its place in the apply: its pod laid out, its reads tried, then its real script run. */
    async function handoverJob(job: RecordedResource): Promise<void> {
      const env = jobEnvironment(job);
      const secret = { credentials: `${canary(`${env.ROLE}-credentials`)}\n`, region: canary(`${env.ROLE}-region`) };
      // The Job logs in with its projected token; no API server here reviews one, so the token file holds what the
      // login would return, a token with exactly the Job's policy (HANDOVER_VAULT_TOKEN_FILE), with the token's owner
      // and mode: the Job must read that file as its user either way.
      const token = await tokenWith(platform.server, [env.ROLE!]);
      const [pod] = await runPod(job, () => secret, token);
      assert.ok(pod, `${job.name}: a container`);
      const { root, who } = pod;
      const tmp = inRoot(root, HANDOVER_PATHS.tmpDir);
      const run = await runHandoverScript(
        job,
        { address: platform.tls!.address, caFile: inRoot(root, env.VAULT_CACERT!) },
        {
          dir: tmp,
          valueDir: inRoot(root, HANDOVER_PATHS.valueDir),
          tokenFile: inRoot(root, HANDOVER_PATHS.tokenFile),
          remove: () => {},
        },
        {
          tokenFile: inRoot(root, HANDOVER_PATHS.tokenFile),
          runAs: who,
          // The Job's own CLI name, found in the image's bin (the copied one), as in the container.
          overrides: { VAULT_CLI: env.VAULT_CLI!, PATH: `${inRoot(root, "bin")}:/usr/bin:/bin` },
        },
      );
      scripts.set(job.name, { run, kvPath: env.KV_PATH!, secret });
    }

    beforeAll(async () => {
      if (cannot) return;
      platform = await startPlatformServer({ tls: true });
      await applyRuntimeAuthority(platform, {
        kubernetesCaCert: await kubernetesCaCertificate(),
        foreign: (r) => (r.type === "kubernetes:batch/v1:Job" ? handoverJob(r) : undefined),
      });
    });
    afterAll(async () => {
      await platform?.stop();
    });

    it("runs here: as root, with setpriv", () => {
      assert.equal(cannot, false, `${cannot} (REQUIRE_REAL_TOOLS=1: this tier may not skip it)`);
    });

    it("knows every workload of the plan, and finds them (the handover Jobs)", () => {
      const found = workloads();
      assert.ok(found.length > 0);
      for (const r of found) assert.ok(inputs(r).kind in POD_SPEC, `${r.urn}: a workload kind this test does not know`);
      assert.deepEqual(
        found.map((r) => r.name).sort(),
        [...scripts.keys()].sort(),
        "every workload of the plan ran (all are the runtime-authority stack's handover Jobs today)",
      );
    });

    it("every container reads every file it mounts as its own uid, gid and groups, and writes its writable volumes", () => {
      assert.ok(accesses.length > 0);
      const refused = accesses.filter((a) => a.result.code !== 0);
      assert.deepEqual(
        refused.map((a) => `${a.workload} ${a.container}: ${a.path}: ${a.result.stderr.trim()}`),
        [],
        "denied by the kernel",
      );
      for (const a of accesses.filter((x) => x.wanted !== undefined))
        assert.equal(a.result.stdout, a.wanted, `${a.workload}: ${a.path} holds what was mounted`);
    });

    it("the kernel agrees with the model on every access (the layout is what the model says)", () => {
      for (const a of accesses)
        assert.equal(a.result.code === 0, a.expected, `${a.workload} ${a.container}: ${a.path}: ${a.result.stderr}`);
    });

    it("each handover Job's script reads its mounted Secret as the Job's user and hands it over", async () => {
      assert.ok(scripts.size > 0);
      for (const [job, { run, kvPath, secret }] of scripts) {
        assert.equal(run.code, 0, `${job}: ${run.stderr}`);
        const data = await platform.server.api<{ data?: { data: Record<string, string> } }>(
          "GET",
          `/v1/kv/data/${kvPath}`,
        );
        assert.deepEqual(data.body.data?.data, secret, `${job}: Vault holds the Secret's keys`);
      }
    });
  },
);
