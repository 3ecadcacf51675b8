import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { stringify } from "yaml";
import { PassphraseCrypter } from "../config/passphrase.js";
import { parsePlatformConfig } from "../config/platform.js";
import { readProjectFile, type ProjectFile } from "../config/project.js";
import { loadStackConfig } from "../config/stack-file.js";
import { formatProblem } from "../registry/problems.js";
import { DISTRIBUTION, DISTRIBUTIONS } from "../vault/distribution.js";
import { scratchDir } from "./support/scratch.js";

const CANARY = "canary-3f9a1c-never-print-me";
const project = readProjectFile();
const declared = Object.keys(project.config);

/** A throwaway project with its own declarations and one stack file. */
function tempProject(config: ProjectFile["config"], stackFile: Record<string, unknown>): ProjectFile {
  const root = scratchDir("project-");
  writeFileSync(join(root, "Pulumi.t-root-trust.yaml"), stringify(stackFile));
  return { root, name: "p", stackConfigDir: ".", config };
}

describe("the passphrase secrets provider", () => {
  const { encryptionSalt, crypter } = PassphraseCrypter.create("correct horse");
  it("round-trips a value in the CLI's v1 format", () => {
    const sealed = crypter.encrypt(CANARY);
    assert.match(sealed, /^v1:[A-Za-z0-9+/=]{16}:[A-Za-z0-9+/=]+$/);
    assert.equal(PassphraseCrypter.open(encryptionSalt, "correct horse").decrypt(sealed), CANARY);
  });
  it("tells a wrong passphrase apart from a value", () =>
    assert.throws(() => PassphraseCrypter.open(encryptionSalt, "wrong"), /incorrect passphrase/));
  it("refuses a tampered value (GCM authentication)", () => {
    const sealed = crypter.encrypt(CANARY);
    const flipped = sealed.slice(0, -4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
    assert.throws(() => crypter.decrypt(flipped));
  });
});

describe("stack files, read as the CLI reads them", () => {
  it("apply Pulumi.yaml defaults to the demo root-trust stack", () => {
    const r = loadStackConfig(project, "demo-root-trust", () => undefined);
    assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
    assert.equal(r.config.values["secrets-platform:rootCaEcdsaCurve"], "P384");
    assert.equal(r.config.values["secrets-platform:rootCaValidityDays"], "3650");
    assert.deepEqual(JSON.parse(r.config.values["secrets-platform:sopsAgeRecipients"]!).length, 2);
  });

  it("decrypt secure values, list them as secret, and keep them out of every problem", () => {
    const { encryptionSalt, crypter } = PassphraseCrypter.create("pw");
    const p = tempProject(
      { token: { type: "string", secret: true }, count: { type: "integer", default: 1 } },
      { encryptionsalt: encryptionSalt, config: { "p:token": { secure: crypter.encrypt(CANARY) }, "p:count": "many" } },
    );
    const bad = loadStackConfig(p, "t-root-trust", () => "pw");
    assert.ok(!bad.ok);
    assert.deepEqual(bad.problems.map(formatProblem), [
      "Pulumi.t-root-trust.yaml: p:count: must be of type integer (Pulumi.yaml)",
    ]);
    writeFileSync(
      join(p.root, "Pulumi.t-root-trust.yaml"),
      stringify({ encryptionsalt: encryptionSalt, config: { "p:token": { secure: crypter.encrypt(CANARY) } } }),
    );
    const good = loadStackConfig(p, "t-root-trust", () => "pw");
    assert.ok(good.ok);
    assert.equal(good.config.values["p:token"], CANARY);
    assert.deepEqual(good.config.secretKeys, ["p:token"]);
    const wrong = loadStackConfig(p, "t-root-trust", () => "not-pw");
    assert.ok(!wrong.ok);
    assert.match(formatProblem(wrong.problems[0]!), /p:token: cannot decrypt secure value: incorrect passphrase/);
    assert.ok(!JSON.stringify(wrong.problems).includes(CANARY));
  });

  it("require declared secrets to be encrypted, and required keys to be set", () => {
    const p = tempProject(
      { token: { type: "string", secret: true }, name: { type: "string" } },
      { config: { "p:token": "plain" } },
    );
    const r = loadStackConfig(p, "t-root-trust", () => undefined);
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map(formatProblem).sort(), [
      "Pulumi.t-root-trust.yaml: p:name: is required (declared in Pulumi.yaml without a default)",
      "Pulumi.t-root-trust.yaml: p:token: is declared secret: set it with `pulumi config set --secret`",
    ]);
  });

  it("say which passphrase is missing rather than failing later", () => {
    const { encryptionSalt, crypter } = PassphraseCrypter.create("pw");
    const p = tempProject({}, { encryptionsalt: encryptionSalt, config: { "p:x": { secure: crypter.encrypt("v") } } });
    const r = loadStackConfig(p, "t-root-trust", () => undefined);
    assert.ok(!r.ok);
    assert.match(r.problems[0]!.message, /PULUMI_CONFIG_PASSPHRASE/);
  });

  it("every key the Pulumi.yaml declares has a type and a description for `pulumi config`", () => {
    for (const [key, decl] of Object.entries(project.config)) {
      assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), key);
      assert.ok(decl.description && decl.description.length > 10, `${key} needs a description`);
      if (decl.type === "array") assert.ok(decl.items, `${key} needs items`);
    }
  });
});

