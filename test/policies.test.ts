import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "vitest";
import * as tls from "@pulumi/tls";
import * as vault from "@pulumi/vault";
import { RULES } from "../policies/rules/index.js";
import { aclLeastPrivilege } from "../policies/rules/acl-least-privilege.js";
import { auditDevices } from "../policies/rules/audit-devices.js";
import { certificateLifetime } from "../policies/rules/certificate-lifetime.js";
import { deliveredOnce } from "../policies/rules/delivered-once.js";
import { evidenceResolves } from "../policies/rules/evidence-resolves.js";
import { issuerExpiry } from "../policies/rules/issuer-expiry.js";
import { kubernetesNotAuthoritative } from "../policies/rules/kubernetes-not-authoritative.js";
import { kvHardened } from "../policies/rules/kv-hardened.js";
import { noPlaintextSecrets } from "../policies/rules/no-plaintext-secrets.js";
import { pkiRoleBounded } from "../policies/rules/pki-role-bounded.js";
import { purposeKnown } from "../policies/rules/purpose-known.js";
import { revealOnce } from "../policies/rules/reveal-once.js";
import { singleAuthority } from "../policies/rules/single-authority.js";
import { transitKeyHardened } from "../policies/rules/transit-key-hardened.js";
import { transitionalDeadline } from "../policies/rules/transitional-deadline.js";
import { trustProtected } from "../policies/rules/trust-protected.js";
import { renderAclPolicy } from "../vault/acl.js";
import { DISTRIBUTION, type Distribution } from "../vault/distribution.js";
import { vaultChartValues } from "../vault/server.js";
import { serverSettings } from "./support/server-settings.js";
import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { evaluate } from "../policies/evaluate.js";
import { steadyStateLayout } from "../delivery/layout.js";
import { noSecretOutputs } from "../policies/rules/no-secret-outputs.js";
import { loadRegistry } from "../registry/load.js";
import {
  assertHasViolation,
  assertNoViolations,
  createResourceValidationArgs as args,
  createStackValidationArgs as stackOf,
  NotApplicable,
  runPolicy,
} from "./support/policy-harness.js";

