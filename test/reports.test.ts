import assert from "node:assert/strict";
import { generateKeyPairSync, verify } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { canonicalJson, sha256 } from "../evidence/canonical.js";
import { main as evidenceMain } from "../evidence/cli.js";
import { main as accessMain } from "../access/cli.js";
import { accessMatrix, entitled } from "../access/matrix.js";
import { stacksOfPlan } from "../policies/documents.js";
import { evaluate as evaluatePack } from "../policies/evaluate.js";
import { purposeAccess } from "../policies/rules/purpose-access.js";
import type { PlanDocument } from "../plan/report/plan-json.js";
import { main as postureMain } from "../posture/cli.js";
import { failing, posture, type Status } from "../posture/model.js";
import { planObservations } from "../posture/plan-source.js";
import { parseDuration } from "../registry/duration.js";
import { demoSecretCanaries } from "./support/canaries.js";
import { demoPlanCommand } from "./support/demo-plan.js";
import { loadRegistry } from "../registry/load.js";
import { scratchDir } from "./support/scratch.js";

const dir = scratchDir("posture-");
const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};
// `npm run plan -- --now 2026-11-22T09:00:00Z` of the demo, run once for the whole test run (test/support/demo-plan-setup.ts).
const planned = demoPlanCommand();
assert.equal(planned.code, 0, planned.err.join("\n"));
const planFile = join(planned.dir, "plan.json");
const doc = JSON.parse(readFileSync(planFile, "utf8")) as PlanDocument;
const loaded = loadRegistry("purposes");
assert.ok(loaded.ok);
const registry = loaded.registry;
const observations = planObservations(doc, registry);
const T = Date.parse(doc.generatedAt);
const days = (n: number) => new Date(T + n * 86_400_000);
const statusOf = (purpose: string, at: Date): Status =>
  posture(registry, observations, at).find((e) => e.purpose === purpose)!.status;

describe("posture from the offline plan", () => {
  it("is healthy for every purpose at plan time, in plan.json and in the plan's summary", () => {
    assert.equal(doc.posture.length, registry.purposes.length);
    assert.deepEqual([...new Set(doc.posture.map((e) => e.status))], ["healthy"]);
    assert.ok(planned.out.includes(`  posture: ${registry.purposes.length} healthy`));
    for (const e of doc.posture) assert.deepEqual(e.sources, ["plan"], e.purpose);
  });

  it("moves a KV value from healthy to rotation-due at its period, and to stale when the grace window ends", () => {
    // payments-db-password: period 30d, grace 7d.
    assert.deepEqual(
      [29, 31, 36, 38].map((d) => statusOf("payments-db-password", days(d))),
      ["healthy", "rotation-due", "rotation-due", "stale"],
    );
  });

  it("moves a certificate to rotation-due at its renewal time and to expired at the end of its lifetime", () => {
    // payments-api-mtls: a 30d certificate renewed 10d before expiry.
    assert.deepEqual(
      [19, 21, 29, 31].map((d) => statusOf("payments-api-mtls", days(d))),
      ["healthy", "rotation-due", "rotation-due", "expired"],
    );
    const entry = doc.posture.find((e) => e.purpose === "payments-api-mtls")!;
    assert.equal(entry.expiresAt, days(30).toISOString());
  });

  it("fails closed when the PKI issuer can no longer cover a rotation period and its grace", () => {
    const entry = doc.posture.find((e) => e.purpose === "storefront-ingress-tls")!;
    const failClosedFrom = Date.parse(entry.issuerExpiresAt!) - (parseDuration("90d")! + parseDuration("30d")!) * 1000;
    // Rotated (observed) just before each moment, so only the issuer decides.
    const fresh = (at: number) =>
      posture(
        registry,
        [
          ...observations,
          {
            purpose: entry.purpose,
            source: "test",
            lastRotatedAt: new Date(at - 1000).toISOString(),
            expiresAt: new Date(at + 90 * 86_400_000).toISOString(),
          },
        ],
        new Date(at),
      );
    assert.equal(fresh(failClosedFrom - 86_400_000).find((e) => e.purpose === entry.purpose)!.status, "healthy");
    assert.equal(fresh(failClosedFrom + 86_400_000).find((e) => e.purpose === entry.purpose)!.status, "fail-closed");
  });

  it("is stale, never silently healthy, when nothing shows a rotation", () => {
    const without = posture(
      registry,
      observations.filter((o) => o.purpose !== "identity-smtp-credentials"),
      days(1),
    );
    const entry = without.find((e) => e.purpose === "identity-smtp-credentials")!;
    assert.equal(entry.status, "stale");
    assert.match(entry.reason, /no source shows when it was last rotated/);
  });

  it("takes handover time as the last rotation of bootstrap material", () => {
    const handover = (
      doc.stacks.find((s) => s.phaseId === "runtime-authority")!.outputs.handover as Record<string, { at: string }>
    )["vault-kms-unseal-credentials"]!;
    assert.equal(
      doc.posture.find((e) => e.purpose === "vault-kms-unseal-credentials")!.lastRotatedAt,
      new Date(handover.at).toISOString(),
    );
  });

  it("publishes the deploy-time posture fields as stack outputs: metadata and the fail-closed date, no clock", () => {
    const out = doc.stacks.find((s) => s.phaseId === "steady-state")!.outputs.posture as Record<
      string,
      Record<string, string>
    >;
    assert.deepEqual(Object.keys(out).sort(), registry.purposes.map((p) => p.id).sort());
    const cert = out["storefront-ingress-tls"]!;
    assert.equal(Date.parse(cert.failClosedFrom!), Date.parse(cert.issuerExpiresAt!) - 120 * 86_400_000);
    assert.equal(out["payments-db-password"]!.failClosedFrom, undefined);
  });
});