describe("platform config", () => {
  const demo = loadStackConfig(project, "demo-root-trust", () => undefined);
  assert.ok(demo.ok);
  const parse = (changes: Record<string, string | undefined>, stack = "demo-root-trust") => {
    const values = { ...demo.config.values };
    for (const [k, v] of Object.entries(changes))
      if (v === undefined) delete values[`secrets-platform:${k}`];
      else values[`secrets-platform:${k}`] = v;
    return parsePlatformConfig({
      project: "secrets-platform",
      stack,
      file: "stacks/Pulumi.demo-root-trust.yaml",
      values,
      secretKeys: [],
      declared,
    });
  };
  const messages = (changes: Record<string, string | undefined>, stack?: string) => {
    const r = parse(changes, stack);
    assert.ok(!r.ok, "expected the config to be rejected");
    return r.problems.map(formatProblem);
  };

  it("accepts the demo root-trust stack", () => {
    const r = parse({});
    assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
    assert.equal(r.config.rootTrust.ecdsaCurve, "P384");
    assert.equal(r.config.rootTrust.sopsAgeRecipients.length, 2);
  });
  it("requires the stack to be named <cluster>-<phase>", () =>
    assert.deepEqual(messages({}, "prod-root-trust"), [
      "stacks/Pulumi.demo-root-trust.yaml: secrets-platform:phase: stack prod-root-trust must be named demo-root-trust (<cluster>-<phase>)",
    ]));
  it("rejects a key the project does not declare (a typo the CLI would pass through)", () =>
    assert.deepEqual(messages({ rootCaValidityDay: "10" }), [
      "stacks/Pulumi.demo-root-trust.yaml: secrets-platform:rootCaValidityDay: is not a key this project declares (see Pulumi.yaml)",
    ]));
  it("rejects an age recipient with a bad checksum", () => {
    const good = JSON.parse(demo.config.values["secrets-platform:sopsAgeRecipients"]!)[0] as string;
    const typo = `${good.slice(0, -1)}${good.endsWith("q") ? "p" : "q"}`;
    assert.match(
      messages({ sopsAgeRecipients: JSON.stringify([good, typo]) })[0]!,
      /sopsAgeRecipients: \[1\]: ".*" is not an age recipient/,
    );
  });
  it("reports every problem at once", () => {
    const all = messages({ phase: "gitopz", rootCaEcdsaCurve: "P224", rootCaValidityDays: "0", cluster: undefined });
    assert.equal(all.length, 4, all.join("\n"));
    assert.match(
      all.find((m) => m.includes("rootCaEcdsaCurve"))!,
      /expected one of "P256"\|"P384"\|"P521"/,
    );
    assert.match(
      all.find((m) => m.includes(":cluster"))!,
      /cluster: is required$/,
    );
  });
  it("refuses an intermediate that would outlive its root", () =>
    assert.match(
      messages({ intermediateValidityDays: "4000" })[0]!,
      /intermediateValidityDays: 4000 must be shorter than rootCaValidityDays/,
    ));
});

