import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import runPlatformStack from "../index.js";
import { readProjectFile } from "../config/project.js";
import { loadStackConfig } from "../config/stack-file.js";
import type { RecordedResource } from "../plan/engine/monitor.js";
import { modelFor } from "../plan/engine/models/index.js";
import { isWireSecret, redact, unwire, type Wire } from "../plan/engine/wire.js";
import { cliPassphrase } from "../plan/passphrase-source.js";
import { LOCAL_ORGANIZATION, runProgram, runStack } from "../plan/run.js";
import { x509 } from "../pki/x509.js";
import { parseDuration } from "../registry/duration.js";
import { FLUX_PRUNE, FLUX_RECONCILE } from "../gitops/flux.js";
import { LABEL } from "../registry/labels.js";
import { evaluate } from "../policies/evaluate.js";
import { demoPlan, inputs, outputsOf, runOf } from "./support/demo-plan.js";
import { declaredAuditDevices } from "../vault/audit.js";
import { HANDOVER_CLI_ENV } from "../components/runtime-authority/vault-cli-job.js";
import { DISTRIBUTION } from "../vault/distribution.js";

const project = readProjectFile();
const passphrase = cliPassphrase("demo", project.root);
const result = demoPlan();
const { now, registry } = result;
const ra = runOf("runtime-authority");
const rootTrust = runOf("root-trust");
const outputs = outputsOf(ra);
const rootOutputs = outputsOf(rootTrust);
const ofType = (type: string) => ra.resources.filter((r) => r.type === type && !r.read);
const purposesWith = (f: (p: (typeof registry.purposes)[number]) => boolean) => registry.purposes.filter(f);
/** What a resource is registered after: its own dependsOn, its parents', and those of what it depends on (depending
 * on a component means depending on its resources). */
function after(r: RecordedResource, resources = ra.resources, seen = new Set<string>()): Set<string> {
  const byUrn = new Map(resources.map((x) => [x.urn, x]));
  const walk = (x: RecordedResource) => {
    for (const urn of [...x.options.dependsOn, ...(x.parent ? [x.parent] : [])])
      if (!seen.has(urn)) {
        seen.add(urn);
        walk(byUrn.get(urn)!);
      }
  };
  walk(r);
  return seen;
}

