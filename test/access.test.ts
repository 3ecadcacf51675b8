import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main as accessMain } from "../access/cli.js";
import { accessMatrix, entitled } from "../access/matrix.js";
import { main as planMain } from "../plan/cli.js";
import { stacksOfPlan } from "../policies/documents.js";
import { evaluate as evaluatePack } from "../policies/evaluate.js";
import { purposeAccess } from "../policies/rules/purpose-access.js";
import type { PlanDocument } from "../plan/report/plan-json.js";
import { loadRegistry } from "../registry/load.js";
import { comparePriority, evaluate, matches, policyRules, type PolicyRule } from "../vault/acl-eval.js";
import { parsePolicyDocument } from "../vault/policy-parse.js";
import { purposePaths } from "../vault/paths.js";
import { readFileSync } from "node:fs";

/** Rules of one policy from `{ path: capabilities }`. */
const policy = (name: string, paths: Record<string, string[]>): PolicyRule[] => policyRules(name, { path: Object.fromEntries(Object.entries(paths).map(([p, c]) => [p, { capabilities: c }])) });
const caps = (rules: PolicyRule[], path: string) => evaluate(rules, path).capabilities;

describe("the ACL evaluator, on the examples of Vault's policy documentation", () => {
  it("matches exact paths, a trailing * as a prefix glob, and + as exactly one segment", () => {
    assert.ok(matches("secret/foo", "secret/foo") && !matches("secret/foo", "secret/foo/bar"));
    assert.ok(matches("secret/*", "secret/foo/bar") && matches("secret/*", "secret/") && !matches("secret/*", "secret"));
    assert.ok(matches("secret/foo*", "secret/foo") && matches("secret/foo*", "secret/foobar/baz"));
    assert.ok(matches("secret/+/teamb", "secret/foo/teamb") && !matches("secret/+/teamb", "secret/foo/bar/teamb") && !matches("secret/+/teamb", "secret//teamb"));
    assert.ok(matches("secret/+/+/*", "secret/a/b/c/d") && !matches("secret/+/+/*", "secret/a"));
    assert.ok(!matches("secret/a.b", "secret/aXb"), "pattern characters are literal");
  });

  it("applies the most specific rule only: a deny on one path inside a readable prefix", () => {
    const rules = policy("p", { "secret/*": ["read", "list"], "secret/super-secret": ["deny"] });
    assert.deepEqual(caps(rules, "secret/foo"), ["read", "list"]);
    assert.deepEqual(caps(rules, "secret/super-secret"), ["deny"]);
  });

  it("does not union different paths: the more specific rule replaces the broader one", () => {
    const rules = policy("p", { "secret/*": ["read"], "secret/foo": ["update"] });
    assert.deepEqual(caps(rules, "secret/foo"), ["update"]);
    assert.deepEqual(caps(rules, "secret/bar"), ["read"]);
  });

  it("follows Vault's priority order, tie by tie", () => {
    // 1. the first wildcard later wins
    assert.ok(comparePriority("secret/*", "secret/a*") < 0);
    assert.deepEqual(caps(policy("p", { "secret/+/*": ["read"], "secret/a/*": ["update"] }), "secret/a/b"), ["update"], "+ and * together: the later wildcard wins");
    // 2. same first wildcard: not ending in * wins
    assert.deepEqual(caps(policy("p", { "secret/*": ["read"], "secret/+/foo": ["update"] }), "secret/x/foo"), ["update"]);
    // 3. fewer + segments win
    assert.ok(comparePriority("secret/+/+/c", "secret/+/b/c") < 0);
    assert.deepEqual(caps(policy("p", { "secret/+/+/c": ["read"], "secret/+/b/c": ["update"] }), "secret/a/b/c"), ["update"]);
    // 4. the longer wins
    assert.ok(comparePriority("secret/+/b*", "secret/+/bc*") < 0);
    assert.deepEqual(caps(policy("p", { "secret/+/b*": ["read"], "secret/+/bc*": ["update"] }), "secret/a/bcd"), ["update"]);
    // 5. then the lexicographically larger
    assert.ok(comparePriority("secret/+/a*", "secret/+/b*") < 0 && comparePriority("secret/+/b*", "secret/+/a*") > 0);
    assert.equal(comparePriority("secret/x", "secret/x"), 0);
  });

  it("merges the policies of one token: the same path unions capabilities, and deny overrides", () => {
    assert.deepEqual(caps([...policy("a", { "secret/foo": ["read"] }), ...policy("b", { "secret/foo": ["update"] })], "secret/foo"), ["read", "update"]);
    const denied = evaluate([...policy("a", { "secret/foo": ["read", "update"] }), ...policy("b", { "secret/foo": ["deny"] })], "secret/foo");
    assert.deepEqual(denied, { capabilities: ["deny"], pattern: "secret/foo", policies: ["a", "b"] });
    assert.deepEqual(caps([...policy("a", { "secret/*": ["read"] }), ...policy("b", { "secret/foo": ["update"] })], "secret/foo"), ["update"], "different paths across policies do not union");
  });

  it("keeps KV v2's data, metadata, delete, undelete and destroy paths apart", () => {
    const rules = policy("p", { "kv/data/team/app": ["read"] });
    assert.deepEqual(purposePaths({ id: "app", owner: "team", tier: "vault_kv", delivery: "external-secret", kind: "secret" }).map((p) => [p.replace("kv/", "kv/").replace("/team/app", ""), caps(rules, p)]), [
      ["kv/data", ["read"]],
      ["kv/metadata", []],
      ["kv/delete", []],
      ["kv/undelete", []],
      ["kv/destroy", []],
    ]);
  });

  it("parses HCL with HashiCorp's parser, and JSON", async () => {
    const hcl = `# break-glass reads\npath "kv/data/platform/*" {\n  capabilities = ["read", "list"]\n}\n\npath "kv/data/platform/root" {\n  capabilities = ["deny"]\n}\n`;
    const rules = await parsePolicyDocument("ops", hcl);
    assert.deepEqual(caps(rules, "kv/data/platform/x"), ["read", "list"]);
    assert.deepEqual(caps(rules, "kv/data/platform/root"), ["deny"]);
    assert.deepEqual(caps(await parsePolicyDocument("j", JSON.stringify({ path: { "a/b": { capabilities: ["read"] } } })), "a/b"), ["read"]);
    await assert.rejects(parsePolicyDocument("bad", 'path "x" {'), /./);
  });
});