describe("runtime-authority config", () => {
  const demo = loadStackConfig(project, "demo-runtime-authority", () => undefined);
  assert.ok(demo.ok);
  const file = "stacks/Pulumi.demo-runtime-authority.yaml";
  const parse = (changes: Record<string, string | undefined>) => {
    const values = { ...demo.config.values };
    for (const [k, v] of Object.entries(changes))
      if (v === undefined) delete values[k.includes(":") ? k : `secrets-platform:${k}`];
      else values[k.includes(":") ? k : `secrets-platform:${k}`] = v;
    return parsePlatformConfig({
      project: "secrets-platform",
      stack: "demo-runtime-authority",
      file,
      values,
      secretKeys: [],
      declared,
    });
  };
  const messages = (changes: Record<string, string | undefined>) => {
    const r = parse(changes);
    assert.ok(!r.ok, "expected the config to be rejected");
    return r.problems.map(formatProblem);
  };

  // The demo's seal before it moved to OpenBao: AWS KMS auto-unseal, its credentials file from a bootstrap Secret.
  const awskms = {
    vaultDistribution: "vault",
    vaultSealType: "awskms",
    vaultSealOptions: JSON.stringify(["region=eu-west-1", "kms_key_id=alias/demo-vault-unseal"]),
    vaultSealCredentialsSecret: "vault-kms-unseal",
  };
  it("accepts the demo stack: OpenBao, shamir, 3 shares to 3 operators, threshold 2", () => {
    const r = parse({});
    assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
    assert.equal(r.config.runtimeAuthority.distribution, "openbao");
    assert.deepEqual(r.config.runtimeAuthority.seal, { type: "shamir", options: {} });
    assert.deepEqual([r.config.runtimeAuthority.keyShares, r.config.runtimeAuthority.keyThreshold], [3, 2]);
    assert.equal(r.config.runtimeAuthority.initialized, true);
  });
  it("accepts an auto-unseal with a credentials Secret", () => {
    const r = parse(awskms);
    assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
    assert.deepEqual(r.config.runtimeAuthority.seal, {
      type: "awskms",
      options: { region: "eu-west-1", kms_key_id: "alias/demo-vault-unseal" },
      credentialsSecret: "vault-kms-unseal",
    });
  });
  it("requires each auto-unseal's own options, and keeps credentials out of stack config without printing them", () => {
    assert.deepEqual(messages({ ...awskms, vaultSealOptions: JSON.stringify(["region=eu-west-1"]) }), [
      `${file}: secrets-platform:vaultSealOptions: the awskms seal needs kms_key_id`,
    ]);
    const leak = messages({
      ...awskms,
      vaultSealOptions: JSON.stringify(["region=eu-west-1", "kms_key_id=k", `secret_key=${CANARY}`]),
    });
    assert.match(leak[0]!, /secret_key are credentials: put them in the vaultSealCredentialsSecret Secret/);
    assert.ok(!leak.join("\n").includes(CANARY));
  });
  it("refuses share thresholds that could never unseal, or that one operator could meet alone", () => {
    assert.match(messages({ vaultKeyThreshold: "4" })[0]!, /vaultKeyThreshold: 4 is more than vaultKeyShares \(3\)/);
    assert.match(messages({ vaultKeyThreshold: "1" })[0]!, /must be at least 2/);
    assert.match(
      messages({ vaultOperatorPgpKeys: JSON.stringify(["a.asc"]) })[0]!,
      /lists 1 PGP public key files; .* vaultKeyShares \(3\)/,
    );
  });
  it("wants an odd Raft cluster and TLS to Vault", () => {
    assert.match(messages({ vaultReplicas: "4" })[0]!, /must be odd/);
    assert.match(messages({ vaultAddress: "http://127.0.0.1:8200" })[0]!, /must be an https URL/);
  });
  it("refuses a Vault token in stack config: it would be stored in state", () =>
    assert.match(messages({ "vault:token": CANARY })[0]!, /vault:token: must not be stack config: export VAULT_TOKEN/));

  // Without the demo's auto-unseal: OpenBao 2.7 has no built-in awskms seal (checked below).
  const shamir = { vaultSealType: "shamir", vaultSealOptions: "[]", vaultSealCredentialsSecret: "" };
  it("defaults to OpenBao, whose chart, chart version and image the empty keys take from its pins", () => {
    assert.equal(project.config.vaultDistribution!.default, "openbao");
    for (const key of ["vaultChartRepository", "vaultChartVersion", "vaultVersion"])
      assert.equal(project.config[key]!.default, "", key);
    for (const d of DISTRIBUTIONS) {
      const r = parse({ ...shamir, vaultDistribution: d });
      assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
      const { distribution, chartRepository, chartVersion, vaultVersion } = r.config.runtimeAuthority;
      const pin = DISTRIBUTION[d];
      assert.deepEqual(
        { distribution, chartRepository, chartVersion, vaultVersion },
        {
          distribution: d,
          chartRepository: pin.chart.repository,
          chartVersion: pin.chart.version,
          vaultVersion: pin.version,
        },
      );
    }
  });
  it("names every distribution's pins in Pulumi.yaml's descriptions and docs/configuration.md, so empty means what they say", () => {
    const reference = readFileSync("docs/configuration.md", "utf8");
    for (const d of DISTRIBUTIONS)
      for (const pin of [DISTRIBUTION[d].chart.version, DISTRIBUTION[d].version])
        assert.ok(reference.includes(`\`${pin}\``), `docs/configuration.md names ${d}'s ${pin}`);
    const described = (key: string) => project.config[key]!.description!;
    for (const d of DISTRIBUTIONS) {
      assert.ok(described("vaultChartRepository").includes(DISTRIBUTION[d].chart.repository), d);
      assert.ok(described("vaultChartVersion").includes(`${d} ${DISTRIBUTION[d].chart.version}`), d);
      assert.ok(
        described("vaultVersion").includes(
          `${DISTRIBUTION[d].product.replace("HashiCorp ", "")} ${DISTRIBUTION[d].version}`,
        ),
        d,
      );
    }
  });
  it("refuses a version or chart repository of the other distribution, naming the key that switches", () => {
    assert.deepEqual(messages({ ...shamir, vaultDistribution: "openbao", vaultVersion: "1.18.1" }), [
      `${file}: secrets-platform:vaultVersion: 1.18.1 is older than OpenBao 2.4.0, the first release that reads audit devices from the server configuration (this stack declares them there); 1.18.1 looks like a HashiCorp Vault version: set vaultDistribution: vault`,
    ]);
    assert.match(
      messages({ ...shamir, vaultDistribution: "vault", vaultVersion: "2.7.2" })[0]!,
      /set vaultDistribution: openbao/,
    );
    assert.deepEqual(
      messages({
        ...shamir,
        vaultDistribution: "openbao",
        vaultChartRepository: "https://helm.releases.hashicorp.com",
      }),
      [
        `${file}: secrets-platform:vaultChartRepository: https://helm.releases.hashicorp.com is HashiCorp Vault's chart repository, but vaultDistribution is openbao: set vaultDistribution: vault, or leave the repository empty for OpenBao's`,
      ],
    );
  });
  it("refuses the cloud KMS seals OpenBao 2.7 no longer builds in, and accepts them on Vault", () => {
    assert.deepEqual(messages({ ...awskms, vaultDistribution: "openbao" }), [
      `${file}: secrets-platform:vaultSealType: OpenBao 2.7.2 has no built-in awskms seal (removed in 2.7.0; it is a KMS plugin now, which this program does not declare): use transit or shamir`,
    ]);
    assert.ok(parse(awskms).ok);
    const transit = ["address=https://unseal.example:8200", "key_name=k", "mount_path=transit/"];
    assert.ok(parse({ vaultSealType: "transit", vaultSealOptions: JSON.stringify(transit) }).ok);
  });
  it("reads no seal credentials for a shamir seal", () =>
    assert.deepEqual(messages({ ...shamir, vaultSealCredentialsSecret: "vault-kms-unseal" }), [
      `${file}: secrets-platform:vaultSealCredentialsSecret: a shamir seal reads no credentials: leave it empty, or set the auto-unseal`,
    ]));
});