describe("phase 3 in the demo plan", () => {
  it("runs the signing ceremony to the end: TLS and PKI intermediates signed, Vault configured", () => {
    assert.equal(outputs.status, "configured");
    assert.deepEqual(Object.keys(outputs.pkiIntermediateCsrs).sort(), ["vault-pki", "vault-tls"]);
    assert.deepEqual(Object.keys(rootOutputs.signedIntermediates).sort(), ["vault-pki", "vault-tls"]);
    assert.equal(ra.runs, 3, "CSR of the TLS intermediate, then Vault and the PKI CSR, then the signed PKI chain");
  });

  it("deploys OpenBao from its pinned chart and image: HA Raft, TLS only, audit storage, no dev mode, no injector", () => {
    const [release] = ofType("kubernetes:helm.sh/v3:Release");
    const i = inputs(release!);
    assert.equal(i.chart, "openbao");
    assert.equal(i.repositoryOpts.repo, DISTRIBUTION.openbao.chart.repository);
    assert.equal(i.version, DISTRIBUTION.openbao.chart.version);
    assert.deepEqual(i.values.server.image, { registry: "quay.io", repository: "openbao/openbao", tag: "2.7.2" });
    assert.equal(i.values.fullnameOverride, "vault", "Services and pods keep the names the certificate carries");
    assert.equal(i.values.server.dev.enabled, false);
    assert.equal(i.values.server.ha.enabled, true);
    assert.equal(i.values.server.ha.replicas, 3);
    assert.equal(i.values.server.auditStorage.enabled, true);
    assert.equal(i.values.injector.enabled, false);
    assert.equal(i.values.global.tlsDisable, false);
    const config = JSON.parse(i.values.server.ha.raft.config);
    assert.equal(config.storage.raft.path, "/openbao/data", "integrated Raft storage on the chart's data volume");
    assert.equal(config.listener[0].tcp.tls_disable, undefined);
    assert.equal(config.listener[0].tcp.tls_cert_file, "/openbao/userconfig/vault-tls/tls.crt");
    assert.equal(config.seal, undefined, "shamir: no seal stanza");
    assert.equal(release!.options.protect, true);
    assert.deepEqual(
      { distribution: outputs.vault.distribution, image: outputs.vault.image, seal: outputs.vault.seal },
      { distribution: "openbao", image: "quay.io/openbao/openbao:2.7.2", seal: "shamir" },
    );
  });

  it("prints OpenBao's init ceremony: bao operator init with the stack's shares, threshold and operators' keys", () => {
    assert.equal(
      outputs.initCeremony.command,
      "kubectl -n vault exec vault-0 -- bao operator init -format=json -key-shares=3 -key-threshold=2 -pgp-keys=operators/alice.asc,operators/bob.asc,operators/carol.asc -root-token-pgp-key=operators/alice.asc",
    );
  });

  it("serves Vault TLS from a certificate that chains to the phase-0 root", async () => {
    const [secret] = ofType("kubernetes:core/v1:Secret").filter((r) => inputs(r).metadata.name === "vault-tls");
    const data = inputs(secret!).stringData;
    assert.ok(isWireSecret(secret!.inputs.stringData), "the Secret's data, listener key included, is secret");
    const [leaf, intermediate] = x509.PemConverter.decode(data["tls.crt"]).map((der) => new x509.X509Certificate(der));
    const root = new x509.X509Certificate(rootOutputs.rootCertificatePem);
    assert.equal(data["ca.crt"], rootOutputs.rootCertificatePem);
    assert.ok(
      await leaf!.verify({ publicKey: intermediate!.publicKey, signatureOnly: true }),
      "leaf signed by the TLS intermediate",
    );
    assert.ok(
      await intermediate!.verify({ publicKey: root.publicKey, signatureOnly: true }),
      "TLS intermediate signed by the root",
    );
    const names = leaf!.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => n.value);
    for (const n of ["vault-active.vault.svc", "*.vault-internal"]) assert.ok(names.includes(n), n);
  });

  it("sets back a PKI intermediate that chains to the phase-0 root and holds the key of the CSR Vault generated", async () => {
    const [request] = ofType(
      "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest",
    );
    const [setSigned] = ofType("vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned");
    const [cert, chainRoot] = x509.PemConverter.decode(inputs(setSigned!).certificate).map(
      (der) => new x509.X509Certificate(der),
    );
    const root = new x509.X509Certificate(rootOutputs.rootCertificatePem);
    assert.ok(chainRoot!.equal(root), "the chain set in Vault ends at the phase-0 root");
    assert.ok(await cert!.verify({ publicKey: root.publicKey, signatureOnly: true }), "signed by the root");
    const chain = await new x509.X509ChainBuilder({ certificates: [root] }).build(cert!);
    assert.equal(chain.length, 2);
    const csr = new x509.Pkcs10CertificateRequest((unwire(request!.outputs) as Record<string, string>).csr!);
    assert.deepEqual(
      Buffer.from(csr.publicKey.rawData),
      Buffer.from(cert!.publicKey.rawData),
      "the certificate is for the key inside Vault",
    );
    assert.equal(cert!.getExtension(x509.BasicConstraintsExtension)!.ca, true);
    assert.equal(inputs(request!).type, "internal", "the intermediate key never leaves Vault");
  });

  it("mounts KV v2 with check-and-set required, transit, and PKI, all protected", () => {
    const mounts: Record<string, RecordedResource> = Object.fromEntries(
      ofType("vault:index/mount:Mount").map((m) => [inputs(m).path, m]),
    );
    assert.deepEqual(Object.keys(mounts).sort(), ["kv", "pki_int", "transit"]);
    assert.deepEqual(inputs(mounts.kv!).options, { version: "2" });
    for (const m of Object.values(mounts)) assert.equal(m.options.protect, true, inputs(m).path);
    const [kvConfig] = ofType("vault:kv/secretBackendV2:SecretBackendV2");
    assert.equal(inputs(kvConfig!).casRequired, true);
  });

  it("writes every KV secret's metadata from its contract, never its data", () => {
    const kvPurposes = purposesWith((p) => p.tier === "vault_kv" || p.delivery === "bootstrap");
    const endpoints = ofType("vault:generic/endpoint:Endpoint");
    assert.equal(endpoints.length, kvPurposes.length);
    for (const p of kvPurposes) {
      const endpoint = endpoints.find((e) => inputs(e).path === `kv/metadata/${p.owner}/${p.id}`);
      assert.ok(endpoint, p.id);
      const body = JSON.parse(inputs(endpoint).dataJson);
      assert.equal(body.cas_required, true);
      assert.equal(body.max_versions, p.kv?.maxVersions ?? 5);
      assert.deepEqual(
        Object.keys(body).sort(),
        ["cas_required", "custom_metadata", "delete_version_after", "max_versions"],
        "no data key",
      );
      assert.equal(body.custom_metadata.purpose, p.id);
      assert.equal(body.custom_metadata.owner, p.owner);
      assert.equal(body.custom_metadata.evidence, p.evidence);
      assert.equal(inputs(endpoint).disableDelete, true, "deleting metadata would destroy every version");
      assert.equal(endpoint.options.protect, true);
    }
    assert.equal(ofType("vault:kv/secretV2:SecretV2").length, 0, "no value passes through Pulumi");
  });

  it("creates one transit key per transit purpose: not exportable, no plaintext backup, not deletable, auto-rotated per contract", () => {
    const keys = ofType("vault:transit/secretBackendKey:SecretBackendKey");
    const transit = purposesWith((p) => p.delivery === "transit");
    assert.equal(keys.length, transit.length);
    for (const p of transit) {
      const key = keys.find((k) => inputs(k).name === p.id)!;
      assert.deepEqual(
        {
          type: inputs(key).type,
          exportable: inputs(key).exportable,
          allowPlaintextBackup: inputs(key).allowPlaintextBackup,
          deletionAllowed: inputs(key).deletionAllowed,
          autoRotatePeriod: inputs(key).autoRotatePeriod,
        },
        {
          type: p.transit!.type,
          exportable: false,
          allowPlaintextBackup: false,
          deletionAllowed: false,
          autoRotatePeriod: parseDuration(p.rotation.period),
        },
      );
      assert.equal(key.options.protect, true);
    }
  });

  it("creates one PKI role per certificate purpose, issuing exactly the contract's names within its period", () => {
    const roles = ofType("vault:pkiSecret/secretBackendRole:SecretBackendRole");
    const certs = purposesWith((p) => p.kind === "certificate");
    assert.equal(roles.length, certs.length);
    for (const p of certs) {
      const role = inputs(roles.find((r) => inputs(r).name === p.id)!);
      assert.deepEqual(role.allowedDomains, [...p.certificate!.dnsNames].sort());
      assert.equal(role.allowAnyName, false);
      assert.equal(role.allowSubdomains, false);
      assert.equal(role.allowIpSans, false);
      assert.ok(
        Number(role.maxTtl) <= parseDuration(p.rotation.period)!,
        `${p.id}: max_ttl within the rotation period`,
      );
      assert.equal(role.keyType, { ECDSA: "ec", RSA: "rsa", Ed25519: "ed25519" }[p.certificate!.keyAlgorithm]);
      if (p.certificate!.keySize) assert.equal(role.keyBits, p.certificate!.keySize);
      assert.equal(role.serverFlag, p.certificate!.usages.includes("server auth"));
      assert.equal(role.clientFlag, p.certificate!.usages.includes("client auth"));
    }
  });

  it("binds one Kubernetes auth role per consumer to its service account, with short tokens and only its own policy", () => {
    const consumers = new Set(
      registry.purposes.flatMap((p) => p.consumers.map((c) => `${c.namespace}/${c.serviceAccount}`)),
    );
    const roles = ofType("vault:kubernetes/authBackendRole:AuthBackendRole").filter((r) =>
      inputs(r).roleName.startsWith("consumer."),
    );
    assert.equal(roles.length, consumers.size);
    for (const r of roles) {
      const i = inputs(r);
      assert.equal(i.boundServiceAccountNames.length, 1);
      assert.equal(i.boundServiceAccountNamespaces.length, 1);
      assert.equal(i.roleName, `consumer.${i.boundServiceAccountNamespaces[0]}.${i.boundServiceAccountNames[0]}`);
      assert.deepEqual(i.tokenPolicies, [i.roleName]);
      assert.equal(i.tokenNoDefaultPolicy, true);
      assert.ok(i.tokenTtl <= 900);
      assert.equal(i.audience, "vault");
    }
    const policies = ofType("vault:index/policy:Policy");
    for (const r of roles) assert.ok(policies.some((p) => inputs(p).name === inputs(r).roleName));
    // The stack publishes, per policy, the digest of exactly the text Vault stores: a hand edit shows as a mismatch.
    assert.deepEqual(Object.keys(outputs.policies).sort(), policies.map((p) => inputs(p).name).sort());
    for (const p of policies)
      assert.equal(
        outputs.policies[inputs(p).name],
        `sha256:${createHash("sha256").update(inputs(p).policy).digest("hex")}`,
      );
  });

  it("declares two audit devices in OpenBao's server configuration, registers none through its API, and configures nothing before the server", () => {
    const [release] = ofType("kubernetes:helm.sh/v3:Release");
    const declared = declaredAuditDevices(inputs(release!).values.server.ha.raft.config);
    assert.ok("devices" in declared);
    assert.deepEqual(
      declared.devices.map((d) => [d.path, d.options.file_path]),
      [
        ["file-volume", "/openbao/audit/openbao-audit.log"],
        ["file-stdout", "stdout"],
      ],
    );
    assert.equal(ofType("vault:index/audit:Audit").length, 0, "OpenBao refuses audit devices through the API");
    assert.deepEqual(
      outputs.auditDevices.map((d: { path: string; declaredIn: string }) => [d.path, d.declaredIn]),
      [
        ["file-volume", "server-configuration"],
        ["file-stdout", "server-configuration"],
      ],
    );
    const vaultResources = ra.resources.filter(
      (r) => r.type.startsWith("vault:") && r.type !== "vault:index/audit:Audit",
    );
    assert.ok(vaultResources.length > 50);
    for (const r of vaultResources)
      assert.ok(after(r).has(release!.urn), `${r.name} after the server whose configuration holds the devices`);
  });

  it("protects everything that holds data or trust", () => {
    const trust = [
      "vault:index/mount:Mount",
      "vault:index/authBackend:AuthBackend",
      "vault:index/audit:Audit",
      "vault:generic/endpoint:Endpoint",
      "vault:transit/secretBackendKey:SecretBackendKey",
      "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest",
      "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned",
      "kubernetes:helm.sh/v3:Release",
    ];
    for (const type of trust)
      for (const r of ofType(type)) assert.equal(r.options.protect, true, `${r.name} (${type})`);
    const tlsCaKey = ra.resources.find((r) => r.name === "vault-tls-ca-key")!;
    assert.equal(tlsCaKey.options.protect, true);
  });

  it("publishes no secret value: no stack output is secret or contains any secret the stacks hold", () => {
    const secrets = new Set<string>();
    const collect = (v: Wire, inSecret = false): void => {
      if (isWireSecret(v)) return collect(v.value, true);
      if (typeof v === "string" && inSecret && v.length >= 8) secrets.add(v);
      else if (v && typeof v === "object") for (const x of Object.values(v)) collect(x as Wire, inSecret);
    };
    for (const s of result.stacks)
      for (const r of s.resources) {
        collect(r.inputs);
        collect(r.outputs);
      }
    assert.ok(secrets.size > 5, `${secrets.size} secret values collected`);
    const published = JSON.stringify(ra.outputs);
    for (const value of secrets)
      assert.ok(!published.includes(value), "a secret value appears in the runtime-authority outputs");
    assert.ok(!/PRIVATE KEY/.test(published));
  });
});