describe("npm run posture", () => {
  it("prints a table sorted by due date and exits 0 while nothing is expired or fail-closed", async () => {
    const r = io();
    assert.equal(await postureMain(["--plan", planFile, "--now", days(0.25).toISOString()], r.io), 0, r.err.join("\n"));
    assert.match(r.out[0]!, /^STATUS +PURPOSE +OWNER +ROTATION DUE +EXPIRES +WHY$/);
    // The next date of each row: rotation due, or expiry when that comes first (a version delete_version_after deletes).
    const due = r.out.slice(1, 1 + registry.purposes.length).map((l) => {
      const [, , , rotation, expires] = l.split(/ {2,}/);
      return [rotation!, expires!].filter((d) => d !== "-").sort()[0]!;
    });
    assert.deepEqual(due, [...due].sort(), "earliest due first");
    assert.equal(
      due[0],
      new Date(T + 16 * 3_600_000).toISOString().slice(0, 10),
      "the 24h workload certificates (renewed 8h before expiry) come first",
    );
  });

  it("exits 1 when anything has expired, with --json for machines", async () => {
    const r = io();
    assert.equal(await postureMain(["--plan", planFile, "--now", days(45).toISOString(), "--json"], r.io), 1);
    const entries = JSON.parse(r.out.join("\n")) as { purpose: string; status: Status }[];
    assert.ok(entries.some((e) => e.purpose === "payments-api-mtls" && e.status === "expired"));
    assert.deepEqual(failing(entries as never).length > 0, true);
  });

  it("exits 2 in live mode without Vault or Kubernetes settings, naming every missing one at once", async () => {
    const saved = { ...process.env };
    for (const k of ["VAULT_ADDR", "VAULT_TOKEN", "VAULT_TOKEN_FILE", "VAULT_CACERT"]) delete process.env[k];
    process.env.KUBECONFIG = join(dir, "no-kubeconfig");
    try {
      const r = io();
      assert.equal(await postureMain(["--live"], r.io), 2);
      const message = r.err.join("\n");
      for (const v of ["VAULT_ADDR", "VAULT_TOKEN", "VAULT_CACERT"]) assert.match(message, new RegExp(v));
      assert.match(message, /kubeconfig/i);
    } finally {
      process.env = saved;
    }
  });

  it("exits 2 on a missing plan or a bad date, naming what to do", async () => {
    const r = io();
    assert.equal(await postureMain(["--plan", join(dir, "nope.json")], r.io), 2);
    assert.match(r.err.join("\n"), /nope\.json: .*run npm run plan first, or use --live/);
    assert.equal(await postureMain(["--plan", planFile, "--now", "tomorrow"], io().io), 2);
  });
});

