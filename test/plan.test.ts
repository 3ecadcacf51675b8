import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { main } from "../plan/cli.js";
import { planCluster } from "../plan/run.js";
import { formatProblem } from "../registry/problems.js";
import type { PlanDocument } from "../plan/report/plan-json.js";
import { x509 } from "../pki/x509.js";
import { DEMO_NOW, demoPlanCommand } from "./support/demo-plan.js";
import { projectWith } from "./support/project-copy.js";
import { purpose, registryDir, registryFile } from "./support/registry-factory.js";
import { scratchDir } from "./support/scratch.js";

/** Runs `npm run plan -- <args>` in-process and captures what it prints. */
async function plan(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run plan on the demo cluster", () => {
  // Run once for the whole test run (test/support/demo-plan-setup.ts): `npm run plan -- --out <dir> --now <now>`.
  const { dir, ...command } = demoPlanCommand();
  const now = DEMO_NOW;
  const run = { code: command.code, out: command.out.join("\n"), err: command.err.join("\n") };
  const doc = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as PlanDocument;
  const rootTrust = doc.stacks.find((s) => s.stack === "demo-root-trust")!;

  it("exits 0 and says what it planned", () => {
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /phase 0 {2}demo-root-trust/);
    assert.equal(run.err, "");
  });

  it("writes plan.json in the documented contract, and plan.md", () => {
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.cluster, "demo");
    assert.equal(doc.generatedAt, now.toISOString());
    assert.deepEqual(doc.violations, []);
    assert.ok(Array.isArray(doc.posture));
    assert.equal(rootTrust.phase, 0);
    assert.equal(rootTrust.authority, "offline-root");
    for (const r of rootTrust.resources) {
      assert.match(r.urn, /^urn:pulumi:demo-root-trust::secrets-platform::/);
      for (const key of ["type", "name", "parent", "custom", "inputs", "options"])
        assert.ok(key in r, `${r.urn} lacks ${key}`);
    }
    assert.match(readFileSync(join(dir, "plan.md"), "utf8"), /# Offline plan: cluster `demo`/);
  });

  it("registers the root CA key and certificate under the component, both protected", () => {
    const byType = (t: string) => rootTrust.resources.find((r) => r.type === t)!;
    const ca = byType("secrets-platform:root-trust:RootCertificateAuthority");
    for (const t of ["tls:index/privateKey:PrivateKey", "tls:index/selfSignedCert:SelfSignedCert"]) {
      assert.equal(byType(t).parent, ca.urn);
      assert.equal(byType(t).options.protect, true, `${t} must be protected`);
    }
    assert.deepEqual(byType("tls:index/privateKey:PrivateKey").inputs, { algorithm: "ECDSA", ecdsaCurve: "P384" });
  });

  it("publishes a root certificate that verifies as a CA", async () => {
    const cert = new x509.X509Certificate(rootTrust.outputs.rootCertificatePem as string);
    assert.ok(await cert.isSelfSigned(), "self-signed, and its signature verifies with its own key");
    const constraints = cert.getExtension(x509.BasicConstraintsExtension)!;
    assert.equal(constraints.ca, true);
    assert.equal(constraints.pathLength, 1);
    assert.ok(constraints.critical);
    const usages = cert.getExtension(x509.KeyUsagesExtension)!;
    assert.ok(usages.usages & x509.KeyUsageFlags.keyCertSign);
    assert.ok(usages.usages & x509.KeyUsageFlags.cRLSign);
    assert.equal((cert.publicKey.algorithm as EcKeyAlgorithm).namedCurve, "P-384");
    assert.equal(cert.subject, "O=Demo Platform, CN=Demo Platform Root CA");
    assert.equal(rootTrust.outputs.rootCertificateSubject, cert.subject);
    assert.equal(cert.notBefore.toISOString(), "2026-11-22T09:00:00.000Z");
    assert.equal(cert.notAfter.getTime() - cert.notBefore.getTime(), 3650 * 86_400_000);
    assert.equal(rootTrust.outputs.rootCertificateNotAfter, "2036-11-19T09:00:00Z");
    const thumbprint = Buffer.from(await cert.getThumbprint("SHA-256"))
      .toString("hex")
      .toUpperCase()
      .match(/../g)!
      .join(":");
    assert.equal(rootTrust.outputs.rootCertificateFingerprintSha256, thumbprint);
  });

  it("publishes the SOPS recipients for later phases", () =>
    assert.equal((rootTrust.outputs.sopsAgeRecipients as string[]).length, 2));

  it("keeps the root private key out of every output and report", () => {
    const text = readFileSync(join(dir, "plan.json"), "utf8") + readFileSync(join(dir, "plan.md"), "utf8") + run.out;
    assert.ok(!/PRIVATE KEY/.test(text), "no PEM private key anywhere");
    assert.ok(!Object.keys(rootTrust.outputs).some((k) => /key/i.test(k) && !/recipients/i.test(k)));
    const key = rootTrust.resources.find((r) => r.type === "tls:index/privateKey:PrivateKey")!;
    assert.equal(key.outputs.privateKeyPem, "[secret]");
    assert.equal(key.outputs.privateKeyOpenssh, "[secret]");
    const cert = rootTrust.resources.find((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert")!;
    assert.equal(cert.inputs.privateKeyPem, "[secret]", "the key passed to the certificate is a secret input");
  });
});