const dir = mkdtempSync(join(tmpdir(), "access-"));
const silent = { out: () => {}, err: () => {} };
assert.equal(await planMain(["--out", dir], silent), 0);
const planFile = join(dir, "plan.json");
const doc = JSON.parse(readFileSync(planFile, "utf8")) as PlanDocument;
const loaded = loadRegistry("purposes");
assert.ok(loaded.ok);
const registry = loaded.registry;
const resources = doc.stacks.flatMap((s) => s.resources.map((r) => ({ type: r.type, props: r.inputs })));

describe("the access matrix of the demo", () => {
  const rows = accessMatrix(resources, registry);

  it("shows every purpose reachable only by its consumers and the controller that delivers it", () => {
    assert.ok(rows.length > 30);
    for (const row of rows) assert.ok(entitled(registry.purposes.find((p) => p.id === row.purpose)!, "cert-manager").has(row.identity), `${row.identity} on ${row.path}`);
  });

  it("lets each KV reader read, the push writer write, the issuer sign, the handover Job create once", () => {
    const of = (purpose: string) => rows.filter((r) => r.purpose === purpose).map((r) => `${r.identity} ${r.path} ${r.capabilities.join(",")}`);
    assert.deepEqual(of("payments-db-password"), ["payments/payments-api kv/data/payments/payments-db-password read", "payments/payments-worker kv/data/payments/payments-db-password read"]);
    assert.deepEqual(of("payments-api-mtls"), ["cert-manager/vault-issuer-payments-api-mtls pki_int/sign/payments-api-mtls update"]);
    assert.ok(of("vault-kms-unseal-credentials").includes("vault/handover-vault-kms-unseal-credentials kv/data/platform/vault-kms-unseal-credentials create"));
    assert.ok(of("vault-kms-unseal-credentials").includes("vault/vault kv/data/platform/vault-kms-unseal-credentials read"));
  });

  it("is part of the pack: an over-broad policy bound to another team's identity is a mandatory violation naming it", () => {
    const stacks = stacksOfPlan(doc);
    assert.deepEqual(evaluatePack(stacks, { registry, now: new Date(doc.generatedAt), rules: [purposeAccess] }), []);
    const ra = stacks.find((s) => s.phase === "runtime-authority")!;
    const view = (type: string, name: string, props: Record<string, unknown>) => ({ ...ra.resources[0]!, type, name, urn: `${ra.resources[0]!.urn}-${name}`, props });
    ra.resources.push(
      view("vault:index/policy:Policy", "too-broad", { name: "storefront-extra", policy: JSON.stringify({ path: { "kv/data/payments/*": { capabilities: ["read"] } } }) }),
      view("vault:kubernetes/authBackendRole:AuthBackendRole", "too-broad-role", { roleName: "storefront-extra", boundServiceAccountNames: ["storefront-web"], boundServiceAccountNamespaces: ["storefront"], tokenPolicies: ["storefront-extra"] }),
    );
    const found = evaluatePack(stacks, { registry, now: new Date(doc.generatedAt), rules: [purposeAccess] });
    assert.deepEqual(
      found.map((v) => v.message.split(" (fix:")[0]).slice(0, 2),
      [
        "payments-db-password: storefront/storefront-web (role storefront-extra) holds read on kv/data/payments/payments-db-password, granted by policy storefront-extra; it is neither a consumer nor the delivering controller",
        "payments-stripe-api-key: storefront/storefront-web (role storefront-extra) holds read on kv/data/payments/payments-stripe-api-key, granted by policy storefront-extra; it is neither a consumer nor the delivering controller",
      ],
    );
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
    assert.deepEqual(JSON.parse(byIdentity.out.join("\n")).map((r: { purpose: string }) => r.purpose), ["identity-admin-recovery-codes"]);
    assert.equal((await run("--plan", planFile, "--purpose", "nope")).code, 2);
  });

  it("tells what hand-written policies grant together on a path: capabilities one per line, or deny", async () => {
    const a = join(dir, "a.hcl");
    const b = join(dir, "b.json");
    writeFileSync(a, 'path "kv/data/team/*" {\n  capabilities = ["read"]\n}\npath "kv/data/team/root" {\n  capabilities = ["deny"]\n}\n');
    writeFileSync(b, JSON.stringify({ path: { "kv/data/team/*": { capabilities: ["update"] } } }));
    assert.deepEqual((await run("--policy", a, "--policy", b, "--path", "kv/data/team/app")).out, ["read", "update"]);
    assert.deepEqual((await run("--policy", a, "--policy", b, "--path", "kv/data/team/root")).out, ["deny"]);
    assert.deepEqual(JSON.parse((await run("--policy", a, "--path", "kv/metadata/team/app", "--json")).out[0]!), { path: "kv/metadata/team/app", capabilities: [], policies: [] });
    assert.equal((await run("--policy", a)).code, 2, "--path is required");
  });
});
