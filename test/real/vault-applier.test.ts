import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, it } from "vitest";
import { RESOURCE_TYPES } from "../../policies/resource-types.js";
import { generatedSection } from "../../reference/markdown.js";
import { inputs, outputsOf, runOf } from "../support/demo-plan.js";
import { openBaoSkipReason } from "./openbao.js";
import {
  applyRuntimeAuthority,
  kubernetesCaCertificate,
  plannedAuditDevices,
  plannedOf,
  runtimeAuthority,
  startPlatformServer,
  type PlatformServer,
  type RuntimeAuthorityApply,
} from "./support/platform.js";
import { MAPPING_DOC, mappingTable } from "./support/mapping-doc.js";
import {
  applyPlan,
  isVaultType,
  refreshState,
  unmappedTypes,
  VAULT_MAPPINGS,
  type ResourceReport,
} from "./vault-applier.js";

const skip = openBaoSkipReason();
if (skip) console.info(`the Vault applier: skipped: ${skip}`);

describe("the Vault applier's mapping", () => {
  it("maps every Vault resource type the demo plan registers, and refuses one it lacks by name", async () => {
    const resources = runOf("runtime-authority").resources;
    assert.deepEqual(unmappedTypes(resources), []);
    const planned = new Set(resources.map((r) => r.type).filter(isVaultType));
    // Beyond the demo's types, only vault.Audit: the Vault distribution registers its devices through the API, which
    // OpenBao (the demo's) refuses; the mapping checks such a device is declared instead of enabling it.
    assert.deepEqual(
      Object.keys(VAULT_MAPPINGS).sort(),
      [...new Set([...planned, RESOURCE_TYPES.vaultAudit])].sort(),
      "no mapping for a type neither distribution's plan registers",
    );
    assert.ok(!planned.has(RESOURCE_TYPES.vaultAudit), "the OpenBao plan enables no audit device through the API");
    const stray = {
      ...resources.find((r) => r.type === RESOURCE_TYPES.vaultPolicy)!,
      type: "vault:ssh/secretBackendRole:SecretBackendRole",
    };
    await assert.rejects(
      applyPlan([stray], { transport: { address: "unused", call: () => assert.fail("no call") }, token: "" }),
      /no mapping in test\/real\/vault-applier\.ts for vault:ssh\/secretBackendRole:SecretBackendRole/,
    );
  });

  it("is the table of docs/vault-applier.md", () => {
    assert.ok(
      generatedSection(readFileSync(MAPPING_DOC, "utf8"), "mapping") === mappingTable(),
      `${MAPPING_DOC} is not the mapping: node --import tsx test/real/support/mapping-doc.ts writes it`,
    );
  });
});

