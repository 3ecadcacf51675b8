import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedResource } from "../../../plan/engine/monitor.js";
import { HANDOVER_SCRIPT } from "../../../vault/handover-script.js";
import { inputs } from "../../support/demo-plan.js";
import { BAO } from "../openbao.js";
import { runProcess, type ProcessResult } from "../../support/run-process.js";
import type { ProcessIdentity } from "../../support/kubelet-volumes.js";
import { asIdentity } from "./kubelet.js";

/**
 * The handover Job's script run for real: `sh` and the real CLI (`bao`), with the environment of the plan's Job (its
 * container's env), pointed at a test server, reading a Secret laid out as the kubelet mounts one.
 */

/** What one run printed and how it ended. */
export type ScriptRun = ProcessResult;

/** The service account the plan's Job runs as. */
export function jobIdentity(job: RecordedResource): { namespace: string; serviceAccount: string } {
  const spec = inputs(job);
  return {
    namespace: String(spec.metadata.namespace),
    serviceAccount: String(spec.spec.template.spec.serviceAccountName),
  };
}

/** The env the plan gives the Job's container, by name. */
export function jobEnvironment(job: RecordedResource): Record<string, string> {
  const container = (inputs(job).spec.template.spec.containers as { env: { name: string; value: string }[] }[])[0]!;
  return Object.fromEntries(container.env.map((e) => [e.name, e.value]));
}

/** A folder that stands for the Job's volumes, removed by `remove()`. */
export interface JobSandbox {
  dir: string;
  /** The mounted Secret: one file per key, as symlinks into the kubelet's `..data` (timestamped) folder. */
  valueDir: string;
  /** A projected service account token (for the login path; no API server here can review it). */
  tokenFile: string;
  remove(): void;
}

/**
 * The Secret's keys mounted as the kubelet does (`<key> -> ..data/<key>`, `..data -> ..<timestamp>/`), and a projected
 * token claiming `identity` (the Job's service account) for the audience `vault`.
 */
export function jobSandbox(
  secret: Record<string, string>,
  identity: { namespace: string; serviceAccount: string } = { namespace: "default", serviceAccount: "default" },
): JobSandbox {
  const dir = mkdtempSync(join(tmpdir(), "handover-job-"));
  const valueDir = join(dir, "value");
  const stamped = join(valueDir, "..2026_12_01_09_00_00.000000001");
  mkdirSync(stamped, { recursive: true });
  symlinkSync("..2026_12_01_09_00_00.000000001", join(valueDir, "..data"));
  for (const [key, value] of Object.entries(secret)) {
    writeFileSync(join(stamped, key), value, { mode: 0o400 });
    symlinkSync(join("..data", key), join(valueDir, key));
  }
  const tokenFile = join(dir, "token");
  // A well-formed service account JWT with the Job's claims, signed by no one: the server's Kubernetes auth accepts
  // its claims and asks the cluster's API server to review it (TokenReview), which is where this tier stops.
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const { namespace, serviceAccount } = identity;
  const claims = {
    aud: ["vault"],
    iss: "https://kubernetes.default.svc.cluster.local",
    sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
    iat: Math.floor(Date.now() / 1000) - 5,
    nbf: Math.floor(Date.now() / 1000) - 5,
    exp: Math.floor(Date.now() / 1000) + 600,
    "kubernetes.io": {
      namespace,
      serviceaccount: { name: serviceAccount, uid: "00000000-0000-0000-0000-000000000001" },
    },
  };
  writeFileSync(tokenFile, `${part({ alg: "RS256", kid: "test" })}.${part(claims)}.c2lnbmF0dXJl`);
  return { dir, valueDir, tokenFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Where the script finds the server. */
export interface ScriptTarget {
  address: string;
  /** The CA file the Job's VAULT_CACERT names (the root, from the CA ConfigMap); none over plain http. */
  caFile?: string;
}

/**
 * Runs HANDOVER_SCRIPT as the Job would, with the Job's environment, `VAULT_CLI` set to the real `bao`, the sandbox's
 * volumes, and a token file (`HANDOVER_VAULT_TOKEN_FILE`) when given, else the Kubernetes login. `overrides` last.
 * With `runAs`, the script runs as that uid, gid and groups (root only: test/real/support/kubelet.ts).
 */
export function runHandoverScript(
  job: RecordedResource,
  target: ScriptTarget,
  sandbox: JobSandbox,
  options: { tokenFile?: string; overrides?: Record<string, string>; runAs?: ProcessIdentity } = {},
): Promise<ScriptRun> {
  const { VAULT_CACERT: _planned, ...env } = jobEnvironment(job);
  const script = ["sh", "-c", HANDOVER_SCRIPT];
  const [command, args] = options.runAs ? asIdentity(options.runAs, script) : [script[0]!, script.slice(1)];
  return runProcess(command, args, {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      ...env,
      HOME: sandbox.dir,
      TMPDIR: sandbox.dir,
      VAULT_ADDR: target.address,
      ...(target.caFile ? { VAULT_CACERT: target.caFile } : {}),
      VAULT_CLI: BAO,
      VALUE_DIR: sandbox.valueDir,
      TOKEN_FILE: sandbox.tokenFile,
      ...(options.tokenFile ? { HANDOVER_VAULT_TOKEN_FILE: options.tokenFile } : {}),
      ...options.overrides,
    },
  });
}

/** Every handover Job of an apply, run once each at its place in the plan, with canary values. */
export interface HandoverJobs {
  /** The applier's `foreign`: runs the script for a Job (the token made with exactly its handover policy). */
  foreign(resource: RecordedResource): Promise<void> | undefined;
  /** Each Job's runs, by Job name. */
  runs: Map<string, ScriptRun[]>;
  /** The values handed over, by KV path: canaries. */
  values: Map<string, Record<string, string>>;
  remove(): void;
}

/**
 * Handovers that succeed: each Job's Secret holds canary values, its token has exactly the Job's handover policy
 * (`tokenFor`), and a Job that fails fails the apply, as it fails `pulumi up`.
 */
export function handoverJobs(
  target: () => ScriptTarget,
  tokenFor: (policy: string) => Promise<string>,
  canary: (label: string) => string,
): HandoverJobs {
  const runs = new Map<string, ScriptRun[]>();
  const values = new Map<string, Record<string, string>>();
  const sandboxes: JobSandbox[] = [];
  return {
    runs,
    values,
    remove: () => sandboxes.forEach((s) => s.remove()),
    foreign(resource) {
      if (resource.type !== "kubernetes:batch/v1:Job") return undefined;
      return (async () => {
        const env = jobEnvironment(resource);
        const secret = values.get(env.KV_PATH!) ?? {
          credentials: `${canary(`${env.ROLE}-credentials`)}\n`,
          region: canary(`${env.ROLE}-region`),
        };
        values.set(env.KV_PATH!, secret);
        const box = jobSandbox(secret, jobIdentity(resource));
        sandboxes.push(box);
        const tokenFile = join(box.dir, "vault-token");
        writeFileSync(tokenFile, await tokenFor(env.ROLE!), { mode: 0o600 });
        const run = await runHandoverScript(resource, target(), box, { tokenFile });
        runs.set(resource.name, [...(runs.get(resource.name) ?? []), run]);
        if (run.code !== 0)
          throw new Error(`the handover Job ${resource.name} failed (exit ${run.code}): ${run.stderr}`);
      })();
    },
  };
}