const loaded = loadRegistry("purposes");
assert.ok(loaded.ok);
const registry = loaded.registry;
const k8s = (kind: string, apiVersion = "v1") =>
  `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
const labels = (purpose: string, owner: string, extra: Record<string, string> = {}) => ({
  "secrets-platform/purpose": purpose,
  "secrets-platform/owner": owner,
  ...extra,
});
const object = (
  kind: string,
  apiVersion: string,
  name: string,
  namespace: string | undefined,
  l: Record<string, string>,
  rest: Record<string, unknown> = {},
) => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), labels: l },
  ...rest,
});

describe("the policy pack", () => {
  it("has one module per rule, each with a name, description, severity, level and fix, names unique", () => {
    // One module per rule: every file of policies/rules/ but the index exports exactly one registered rule.
    const modules = readdirSync(new URL("../policies/rules/", import.meta.url)).filter((f) => f !== "index.ts");
    assert.equal(RULES.length, modules.length);
    assert.equal(new Set(RULES.map((r) => r.name)).size, RULES.length);
    for (const r of RULES) {
      assert.match(r.name, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(r.description.length > 40 && r.remediation.length > 20, r.name);
      assert.ok(["advisory", "mandatory"].includes(r.enforcementLevel), r.name);
      // The pack serves a rule as one policy: a resource policy, or a stack policy (which also runs its cluster check).
      assert.ok(
        Boolean(r.validateResource) !== Boolean(r.validateStack || r.validateCluster),
        `${r.name}: a resource rule, or a stack/cluster rule`,
      );
    }
  });

  it("harness: notApplicable throws like the SDK's", () => {
    assert.throws(() => args(vault.Policy, {}).notApplicable("no"), NotApplicable);
    assert.deepEqual(args(vault.transit.SecretBackendKey, { name: "x" }).asType(vault.transit.SecretBackendKey), {
      name: "x",
    });
    assert.equal(args(vault.Policy, {}).asType(vault.transit.SecretBackendKey), undefined);
  });
});

describe("purpose-known", () => {
  const es = (purpose: string, owner: string, namespace: string) =>
    args(
      k8s("ExternalSecret", "external-secrets.io/v1"),
      object("ExternalSecret", "external-secrets.io/v1", purpose, namespace, labels(purpose, owner)),
      { stack: "demo-steady-state" },
    );
  it("accepts an ExternalSecret for its purpose in a consumer namespace", () =>
    assertNoViolations(purposeKnown, es("payments-db-password", "payments", "payments")));
  it("refuses an unknown purpose, a wrong owner, a namespace without consumer, a kind that does not deliver it", async () => {
    await assertHasViolation(
      purposeKnown,
      es("payments-db-passwd", "payments", "payments"),
      /payments-db-passwd: ExternalSecret payments\/payments-db-passwd names a purpose the registry does not have/,
    );
    await assertHasViolation(
      purposeKnown,
      es("payments-db-password", "data", "payments"),
      /labelled owner data, the contract says payments/,
    );
    await assertHasViolation(
      purposeKnown,
      es("payments-db-password", "payments", "storefront"),
      /is in namespace storefront, where the purpose has no consumer/,
    );
    await assertHasViolation(
      purposeKnown,
      es("payments-api-mtls", "payments", "payments"),
      /a ExternalSecret does not deliver a cert-manager purpose/,
    );
  });
  it("matches Vault objects to purposes by name", async () => {
    await assertNoViolations(purposeKnown, args(vault.transit.SecretBackendKey, { name: "payments-card-data-key" }));
    await assertHasViolation(
      purposeKnown,
      args(vault.transit.SecretBackendKey, { name: "payments-db-password" }),
      /matches no transit purpose/,
    );
    await assertHasViolation(
      purposeKnown,
      args(vault.pkisecret.SecretBackendRole, { name: "nobody" }),
      /matches no certificate purpose/,
    );
  });
});

describe("kubernetes-not-authoritative", () => {
  const secret = (name: string, namespace: string, l: Record<string, string>) =>
    args(k8s("Secret"), object("Secret", "v1", name, namespace, l, { stringData: "[secret]" }), {
      stack: "demo-gitops",
    });
  const deployKey = labels("flux-git-deploy-key", "platform", { "secrets-platform/authority": "bootstrap" });
  it("accepts a labelled bootstrap Secret before its date, and the platform's own Secrets", async () => {
    await assertNoViolations(kubernetesNotAuthoritative, secret("flux-git-deploy-key", "flux-system", deployKey));
    await assertNoViolations(kubernetesNotAuthoritative, secret("sops-age", "flux-system", {}));
  });
  it("refuses literal data without a bootstrap purpose, a Vault-tier value written into Kubernetes, secrets in a ConfigMap", async () => {
    await assertHasViolation(
      kubernetesNotAuthoritative,
      secret("db", "payments", {}),
      /Secret payments\/db has literal data but names no bootstrap purpose/,
    );
    await assertHasViolation(
      kubernetesNotAuthoritative,
      secret("db", "payments", labels("payments-db-password", "payments")),
      /payments-db-password: .* writes a external-secret value into Kubernetes/,
    );
    const cm = args(
      k8s("ConfigMap"),
      object("ConfigMap", "v1", "cfg", "payments", {}, { data: { key: "-----BEGIN PRIVATE KEY-----\nMII..." } }),
    );
    await assertHasViolation(
      kubernetesNotAuthoritative,
      cm,
      /ConfigMap payments\/cfg holds a PEM private key in a ConfigMap/,
    );
  });
  it("takes its allowlist from the pack config", () =>
    assertHasViolation(
      kubernetesNotAuthoritative,
      { ...secret("sops-age", "flux-system", {}), getConfig: <T>() => ({ platformSecrets: [] }) as T },
      /sops-age has literal data/,
    ));
});

describe("no-plaintext-secrets", () => {
  it("accepts material only where it is a secret value", () =>
    assertNoViolations(
      noPlaintextSecrets,
      args(
        k8s("Secret"),
        object("Secret", "v1", "s", "vault", {}, { stringData: { "tls.key": "-----BEGIN PRIVATE KEY-----" } }),
      ),
    ));
  it("refuses a private key or an age identity in a plain input, label or annotation", async () => {
    await assertHasViolation(
      noPlaintextSecrets,
      args("kubernetes:helm.sh/v3:Release", { values: { key: "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ" } }),
      /values holds an age identity in plain text/,
    );
    await assertHasViolation(
      noPlaintextSecrets,
      args(
        k8s("ConfigMap"),
        object("ConfigMap", "v1", "c", "x", {}, { data: { k: "-----BEGIN OPENSSH PRIVATE KEY-----" } }),
      ),
      /data holds an OpenSSH private key/,
    );
  });
});

describe("no-secret-outputs", () => {
  const stack = (outputs: Record<string, unknown>) => [
    { stack: "demo-root-trust", phase: "root-trust" as const, resources: [], outputs },
  ];
  it("accepts outputs of metadata and public material", () =>
    assert.deepEqual(
      evaluate(stack({ rootCertificatePem: "-----BEGIN CERTIFICATE-----", key: "[secret]" }), {
        registry,
        now: new Date(),
        rules: [noSecretOutputs],
      }),
      [],
    ));
  it("refuses a private key in a plain stack output", () =>
    assert.match(
      evaluate(stack({ rootKey: "-----BEGIN EC PRIVATE KEY-----" }), {
        registry,
        now: new Date(),
        rules: [noSecretOutputs],
      })[0]!.message,
      /stack demo-root-trust: output rootKey holds a PEM private key in plain text \(fix: /,
    ));
});

describe("reveal-once", () => {
  const es = (spec: Record<string, unknown>, namespace = "break-glass", name = "vault-break-glass-admin") =>
    args(
      k8s("ExternalSecret", "external-secrets.io/v1"),
      object(
        "ExternalSecret",
        "external-secrets.io/v1",
        name,
        namespace,
        labels("vault-break-glass-admin", "platform"),
        { spec },
      ),
      { name: `${namespace}-${name}`, stack: "demo-steady-state" },
    );
  const once = {
    refreshPolicy: "CreatedOnce",
    refreshInterval: "0s",
    target: { name: "x", immutable: true, creationPolicy: "Orphan" },
  };
  it("accepts CreatedOnce into an immutable, orphaned Secret", () =>
    assertNoViolations(revealOnce, stackOf([es(once)])));
  it("refuses periodic refresh, a mutable or owned Secret, and a template", async () => {
    await assertHasViolation(
      revealOnce,
      stackOf([es({ ...once, refreshPolicy: "Periodic", refreshInterval: "1h" })]),
      /refreshPolicy Periodic: it would fetch the value again/,
    );
    await assertHasViolation(
      revealOnce,
      stackOf([es({ ...once, target: { name: "x", creationPolicy: "Owner" } })]),
      /its Secret is not immutable/,
    );
    await assertHasViolation(
      revealOnce,
      stackOf([es({ ...once, target: { ...once.target, template: { data: { v: "{{ .v }}" } } } })]),
      /a template re-renders the value/,
    );
  });
  it("refuses a second reveal-once copy of one purpose, in another namespace or beside the first", async () => {
    await assertHasViolation(
      revealOnce,
      stackOf([es(once), es(once, "security")]),
      /vault-break-glass-admin: ExternalSecret security\/vault-break-glass-admin is a second reveal \(2 ExternalSecrets/,
    );
    await assertHasViolation(
      revealOnce,
      stackOf([es(once), es(once, "break-glass", "break-glass-copy")]),
      /is a second reveal/,
    );
  });
  it("counts the copies of every stack of the cluster", () => {
    const view = (a: ReturnType<typeof es>, stack: string) => ({
      type: a.type,
      name: a.name,
      urn: a.urn,
      props: a.props,
      protect: false,
      stack,
      phase: undefined,
      secretsMarked: true,
    });
    const found = evaluate(
      [
        { stack: "demo-steady-state", phase: "steady-state", resources: [view(es(once), "demo-steady-state")] },
        { stack: "team-stack", phase: undefined, resources: [view(es(once, "security"), "team-stack")] },
      ],
      { registry, now: new Date(), rules: [revealOnce] },
    );
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.stack, "team-stack");
    assert.match(found[0]!.message, /is a second reveal/);
  });
});

describe("transit-key-hardened", () => {
  const key = {
    name: "payments-card-data-key",
    exportable: false,
    allowPlaintextBackup: false,
    deletionAllowed: false,
    autoRotatePeriod: 2_592_000,
  };
  it("accepts a non-exportable, auto-rotated key", () =>
    assertNoViolations(transitKeyHardened, args(vault.transit.SecretBackendKey, key)));
  it("refuses one-way switches turned on, deletion, and rotation slower than the contract", async () => {
    await assertHasViolation(
      transitKeyHardened,
      args(vault.transit.SecretBackendKey, { ...key, exportable: true }),
      /payments-card-data-key: transit key test is exportable/,
    );
    await assertHasViolation(
      transitKeyHardened,
      args(vault.transit.SecretBackendKey, { ...key, allowPlaintextBackup: true, deletionAllowed: true }),
      /may be deleted/,
    );
    await assertHasViolation(
      transitKeyHardened,
      args(vault.transit.SecretBackendKey, { ...key, autoRotatePeriod: 0 }),
      /is not auto-rotated/,
    );
    await assertHasViolation(
      transitKeyHardened,
      args(vault.transit.SecretBackendKey, { ...key, autoRotatePeriod: 7_776_000 }),
      /slower than the contract's 30d/,
    );
  });
});

describe("kv-hardened", () => {
  it("accepts KV v2 with check-and-set and bounded versions", () =>
    assertNoViolations(kvHardened, args(vault.kv.SecretBackendV2, { mount: "kv", casRequired: true, maxVersions: 5 })));
  it("refuses KV v1, no check-and-set, unbounded versions, deletable metadata", async () => {
    await assertHasViolation(
      kvHardened,
      args(vault.Mount, { path: "kv", type: "kv", options: { version: "1" } }),
      /is not KV v2/,
    );
    await assertHasViolation(
      kvHardened,
      args(vault.kv.SecretBackendV2, { mount: "kv", casRequired: false, maxVersions: 0 }),
      /casRequired is off/,
    );
    await assertHasViolation(
      kvHardened,
      args(vault.kv.SecretBackendV2, { mount: "kv", casRequired: true, maxVersions: 0 }),
      /maxVersions 0 \(unbounded\) is outside 1\.\.20/,
    );
    await assertHasViolation(
      kvHardened,
      args(vault.generic.Endpoint, { path: "kv/metadata/payments/payments-db-password", disableDelete: false }),
      /destroy every version/,
    );
  });
});

describe("trust-protected", () => {
  it("accepts a protected root key, and an unprotected leaf certificate", async () => {
    await assertNoViolations(trustProtected, args(tls.PrivateKey, { algorithm: "ECDSA" }, { protect: true }));
    await assertNoViolations(trustProtected, args(tls.LocallySignedCert, { isCaCertificate: false }));
  });
  it("refuses an unprotected key, CA, transit key, audit device, issuer or KV metadata", async () => {
    await assertHasViolation(
      trustProtected,
      args(tls.PrivateKey, { algorithm: "ECDSA" }),
      /PrivateKey test is not protected/,
    );
    await assertHasViolation(trustProtected, args(tls.LocallySignedCert, { isCaCertificate: true }), /not protected/);
    await assertHasViolation(
      trustProtected,
      args("kubernetes:cert-manager.io/v1:ClusterIssuer", {}),
      /ClusterIssuer test is not protected/,
    );
    await assertHasViolation(
      trustProtected,
      args(vault.generic.Endpoint, { path: "kv/metadata/a/b" }),
      /Endpoint test is not protected/,
    );
  });
});

describe("pki-role-bounded", () => {
  const role = {
    name: "payments-api-mtls",
    allowAnyName: false,
    allowSubdomains: false,
    allowIpSans: false,
    allowLocalhost: false,
    allowGlobDomains: false,
    allowWildcardCertificates: false,
    cnValidations: ["hostname"],
    keyType: "ec",
    keyBits: 256,
    allowedDomains: ["payments-api.payments.svc"],
    maxTtl: "2592000",
  };
  it("accepts a role for exactly the contract's names within its period", () =>
    assertNoViolations(pkiRoleBounded, args(vault.pkisecret.SecretBackendRole, role)));
  it("refuses any-name, extra names, globs without a wildcard, weak keys, a long max_ttl", async () => {
    await assertHasViolation(
      pkiRoleBounded,
      args(vault.pkisecret.SecretBackendRole, { ...role, allowAnyName: true }),
      /sets allowAnyName/,
    );
    await assertHasViolation(
      pkiRoleBounded,
      args(vault.pkisecret.SecretBackendRole, {
        ...role,
        allowedDomains: ["payments-api.payments.svc", "evil.example.com"],
      }),
      /allows evil\.example\.com, which the contract does not name/,
    );
    await assertHasViolation(
      pkiRoleBounded,
      args(vault.pkisecret.SecretBackendRole, { ...role, allowGlobDomains: true }),
      /allows globs/,
    );
    await assertHasViolation(
      pkiRoleBounded,
      args(vault.pkisecret.SecretBackendRole, { ...role, keyType: "rsa", keyBits: 1024 }),
      /rsa keys of 1024 bits are too weak/,
    );
    await assertHasViolation(
      pkiRoleBounded,
      args(vault.pkisecret.SecretBackendRole, { ...role, maxTtl: "7776000" }),
      /max_ttl 7776000 exceeds the rotation period 30d/,
    );
  });
  it("refuses a common name Vault would take as an email, and wildcard certificates without a wildcard name", async () => {
    for (const cnValidations of [undefined, ["email", "hostname"]])
      await assertHasViolation(
        pkiRoleBounded,
        args(vault.pkisecret.SecretBackendRole, { ...role, cnValidations }),
        /validates the common name as .*, not as a hostname only/,
      );
    await assertHasViolation(
      pkiRoleBounded,
      args(vault.pkisecret.SecretBackendRole, { ...role, allowWildcardCertificates: undefined }),
      /issues wildcard certificates, but the contract names no wildcard/,
    );
  });
});

describe("certificate-lifetime", () => {
  const cert = (spec: Record<string, unknown>) =>
    args(
      k8s("Certificate", "cert-manager.io/v1"),
      object(
        "Certificate",
        "cert-manager.io/v1",
        "payments-api-mtls",
        "payments",
        labels("payments-api-mtls", "payments"),
        { spec },
      ),
    );
  const ok = { duration: "720h", renewBeforePercentage: 33, privateKey: { rotationPolicy: "Always" } };
  it("accepts the contract's lifetime, renewal by percentage, a new key each time", () =>
    assertNoViolations(certificateLifetime, cert(ok)));
  it("refuses a lifetime beyond max_ttl, a fixed renewBefore that would loop, a reused key", async () => {
    await assertHasViolation(
      certificateLifetime,
      cert({ ...ok, duration: "2160h" }),
      /duration 2160h exceeds the PKI role's max_ttl 30d: Vault caps it and renewal loops/,
    );
    await assertHasViolation(
      certificateLifetime,
      cert({ duration: "720h", renewBefore: "720h", privateKey: { rotationPolicy: "Always" } }),
      /set renewBeforePercentage/,
    );
    await assertHasViolation(
      certificateLifetime,
      cert({ ...ok, privateKey: { rotationPolicy: "Never" } }),
      /keeps its private key across renewals/,
    );
  });
});

describe("acl-least-privilege", () => {
  const policy = (name: string, path: Record<string, { capabilities: string[] }>) =>
    args(vault.Policy, { name, policy: JSON.stringify({ path }) });
  const reader = "consumer.break-glass.break-glass-reader";
  it("accepts exactly what the registry grants an identity", async () => {
    await assertNoViolations(
      aclLeastPrivilege,
      policy(reader, { "kv/data/platform/vault-break-glass-admin": { capabilities: ["read"] } }),
    );
    await assertNoViolations(
      aclLeastPrivilege,
      args(vault.Policy, {
        name: "issuer.payments",
        policy: renderAclPolicy({
          name: "x",
          rules: [{ path: "pki_int/sign/payments-api-mtls", capabilities: ["update"], purpose: "", why: "" }],
        }),
      }),
    );
  });
  it("refuses globs, mount roots, sys/, sudo, untraceable paths and unknown identities", async () => {
    await assertHasViolation(
      aclLeastPrivilege,
      policy(reader, { "kv/data/platform/*": { capabilities: ["read"] } }),
      /no globs/,
    );
    await assertHasViolation(
      aclLeastPrivilege,
      policy(reader, { "sys/mounts": { capabilities: ["read"] } }),
      /nothing under sys\//,
    );
    await assertHasViolation(
      aclLeastPrivilege,
      policy(reader, { "kv/data/platform/vault-break-glass-admin": { capabilities: ["read", "sudo"] } }),
      /capability sudo is never granted/,
    );
    await assertHasViolation(
      aclLeastPrivilege,
      policy(reader, { "kv/data/payments/payments-db-password": { capabilities: ["read"] } }),
      /read is granted by no purpose of this identity/,
    );
    await assertHasViolation(
      aclLeastPrivilege,
      policy("ops-admin", { "kv/data/a/b": { capabilities: ["read"] } }),
      /belongs to no consumer, issuer, handover or move/,
    );
  });
  it("exempts the admin policies the pack config lists", () =>
    assertNoViolations(aclLeastPrivilege, {
      ...policy("ops-admin", { "sys/*": { capabilities: ["sudo"] } }),
      getConfig: <T>() => ({ adminPolicies: ["ops-admin"] }) as T,
    }));
});

describe("audit-devices", () => {
  const audit = (name: string) => args(vault.Audit, { type: "file", path: name }, { name });
  const mount = args(vault.Mount, { path: "kv", type: "kv" });
  const server = (distribution: Distribution, values: Record<string, unknown> = chartValues(distribution)) =>
    args(
      RESOURCE_TYPES.helmRelease,
      { chart: DISTRIBUTION[distribution].chart.name, values },
      { name: "vault-release" },
    );
  const chartValues = (distribution: Distribution) =>
    vaultChartValues(serverSettings(distribution)) as { server: { ha: { raft: { config: string } } } };
  /** OpenBao's chart values with the server configuration's audit stanzas replaced. */
  const withAudit = (audit: unknown[] | undefined) => {
    const values = chartValues("openbao");
    const config = JSON.parse(values.server.ha.raft.config) as Record<string, unknown>;
    if (audit === undefined) delete config.audit;
    else config.audit = audit;
    values.server.ha.raft.config = JSON.stringify(config);
    return values;
  };

  it("accepts two devices beside configured Vault", () =>
    assertNoViolations(auditDevices, stackOf([audit("a"), audit("b"), mount])));
  it("refuses one device", () =>
    assertHasViolation(auditDevices, stackOf([audit("a"), mount]), /configures Vault with 1 audit device; at least 2/));
  it("accepts OpenBao's two devices declared in its server configuration, configured or not yet", async () => {
    await assertNoViolations(auditDevices, stackOf([server("openbao"), mount]));
    await assertNoViolations(auditDevices, stackOf([server("openbao")]));
  });
  it("refuses an OpenBao server configuration that declares fewer than two devices", async () => {
    await assertHasViolation(
      auditDevices,
      stackOf([server("openbao", withAudit(undefined)), mount]),
      /runs OpenBao with 0 audit devices in its server configuration; at least 2/,
    );
    await assertHasViolation(
      auditDevices,
      stackOf([server("openbao", withAudit([{ file: { only: { options: { file_path: "stdout" } } } }]))]),
      /runs OpenBao with 1 audit device in its server configuration/,
    );
  });
  it("refuses audit devices registered through OpenBao's API, which it rejects", () =>
    assertHasViolation(
      auditDevices,
      stackOf([server("openbao"), audit("a"), mount]),
      /a enables an audit device through the API, which OpenBao refuses: declare it in the server configuration/,
    ));
  it("says so when it cannot read an OpenBao server configuration", () => {
    const values = chartValues("openbao");
    values.server.ha.raft.config = 'audit "file" "a" {}';
    return assertHasViolation(auditDevices, stackOf([server("openbao", values)]), /is not JSON, so its audit devices/);
  });
  it("does not count a Vault chart's configuration: Vault's devices come through its API", () =>
    assertHasViolation(
      auditDevices,
      stackOf([server("vault", withAudit([{ file: { a: {} } }, { file: { b: {} } }])), mount]),
      /configures Vault with 0 audit devices/,
    ));
});

describe("single-authority", () => {
  const es = (creationPolicy: string) =>
    args(
      k8s("ExternalSecret", "external-secrets.io/v1"),
      object(
        "ExternalSecret",
        "external-secrets.io/v1",
        "vault-kms-unseal-credentials",
        "vault",
        labels("vault-kms-unseal-credentials", "platform"),
        { spec: { target: { name: "vault-kms-unseal", creationPolicy } } },
      ),
      { stack: "demo-steady-state" },
    );
  it("accepts a handed-over bootstrap Secret merged from Vault", () =>
    assertNoViolations(singleAuthority, stackOf([es("Merge")])));
  it("refuses taking the bootstrap Secret over from Flux, and two writers of one Secret", async () => {
    await assertHasViolation(singleAuthority, stackOf([es("Owner")]), /would own the bootstrap Secret Flux created/);
    const secret = args(
      k8s("Secret"),
      object("Secret", "v1", "vault-kms-unseal", "vault", {}, { stringData: "[secret]" }),
      { stack: "demo-steady-state", name: "s" },
    );
    await assertHasViolation(
      singleAuthority,
      stackOf([es("Merge"), secret]),
      /Secret vault\/vault-kms-unseal is written by ExternalSecret vault\/vault-kms-unseal-credentials of stack demo-steady-state .* and again by Secret vault\/vault-kms-unseal of stack demo-steady-state/,
    );
  });
});

describe("delivered-once", () => {
  it("refuses a steady state that delivers a purpose twice into a namespace, or not at all", async () => {
    const es = (n: string) =>
      args(
        k8s("ExternalSecret", "external-secrets.io/v1"),
        object("ExternalSecret", "external-secrets.io/v1", n, "data", labels("data-warehouse-credentials", "data")),
        { stack: "demo-steady-state", name: n },
      );
    const reports = await runPolicy(deliveredOnce, stackOf([es("a"), es("b")]));
    assert.ok(
      reports.some((r) =>
        /^data-warehouse-credentials: delivered 2 times into namespace data by a ExternalSecret/.test(r.message),
      ),
    );
    assert.ok(reports.some((r) => /^payments-db-password: delivered 0 times into namespace payments/.test(r.message)));
  });
  it("accepts the steady state the layout derives from the registry", () => {
    const layout = steadyStateLayout(registry, {
      vaultServer: "https://vault-active.vault.svc:8200",
      rootCertificatePem: "-----BEGIN CERTIFICATE-----",
    });
    const objects = layout.deliveries
      .flatMap((d) => d.resources)
      .map((o, i) => args(`kubernetes:${o.apiVersion}:${o.kind}`, o, { stack: "demo-steady-state", name: `r${i}` }));
    return assertNoViolations(deliveredOnce, stackOf(objects));
  });
  it("is not applicable outside the steady state", () =>
    assertNoViolations(deliveredOnce, stackOf([args(vault.Mount, { type: "kv" })])));
});

describe("evidence-resolves", () => {
  const metadata = (custom: Record<string, string>) =>
    args(vault.generic.Endpoint, {
      path: "kv/metadata/payments/payments-db-password",
      dataJson: JSON.stringify({ custom_metadata: custom }),
    });
  it("accepts metadata naming the purpose, its owner and a declared evidence component", () =>
    assertNoViolations(
      evidenceResolves,
      metadata({ purpose: "payments-db-password", owner: "payments", evidence: "payments-credentials" }),
    ));
  it("refuses an unknown purpose, a wrong owner, undeclared evidence", async () => {
    await assertHasViolation(
      evidenceResolves,
      metadata({ purpose: "nope", owner: "payments", evidence: "payments-credentials" }),
      /names no purpose/,
    );
    await assertHasViolation(
      evidenceResolves,
      metadata({ purpose: "payments-db-password", owner: "data", evidence: "payments-credentials" }),
      /owner data, the contract says payments/,
    );
    await assertHasViolation(
      evidenceResolves,
      metadata({ purpose: "payments-db-password", owner: "payments", evidence: "made-up" }),
      /evidence made-up is not declared/,
    );
  });
});

describe("issuer-expiry", async () => {
  const { x509 } = await import("../pki/x509.js");
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const issuer = async (days: number) =>
    (
      await x509.X509CertificateGenerator.createSelfSigned({
        name: "CN=issuer",
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + days * 86_400_000),
        keys,
        signingAlgorithm: alg,
      })
    ).toString("pem");
  const setSigned = async (days: number) =>
    args(vault.pkisecret.SecretBackendIntermediateSetSigned, { certificate: await issuer(days) });
  it("accepts an issuer that outlives every certificate purpose's period and grace", async () =>
    assertNoViolations(issuerExpiry, stackOf([await setSigned(400)])));
  it("fails closed for purposes whose period and grace reach past the issuer", async () => {
    const reports = await runPolicy(issuerExpiry, stackOf([await setSigned(35)]));
    assert.ok(
      reports.some((r) =>
        /^payments-api-mtls: the issuing CA of test expires .*, within the purpose's period \+ grace \(30d \+ 10d\)/.test(
          r.message,
        ),
      ),
    );
    assert.ok(
      !reports.some((r) => r.message.startsWith("identity-workload-mtls:")),
      "a 24h certificate is still served",
    );
  });
});

describe("transitional-deadline", () => {
  it("reports nothing far from any transitionalUntil", () =>
    assertNoViolations(
      transitionalDeadline,
      stackOf([args(k8s("Namespace"), {}, { stack: "demo-bootstrap" })], { warnDays: 1 }),
    ));
  it("reports transitional purposes within the configured window, as advisory", async () => {
    await assertHasViolation(
      transitionalDeadline,
      stackOf([args(k8s("Namespace"), {}, { stack: "demo-bootstrap" })], { warnDays: 36_500 }),
      /flux-git-deploy-key: tier kubernetes_secret is transitional until 2027-06-30/,
    );
    assert.equal(transitionalDeadline.enforcementLevel, "advisory");
  });
});