describe("evidence packets", () => {
  const out = join(dir, "evidence");
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const keyFile = join(dir, "signing.pem");
  writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
  const r = io();
  const code = evidenceMain(["--plan", planFile, "--out", out, "--sign-key", keyFile], r.io);
  const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8")) as {
    packets: { evidence: string; file: string; digest: string; fileSha256: string; signature: string }[];
    signing: { publicKeyPem: string };
  };

  it("writes one packet per evidence component, and an index", () => {
    assert.equal(code, 0, r.err.join("\n"));
    assert.deepEqual(index.packets.map((p) => p.evidence).sort(), registry.evidence.map((e) => e.id).sort());
    assert.equal(index.signing.publicKeyPem, publicKey.export({ type: "spki", format: "pem" }));
  });

  it("holds each component's contracts, implementing resources, policy results, access, handovers and posture", () => {
    const packet = JSON.parse(readFileSync(join(out, "payments-credentials.json"), "utf8"));
    const ids = registry.purposes
      .filter((p) => p.evidence === "payments-credentials")
      .map((p) => p.id)
      .sort();
    assert.deepEqual(packet.contracts.map((c: { id: string }) => c.id).sort(), ids);
    assert.ok(
      packet.resources.some(
        (x: { type: string; purpose: string }) =>
          x.type === "kubernetes:external-secrets.io/v1:ExternalSecret" && x.purpose === "payments-db-password",
      ),
    );
    assert.ok(
      packet.resources.some(
        (x: { type: string; purpose: string }) =>
          x.type === "vault:generic/endpoint:Endpoint" && x.purpose === "payments-webhook-hmac",
      ),
    );
    assert.equal(packet.policy.passed, true);
    assert.deepEqual(
      packet.access
        .filter((a: { purpose: string }) => a.purpose === "payments-webhook-hmac")
        .map(
          (a: { identity: string; path: string; capabilities: string[] }) =>
            `${a.identity} ${a.path} ${a.capabilities.join(",")}`,
        ),
      [
        "notifications/notifier kv/data/payments/payments-webhook-hmac read",
        "payments/payments-webhooks kv/data/payments/payments-webhook-hmac create,read,update",
        "payments/payments-webhooks kv/metadata/payments/payments-webhook-hmac create,read,update",
      ],
    );
    assert.deepEqual(packet.posture.map((p: { purpose: string }) => p.purpose).sort(), ids);
    const custody = JSON.parse(readFileSync(join(out, "bootstrap-custody.json"), "utf8"));
    assert.deepEqual(
      Object.keys(custody.handover).sort(),
      registry.purposes
        .filter((p) => p.delivery === "bootstrap")
        .map((p) => p.id)
        .sort(),
    );
  });

  it("carries a digest over its canonical content and a detached Ed25519 signature an auditor can verify", () => {
    for (const p of index.packets) {
      const text = readFileSync(join(out, p.file));
      const { digest, ...body } = JSON.parse(text.toString());
      assert.equal(digest, sha256(canonicalJson(body)));
      assert.equal(p.digest, digest);
      assert.equal(p.fileSha256, sha256(text));
      assert.ok(
        verify(null, text, index.signing.publicKeyPem, readFileSync(join(out, p.signature))),
        `${p.file}: signature`,
      );
      const edited = Buffer.from(text.toString().replace('"passed": true', '"passed": false'));
      assert.ok(
        !verify(null, edited, index.signing.publicKeyPem, readFileSync(join(out, p.signature))),
        `${p.file}: an edit breaks the signature`,
      );
    }
  });

  it("refuses a signing key that is not Ed25519, without printing it", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const file = join(dir, "rsa.pem");
    writeFileSync(file, rsa);
    const e = io();
    assert.equal(evidenceMain(["--plan", planFile, "--out", join(dir, "x"), "--sign-key", file], e.io), 2);
    assert.match(e.err.join("\n"), /is a rsa key; an Ed25519 key is required/);
    assert.ok(!e.err.join("\n").includes("PRIVATE KEY"));
  });

  it("never contains a secret value: no packet, posture output or page holds a decrypted secure config value", async () => {
    const canaries = demoSecretCanaries(doc.stacks.map((s) => s.stack));
    const p = io();
    const html = join(dir, "posture.html");
    await postureMain(["--plan", planFile, "--json", "--html", html], p.io);
    const everything = [
      ...readdirSync(out)
        .filter((f) => f.endsWith(".json"))
        .map((f) => readFileSync(join(out, f), "utf8")),
      p.out.join("\n"),
      JSON.stringify(doc.posture),
      readFileSync(html, "utf8"),
    ].join("\n");
    for (const canary of canaries)
      assert.ok(!everything.includes(canary), "a secret config value appears in evidence or posture");
    assert.ok(!/PRIVATE KEY/.test(everything));
  });
});

