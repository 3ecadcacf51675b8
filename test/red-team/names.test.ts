import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { steadyStateLayout } from "../../delivery/layout.js";
import { customResourceName } from "../../delivery/objects.js";
import { deliveredOnce } from "../../policies/rules/delivered-once.js";
import { validateRegistry, type Registry } from "../../registry/load.js";
import { derivedNames } from "../../registry/derived-names.js";
import { checkedRegistry } from "../support/checked-purpose.js";
import { purpose, registryDir, registryFile } from "../support/registry-factory.js";
import { runProcess } from "../support/run-process.js";
import { scratchDir } from "../support/scratch.js";
import { assertRefused, type RedTeamCase } from "./harness.js";

/**
 * Names the program derives from registry fields (Kubernetes objects, Vault objects, Pulumi resource names) that two
 * purposes derive alike, or that grow past what Kubernetes accepts. Each is refused at validation on the purpose and
 * field that produced it (a collision on both purposes, each naming the other), never left to the engine.
 */

const sa = (namespace: string, serviceAccount = "app") => ({ namespace, serviceAccount });
const team = (...purposes: Record<string, unknown>[]) => ({ "payments.yaml": registryFile("payments", purposes) });

const CASES: readonly RedTeamCase[] = [
  {
    name: "namespace a + id b-c against namespace a-b + id c: one Pulumi name for two ExternalSecrets",
    files: team(
      purpose("external-secret", { id: "b-c", consumers: [sa("a")] }),
      purpose("external-secret", { id: "c", consumers: [sa("a-b")] }),
    ),
    refused: [
      { file: "payments.yaml", subject: "b-c", field: "id", message: /externalsecret-a-b-c .*purpose c .*Pulumi/ },
      { file: "payments.yaml", subject: "c", field: "id", message: /externalsecret-a-b-c .*purpose b-c .*Pulumi/ },
    ],
  },
  {
    name: "the same join across kinds and teams: Certificates of two teams' purposes",
    files: {
      "payments.yaml": registryFile("payments", [purpose("cert-manager", { id: "edge-tls", consumers: [sa("shop")] })]),
      "identity.yaml": registryFile("identity", [
        purpose("cert-manager", { id: "tls", consumers: [sa("shop-edge")] }, "identity"),
      ]),
    },
    refused: [
      { file: "payments.yaml", subject: "edge-tls", field: "id", message: /certificate-shop-edge-tls .*purpose tls/ },
      { file: "identity.yaml", subject: "tls", field: "id", message: /certificate-shop-edge-tls .*purpose edge-tls/ },
    ],
  },
  {
    name: "a 253-character service account: its ClusterSecretStore's name is over 253",
    files: team(purpose("external-secret", { id: "long", consumers: [sa("payments", "s".repeat(253))] })),
    refused: [
      {
        file: "payments.yaml",
        subject: "long",
        field: "consumers[0].serviceAccount",
        message: /ClusterSecretStore name vault\.payments\.s+…s+ \(268 characters\).*at most 253/,
      },
    ],
  },
  {
    name: "an id whose kv.secretName is another push-secret's generated Secret",
    files: team(
      purpose("push-secret", { id: "token" }),
      purpose("external-secret", { id: "other", kv: { secretName: "token-generated" } }),
    ),
    refused: [
      { file: "payments.yaml", subject: "other", field: "kv.secretName", message: /Secret payments\/token-generated/ },
      { file: "payments.yaml", subject: "token", field: "id", message: /Secret payments\/token-generated .*other/ },
    ],
  },
  {
    name: "a push-secret whose generator and read-back land on one Pulumi name within the purpose itself",
    files: team(
      purpose("push-secret", {
        id: "generator",
        consumers: [sa("a"), sa("a-generator")],
        push: { writer: sa("a") },
      }),
    ),
    refused: [
      {
        file: "payments.yaml",
        subject: "generator",
        field: "id",
        message: /externalsecret-a-generator-generator .*its own ExternalSecret/,
      },
    ],
  },
];

describe("red team: derived names", () => {
  for (const c of CASES) it(`refuses ${c.name}`, () => void assertRefused(c));

  it("reports each collision once per purpose, not again as the Pulumi name of the same object", () => {
    const problems = assertRefused({
      name: "x-generator",
      files: team(purpose("push-secret", { id: "x" }), purpose("external-secret", { id: "x-generator" })),
      refused: [],
    });
    assert.deepEqual(
      problems.map((p) => `${p.subject}: ${p.field}`),
      ["x: id", "x-generator: id"],
    );
  });

  it("accepts the demo's kind of registry, whose names are all distinct and short enough", () => {
    const r = validateRegistry([
      {
        file: "purposes/payments.yaml",
        text: registryFile("payments", [
          purpose("push-secret", { id: "x" }),
          purpose("external-secret", { id: "x-generated-by-hand" }),
          purpose("external-secret", { id: "b-c", consumers: [sa("a")] }),
          purpose("external-secret", { id: "c", consumers: [sa("b")] }),
        ]),
      },
    ]);
    assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.problems));
    // Every object the layouts derive is enumerated: the store, the generator, the PushSecret, Vault's names.
    const names = derivedNames(r.registry).map((n) => `${n.scope}: ${n.name}`);
    for (const expected of [
      "ClusterSecretStore (cluster-scoped): vault.payments.payments-api",
      "ExternalSecret in namespace payments: x-generator",
      "PushSecret in namespace payments: x",
      "Secret in namespace payments: x-generated",
      "Pulumi name of a ExternalSecret: externalsecret-a-b-c",
      "Vault ACL policy: consumer.payments.payments-api",
      "Vault KV secret in kv: payments/x",
    ])
      assert.ok(names.includes(expected), `${expected} is not among\n${names.join("\n")}`);
  });
});

