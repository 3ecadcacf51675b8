import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { serverSettings } from "../test/support/server-settings.js";
import { auditDevices, declaredAuditDevices } from "./audit.js";
import { DISTRIBUTION, DISTRIBUTIONS, imageReference, versionAtLeast, type Distribution } from "./distribution.js";
import {
  chartAuthDelegatorBinding,
  GENERATE_ROOT_POLICY,
  initCeremony,
  TOKEN_REVIEWER_CLUSTER_ROLE,
  vaultChartValues,
  vaultServerConfig,
} from "./server.js";

const settings = serverSettings;
const ceremony = (distribution: Distribution, seal: "shamir" | "awskms" = "shamir") =>
  initCeremony({
    distribution,
    seal,
    keyShares: 3,
    keyThreshold: 2,
    operatorPgpKeys: ["operators/alice.asc", "operators/bob.asc", "operators/carol.asc"],
    namespace: "vault",
    releaseName: "vault",
  });
/** Every string in a configuration that names a file. */
const paths = (config: unknown): string[] =>
  JSON.stringify(config)
    .match(/"\/[^"]+"/g)!
    .map((p) => JSON.parse(p) as string);

describe("the server configuration of each distribution", () => {
  it("declares OpenBao's two audit devices in the JSON form its parser reads, and none for Vault", () => {
    const openbao = declaredAuditDevices(vaultServerConfig(settings("openbao")));
    assert.ok("devices" in openbao);
    assert.deepEqual(
      openbao.devices,
      auditDevices("openbao").map((d) => ({
        type: "file",
        path: d.path,
        description: d.description,
        options: d.options,
      })),
    );
    // A body of one key would be folded into its labels by HCL's JSON reader: each stanza keeps its description.
    for (const stanza of vaultServerConfig(settings("openbao")).audit as Record<string, Record<string, object>>[])
      for (const byPath of Object.values(stanza))
        for (const body of Object.values(byPath)) assert.ok(Object.keys(body).length > 1);
    assert.deepEqual(
      openbao.devices.map((d) => d.options.file_path),
      ["/openbao/audit/openbao-audit.log", "stdout"],
    );
    assert.equal(vaultServerConfig(settings("vault")).audit, undefined, "Vault's devices go through the API");
  });

  it("reads declared devices back from the chart's config string, either stanza form, and says when it cannot", () => {
    const text = vaultChartValues(settings("openbao")) as { server: { ha: { raft: { config: string } } } };
    const read = declaredAuditDevices(text.server.ha.raft.config);
    assert.ok("devices" in read && read.devices.length === 2);
    const oneObject = declaredAuditDevices({ audit: { file: { a: { options: { file_path: "x" } }, b: {} } } });
    assert.deepEqual("devices" in oneObject && oneObject.devices.map((d) => d.path), ["a", "b"]);
    assert.deepEqual(declaredAuditDevices('audit "file" "a" {}'), { error: "the server configuration is not JSON" });
    assert.deepEqual(declaredAuditDevices("{}"), { devices: [] });
  });

  it("keeps every file under the chart's own mount points: /openbao for OpenBao, /vault for Vault", () => {
    for (const d of DISTRIBUTIONS) {
      const home = DISTRIBUTION[d].home;
      const config = vaultServerConfig(
        settings(d, { seal: { type: "gcpckms", options: {}, credentialsSecret: "kms" } }),
      );
      for (const p of paths(config)) assert.ok(p.startsWith(`${home}/`), `${d}: ${p}`);
      assert.deepEqual((config.seal as { gcpckms: object }).gcpckms, {
        credentials: `${home}/userconfig/kms/credentials.json`,
      });
    }
  });

  it("runs Raft with its production timing on both", () => {
    for (const d of DISTRIBUTIONS)
      assert.equal((vaultServerConfig(settings(d)).storage as any).raft.performance_multiplier, 1, d);
  });

  it("leaves out disable_mlock for OpenBao, which dropped mlock, and keeps it for Vault's Raft", () => {
    assert.equal(vaultServerConfig(settings("openbao")).disable_mlock, undefined);
    assert.equal(vaultServerConfig(settings("vault")).disable_mlock, true);
  });
});

