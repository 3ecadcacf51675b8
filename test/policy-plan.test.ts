import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb.js";
import analyzerPb from "@pulumi/pulumi/proto/analyzer_pb.js";
import emptyPb from "google-protobuf/google/protobuf/empty_pb.js";
import structPb from "google-protobuf/google/protobuf/struct_pb.js";
import { parse } from "yaml";
import { main as planMain } from "../plan/cli.js";
import type { PlanDocument } from "../plan/report/plan-json.js";
import { main as policyMain } from "../policies/cli.js";
import { evaluate } from "../policies/evaluate.js";
import { stacksOfPlan } from "../policies/documents.js";
import { RULES } from "../policies/rules/index.js";
import { loadRegistry } from "../registry/load.js";
import { projectWith } from "./support/project-copy.js";
import { scratchDir } from "./support/scratch.js";

/** Runs a command main() and collects its output lines. */
async function run(
  main: (argv: string[], io: { out: (l: string) => void; err: (l: string) => void }) => number | Promise<number>,
  argv: string[],
  cwd?: string,
) {
  const out: string[] = [];
  const err: string[] = [];
  const before = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  } finally {
    process.chdir(before);
  }
}

/** A plan of the demo with `edits` to a copy of the project; returns its directory and plan.json. */
async function planOf(edits: Record<string, (text: string) => string>, ...flags: string[]) {
  const root = projectWith(edits);
  const result = await run(planMain, ["--out", "plan-out", ...flags], root);
  const file = join(root, "plan-out", "plan.json");
  return { ...result, root, file, doc: JSON.parse(readFileSync(file, "utf8")) as PlanDocument };
}

// A broken configuration: intermediates signed for 20 days, shorter than several certificates' period + grace.
const shortIssuer = await planOf({
  "stacks/Pulumi.demo-root-trust.yaml": (t) =>
    t.replace(/intermediateValidityDays: \d+/, "intermediateValidityDays: 20"),
});

describe("the policy pack in the offline plan", () => {
  it("fails a plan whose issuing CA cannot serve its certificates' lifetimes, naming purpose, resource and fix", () => {
    assert.equal(shortIssuer.code, 1, shortIssuer.err.join("\n"));
    const expiry = shortIssuer.doc.violations.filter((v) => v.policy === "issuer-expiry");
    assert.deepEqual(
      expiry.map((v) => v.message.split(":")[0]).sort(),
      ["payments-api-mtls", "storefront-ingress-tls"],
      "30d+10d and 90d+30d exceed 20 days; 14d+4d and 24h+8h do not",
    );
    for (const v of expiry) {
      assert.equal(v.stack, "demo-runtime-authority");
      assert.match(v.urn!, /SecretBackendIntermediateSetSigned::pki-signed$/);
      assert.match(
        v.message,
        /the issuing CA of pki-signed expires .* \(fix: run the signing ceremony for a new intermediate/,
      );
    }
    assert.ok(
      shortIssuer.out.some((l) =>
        l.startsWith("    [mandatory] issuer-expiry: demo-runtime-authority: payments-api-mtls:"),
      ),
    );
    const report = readFileSync(join(shortIssuer.root, "plan-out", "plan.md"), "utf8");
    assert.match(
      report,
      /\| mandatory \| `issuer-expiry` \| demo-runtime-authority \| payments-api-mtls: the issuing CA of pki-signed expires/,
    );
  });

  it("reports a bootstrap Secret past its transitionalUntil date (mandatory) and the deadline itself (advisory)", async () => {
    // The same plan judged later: `--now` of `npm run policy` is the plan's `--now` for the rules.
    const late = await run(policyMain, [
      "--plan",
      shortIssuer.file,
      "--registry",
      join(shortIssuer.root, "purposes"),
      "--now",
      "2027-07-15T00:00:00Z",
    ]);
    assert.equal(late.code, 1);
    const lines = late.out.map((l) => l.split(" (fix:")[0]);
    assert.ok(
      lines.includes(
        "[mandatory] kubernetes-not-authoritative: demo-gitops: flux-git-deploy-key: Secret flux-system/flux-git-deploy-key is past its transitionalUntil date 2027-06-30",
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes(
        "[advisory] transitional-deadline: demo-bootstrap: vault-kms-unseal-credentials: tier kubernetes_secret is transitional until 2027-06-30 (past)",
      ),
    );
  });
});

describe("npm run policy", () => {
  it("finds the same violations in a plan.json without running any program, with the same exit code", async () => {
    const r = await run(policyMain, ["--plan", shortIssuer.file, "--registry", join(shortIssuer.root, "purposes")]);
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.out.slice(0, -1),
      shortIssuer.doc.violations.map((v) => `[${v.enforcementLevel}] ${v.policy}: ${v.stack}: ${v.message}`),
    );
  });

  it("reads `pulumi preview --json` output the same way", async () => {
    const steps = shortIssuer.doc.stacks.flatMap((s) =>
      s.resources
        .filter((r) => r.custom && !r.read)
        .map((r) => ({
          op: r.op === "same" ? "same" : "create",
          urn: r.urn,
          newState: { type: r.type, urn: r.urn, custom: true, inputs: r.inputs, protect: r.options.protect },
        })),
    );
    const file = join(scratchDir("preview-"), "preview.json");
    writeFileSync(file, JSON.stringify({ steps, changeSummary: { create: steps.length } }));
    const r = await run(policyMain, [
      "--plan",
      file,
      "--registry",
      join(shortIssuer.root, "purposes"),
      "--now",
      shortIssuer.doc.generatedAt,
    ]);
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.out.slice(0, -1),
      shortIssuer.doc.violations.map((v) => `[${v.enforcementLevel}] ${v.policy}: ${v.stack}: ${v.message}`),
    );
  });

  it("honours a policy pack config: a policy set to advisory no longer blocks", async () => {
    const config = join(scratchDir("policy-config-"), "config.json");
    writeFileSync(config, JSON.stringify({ "issuer-expiry": { enforcementLevel: "advisory" } }));
    const r = await run(policyMain, [
      "--plan",
      shortIssuer.file,
      "--registry",
      join(shortIssuer.root, "purposes"),
      "--config",
      config,
    ]);
    assert.equal(r.code, 0);
    assert.ok(r.out.some((l) => l.startsWith("[advisory] issuer-expiry:")));
  });

  it("exits 2 on a document it cannot read, naming the file", async () => {
    const file = join(scratchDir("bad-"), "x.json");
    writeFileSync(file, JSON.stringify({ hello: 1 }));
    const r = await run(policyMain, ["--plan", file]);
    assert.equal(r.code, 2);
    assert.match(r.err.join("\n"), /x\.json: neither an offline plan .* nor `pulumi preview --json` output/);
    assert.equal((await run(policyMain, [])).code, 2);
  });

  it("marks a Secret registered with plain data in a plan (secrets show as [secret] there)", () => {
    const doc = structuredClone(shortIssuer.doc);
    const secret = doc.stacks
      .find((s) => s.phaseId === "gitops")!
      .resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "gitops-sops-age")!;
    secret.inputs.stringData = { "identity.agekey": "plain" };
    const registry = loadRegistry(join(shortIssuer.root, "purposes"));
    assert.ok(registry.ok);
    const found = evaluate(stacksOfPlan(doc), { registry: registry.registry, now: new Date(doc.generatedAt) }).filter(
      (v) => v.policy === "no-plaintext-secrets",
    );
    assert.deepEqual(
      found.map((v) => v.message.split(" (fix:")[0]),
      ["Secret flux-system/sops-age: stringData is not a secret value"],
    );
  });
});

