import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { comparePriority, evaluate, matches, policyRules, type PolicyRule } from "../vault/acl-eval.js";
import { parsePolicyDocument } from "../vault/policy-parse.js";
import { enginePaths } from "../vault/paths.js";

/** Rules of one policy from `{ path: capabilities }`. */
const policy = (name: string, paths: Record<string, string[]>): PolicyRule[] =>
  policyRules(name, { path: Object.fromEntries(Object.entries(paths).map(([p, c]) => [p, { capabilities: c }])) });
const caps = (rules: PolicyRule[], path: string) => evaluate(rules, path).capabilities;

describe("the ACL evaluator, on the examples of Vault's policy documentation", () => {
  it("matches exact paths, a trailing * as a prefix glob, and + as exactly one segment", () => {
    assert.ok(matches("secret/foo", "secret/foo") && !matches("secret/foo", "secret/foo/bar"));
    assert.ok(
      matches("secret/*", "secret/foo/bar") && matches("secret/*", "secret/") && !matches("secret/*", "secret"),
    );
    assert.ok(matches("secret/foo*", "secret/foo") && matches("secret/foo*", "secret/foobar/baz"));
    assert.ok(
      matches("secret/+/teamb", "secret/foo/teamb") &&
        !matches("secret/+/teamb", "secret/foo/bar/teamb") &&
        !matches("secret/+/teamb", "secret//teamb"),
    );
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
    assert.deepEqual(
      caps(policy("p", { "secret/+/*": ["read"], "secret/a/*": ["update"] }), "secret/a/b"),
      ["update"],
      "+ and * together: the later wildcard wins",
    );
    // 2. same first wildcard: not ending in * wins
    assert.deepEqual(caps(policy("p", { "secret/*": ["read"], "secret/+/foo": ["update"] }), "secret/x/foo"), [
      "update",
    ]);
    // 3. fewer + segments win
    assert.ok(comparePriority("secret/+/+/c", "secret/+/b/c") < 0);
    assert.deepEqual(caps(policy("p", { "secret/+/+/c": ["read"], "secret/+/b/c": ["update"] }), "secret/a/b/c"), [
      "update",
    ]);
    // 4. the longer wins
    assert.ok(comparePriority("secret/+/b*", "secret/+/bc*") < 0);
    assert.deepEqual(caps(policy("p", { "secret/+/b*": ["read"], "secret/+/bc*": ["update"] }), "secret/a/bcd"), [
      "update",
    ]);
    // 5. then the lexicographically larger
    assert.ok(comparePriority("secret/+/a*", "secret/+/b*") < 0 && comparePriority("secret/+/b*", "secret/+/a*") > 0);
    assert.equal(comparePriority("secret/x", "secret/x"), 0);
  });

  it("merges the policies of one token: the same path unions capabilities, and deny overrides", () => {
    assert.deepEqual(
      caps([...policy("a", { "secret/foo": ["read"] }), ...policy("b", { "secret/foo": ["update"] })], "secret/foo"),
      ["read", "update"],
    );
    const denied = evaluate(
      [...policy("a", { "secret/foo": ["read", "update"] }), ...policy("b", { "secret/foo": ["deny"] })],
      "secret/foo",
    );
    assert.deepEqual(denied, { capabilities: ["deny"], pattern: "secret/foo", policies: ["a", "b"] });
    assert.deepEqual(
      caps([...policy("a", { "secret/*": ["read"] }), ...policy("b", { "secret/foo": ["update"] })], "secret/foo"),
      ["update"],
      "different paths across policies do not union",
    );
  });

  it("keeps KV v2's data, metadata, delete, undelete and destroy paths apart", () => {
    const rules = policy("p", { "kv/data/team/app": ["read"] });
    assert.deepEqual(
      enginePaths("kv", { id: "app", owner: "team" }).map((p) => [
        p.replace("kv/", "kv/").replace("/team/app", ""),
        caps(rules, p),
      ]),
      [
        ["kv/data", ["read"]],
        ["kv/metadata", []],
        ["kv/delete", []],
        ["kv/undelete", []],
        ["kv/destroy", []],
      ],
    );
  });

  it("parses HCL with HashiCorp's parser, and JSON", async () => {
    const hcl = `# break-glass reads\npath "kv/data/platform/*" {\n  capabilities = ["read", "list"]\n}\n\npath "kv/data/platform/root" {\n  capabilities = ["deny"]\n}\n`;
    const rules = await parsePolicyDocument("ops", hcl);
    assert.deepEqual(caps(rules, "kv/data/platform/x"), ["read", "list"]);
    assert.deepEqual(caps(rules, "kv/data/platform/root"), ["deny"]);
    assert.deepEqual(
      caps(await parsePolicyDocument("j", JSON.stringify({ path: { "a/b": { capabilities: ["read"] } } })), "a/b"),
      ["read"],
    );
    await assert.rejects(parsePolicyDocument("bad", 'path "x" {'), /./);
  });
});