describe("the handover in the demo plan", () => {
  const bootstrapPurposes = purposesWith((p) => p.delivery === "bootstrap");
  const jobs = ofType("kubernetes:batch/v1:Job");

  it("runs one scoped Job per bootstrap purpose, reading the Secret from a volume, with no Kubernetes API token", () => {
    assert.equal(jobs.length, bootstrapPurposes.length);
    for (const p of bootstrapPurposes) {
      const job = jobs.find((j) => inputs(j).metadata.name === `handover-${p.id}`);
      assert.ok(job, p.id);
      const pod = inputs(job).spec.template.spec;
      assert.equal(inputs(job).metadata.namespace, p.bootstrap!.namespace);
      assert.equal(pod.automountServiceAccountToken, false);
      assert.deepEqual(pod.volumes.find((v: any) => v.name === "value").secret.secretName, p.bootstrap!.secretName);
      const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
      assert.equal(env.KV_PATH, `${p.owner}/${p.id}`);
      assert.equal(env.ROLE, `handover.${p.id}`);
      // The server's own image and CLI: OpenBao's image carries `bao` (and a `vault` link to it).
      assert.equal(pod.containers[0].image, "quay.io/openbao/openbao:2.7.2");
      assert.equal(env[HANDOVER_CLI_ENV], "bao");
    }
  });

  it("renders each bootstrap Secret inert only after its Job, and records the handover in KV metadata and the outputs", () => {
    for (const p of bootstrapPurposes) {
      const job = jobs.find((j) => inputs(j).metadata.name === `handover-${p.id}`)!;
      const patch = ofType("kubernetes:core/v1:SecretPatch").find(
        (r) => inputs(r).metadata.name === p.bootstrap!.secretName,
      )!;
      const meta = inputs(patch).metadata;
      assert.equal(meta.labels[LABEL.authority], "vault");
      assert.equal(meta.annotations[FLUX_RECONCILE], "disabled");
      assert.equal(meta.annotations[FLUX_PRUNE], "disabled");
      assert.ok(patch.options.dependsOn.includes(job.urn), "relabelled only after the Job succeeded");
      const endpoint = ofType("vault:generic/endpoint:Endpoint").find(
        (e) => inputs(e).path === `kv/metadata/${p.owner}/${p.id}`,
      )!;
      assert.ok(endpoint.options.dependsOn.includes(job.urn), "the handover recorded only after the Job succeeded");
      const custom = JSON.parse(inputs(endpoint).dataJson).custom_metadata;
      assert.match(
        custom["handover-source"],
        new RegExp(`Secret ${p.bootstrap!.namespace}/${p.bootstrap!.secretName} from `),
      );
      const record = outputs.handover[p.id];
      assert.equal(record.status, "handed-over");
      assert.equal(record.vaultPath, `kv/data/${p.owner}/${p.id}`);
      assert.equal(record.at, custom["handover-at"]);
      assert.match(record.by, /^Job /);
    }
  });

  it("is idempotent: a second `pulumi up` with the same inputs changes nothing and runs no Job again", async () => {
    assert.ok(
      jobs.every((j) => j.op === "same"),
      "the plan's last run already left the Jobs as they were",
    );
    const stacks = new Map(
      result.stacks.map((s) => [`${LOCAL_ORGANIZATION}/${project.name}/${s.stack}`, { outputs: s.outputs }]),
    );
    const loaded = loadStackConfig(project, ra.stack, passphrase);
    assert.ok(loaded.ok);
    const again = await runStack(project, loaded.config, stacks, now, ra.resources);
    const changed = again.resources.filter((r) => !r.read && r.op !== "same").map((r) => `${r.op} ${r.name}`);
    assert.deepEqual(changed, []);
    assert.deepEqual(unwire(again.outputs), outputs);
  });

  it("leaves the bootstrap Secret authoritative when a handover Job fails", async () => {
    const stacks = new Map(
      result.stacks.map((s) => [`${LOCAL_ORGANIZATION}/${project.name}/${s.stack}`, { outputs: s.outputs }]),
    );
    const loaded = loadStackConfig(project, ra.stack, passphrase);
    assert.ok(loaded.ok);
    pulumi.runtime.setAllConfig(loaded.config.values, loaded.config.secretKeys);
    const failing = (type: string) =>
      type === "kubernetes:batch/v1:Job"
        ? () => Promise.reject(new Error("Job has reached the specified backoff limit"))
        : modelFor(type);
    const recorded: RecordedResource[] = [];
    await assert.rejects(
      // The stack's state from the plan, keys included, but no Job yet: this run creates the handover Jobs.
      runProgram(
        {
          project: project.name,
          stack: ra.stack,
          stacks,
          now,
          previous: ra.resources.filter((r) => r.type !== "kubernetes:batch/v1:Job"),
          models: failing,
          onResources: (r) => recorded.push(...r),
        },
        runPlatformStack,
      ),
      /backoff limit/,
    );
    assert.ok(recorded.length > 0);
    assert.equal(
      recorded.filter((r) => r.type === "kubernetes:core/v1:SecretPatch").length,
      0,
      "no bootstrap Secret relabelled",
    );
    const handedOver = recorded.filter(
      (r) =>
        r.type === "vault:generic/endpoint:Endpoint" &&
        bootstrapPurposes.some((p) => (unwire(r.inputs) as any).path.endsWith(`/${p.id}`)),
    );
    assert.equal(handedOver.length, 0, "no handover recorded in Vault");
  });
});

