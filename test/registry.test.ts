import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { renderedSchema, SCHEMA_FILE } from "../scripts/schema.js";
import {
  DELIVERIES,
  loadRegistry,
  parseDuration,
  TIERS,
  toGoDuration,
  toGoDurationString,
  validateRegistry,
  formatProblem,
  type Problem,
} from "../registry/index.js";
import { purpose, registryFile } from "./support/registry-factory.js";

const ok = (files: Record<string, string>): void => {
  const r = validateRegistry(Object.entries(files).map(([file, text]) => ({ file: `purposes/${file}`, text })));
  assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
};
const problems = (files: Record<string, string>): Problem[] => {
  const r = validateRegistry(Object.entries(files).map(([file, text]) => ({ file: `purposes/${file}`, text })));
  assert.ok(!r.ok, "expected the registry to be rejected");
  return r.problems;
};
/** One team file holding the given purposes. */
const team = (...purposes: Record<string, unknown>[]) => ({ "payments.yaml": registryFile("payments", purposes) });
/** The problem on `field`, asserting its message. */
const problemOn = (list: Problem[], field: string, pattern: RegExp): Problem => {
  const hit = list.find((p) => p.field === field);
  assert.ok(hit, `expected a problem on ${field}, got:\n${list.map(formatProblem).join("\n")}`);
  assert.match(hit.message, pattern);
  return hit;
};
const only = (list: Problem[], field: string, pattern: RegExp): void => void problemOn(list, field, pattern);

describe("the demo registry", () => {
  const result = loadRegistry("purposes");
  it("is valid", () => assert.ok(result.ok, result.ok ? "" : result.problems.map(formatProblem).join("\n")));
  const registry = result.ok ? result.registry : { purposes: [], evidence: [] };
  it("has at least 24 purposes from at least 4 teams", () => {
    assert.ok(registry.purposes.length >= 24);
    assert.ok(new Set(registry.purposes.map((p) => p.owner)).size >= 4);
  });
  it("covers every tier and every delivery mode", () => {
    assert.deepEqual(new Set(registry.purposes.map((p) => p.tier)), new Set(TIERS));
    assert.deepEqual(new Set(registry.purposes.map((p) => p.delivery)), new Set(DELIVERIES));
  });
  it("lists purposes in one stable order (by id)", () => {
    const ids = registry.purposes.map((p) => p.id);
    assert.deepEqual(ids, [...ids].sort());
  });
});