describe.skipIf(skip !== false)("the demo plan's Vault resources applied to a real OpenBao", () => {
  let platform: PlatformServer;
  let applied: RuntimeAuthorityApply;
  const reports = (): ResourceReport[] => [...applied.first.reports, ...applied.second.reports];
  const created = () => reports().filter((r) => r.op === "create");

  beforeAll(async () => {
    platform = await startPlatformServer();
    applied = await applyRuntimeAuthority(platform, { kubernetesCaCert: await kubernetesCaCertificate() });
  });
  afterAll(() => platform?.stop());

  it("creates every Vault resource of the plan, in the plan's order, each once", () => {
    const vault = runtimeAuthority().filter((r) => isVaultType(r.type));
    assert.deepEqual(
      created()
        .map((r) => r.urn)
        .sort(),
      vault
        .map((r) => r.urn)
        .concat(vault.filter((r) => r.type === "pulumi:providers:vault").map((r) => r.urn))
        .sort(),
      "each resource once, and the provider once per run",
    );
    // The second run changes only what the signed chain allows: everything of the first is `same`.
    const second = applied.second.reports.filter((r) => r.op === "create").map((r) => r.type);
    assert.deepEqual(
      [...new Set(second)].sort(),
      ["pulumi:providers:vault", RESOURCE_TYPES.vaultPkiIntermediateSetSigned, RESOURCE_TYPES.vaultPkiRole].sort(),
    );
  });

  it("reads every resource back as the plan wrote it: nothing `pulumi refresh` would change", async () => {
    const drifted = created().filter((r) => r.drift.length > 0);
    assert.deepEqual(
      drifted.map((r) => `${r.name}: ${r.drift.join("; ")}`),
      [],
    );
    const refreshed = await refreshState(applied.state, {
      transport: platform.transport,
      token: platform.server.rootToken,
      auditFilePaths: platform.auditFilePaths,
    });
    assert.deepEqual(
      refreshed.filter((r) => r.drift.length > 0).map((r) => `${r.name}: ${r.drift.join("; ")}`),
      [],
    );
  });

  it("works with a 20-minute child token named after the stack, as the provider does", async () => {
    const provider = runtimeAuthority().find((r) => r.type === "pulumi:providers:vault")!;
    const calls = created()
      .filter((r) => r.urn === provider.urn)
      .flatMap((r) => r.calls);
    assert.deepEqual(calls.slice(0, 2), ["GET /v1/sys/seal-status", "POST /v1/auth/token/create"]);
    const tokens = await platform.server.api<{ data: { keys: string[] } }>("LIST", "/v1/auth/token/accessors");
    const named: string[] = [];
    for (const accessor of tokens.body.data.keys) {
      const token = await platform.server.api<{ data: { display_name: string; creation_ttl: number } }>(
        "POST",
        "/v1/auth/token/lookup-accessor",
        { accessor },
      );
      if (token.body.data.display_name === `token-${String(inputs(provider).tokenName)}`)
        named.push(String(token.body.data.creation_ttl));
    }
    assert.deepEqual(named, ["1200", "1200"], "one child token per run, 1200 s each");
  });

  it("publishes the SHA-256 of exactly the policy text the server holds", async () => {
    const digests = outputsOf(runOf("runtime-authority")).policies as Record<string, string>;
    for (const policy of plannedOf(RESOURCE_TYPES.vaultPolicy).map(inputs)) {
      const read = await platform.server.api<{ data: { rules: string } }>("GET", `/v1/sys/policy/${policy.name}`);
      assert.equal(
        `sha256:${createHash("sha256").update(read.body.data.rules).digest("hex")}`,
        digests[policy.name],
        policy.name,
      );
    }
  });

  it("has the two audit devices the plan declares in the server's configuration, which the API may no longer enable", async () => {
    assert.deepEqual(
      created().filter((r) => r.type === RESOURCE_TYPES.vaultAudit),
      [],
      "none enabled through the API",
    );
    const listed = await platform.server.api<{ data: Record<string, { type: string }> }>("GET", "/v1/sys/audit");
    assert.deepEqual(
      Object.keys(listed.body.data).sort(),
      plannedAuditDevices()
        .map((d) => `${d.path}/`)
        .sort(),
    );
    assert.equal(plannedAuditDevices().length, 2);
    const refused = await platform.server.api<{ errors: string[] }>("PUT", "/v1/sys/audit/file-extra", {
      type: "file",
      options: { file_path: "stdout" },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body.errors.join(), /cannot enable audit device via API/);
  });

  it("changes nothing when applied again with its state", async () => {
    const again = await applyRuntimeAuthority(platform, {
      kubernetesCaCert: String(
        applied.state.get(plannedOf(RESOURCE_TYPES.vaultKubernetesAuthConfig)[0]!.urn)!.inputs.kubernetesCaCert,
      ),
      state: applied.state,
    });
    const changed = [...again.first.reports, ...again.second.reports].filter(
      (r) => r.op === "create" && r.type !== "pulumi:providers:vault",
    );
    assert.deepEqual(
      changed.map((r) => r.name),
      [],
    );
    assert.equal(again.csrPem, applied.csrPem, "the same key and CSR");
  });

  it("is refused the Kubernetes auth config as planned outside a pod: the server reads its cluster CA there", async () => {
    const config = plannedOf(RESOURCE_TYPES.vaultKubernetesAuthConfig)[0]!;
    const provider = runtimeAuthority().find((r) => r.type === "pulumi:providers:vault")!;
    const state = new Map(applied.state);
    state.delete(config.urn);
    await assert.rejects(
      applyPlan([provider, config], { transport: platform.transport, token: platform.server.rootToken, state }),
      /applying kubernetes-auth-config .*PUT \/v1\/auth\/kubernetes\/config: HTTP 400: open \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/ca\.crt: no such file or directory/,
    );
  });

  it("is warned about two things only: the provider's deprecated policy field and its misspelt transit field", () => {
    const warnings = new Set(created().flatMap((r) => r.warnings.map((w) => `${r.type}: ${w}`)));
    assert.deepEqual([...warnings].sort(), [
      `${RESOURCE_TYPES.vaultPolicy}: 'rules' is deprecated, please use 'policy' instead`,
      `${RESOURCE_TYPES.vaultTransitKey}: Endpoint ignored these unrecognized parameters: [min_encryption_versoin]`,
    ]);
  });
});
