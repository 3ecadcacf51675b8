/**
 * The real path, for users with the CLI: the stacks through Pulumi's Automation API against a local file backend.
 * Not part of `npm test` (it needs the `pulumi` CLI and provider plugins, and for later phases a cluster and Vault);
 * run it with `npm run test:integration` (vitest, with test/integration/vitest.config.ts). Where something is missing,
 * each part reports itself skipped and prints the reason.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation/index.js";
import { parse } from "yaml";
import { x509 } from "../../pki/x509.js";

const cli = spawnSync("pulumi", ["version"], { encoding: "utf8" });
const noCli = cli.status === 0 ? false : "the pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/)";
const cluster = spawnSync("kubectl", ["version", "--request-timeout=3s"], { encoding: "utf8" });
const noCluster = noCli || (cluster.status === 0 ? false : "no reachable Kubernetes context (kubectl version failed)");
const noVault =
  noCluster ||
  (process.env.VAULT_ADDR && process.env.VAULT_TOKEN
    ? false
    : "VAULT_ADDR and VAULT_TOKEN are not set (a token generated on demand, docs/phases/3-runtime-authority.md)");

const name = `it${Date.now().toString(36)}`;
// A file backend of this run's own, made in a hook: vitest runs no hook of a file whose tests are all skipped.
let backend: string;
let env: Record<string, string>;
beforeAll(() => {
  backend = mkdtempSync(join(tmpdir(), "pulumi-backend-"));
  env = {
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "integration-only",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
});
afterAll(() => rmSync(backend, { recursive: true, force: true }));
const demo = (phase: string) =>
  (parse(readFileSync(`stacks/Pulumi.demo-${phase}.yaml`, "utf8")) as { config: Record<string, unknown> }).config;

async function stackFor(phase: string): Promise<Stack> {
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: `${name}-${phase}`, workDir: process.cwd() },
    { envVars: env },
  );
  for (const [key, value] of Object.entries(demo(phase))) {
    const k = key.replace(/^secrets-platform:/, "");
    if (k === "cluster") continue;
    if (Array.isArray(value)) await stack.setConfig(k, { value: JSON.stringify(value) });
    else await stack.setConfig(k, { value: String(value) });
  }
  await stack.setConfig("cluster", { value: name });
  await stack.setConfig("phase", { value: phase });
  return stack;
}

/** `describe`, skipped when `missing` names what this part needs and the machine lacks; vitest's skipIf shows no reason, so it is printed. */
function describeWith(missing: string | false) {
  return (title: string, suite: () => void) => {
    if (missing) console.info(`skipped "${title}": ${missing}`);
    describe.skipIf(missing !== false)(title, suite);
  };
}

describeWith(noCli)("root-trust through the Automation API", () => {
  it("previews, comes up with a CA root, passes the policy pack, and a second up changes nothing", async () => {
    const stack = await stackFor("root-trust");
    await stack.preview({ policyPacks: ["policies"] });
    const up = await stack.up();
    const root = new x509.X509Certificate(String(up.outputs.rootCertificatePem!.value));
    assert.equal(root.getExtension(x509.BasicConstraintsExtension)!.ca, true);
    const again = await stack.up();
    assert.deepEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"]);
  });
});

describeWith(noCluster)("cluster phases through the Automation API", () => {
  it("gitops and bootstrap preview with the policy pack", async () => {
    for (const phase of ["gitops", "bootstrap"]) await (await stackFor(phase)).preview({ policyPacks: ["policies"] });
  });
});

describeWith(noVault)("Vault phases through the Automation API", () => {
  it("runtime-authority and steady-state preview with the policy pack", async () => {
    for (const phase of ["runtime-authority", "steady-state"])
      await (await stackFor(phase)).preview({ policyPacks: ["policies"] });
  });
});
