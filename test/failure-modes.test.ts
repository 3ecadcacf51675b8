import assert from "node:assert/strict";
import { describe, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import runPlatformStack from "../index.js";
import type { BootstrapInventoryEntry } from "../gitops/bootstrap-layout.js";
import { readProjectFile, type ProjectFile } from "../config/project.js";
import { loadStackConfig } from "../config/stack-file.js";
import { stackName, type PhaseId } from "../phases/catalog.js";
import type { RecordedResource, StackOutputs } from "../plan/engine/monitor.js";
import { isWireSecret, unwire, type Wire } from "../plan/engine/wire.js";
import { cliPassphrase } from "../plan/passphrase-source.js";
import { planDocument } from "../plan/report/plan-json.js";
import { LOCAL_ORGANIZATION, runProgram, runStack, type StackRun } from "../plan/run.js";
import { certificateFingerprint, splitPemBundle, x509 } from "../pki/x509.js";
import { failing, posture } from "../posture/model.js";
import { planObservations } from "../posture/plan-source.js";
import { demoPlan, outputsOf as out } from "./support/demo-plan.js";
import { projectWith } from "./support/project-copy.js";

// The failure modes of docs/failure-modes.md, where the program controls the outcome. The handover's own failure
// (a failing Job leaves the bootstrap Secret authoritative) is tested in test/runtime-authority.test.ts, the
// issuer-expiry rule on a plan in test/policy-plan.test.ts.

const project = readProjectFile();
const passphrase = cliPassphrase("demo", project.root);
const planned = demoPlan();
const { now, registry } = planned;
const before = Object.fromEntries(planned.stacks.map((s) => [s.phase.id, s])) as Record<PhaseId, StackRun>;
const rootPem = (unwire(before["root-trust"].outputs) as Record<string, string>).rootCertificatePem!;

const ref = (phase: PhaseId) => `${LOCAL_ORGANIZATION}/${project.name}/${stackName("demo", phase)}`;
/** What stack references answer: every stack of the demo plan as it ended, unless overridden. */
const outputsOf = (runs: readonly StackRun[]): StackOutputs =>
  new Map(runs.map((s) => [ref(s.phase.id), { outputs: s.outputs }]));
const managed = (resources: readonly RecordedResource[]) => resources.filter((r) => !r.read);

/** One `pulumi up` of a demo stack (config from `configRoot`'s stack file) whose outputs then answer stack references. */
async function up(
  phase: PhaseId,
  stacks: StackOutputs,
  previous?: readonly RecordedResource[],
  configRoot: ProjectFile = project,
) {
  const loaded = loadStackConfig(configRoot, stackName("demo", phase), passphrase);
  assert.ok(loaded.ok, loaded.ok ? "" : JSON.stringify(loaded.problems));
  const run = await runStack(project, loaded.config, stacks, now, previous);
  stacks.set(ref(phase), { outputs: run.outputs });
  return run;
}

// Cluster loss, as docs/failure-modes.md "Cluster loss" runs it when the cluster stacks' state is gone too: the
// root-trust stack (offline, state kept) first forgets the intermediates it signed for the lost runtime-authority
// stack, whose TLS key is gone with its state; then every cluster stack starts from nothing, and the ceremony runs
// as on a new cluster.
const rebuilt: StackOutputs = new Map([[ref("root-trust"), { outputs: before["root-trust"].outputs }]]);
rebuilt.set(ref("runtime-authority"), { outputs: {} }); // `pulumi stack init`: the stack exists, with no outputs yet
const rootRuns: RecordedResource[][] = [];
const raStatuses: string[] = [];
const state: Partial<Record<PhaseId, RecordedResource[]>> = { "root-trust": before["root-trust"].resources };
const again = async (phase: PhaseId) => {
  const run = await up(phase, rebuilt, state[phase]);
  state[phase] = run.resources;
  if (phase === "root-trust") rootRuns.push(run.resources);
  if (phase === "runtime-authority") raStatuses.push(out(run).status);
  return run;
};
const forgotten = await again("root-trust");
for (const phase of [
  "gitops",
  "bootstrap",
  "runtime-authority",
  "root-trust",
  "runtime-authority",
  "root-trust",
  "runtime-authority",
  "steady-state",
] as const)
  await again(phase);
const after = (phase: PhaseId) => ({ resources: state[phase]!, outputs: rebuilt.get(ref(phase))!.outputs });

/** Key material generated anew by the rebuild (keys, CSRs, certificates below the root) as a placeholder; the root stays as it is. */
function withoutGenerated(v: Wire): unknown {
  if (isWireSecret(v)) return withoutGenerated(v.value);
  if (typeof v === "string") return v.includes("-----BEGIN") && v !== rootPem ? "<generated>" : v;
  if (Array.isArray(v)) return v.map(withoutGenerated);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutGenerated(x)]));
  return v;
}