describe("the access matrix of the demo", () => {
  const rows = accessMatrix(
    doc.stacks.flatMap((s) => s.resources.map((r) => ({ type: r.type, props: r.inputs }))),
    registry,
  );

  it("shows every purpose reachable only by its consumers and the controller that delivers it", () => {
    assert.ok(rows.length > 30);
    for (const row of rows)
      assert.ok(
        entitled(
          registry.purposes.find((p) => p.id === row.purpose)!,
          "cert-manager",
        ).has(row.identity),
        `${row.identity} on ${row.path}`,
      );
  });

  it("lets each KV reader read, the push writer write, the issuer sign, the handover Job create once", () => {
    const of = (purpose: string) =>
      rows.filter((r) => r.purpose === purpose).map((r) => `${r.identity} ${r.path} ${r.capabilities.join(",")}`);
    assert.deepEqual(of("payments-db-password"), [
      "payments/payments-api kv/data/payments/payments-db-password read",
      "payments/payments-worker kv/data/payments/payments-db-password read",
    ]);
    assert.deepEqual(of("payments-api-mtls"), [
      "cert-manager/vault-issuer-payments pki_int/sign/payments-api-mtls update",
    ]);
    assert.ok(
      of("vault-kms-unseal-credentials").includes(
        "vault/handover-vault-kms-unseal-credentials kv/data/platform/vault-kms-unseal-credentials create",
      ),
    );
    assert.ok(
      of("vault-kms-unseal-credentials").includes("vault/vault kv/data/platform/vault-kms-unseal-credentials read"),
    );
  });

  it("is part of the pack: an over-broad policy bound to another team's identity is a mandatory violation naming it", () => {
    const stacks = stacksOfPlan(doc);
    assert.deepEqual(evaluatePack(stacks, { registry, now: new Date(doc.generatedAt), rules: [purposeAccess] }), []);
    const ra = stacks.find((s) => s.phase === "runtime-authority")!;
    const view = (type: string, name: string, props: Record<string, unknown>) => ({
      ...ra.resources[0]!,
      type,
      name,
      urn: `${ra.resources[0]!.urn}-${name}`,
      props,
    });
    ra.resources.push(
      view("vault:index/policy:Policy", "too-broad", {
        name: "storefront-extra",
        policy: JSON.stringify({ path: { "kv/data/payments/*": { capabilities: ["read"] } } }),
      }),
      view("vault:kubernetes/authBackendRole:AuthBackendRole", "too-broad-role", {
        roleName: "storefront-extra",
        boundServiceAccountNames: ["storefront-web"],
        boundServiceAccountNamespaces: ["storefront"],
        tokenPolicies: ["storefront-extra"],
      }),
    );
    const found = evaluatePack(stacks, { registry, now: new Date(doc.generatedAt), rules: [purposeAccess] });
    assert.deepEqual(found.map((v) => v.message.split(" (fix:")[0]).slice(0, 2), [
      "payments-db-password: storefront/storefront-web (role storefront-extra) holds read on kv/data/payments/payments-db-password, granted by policy storefront-extra; it is neither a consumer nor the delivering controller",
      "payments-stripe-api-key: storefront/storefront-web (role storefront-extra) holds read on kv/data/payments/payments-stripe-api-key, granted by policy storefront-extra; it is neither a consumer nor the delivering controller",
    ]);
    assert.ok(found.every((v) => v.enforcementLevel === "mandatory" && v.policy === "purpose-access"));
    assert.equal(found.length, 3, "the webhook HMAC too; storefront-web reads none of payments' secrets legitimately");
  });
});

