import assert from "node:assert/strict";
import { describe, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { readProjectFile } from "../config/project.js";
import { loadStackConfig, type StackConfig } from "../config/stack-file.js";
import type { StackOutputs } from "../plan/engine/monitor.js";
import { isWireSecret, redact, unwire } from "../plan/engine/wire.js";
import { runStack } from "../plan/run.js";
import { x509 } from "../pki/x509.js";
import { intermediateCsr } from "./support/csr.js";

const project = readProjectFile();
const RUNTIME_AUTHORITY = "organization/secrets-platform/demo-runtime-authority";

/** The demo root-trust stack with the signing ceremony switched on, run against the given earlier stacks. */
async function rootTrustWithCeremony(csrs: Record<string, string>) {
  const loaded = loadStackConfig(project, "demo-root-trust", () => undefined);
  assert.ok(loaded.ok);
  const config: StackConfig = {
    ...loaded.config,
    values: { ...loaded.config.values, "secrets-platform:intermediateCsrStack": "runtime-authority" },
  };
  const stacks: StackOutputs = new Map([[RUNTIME_AUTHORITY, { outputs: { pkiIntermediateCsrs: csrs } }]]);
  return runStack(project, config, stacks, new Date("2026-11-22T09:00:00Z"));
}

describe("the signing ceremony", async () => {
  const csr = await intermediateCsr();
  const run = await rootTrustWithCeremony({ vault: csr });
  const outputs = unwire(run.outputs) as Record<string, any>;
  const root = new x509.X509Certificate(outputs.rootCertificatePem);
  const signed = outputs.signedIntermediates.vault;
  const intermediate = new x509.X509Certificate(signed.certificatePem);

  it("signs the CSR the runtime-authority stack published, with the root key", async () => {
    assert.equal(intermediate.issuer, root.subject);
    assert.ok(await intermediate.verify({ publicKey: root.publicKey, date: new Date("2027-01-01T00:00:00Z") }));
    assert.equal(intermediate.subject, new x509.Pkcs10CertificateRequest(csr).subject);
  });

  it("makes the intermediate a CA that chains to the root", async () => {
    assert.equal(intermediate.getExtension(x509.BasicConstraintsExtension)?.ca, true);
    const aki = intermediate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    assert.equal(aki, root.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    const chain = await new x509.X509ChainBuilder({ certificates: [root] }).build(intermediate);
    assert.deepEqual(
      [...chain].map((c) => c.subject),
      [intermediate.subject, root.subject],
    );
    assert.equal(intermediate.notAfter.getTime() - intermediate.notBefore.getTime(), 1095 * 86_400_000);
  });

  it("publishes the chain (intermediate, then root) and the intermediate's expiry", () => {
    assert.equal(signed.chainPem, `${signed.certificatePem.trimEnd()}\n${outputs.rootCertificatePem}`);
    assert.equal(signed.notAfter, "2029-11-21T09:00:00Z");
  });

  it("protects the signed intermediate like the root", () => {
    const cert = run.resources.find((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert")!;
    assert.equal(cert.name, "intermediate-vault-cert");
    assert.equal(cert.options.protect, true);
    assert.ok(isWireSecret(cert.inputs.caPrivateKeyPem), "the root key reaches the signer only as a secret input");
  });

  it("reads the runtime-authority stack through a stack reference", () => {
    const ref = run.resources.find((r) => r.type === "pulumi:pulumi:StackReference")!;
    assert.equal(ref.id, RUNTIME_AUTHORITY);
    assert.equal(ref.read, true);
  });

  it("still publishes no private key", () => assert.ok(!JSON.stringify(unwire(run.outputs)).includes("PRIVATE KEY")));
});

describe("the signing ceremony refuses", () => {
  it("a CSR with a weak key or a broken signature, naming each", async () => {
    const weak = await intermediateCsr({ algorithm: "RSA-1024" });
    const good = await intermediateCsr();
    const broken = good.replace(/.{8}\n-----END/, "AAAAAAAA\n-----END");
    await assert.rejects(rootTrustWithCeremony({ weak, broken }), (e: Error) => {
      assert.match(e.message, /signing ceremony refused/);
      assert.match(e.message, /weak: its key \(RSA 1024\) is too weak for a CA/);
      assert.match(e.message, /broken: /);
      assert.ok(pulumi.RunError.isInstance(e), "a RunError: the CLI prints it without a stack trace");
      return true;
    });
  });

  it("nothing when the referenced stack has published no CSR yet", async () => {
    const run = await rootTrustWithCeremony({});
    assert.deepEqual(redact(run.outputs.signedIntermediates), {});
    assert.ok(!run.resources.some((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert"));
  });
});