describe("registry validation", () => {
  for (const delivery of DELIVERIES) it(`accepts a well-formed ${delivery} purpose`, () => ok(team(purpose(delivery))));

  it("rejects a tier that does not fit the delivery mode", () =>
    only(
      problems(team(purpose("transit", { tier: "vault_kv" }))),
      "tier",
      /delivery transit needs tier vault_transit/,
    ));
  it("rejects a kind that does not fit the delivery mode", () =>
    only(
      problems(
        team(purpose("external-secret", { kind: "certificate", certificate: { dnsNames: ["api.payments.svc"] } })),
      ),
      "kind",
      /carries kind secret/,
    ));
  it("rejects a rotation method that does not fit the delivery mode", () =>
    only(
      problems(team(purpose("push-secret", { rotation: { period: "7d", grace: "1d", method: "manual" } }))),
      "rotation.method",
      /rotates by generated/,
    ));
  it("rejects a duration that does not parse, and names the value", () =>
    only(
      problems(team(purpose("external-secret", { rotation: { period: "30x", grace: "7d", method: "generated" } }))),
      "rotation.period",
      /"30x" is not a duration/,
    ));
  it("rejects a zero duration", () =>
    only(
      problems(team(purpose("external-secret", { rotation: { period: "0d", grace: "0h", method: "generated" } }))),
      "rotation.period",
      /is not a duration/,
    ));
  it("requires grace to be shorter than period", () => {
    only(
      problems(team(purpose("external-secret", { rotation: { period: "7d", grace: "7d", method: "generated" } }))),
      "rotation.grace",
      /shorter than period/,
    );
    ok(team(purpose("external-secret", { rotation: { period: "7d", grace: "6d23h", method: "generated" } })));
  });
  it("refuses certificates and transit keys that rotate faster than cert-manager or Vault allow", () => {
    only(
      problems(team(purpose("csi", { rotation: { period: "30m", grace: "10m", method: "issued" } }))),
      "rotation.period",
      /below 1h/,
    );
    only(
      problems(team(purpose("transit", { rotation: { period: "59m", grace: "1m", method: "transit-auto" } }))),
      "rotation.period",
      /below 1h/,
    );
  });
  it("requires transitionalUntil for kubernetes_secret, and only there", () => {
    only(
      problems(team(purpose("bootstrap", { transitionalUntil: undefined }))),
      "transitionalUntil",
      /transitional only/,
    );
    only(
      problems(team(purpose("external-secret", { transitionalUntil: "2027-01-01" }))),
      "transitionalUntil",
      /only tier kubernetes_secret/,
    );
    only(
      problems(team(purpose("cert-manager", { transitionalUntil: "2027-13-01" }))),
      "transitionalUntil",
      /YYYY-MM-DD/,
    );
  });
  it("requires the kind-specific block, and refuses it elsewhere", () => {
    only(
      problems(team(purpose("cert-manager", { certificate: undefined }))),
      "certificate",
      /needs a certificate block/,
    );
    only(problems(team(purpose("transit", { transit: undefined }))), "transit", /needs a transit block/);
    only(problems(team(purpose("bootstrap", { bootstrap: undefined }))), "bootstrap", /needs a bootstrap block/);
    only(
      problems(team(purpose("external-secret", { transit: { type: "aes256-gcm96", usage: "encrypt" } }))),
      "transit",
      /only for delivery transit/,
    );
    only(problems(team(purpose("transit", { kv: { maxVersions: 3 } }))), "kv", /only for tier vault_kv/);
    ok(team(purpose("external-secret", { kv: { maxVersions: 3, deleteVersionAfter: "90d" } })));
  });
  it("checks certificate key sizes against the algorithm", () => {
    only(
      problems(
        team(purpose("csi", { certificate: { dnsNames: ["api.payments.svc"], keyAlgorithm: "RSA", keySize: 1024 } })),
      ),
      "certificate.keySize",
      /2048, 3072, 4096/,
    );
    only(
      problems(
        team(
          purpose("csi", { certificate: { dnsNames: ["api.payments.svc"], keyAlgorithm: "Ed25519", keySize: 256 } }),
        ),
      ),
      "certificate.keySize",
      /no size/,
    );
    ok(team(purpose("csi", { certificate: { dnsNames: ["api.payments.svc"], keyAlgorithm: "ECDSA", keySize: 384 } })));
  });
  it("checks that a transit key type can do what it is used for", () => {
    only(
      problems(team(purpose("transit", { transit: { type: "aes256-gcm96", usage: "sign" } }))),
      "transit.type",
      /cannot sign/,
    );
    ok(team(purpose("transit", { transit: { type: "ed25519", usage: "sign" } })));
  });
  it("requires consumers, each listed once", () => {
    only(problems(team(purpose("external-secret", { consumers: [] }))), "consumers", /at least one consumer/);
    const twice = [
      { namespace: "payments", serviceAccount: "api" },
      { namespace: "payments", serviceAccount: "api" },
    ];
    only(problems(team(purpose("external-secret", { consumers: twice }))), "consumers[1]", /listed twice/);
  });
  it("names exactly one push writer, and it is one of the consumers", () => {
    only(
      problems(team(purpose("push-secret", { push: undefined }))),
      "push",
      /delivery push-secret needs a push block/,
    );
    only(
      problems(
        team(
          purpose("external-secret", { push: { writer: { namespace: "payments", serviceAccount: "payments-api" } } }),
        ),
      ),
      "push",
      /only for delivery push-secret/,
    );
    only(
      problems(
        team(purpose("push-secret", { push: { writer: { namespace: "payments", serviceAccount: "generator" } } })),
      ),
      "push.writer",
      /must also be listed in consumers/,
    );
  });
  it("keeps a SOPS bootstrap manifest in its namespace's directory, or takes it from gitops config", () => {
    only(
      problems(
        team(
          purpose("bootstrap", {
            bootstrap: { source: "bootstrap/other/x.sops.yaml", namespace: "payments", secretName: "s" },
          }),
        ),
      ),
      "bootstrap.source",
      /must be under bootstrap\/payments\//,
    );
    only(
      problems(
        team(purpose("bootstrap", { bootstrap: { source: "secrets/x.yaml", namespace: "payments", secretName: "s" } })),
      ),
      "bootstrap.source",
      /SOPS-encrypted manifest under bootstrap\/<namespace>\//,
    );
    only(
      problems(
        team(
          purpose("bootstrap", {
            bootstrap: { source: "config:somethingElse", namespace: "payments", secretName: "s" },
          }),
        ),
      ),
      "bootstrap.source",
      /config:gitDeployKey/,
    );
    ok({
      "platform.yaml": registryFile("platform", [
        purpose(
          "bootstrap",
          {
            bootstrap: { source: "config:gitDeployKey", namespace: "flux-system", secretName: "s" },
            consumers: [{ namespace: "flux-system", serviceAccount: "source-controller" }],
          },
          "platform",
        ),
      ]),
    });
  });
  it("allows one writer per Secret, across delivery mechanisms", () => {
    const both = [
      purpose("external-secret", { id: "a", kv: { secretName: "db" } }),
      purpose("reveal-once", { id: "b", kv: { secretName: "db" } }),
    ];
    only(
      problems(team(...both)),
      "id",
      /writes Secret payments\/db, which purpose a \(purposes\/payments\.yaml\) writes too/,
    );
    ok(
      team(
        purpose("external-secret", { id: "a", kv: { secretName: "db" } }),
        purpose("reveal-once", {
          id: "b",
          kv: { secretName: "db" },
          consumers: [{ namespace: "other", serviceAccount: "x" }],
        }),
      ),
    );
  });
  it("rejects Kubernetes names that are not RFC 1123", () =>
    only(
      problems(team(purpose("external-secret", { consumers: [{ namespace: "Payments", serviceAccount: "api" }] }))),
      "consumers[0].namespace",
      /RFC 1123/,
    ));
  it("rejects a misspelt field instead of ignoring it", () =>
    only(problems(team(purpose("external-secret", { rotaton: { period: "1d" } }))), "rotaton", /not a known field/));
  it("rejects a missing required field by name", () =>
    only(problems(team(purpose("external-secret", { owner: undefined }))), "owner", /is required/));
  it("tells a wrong value from a missing one", () => {
    only(
      problems(team(purpose("external-secret", { kind: "password" }))),
      "kind",
      /expected one of "secret"\|"certificate"\|"key"/,
    );
    only(
      problems(team(purpose("external-secret", { kind: undefined }))),
      "kind",
      /is required \(one of secret, certificate, key\)/,
    );
  });
  it("keeps ids unique across files, naming the other file", () => {
    const list = problems({
      "payments.yaml": registryFile("payments", [purpose("external-secret", { id: "shared-id" })]),
      "identity.yaml": registryFile("identity", [purpose("external-secret", { id: "shared-id" }, "identity")]),
    });
    assert.match(problemOn(list, "id", /already used in purposes\/payments\.yaml/).file, /identity\.yaml/);
  });
  it("resolves every evidence id across files, and keeps evidence ids unique", () => {
    only(
      problems(team(purpose("external-secret", { evidence: "nobody-declared-this" }))),
      "evidence",
      /is not declared/,
    );
    ok({
      "payments.yaml": registryFile("payments", [purpose("external-secret", { evidence: "identity-evidence" })], []),
      "identity.yaml": registryFile("identity", [purpose("external-secret", {}, "identity")]),
    });
    const dup = problems({
      "payments.yaml": registryFile(
        "payments",
        [purpose("external-secret")],
        [
          { id: "shared", description: "x" },
          { id: "payments-evidence", description: "x" },
        ],
      ),
      "identity.yaml": registryFile(
        "identity",
        [purpose("external-secret", { evidence: "shared" }, "identity")],
        [{ id: "shared", description: "y" }],
      ),
    });
    assert.match(problemOn(dup, "id", /already declared in purposes\/payments\.yaml/).subject ?? "", /evidence shared/);
  });
  it("keeps each team's purposes in the team's own file", () =>
    only(
      problems({ "payments.yaml": registryFile("payments", [purpose("external-secret", { owner: "identity" })]) }),
      "owner",
      /move it to purposes\/identity\.yaml/,
    ));
  it("reports YAML syntax errors with their line", () => {
    const [p] = problems({ "payments.yaml": "purposes:\n  - id: a\n    description: [unclosed\n" });
    assert.equal(p!.file, "purposes/payments.yaml");
    assert.match(p!.message, /^YAML: /);
    assert.ok(p!.line && p!.line >= 3);
  });
  it("points at the line of the offending field", () => {
    const text = registryFile("payments", [
      purpose("external-secret"),
      purpose("external-secret", { id: "second", rotation: { period: "1y", grace: "1d", method: "generated" } }),
    ]);
    const p = problemOn(problems({ "payments.yaml": text }), "rotation.period", /not a duration/);
    assert.equal(text.split("\n")[p.line! - 1]!.trim(), "period: 1y");
    assert.equal(p.subject, "second");
  });
  it("reports every problem of every file at once, each naming file, purpose and field", () => {
    const list = problems({
      "payments.yaml": registryFile("payments", [
        purpose("transit", { id: "card-key", tier: "vault_kv" }),
        purpose("external-secret", {
          id: "db-password",
          rotation: { period: "30x", grace: "7d", method: "generated" },
        }),
      ]),
      "identity.yaml": registryFile("identity", [
        purpose("cert-manager", { id: "api-tls", transitionalUntil: undefined }, "identity"),
        purpose("external-secret", { id: "smtp", consumers: [] }, "identity"),
      ]),
    });
    const lines = list.map(formatProblem);
    for (const expected of [
      /^purposes\/payments\.yaml:\d+: card-key: tier: /,
      /^purposes\/payments\.yaml:\d+: db-password: rotation\.period: /,
      /^purposes\/identity\.yaml:\d+: api-tls: transitionalUntil: /,
      /^purposes\/identity\.yaml:\d+: smtp: consumers: /,
    ])
      assert.ok(
        lines.some((l) => expected.test(l)),
        `missing ${expected}:\n${lines.join("\n")}`,
      );
  });
});

describe("durations", () => {
  it("parse the registry's strict grammar", () => {
    assert.equal(parseDuration("90d"), 90 * 86400);
    assert.equal(parseDuration("1h30m"), 5400);
    assert.equal(parseDuration("2w"), 14 * 86400);
    for (const bad of ["30x", "1 day", "1.5h", "", "d", "0s", "-1d", "P30D"])
      assert.equal(parseDuration(bad), undefined, bad);
  });
  it("print as Go durations for Vault and cert-manager", () => {
    assert.equal(toGoDuration(parseDuration("90d")!), "2160h");
    // As Vault prints a stored duration (Go's time.Duration.String()).
    assert.deepEqual([7_776_000, 5_400, 90, 45, 0].map(toGoDurationString), [
      "2160h0m0s",
      "1h30m0s",
      "1m30s",
      "45s",
      "0s",
    ]);
    assert.equal(toGoDuration(5400), "1h30m");
    assert.equal(toGoDuration(45), "45s");
  });
});

describe("the editor JSON Schema", () => {
  it("is current (regenerate with npm run schema)", () =>
    assert.equal(readFileSync(SCHEMA_FILE, "utf8"), renderedSchema()));
});