describe("steady-state configuration", () => {
  const project = readProjectFile();
  const declared = Object.keys(project.config);
  const demo = loadStackConfig(project, "demo-steady-state", () => undefined);
  assert.ok(demo.ok);
  const file = "stacks/Pulumi.demo-steady-state.yaml";
  const parse = (changes: Record<string, string>) =>
    parsePlatformConfig({
      project: "secrets-platform",
      stack: "demo-steady-state",
      file,
      values: {
        ...demo.config.values,
        ...Object.fromEntries(Object.entries(changes).map(([k, v]) => [`secrets-platform:${k}`, v])),
      },
      secretKeys: [],
      declared,
    });

  it("pins every controller chart to one release from Pulumi.yaml's defaults", () => {
    const r = parse({});
    assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
    assert.deepEqual(
      {
        eso: r.config.steadyState.externalSecrets.chartVersion,
        cm: r.config.steadyState.certManager.chartVersion,
        ns: r.config.steadyState.certManager.namespace,
      },
      { eso: "2.9.0", cm: "v1.21.1", ns: "cert-manager" },
    );
  });
  it("refuses a floating chart version or a plain-http repository, naming each key", () => {
    const r = parse({
      certManagerChartVersion: "latest",
      trustManagerChartVersion: "~0.24",
      reloaderChartRepository: "http://example.com/charts",
    });
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map(formatProblem).sort(), [
      `${file}: secrets-platform:certManagerChartVersion: must pin an exact chart version, e.g. 1.2.3 or v1.2.3`,
      `${file}: secrets-platform:reloaderChartRepository: must be an https URL`,
      `${file}: secrets-platform:trustManagerChartVersion: must pin an exact chart version, e.g. 1.2.3 or v1.2.3`,
    ]);
  });
});

describe("the demo stack files", () => {
  it("hold no plaintext secret: every secret is a secure value", () => {
    const text = readFileSync("stacks/Pulumi.demo-root-trust.yaml", "utf8");
    assert.ok(!/PRIVATE KEY|AGE-SECRET-KEY/.test(text));
  });
});