describe("cluster loss: every cluster stack rebuilt from Git and the kept root-trust stack", () => {
  it("walks the ceremony again: the lost stack's intermediates are forgotten, then re-signed for the new keys", () => {
    assert.deepEqual(out(forgotten).signedIntermediates, {});
    assert.ok(!forgotten.resources.some((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert"));
    assert.deepEqual(raStatuses, ["awaiting-tls-signature", "awaiting-pki-signature", "configured"]);
    assert.deepEqual(Object.keys(out(after("root-trust")).signedIntermediates).sort(), ["vault-pki", "vault-tls"]);
  });

  it("recreates every resource under the same URN, with the same inputs except the newly generated key material", () => {
    const regenerated: string[] = [];
    for (const phase of ["gitops", "bootstrap", "runtime-authority", "steady-state"] as const) {
      const old = new Map(managed(before[phase].resources).map((r) => [r.urn, r]));
      const recreated = managed(after(phase).resources);
      assert.deepEqual(recreated.map((r) => r.urn).sort(), [...old.keys()].sort(), `${phase}: the same URNs`);
      for (const r of recreated) {
        const was = old.get(r.urn)!;
        assert.deepEqual(withoutGenerated(r.inputs), withoutGenerated(was.inputs), `${phase}: ${r.name}`);
        if (JSON.stringify(r.inputs) !== JSON.stringify(was.inputs)) regenerated.push(r.name);
      }
    }
    // Only what carries the new TLS intermediate key, the new listener key and Vault's new PKI key differs.
    assert.deepEqual(regenerated.sort(), [
      "pki-signed",
      "vault-listener-cert",
      "vault-listener-csr",
      "vault-listener-secret",
      "vault-tls-ca-csr",
    ]);
  });

  it("publishes the same stack outputs, except new key material and the accessor Vault assigns", () => {
    for (const phase of ["gitops", "bootstrap", "steady-state"] as const)
      assert.deepEqual(out(after(phase)), out(before[phase]), phase);
    const ra = structuredClone(withoutGenerated(after("runtime-authority").outputs)) as Record<string, any>;
    const was = structuredClone(withoutGenerated(before["runtime-authority"].outputs)) as Record<string, any>;
    assert.notEqual(ra.kubernetesAuth.accessor, was.kubernetesAuth.accessor);
    delete ra.kubernetesAuth.accessor;
    delete was.kubernetesAuth.accessor;
    assert.deepEqual(ra, was);
  });

  it("needs no new root material: the root key and certificate stay `same` in every root-trust run", () => {
    assert.equal(rootRuns.length, 3);
    for (const run of rootRuns) {
      const rootCa = run.filter((r) => r.parent?.endsWith("RootCertificateAuthority::root-ca"));
      assert.deepEqual(rootCa.map((r) => `${r.op} ${r.name}`).sort(), ["same root-ca-cert", "same root-ca-key"]);
    }
    const [rootNow, rootThen] = [out(after("root-trust")), out(before["root-trust"])];
    for (const key of [
      "rootCertificatePem",
      "rootCertificateFingerprintSha256",
      "rootCertificateNotAfter",
      "rootCertificateSubject",
      "sopsAgeRecipients",
    ])
      assert.deepEqual(rootNow[key], rootThen[key], key);
  });

  it("signs new Vault TLS and PKI intermediates that chain to the same root certificate", async () => {
    const root = new x509.X509Certificate(rootPem);
    const fingerprint = out(before["root-trust"]).rootCertificateFingerprintSha256;
    assert.equal(certificateFingerprint(rootPem), fingerprint);
    for (const name of ["vault-tls", "vault-pki"]) {
      const signed = out(after("root-trust")).signedIntermediates[name];
      assert.notEqual(
        signed.fingerprintSha256,
        out(before["root-trust"]).signedIntermediates[name].fingerprintSha256,
        `${name}: a new intermediate`,
      );
      const intermediate = new x509.X509Certificate(signed.certificatePem);
      const chain = await new x509.X509ChainBuilder({ certificates: [root] }).build(intermediate);
      assert.equal(chain.length, 2, name);
      assert.equal(certificateFingerprint(chain[1]!.toString("pem")), fingerprint, `${name}: chains to the same root`);
      assert.ok(
        await intermediate.verify({ publicKey: root.publicKey, signatureOnly: true }),
        `${name}: signed by the root key`,
      );
    }
    const ra = managed(after("runtime-authority").resources);
    const inputs = (r: RecordedResource) => unwire(r.inputs) as Record<string, any>;
    // Vault's listener: leaf -> the new TLS intermediate -> the same root.
    const tlsSecret = inputs(ra.find((r) => r.name === "vault-listener-secret")!).stringData;
    const [leaf, tlsIntermediate] = splitPemBundle(tlsSecret["tls.crt"]).map((pem) => new x509.X509Certificate(pem));
    assert.equal(
      tlsIntermediate!.toString("pem"),
      new x509.X509Certificate(out(after("root-trust")).signedIntermediates["vault-tls"].certificatePem).toString(
        "pem",
      ),
    );
    assert.ok(
      await leaf!.verify({ publicKey: tlsIntermediate!.publicKey, signatureOnly: true }),
      "the listener certificate is signed by the new TLS intermediate's key",
    );
    assert.equal(tlsSecret["ca.crt"], rootPem);
    // Vault's PKI mount: the signed chain is for the key the new Vault generated, and ends at the same root.
    const csr = new x509.Pkcs10CertificateRequest(
      (unwire(ra.find((r) => r.name === "pki-csr")!.outputs) as Record<string, string>).csr!,
    );
    const [pkiCert, chainRoot] = splitPemBundle(inputs(ra.find((r) => r.name === "pki-signed")!).certificate).map(
      (pem) => new x509.X509Certificate(pem),
    );
    assert.deepEqual(Buffer.from(pkiCert!.publicKey.rawData), Buffer.from(csr.publicKey.rawData));
    assert.ok(chainRoot!.equal(root));
  });
});

describe("cluster loss without the ceremony: intermediates the root signed for keys that are gone", () => {
  it("fails closed: the runtime-authority stack refuses to use a TLS intermediate that certifies another key", async () => {
    // State lost, root-trust not told: its signedIntermediates still certify the lost stack's keys.
    await assert.rejects(
      up("runtime-authority", outputsOf(planned.stacks)),
      /the signed Vault TLS intermediate certifies another key than this stack's current CSR .*run the signing ceremony again/,
    );
  });

  it("checks the key, not the name: the planned chains certify their CSRs", async () => {
    const { certifiesRequest } = await import("../pki/x509.js");
    const ra = out(before["runtime-authority"]);
    const signed = out(before["root-trust"]).signedIntermediates as Record<string, { certificatePem: string }>;
    assert.ok(certifiesRequest(signed["vault-pki"]!.certificatePem, ra.pkiIntermediateCsrs["vault-pki"]));
    assert.ok(!certifiesRequest(signed["vault-pki"]!.certificatePem, ra.pkiIntermediateCsrs["vault-tls"]));
  });
});

describe("bootstrap failure: a bootstrap Secret the bootstrap stack did not materialize", () => {
  it("refuses the handover before registering anything, naming the purpose, its Secret and the stack to run", async () => {
    const stacks = outputsOf(planned.stacks);
    const inventory = out(before.bootstrap).bootstrapInventory as BootstrapInventoryEntry[];
    assert.ok(inventory.some((e) => e.purpose === "vault-kms-unseal-credentials"));
    stacks.set(ref("bootstrap"), {
      outputs: {
        ...before.bootstrap.outputs,
        bootstrapInventory: inventory.filter((e) => e.purpose !== "vault-kms-unseal-credentials"),
      },
    });
    const loaded = loadStackConfig(project, before["runtime-authority"].stack, passphrase);
    assert.ok(loaded.ok);
    pulumi.runtime.setAllConfig(loaded.config.values, loaded.config.secretKeys);
    const recorded: RecordedResource[] = [];
    await assert.rejects(
      runProgram(
        {
          project: project.name,
          stack: before["runtime-authority"].stack,
          stacks,
          now,
          onResources: (r) => recorded.push(...r),
        },
        runPlatformStack,
      ),
      (e: Error) => {
        assert.ok(pulumi.RunError.isInstance(e), "a RunError: the CLI prints the message without a stack trace");
        assert.equal(
          e.message,
          "handover refused, nothing registered:\n  vault-kms-unseal-credentials: Secret vault/vault-kms-unseal is not in the demo-bootstrap stack's bootstrapInventory (run that stack first)",
        );
        return true;
      },
    );
    assert.deepEqual(
      managed(recorded)
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .map((r) => r.name),
      [],
      "only the stack references were read",
    );
    assert.deepEqual(
      recorded
        .filter((r) => r.read)
        .map((r) => r.name)
        .sort(),
      ["bootstrap-stack", "root-trust-stack"],
    );
  });
});

describe("runtime-authority failure: a PKI intermediate that cannot cover its certificates' lifetimes", () => {
  it("shows fail-closed in posture for exactly the purposes whose period + grace outlive the issuer", async () => {
    // Intermediates signed for 20 days: shorter than 30d + 10d (payments-api-mtls) and 90d + 30d (storefront-ingress-tls).
    const shortLived = readProjectFile(
      projectWith({
        "stacks/Pulumi.demo-root-trust.yaml": (t) =>
          t.replace(/intermediateValidityDays: \d+/, "intermediateValidityDays: 20"),
      }),
    );
    const stacks = outputsOf(planned.stacks);
    const root = await up("root-trust", stacks, before["root-trust"].resources, shortLived);
    const ra = await up("runtime-authority", stacks, before["runtime-authority"].resources);
    assert.equal(out(ra).status, "configured");
    const runs = planned.stacks.map((s) =>
      s.phase.id === "root-trust" ? { ...s, ...root } : s.phase.id === "runtime-authority" ? { ...s, ...ra } : s,
    );
    const postureOf = (stacksOfPlan: readonly StackRun[]) =>
      posture(
        registry,
        planObservations(planDocument({ cluster: "demo", now, registry, stacks: stacksOfPlan }), registry),
        now,
      );
    const entries = postureOf(runs);
    const failClosed = entries.filter((e) => e.status === "fail-closed");
    assert.deepEqual(
      failClosed.map((e) => e.purpose),
      ["payments-api-mtls", "storefront-ingress-tls"],
    );
    const issuerExpires = new Date(now.getTime() + 20 * 86_400_000).toISOString();
    for (const e of failClosed) {
      assert.equal(e.issuerExpiresAt, issuerExpires, e.purpose);
      assert.equal(e.reason, `the issuer expires ${issuerExpires}, before one more rotation period and grace`);
    }
    assert.deepEqual(
      failing(entries).map((e) => e.purpose),
      ["payments-api-mtls", "storefront-ingress-tls"],
      "`npm run posture` exits 1",
    );
    // Everything else keeps the posture of the unchanged plan (where nothing fails closed).
    const unchanged = postureOf(planned.stacks);
    assert.deepEqual(failing(unchanged), []);
    for (const e of entries.filter((x) => x.status !== "fail-closed"))
      assert.equal(e.status, unchanged.find((u) => u.purpose === e.purpose)!.status, e.purpose);
  });
});