describe("npm run access", () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await accessMain(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  };

  it("prints the matrix for a purpose or an identity", async () => {
    const byPurpose = await run("--plan", planFile, "--purpose", "payments-webhook-hmac");
    assert.equal(byPurpose.code, 0);
    assert.match(byPurpose.out[0]!, /^IDENTITY +ROLE +PURPOSE +PATH +CAPABILITIES$/);
    assert.equal(byPurpose.out.length, 4);
    const byIdentity = await run("--plan", planFile, "--identity", "identity/identity-admin", "--json");
    assert.deepEqual(
      JSON.parse(byIdentity.out.join("\n")).map((r: { purpose: string }) => r.purpose),
      ["identity-admin-recovery-codes"],
    );
    assert.equal((await run("--plan", planFile, "--purpose", "nope")).code, 2);
  });

  it("lists what each service account may do in the Kubernetes API with --kubernetes", async () => {
    const table = await run("--plan", planFile, "--kubernetes");
    assert.equal(table.code, 0);
    assert.match(table.out[0]!, /^IDENTITY +NAMESPACE +VERBS +RESOURCES +NAMES +VIA$/);
    assert.ok(
      table.out.some((l) => /^vault\/vault +\(cluster\) +create +tokenreviews\.authentication\.k8s\.io /.test(l)),
    );
    const bootstrap = await run(
      "--plan",
      planFile,
      "--kubernetes",
      "--identity",
      "flux-system/bootstrap-vault",
      "--json",
    );
    assert.deepEqual(
      JSON.parse(bootstrap.out.join("\n"))[0].grants.map((g: { namespace: string; verbs: string[] }) => [
        g.namespace,
        g.verbs,
      ]),
      [
        ["vault", ["create"]],
        ["vault", ["get", "patch", "update", "delete"]],
      ],
    );
    assert.equal((await run("--plan", planFile, "--kubernetes", "--purpose", "x")).code, 2);
  });

  it("tells what hand-written policies grant together on a path: capabilities one per line, or deny", async () => {
    const a = join(dir, "a.hcl");
    const b = join(dir, "b.json");
    writeFileSync(
      a,
      'path "kv/data/team/*" {\n  capabilities = ["read"]\n}\npath "kv/data/team/root" {\n  capabilities = ["deny"]\n}\n',
    );
    writeFileSync(b, JSON.stringify({ path: { "kv/data/team/*": { capabilities: ["update"] } } }));
    assert.deepEqual((await run("--policy", a, "--policy", b, "--path", "kv/data/team/app")).out, ["read", "update"]);
    assert.deepEqual((await run("--policy", a, "--policy", b, "--path", "kv/data/team/root")).out, ["deny"]);
    assert.deepEqual(JSON.parse((await run("--policy", a, "--path", "kv/metadata/team/app", "--json")).out[0]!), {
      path: "kv/metadata/team/app",
      capabilities: [],
      policies: [],
    });
    assert.equal((await run("--policy", a)).code, 2, "--path is required");
  });
});