describe("the policy pack served as Pulumi serves it", () => {
  it("answers the analyzer protocol: every rule with its level, and violations for a resource", async () => {
    const pack = parse(readFileSync("policies/PulumiPolicy.yaml", "utf8")) as {
      runtime: { options: { nodeargs: string } };
      main: string;
    };
    const child = spawn(process.execPath, [...pack.runtime.options.nodeargs.split(" "), join("policies", pack.main)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim()));
        child.once("exit", (code) => reject(new Error(`the pack exited with ${code}`)));
      });
      const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const info = await new Promise<analyzerPb.AnalyzerInfo>((resolve, reject) =>
        client.getAnalyzerInfo(new emptyPb.Empty(), (e, r) => (e ? reject(e) : resolve(r))),
      );
      assert.equal(info.getName(), "secrets-platform");
      assert.deepEqual(
        info.getPoliciesList().map((p) => p.getName()),
        RULES.map((r) => r.name),
      );
      const request = new analyzerPb.AnalyzeRequest()
        .setType("vault:transit/secretBackendKey:SecretBackendKey")
        .setName("key")
        .setUrn(
          "urn:pulumi:demo-runtime-authority::secrets-platform::vault:transit/secretBackendKey:SecretBackendKey::key",
        )
        .setProperties(
          structPb.Struct.fromJavaScript({
            name: "payments-card-data-key",
            exportable: true,
            allowPlaintextBackup: false,
            deletionAllowed: false,
            autoRotatePeriod: 2_592_000,
          }),
        )
        .setOptions(new analyzerPb.AnalyzerResourceOptions().setProtect(true));
      const response = await new Promise<analyzerPb.AnalyzeResponse>((resolve, reject) =>
        client.analyze(request, (e, r) => (e ? reject(e) : resolve(r))),
      );
      const diagnostics = response.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getMessage()]);
      assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
      assert.equal(diagnostics[0]![0], "transit-key-hardened");
      assert.match(diagnostics[0]![1]!, /payments-card-data-key: transit key key is exportable/);
      client.close();
    } finally {
      child.kill();
    }
  });
});