describe("the chart values of each distribution", () => {
  const values = (d: Distribution) => vaultChartValues(settings(d)) as Record<string, any>;

  it("runs OpenBao's image from its registry, Vault's from Docker Hub, tagged with vaultVersion", () => {
    assert.deepEqual(values("openbao").server.image, {
      registry: "quay.io",
      repository: "openbao/openbao",
      tag: "2.7.2",
    });
    assert.deepEqual(values("vault").server.image, { repository: "hashicorp/vault", tag: "1.18.1" });
    assert.equal(imageReference("openbao", "2.7.2"), "quay.io/openbao/openbao:2.7.2");
    assert.equal(imageReference("vault", "1.18.1"), "hashicorp/vault:1.18.1");
  });

  it("names Services and pods after the release whatever the chart, and updates OnDelete", () => {
    for (const d of DISTRIBUTIONS) {
      assert.equal(values(d).fullnameOverride, "vault", d);
      assert.equal(values(d).server.updateStrategyType, "OnDelete", d);
    }
  });

  it("binds the server's account to system:auth-delegator, which TokenReview of every Kubernetes login needs", () => {
    for (const d of DISTRIBUTIONS) {
      const v = values(d);
      assert.equal(v.server.authDelegator.enabled, true, d);
      assert.deepEqual(chartAuthDelegatorBinding(v, { name: "vault", namespace: "vault" }), {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "vault-server-binding" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: TOKEN_REVIEWER_CLUSTER_ROLE },
        subjects: [{ kind: "ServiceAccount", name: "vault", namespace: "vault" }],
      });
    }
    // As the charts' templates: off when disabled; the release's full name when the account is created unnamed.
    const release = { name: "bao", namespace: "secrets" };
    assert.equal(chartAuthDelegatorBinding({ server: { authDelegator: { enabled: false } } }, release), undefined);
    assert.equal(chartAuthDelegatorBinding({ server: { serviceAccount: { create: false } } }, release), undefined);
    assert.deepEqual(chartAuthDelegatorBinding({ fullnameOverride: "x", server: {} }, release)?.subjects, [
      { kind: "ServiceAccount", name: "x", namespace: "secrets" },
    ]);
  });

  it("points the pod's CLI at the CA with the variable its CLI reads", () => {
    assert.deepEqual(values("openbao").server.extraEnvironmentVars, {
      BAO_CACERT: "/openbao/userconfig/vault-tls/ca.crt",
    });
    assert.deepEqual(values("vault").server.extraEnvironmentVars, {
      VAULT_CACERT: "/vault/userconfig/vault-tls/ca.crt",
    });
  });
});

describe("the init ceremony of each distribution", () => {
  it("runs the distribution's CLI with the same shares, threshold and keys", () => {
    const flags =
      "operator init -format=json -key-shares=3 -key-threshold=2 -pgp-keys=operators/alice.asc,operators/bob.asc,operators/carol.asc -root-token-pgp-key=operators/alice.asc";
    assert.equal(ceremony("openbao").command, `kubectl -n vault exec vault-0 -- bao ${flags}`);
    assert.equal(ceremony("vault").command, `kubectl -n vault exec vault-0 -- vault ${flags}`);
    assert.match(
      ceremony("openbao", "awskms").command,
      / -recovery-shares=3 -recovery-threshold=2 -recovery-pgp-keys=/,
    );
    for (const step of ceremony("openbao").steps) assert.ok(!/\bvault (operator|token|status)/.test(step), step);
  });

  it("gives OpenBao's operators their way back before the root token goes: root generation needs a login", () => {
    const steps = ceremony("openbao").steps;
    const policy = steps.findIndex((s) => s.includes(JSON.stringify(GENERATE_ROOT_POLICY.document)));
    const revoke = steps.findIndex((s) => s.includes("token revoke -self"));
    assert.ok(policy >= 0 && policy < revoke, "the generate-root policy is written before the root token is revoked");
    assert.ok(!ceremony("vault").steps.some((s) => s.includes("generate-root-token")));
  });
});

describe("the distributions' versions", () => {
  it("accept OpenBao from 2.4 (audit devices in the configuration) and Vault 1.x, naming the other's versions", () => {
    assert.equal(DISTRIBUTION.openbao.checkVersion("2.4.0"), null);
    assert.match(DISTRIBUTION.openbao.checkVersion("2.3.9")!, /older than OpenBao 2\.4\.0/);
    assert.match(DISTRIBUTION.openbao.checkVersion("1.18.1")!, /set vaultDistribution: vault/);
    assert.equal(DISTRIBUTION.vault.checkVersion("1.18.1"), null);
    assert.match(DISTRIBUTION.vault.checkVersion("2.7.2")!, /set vaultDistribution: openbao/);
    assert.ok(
      versionAtLeast("2.10.0", "2.7.0") && !versionAtLeast("2.6.9", "2.7.0") && versionAtLeast("2.7.0", "2.7.0"),
    );
  });
});