describe("the Vault form of phase 3 (vaultDistribution: vault), beside the demo's OpenBao", async () => {
  const stacks = new Map(
    result.stacks.map((s) => [`${LOCAL_ORGANIZATION}/${project.name}/${s.stack}`, { outputs: s.outputs }]),
  );
  const loaded = loadStackConfig(project, ra.stack, passphrase);
  assert.ok(loaded.ok);
  // The demo as it ran on Vault before: auto-unseal with AWS KMS, its credentials from the bootstrap Secret.
  const values = {
    ...loaded.config.values,
    "secrets-platform:vaultDistribution": "vault",
    "secrets-platform:vaultSealType": "awskms",
    "secrets-platform:vaultSealOptions": JSON.stringify(["region=eu-west-1", "kms_key_id=alias/demo-vault-unseal"]),
    "secrets-platform:vaultSealCredentialsSecret": "vault-kms-unseal",
  };
  // The demo's state (its TLS intermediate key included): the same cluster, run on the other distribution.
  const run = await runStack(project, { ...loaded.config, values }, stacks, now, ra.resources);
  const of = (type: string) => run.resources.filter((r) => r.type === type && !r.read);
  const out = unwire(run.outputs) as Record<string, any>;

  it("installs HashiCorp's chart and image, with the seal and no audit stanza in the server configuration", () => {
    const i = inputs(of("kubernetes:helm.sh/v3:Release")[0]!);
    assert.deepEqual(
      [i.chart, i.repositoryOpts.repo, i.version],
      ["vault", "https://helm.releases.hashicorp.com", "0.29.1"],
    );
    assert.deepEqual(i.values.server.image, { repository: "hashicorp/vault", tag: "1.18.1" });
    const config = JSON.parse(i.values.server.ha.raft.config);
    assert.equal(config.storage.raft.path, "/vault/data");
    assert.equal(config.disable_mlock, true);
    assert.equal(config.audit, undefined);
    assert.deepEqual(Object.keys(config.seal), ["awskms"]);
    assert.ok(!JSON.stringify(config.seal).match(/secret_key|access_key/), "no credential in the seal stanza");
    assert.equal(
      i.values.server.extraEnvironmentVars.AWS_SHARED_CREDENTIALS_FILE,
      "/vault/userconfig/vault-kms-unseal/credentials",
    );
  });

  it("enables the two audit devices through Vault's API, protected, before any other configuration", () => {
    const audits = of("vault:index/audit:Audit");
    assert.deepEqual(
      audits.map((a) => [inputs(a).path, inputs(a).options.file_path]),
      [
        ["file-volume", "/vault/audit/vault-audit.log"],
        ["file-stdout", "stdout"],
      ],
    );
    for (const a of audits) assert.equal(a.options.protect, true);
    const vaultResources = run.resources.filter(
      (r) => r.type.startsWith("vault:") && r.type !== "vault:index/audit:Audit",
    );
    assert.ok(vaultResources.length > 50);
    for (const r of vaultResources)
      for (const a of audits) assert.ok(after(r, run.resources).has(a.urn), `${r.name} after ${a.name}`);
    assert.ok(out.auditDevices.every((d: { declaredIn: string }) => d.declaredIn === "api"));
  });

  it("prints vault operator init with recovery shares, and runs the handover Jobs on the Vault image and CLI", () => {
    assert.match(
      out.initCeremony.command,
      /-- vault operator init -format=json -recovery-shares=3 -recovery-threshold=2 /,
    );
    assert.ok(!out.initCeremony.steps.some((s: string) => s.includes("generate-root-token")));
    for (const job of of("kubernetes:batch/v1:Job")) {
      const container = inputs(job).spec.template.spec.containers[0];
      assert.equal(container.image, "hashicorp/vault:1.18.1");
      assert.ok(
        container.env.some((e: { name: string; value: string }) => e.name === HANDOVER_CLI_ENV && e.value === "vault"),
      );
    }
  });

  it("passes the policy pack as the OpenBao form does", () => {
    // As the offline plan hands the stack to the pack: custom resources, secrets shown as "[secret]".
    const resources = run.resources
      .filter((r) => r.custom && !r.read)
      .map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: redact(r.inputs) as Record<string, any>,
        protect: r.options.protect,
        stack: ra.stack,
        phase: "runtime-authority" as const,
        secretsMarked: true,
      }));
    const violations = evaluate([{ stack: ra.stack, phase: "runtime-authority", resources }], { registry, now });
    assert.deepEqual(
      violations.filter((v) => v.enforcementLevel === "mandatory"),
      [],
    );
  });
});