describe("npm run plan with invalid input", () => {
  it("exits 2 naming every problem of a registry with errors in two files, and plans nothing", async () => {
    const registry = registryDir({
      "payments.yaml": registryFile("payments", [
        purpose("transit", { id: "card-key", tier: "vault_kv" }),
        purpose("external-secret", {
          id: "db-password",
          rotation: { period: "30x", grace: "7d", method: "generated" },
        }),
      ]),
      "identity.yaml": registryFile("identity", [
        purpose("cert-manager", { id: "api-tls", transitionalUntil: undefined }, "identity"),
      ]),
    });
    const out = scratchDir("plan-");
    const run = await plan("--registry", registry, "--out", out);
    assert.equal(run.code, 2);
    assert.equal(run.out, "", "nothing is printed as success");
    assert.match(run.err, /invalid input, 3 problems \(nothing was planned\)/);
    assert.match(run.err, /identity\.yaml:\d+: api-tls: transitionalUntil: /);
    assert.match(run.err, /payments\.yaml:\d+: card-key: tier: /);
    assert.match(run.err, /payments\.yaml:\d+: db-password: rotation\.period: "30x" is not a duration/);
    assert.ok(!existsSync(join(out, "plan.json")));
  });

  it("reports config and registry problems together, naming the stack file and key", async () => {
    const root = projectWith({
      "stacks/Pulumi.demo-root-trust.yaml": (t) =>
        t.replace("rootCaValidityDays: 3650", "rootCaValidityDays: ten-years"),
      "purposes/data.yaml": (t) => t.replace("period: 14d", "period: 14x"),
    });
    const result = await planCluster({ cluster: "demo", root, passphrase: () => undefined });
    assert.ok(!result.ok);
    const lines = result.problems.map(formatProblem);
    assert.ok(
      lines.some((l) =>
        l.startsWith(
          "stacks/Pulumi.demo-root-trust.yaml: secrets-platform:rootCaValidityDays: must be of type integer",
        ),
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) => /data\.yaml:\d+: data-kafka-client-mtls: rotation\.period: "14x" is not a duration/.test(l)),
      lines.join("\n"),
    );
  });

  it("exits 2 on an unknown flag or cluster", async () => {
    assert.equal((await plan("--clusterr", "demo")).code, 2);
    const none = await plan("--cluster", "nowhere");
    assert.equal(none.code, 2);
    assert.match(none.err, /no stack files for cluster nowhere/);
  });
});