describe("red team: an id equal to a push-secret's id + -generator", () => {
  // Each purpose passes its own rules; together they derive one ExternalSecret payments/x-generator.
  const [x] = checkedRegistry({ payments: [purpose("push-secret", { id: "x" })] }).purposes;
  const [xGenerator] = checkedRegistry({ payments: [purpose("external-secret", { id: "x-generator" })] }).purposes;
  const together: Registry = { dir: "purposes", digest: "", purposes: [x!, xGenerator!], evidence: [] };

  it("once planned, leaves one of the two ExternalSecrets out, and delivered-once blames the delivery", () => {
    const layout = steadyStateLayout(together, { vaultServer: "", rootCertificatePem: "" });
    // The engine registers the first resource of a name and refuses the second; a cluster keeps one object too.
    const kept = new Map<string, ReturnType<typeof view>>();
    const view = (o: (typeof layout.deliveries)[number]["resources"][number]) => ({
      type: `kubernetes:${o.apiVersion}:${o.kind}`,
      name: customResourceName(o),
      urn: `urn:pulumi:demo-steady-state::secrets-platform::${o.kind}::${customResourceName(o)}`,
      props: o as unknown as Record<string, unknown>,
      protect: false,
      stack: "demo-steady-state",
      phase: "steady-state" as const,
      secretsMarked: false,
    });
    for (const o of layout.deliveries.flatMap((d) => d.resources))
      if (!kept.has(customResourceName(o))) kept.set(customResourceName(o), view(o));
    const reports: string[] = [];
    deliveredOnce.validateStack!(
      { stack: "demo-steady-state", phase: "steady-state", resources: [...kept.values()] },
      { registry: together, now: new Date(), config: {} },
      (m) => reports.push(m),
    );
    assert.deepEqual(reports, [
      "x-generator: delivered 0 times into namespace payments by a ExternalSecret; exactly once is required",
    ]);
  });

  it("is refused at validation instead, naming both purposes, so no plan or cluster holds it", () =>
    void assertRefused({
      name: "x and x-generator",
      files: team(purpose("push-secret", { id: "x" }), purpose("external-secret", { id: "x-generator" })),
      refused: [
        {
          file: "payments.yaml",
          subject: "x",
          field: "id",
          message: /ExternalSecret payments\/x-generator .*x-generator/,
        },
        { file: "payments.yaml", subject: "x-generator", field: "id", message: /purpose x \(from id/ },
      ],
    }));
});

describe("npm run plan on a registry whose derived names and durations break the limits", () => {
  it("exits 2 with one line per problem, no stack trace, and writes nothing", async () => {
    const registry = registryDir(
      team(
        purpose("push-secret", { id: "x" }),
        purpose("external-secret", { id: "x-generator" }),
        purpose("external-secret", { id: "b-c", consumers: [sa("a")] }),
        purpose("external-secret", { id: "c", consumers: [sa("a-b")] }),
        purpose("external-secret", { id: "long", consumers: [sa("payments", "s".repeat(253))] }),
        purpose("external-secret", {
          id: "forever",
          rotation: { period: "99999999999999999999d", grace: "7d", method: "generated" },
        }),
      ),
    );
    const out = join(scratchDir("plan-names-"), "out");
    const run = await runProcess(
      process.execPath,
      ["--import", "tsx", "scripts/plan.ts", "--registry", registry, "--out", out],
      { env: { PATH: process.env.PATH ?? "", HOME: scratchDir("home-") } },
    );
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, "");
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines[0], "plan: invalid input, 6 problems (nothing was planned):");
    const problems = lines.slice(1);
    assert.equal(problems.length, 6, run.stderr);
    for (const line of problems) assert.match(line, /^ {2}\S+payments\.yaml:\d+: [a-z-]+: [a-zA-Z.[\]0-9]+: \S/);
    for (const [subject, field] of [
      ["x", "id"],
      ["x-generator", "id"],
      ["b-c", "id"],
      ["c", "id"],
      ["long", "consumers[0].serviceAccount"],
      ["forever", "rotation.period"],
    ])
      assert.ok(
        problems.some((l) => l.includes(`: ${subject}: ${field}: `)),
        `${subject}: ${field} not reported:\n${run.stderr}`,
      );
    assert.ok(!/\n\s+at /.test(run.stderr), "no stack trace");
    assert.ok(!existsSync(out), "nothing written");
  });
});
