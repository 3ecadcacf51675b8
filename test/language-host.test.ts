import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { readProjectFile } from "../config/project.js";
import { loadStackConfig } from "../config/stack-file.js";
import { PlanMonitor } from "../plan/engine/monitor.js";
import { modelFor } from "../plan/engine/models/index.js";
import { unwire } from "../plan/engine/wire.js";
import { x509 } from "../pki/x509.js";
import { runUnderLanguageHost } from "./support/language-host.js";

const project = readProjectFile();

describe("the program under the SDK's language-host runner, as Pulumi.yaml configures it", () => {
  it("starts, registers the root-trust stack and publishes its outputs", async () => {
    const stack = loadStackConfig(project, "demo-root-trust", () => undefined);
    assert.ok(stack.ok);
    // A new cluster's first run: the stack whose CSRs it signs does not exist yet.
    stack.config.values["secrets-platform:intermediateCsrStack"] = "";
    const monitor = new PlanMonitor(project.name, "demo-root-trust", modelFor, new Map(), new Date());
    const run = await runUnderLanguageHost({ root: project.root, stack: stack.config, monitor });
    assert.equal(run.code, 0, `${run.output}\n${run.logs.map((l) => l.message).join("\n")}`);
    assert.deepEqual(
      monitor.resources.map((r) => r.type),
      [
        "pulumi:pulumi:Stack",
        "secrets-platform:root-trust:RootCertificateAuthority",
        "tls:index/privateKey:PrivateKey",
        "tls:index/selfSignedCert:SelfSignedCert",
      ],
    );
    const outputs = unwire(monitor.stackOutputs) as Record<string, string>;
    assert.ok(await new x509.X509Certificate(outputs.rootCertificatePem!).isSelfSigned());
  });

  it("fails on invalid config with every problem, logged without a stack trace", async () => {
    const stack = loadStackConfig(project, "demo-root-trust", () => undefined);
    assert.ok(stack.ok);
    stack.config.values["secrets-platform:rootCaEcdsaCurve"] = "P224";
    stack.config.values["secrets-platform:rootCaValidityDay"] = "1";
    const monitor = new PlanMonitor(project.name, "demo-root-trust", modelFor, new Map(), new Date());
    const run = await runUnderLanguageHost({ root: project.root, stack: stack.config, monitor });
    assert.notEqual(run.code, 0);
    const errors = run.logs.map((l) => l.message).join("\n");
    assert.match(errors, /invalid stack configuration: 2 problems/);
    assert.match(
      errors,
      /stacks\/Pulumi\.demo-root-trust\.yaml: secrets-platform:rootCaEcdsaCurve: Invalid option: expected one of "P256"\|"P384"\|"P521"/,
    );
    assert.match(errors, /secrets-platform:rootCaValidityDay: is not a key this project declares/);
    assert.ok(!/\n\s+at /.test(errors), `no stack trace:\n${errors}`);
    assert.equal(monitor.resources.filter((r) => r.custom).length, 0, "nothing registered");
  });
});
