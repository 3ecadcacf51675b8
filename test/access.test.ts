import assert from "node:assert/strict";
import { describe, it } from "vitest";
import {
  comparePriority,
  evaluate,
  literalPrefix,
  matches,
  mergeRules,
  policyRules,
  type PathBody,
  type PolicyRule,
} from "../vault/acl-eval.js";
import { parseJsonPolicy, parsePolicyDocument } from "../vault/policy-parse.js";
import { enginePaths } from "../vault/paths.js";
import { aclLeastPrivilege } from "../policies/rules/acl-least-privilege.js";
import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { assertHasViolation, createResourceValidationArgs } from "./support/policy-harness.js";

/** Rules of one policy from `{ path: capabilities }`, or `{ path: body }` for the legacy field. */
const policy = (name: string, paths: Record<string, string[] | PathBody>): PolicyRule[] =>
  policyRules(name, {
    path: Object.fromEntries(Object.entries(paths).map(([p, c]) => [p, Array.isArray(c) ? { capabilities: c } : c])),
  });
const caps = (rules: PolicyRule[], path: string) => evaluate(rules, path).capabilities;
const hcl = async (text: string, path: string) => caps(await parsePolicyDocument("p", text), path);

describe("the ACL evaluator, on the examples of Vault's policy documentation", () => {
  it("matches exact paths, a trailing * as a prefix glob, and + as exactly one segment", () => {
    assert.ok(matches("secret/foo", "secret/foo") && !matches("secret/foo", "secret/foo/bar"));
    assert.ok(
      matches("secret/*", "secret/foo/bar") && matches("secret/*", "secret/") && !matches("secret/*", "secret"),
    );
    assert.ok(matches("secret/foo*", "secret/foo") && matches("secret/foo*", "secret/foobar/baz"));
    assert.ok(matches("secret/+/teamb", "secret/foo/teamb") && !matches("secret/+/teamb", "secret/foo/bar/teamb"));
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
    const empty = evaluate(policy("p", { "secret/*": ["read"], "secret/foo": [] }), "secret/foo");
    assert.deepEqual(empty, { capabilities: [], pattern: "secret/foo", policies: ["p"] }, "an empty rule decides too");
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
      enginePaths("kv", { id: "app", owner: "team" }).map((p) => [p.replace("/team/app", ""), caps(rules, p)]),
      [
        ["kv/data", ["read"]],
        ["kv/metadata", []],
        ["kv/delete", []],
        ["kv/undelete", []],
        ["kv/destroy", []],
      ],
    );
  });

  it("finds the paths a rule can decide by the literal part before its first + segment or its *", () => {
    assert.equal(literalPrefix("/kv/data/a"), "kv/data/a");
    assert.equal(literalPrefix("kv/data/*"), "kv/data/");
    assert.equal(literalPrefix("kv/a+b/+/c"), "kv/a+b/");
    assert.equal(literalPrefix("kv/+b/c*"), "kv/+b/c");
  });

  it("parses HCL with HashiCorp's parser, and JSON", async () => {
    const text = `# break-glass reads\npath "kv/data/platform/*" {\n  capabilities = ["read", "list"]\n}\n\npath "kv/data/platform/root" {\n  capabilities = ["deny"]\n}\n`;
    const rules = await parsePolicyDocument("ops", text);
    assert.deepEqual(caps(rules, "kv/data/platform/x"), ["read", "list"]);
    assert.deepEqual(caps(rules, "kv/data/platform/root"), ["deny"]);
    assert.deepEqual(
      caps(await parsePolicyDocument("j", JSON.stringify({ path: { "a/b": { capabilities: ["read"] } } })), "a/b"),
      ["read"],
    );
    await assert.rejects(parsePolicyDocument("bad", 'path "x" {'), /./);
  });
});

// Each case below is one the real server (test/real/access-server.test.ts, OpenBao 2.7.2) answered differently from
// the evaluator before it followed OpenBao's acl.go; the comment gives the old answer.
describe("the ACL evaluator, where it disagreed with the real server", () => {
  it("strips one leading / from a rule's path and every leading / from a request path", () => {
    const rules = policy("p", { "/kv/data/a": ["read"], "//kv/data/b": ["read"], "secret/foo": ["read"] });
    for (const path of ["kv/data/a", "/kv/data/a", "//kv/data/a", "/secret/foo", "//secret/foo"])
      assert.deepEqual(caps(rules, path), ["read"], path); // was nothing
    // `//kv/data/b` is filed as `/kv/data/b`, which no request path (stripped of every leading /) can be.
    for (const path of ["kv/data/b", "/kv/data/b", "//kv/data/b"]) assert.deepEqual(caps(rules, path), [], path); // //kv/data/b was read
    const admin = policy("p", { "*": ["read"], "sys/*": ["deny"] });
    assert.deepEqual(caps(admin, "/sys/x"), ["deny"]); // was read
  });

  it("matches + against any one segment, the empty one too", () => {
    assert.deepEqual(caps(policy("p", { "kv/+/x": ["read"] }), "kv//x"), ["read"]); // was nothing
    // acl_test.go's aclPolicy: 1/2/+ outranks 1/2/* on 1/2/, whose last segment is empty.
    const rules = policy("p", { "1/2/*": ["create"], "1/2/+": ["read"], "1/2/+/+": ["update"] });
    assert.deepEqual(caps(rules, "1/2/"), ["read"]); // was create
    assert.deepEqual(caps(rules, "1/2//"), ["update"]); // was create
  });

  it("answers a path ending in / from the exact rule of the path without it first (the LIST fallback)", () => {
    const rules = policy("p", { "secret/foo": ["read"], "secret/*": ["read", "list"] });
    assert.deepEqual(caps(rules, "secret/foo/"), ["read"]); // was read, list
    assert.deepEqual(caps(rules, "secret/foo//"), ["read", "list"], "one slash only");
    const kv = policy("p", { "kv/metadata/team": ["list"], "kv/metadata/*": ["read"] });
    assert.deepEqual(caps(kv, "kv/metadata/team/"), ["list"]); // was read
  });

  it("answers a path ending in / from the glob and + rules of the path without it, when none matches it", () => {
    assert.deepEqual(caps(policy("p", { "kv/data/+/b": ["update"] }), "kv/data/x/b/"), ["update"]); // was nothing
    assert.deepEqual(caps(policy("p", { "test/segment/at/end/+": ["read"] }), "test/segment/at/end/foo/"), ["read"]); // was nothing
    assert.deepEqual(caps(policy("p", { "kv/data/+/b": ["update"] }), "kv/data/x/b//"), [], "one slash only");
  });

  it("knows OpenBao's scan capability", () => {
    assert.deepEqual(caps(policy("p", { "kv/metadata/*": ["list", "scan"] }), "kv/metadata/x/"), ["list", "scan"]); // was list
  });

  it("maps the legacy policy field as the server does: deny replaces, read, write and sudo add", () => {
    const rules = policy("p", {
      "a/r": { policy: "read" },
      "a/w": { policy: "write" },
      "a/s": { policy: "sudo" },
      "a/u": { policy: "read", capabilities: ["update"] },
      "a/x": { policy: "deny", capabilities: ["read"] },
    });
    assert.deepEqual(caps(rules, "a/r"), ["read", "list"]); // was nothing
    assert.deepEqual(caps(rules, "a/w"), ["create", "read", "update", "delete", "list"]); // was nothing
    assert.deepEqual(caps(rules, "a/s"), ["create", "read", "update", "delete", "list", "sudo"]); // was nothing
    assert.deepEqual(caps(rules, "a/u"), ["read", "update", "list"]); // was update
    assert.deepEqual(caps(rules, "a/x"), ["deny"]); // was read
  });

  it("takes a + inside a name for the first wildcard, and a * inside a name for none, as the server does", () => {
    // a+b/+/c's first wildcard is the + of a+b (at 1), a+b/*'s its * (at 4): the glob wins.
    assert.deepEqual(caps(policy("p", { "a+b/*": ["read"], "a+b/+/c": ["update"] }), "a+b/x/c"), ["read"]); // was update
    // k*v/x*'s first wildcard is its last * (at 5), k*v/+/c's its + (at 4): the glob wins.
    assert.deepEqual(caps(policy("p", { "k*v/+/c": ["update"], "k*v/x*": ["read"] }), "k*v/x/c"), ["read"]); // was update
  });

  it("measures and orders rule paths in UTF-8 bytes, as Go strings are", () => {
    // Both 6 bytes long (é is 2), so the bytewise larger wins; in UTF-16 units +/é/+ was the shorter and lost.
    assert.deepEqual(caps(policy("p", { "+/é/+": ["read"], "+/+/ab": ["update"] }), "x/é/ab"), ["read"]); // was update
  });

  it("leaves out a rule whose expiration has passed, and a templated rule (no entity to fill it in)", () => {
    const rules: PolicyRule[] = [
      { path: "a", capabilities: ["list"], policy: "p", expiresAt: Date.parse("2006-01-02T15:04:05Z") },
      { path: "b", capabilities: ["read"], policy: "p", expiresAt: Date.parse("2999-01-01T00:00:00Z") },
      { path: "c/{{identity.entity.id}}", capabilities: ["read"], policy: "p", templated: true },
      { path: "*", capabilities: ["update"], policy: "p" },
    ];
    assert.deepEqual(caps(rules, "a"), ["update"]); // was list
    assert.deepEqual(caps(rules, "b"), ["read"]);
    assert.deepEqual(caps(rules, "c/{{identity.entity.id}}"), ["update"]); // was read
    assert.deepEqual(evaluate(mergeRules(rules, Date.parse("2000-01-01T00:00:00Z")), "a").capabilities, ["list"]);
  });
});

describe("the policy parser, where it accepted what the real server refuses", () => {
  const refused: [string, string, RegExp][] = [
    ["an unknown capability", `path "a" { capabilities = ["read", "banana"] }`, /invalid capability "banana"/],
    ["HashiCorp Vault's subscribe", `path "a" { capabilities = ["subscribe"] }`, /invalid capability "subscribe"/],
    ["root", `path "a" { capabilities = ["root"] }`, /invalid capability "root"/],
    ["an upper-case capability", `path "a" { capabilities = ["READ"] }`, /invalid capability "READ"/],
    ["capabilities as a string", `path "a" { capabilities = "read" }`, /capabilities: a list of strings expected/],
    ["an unknown path key", `path "a" {\n  capabilites = ["read"]\n}`, /path "a": invalid key "capabilites"/],
    ["an unknown top-level key", `name = "test"\nbad = "foo"\nnope = "yes"`, /invalid key "bad"\ninvalid key "nope"/],
    ["a bad legacy value", `path "a" { policy = "banana" }`, /invalid policy "banana"/],
    ["list as a legacy value", `path "a" { policy = "list" }`, /invalid policy "list"/],
    ["+*", `path "foo/+*" { capabilities = ["read"] }`, /'\+\*' is forbidden/],
    ["unbalanced templating", JSON.stringify({ path: { "a}}b": {} } }), /unbalanced templating characters/],
    ["a bad expiration", `path "a" { expiration = "tomorrow" }`, /invalid expiration time/],
    [
      "max_wrapping_ttl under min",
      `path "/" {\n  policy = "read"\n  min_wrapping_ttl = 400\n  max_wrapping_ttl = 200\n}`,
      /max_wrapping_ttl cannot be less than min_wrapping_ttl/,
    ],
    [
      "a response keys filter without list",
      `path "a/*" {\n  capabilities = ["read"]\n  list_scan_response_keys_filter_path = "a/{{ .key }}"\n}`,
      /needs to be used on a path with the list capability/,
    ],
    ["a pagination limit that is no integer", `path "a" { pagination_limit = "x" }`, /an integer expected/],
    ["a JSON path body as a list", JSON.stringify({ path: { a: [{ capabilities: ["read"] }] } }), /an object expected/],
    ["name as a block", `name {}`, /name: a string expected/],
  ];
  for (const [what, text, message] of refused)
    it(`refuses ${what}`, async () => {
      await assert.rejects(parsePolicyDocument("p", text), message); // was accepted
    });

  it("accepts what the server accepts, read as it reads it", async () => {
    assert.deepEqual(await hcl(`name = "DeV"\npath "a" { policy = "read" }`, "a"), ["read", "list"]);
    assert.deepEqual(
      await hcl(`path "a" { capabilities = ["deny", "banana"] }`, "a"),
      ["deny"],
      "unchecked after deny",
    );
    assert.deepEqual(await hcl(`path "a" {\n  policy = "deny"\n  capabilities = ["banana"]\n}`, "a"), ["deny"]);
    assert.deepEqual(
      await hcl(`path "a" {\n  capabilities = ["deny"]\n  min_wrapping_ttl = "abc"\n}`, "a"),
      ["deny"],
      "nothing else is checked under a deny",
    );
    // A path expired when written is dropped before anything else of it is checked.
    const expired = JSON.stringify({
      path: { "a+*": { capabilities: ["banana"], expiration: "2006-01-02T15:04:05Z" } },
    });
    assert.deepEqual(await parsePolicyDocument("p", expired), []);
    const later = await parsePolicyDocument(
      "p",
      `path "a" {\n  capabilities = ["read"]\n  expiration = "4102444800"\n}`,
    );
    assert.deepEqual(later, [{ path: "a", capabilities: ["read"], policy: "p", expiresAt: 4102444800000 }]);
    assert.deepEqual(caps(parseJsonPolicy("p", JSON.stringify({ path: [{ a: { capabilities: ["read"] } }] })), "a"), [
      "read",
    ]);
    assert.deepEqual(await parsePolicyDocument("p", `path "a/{{identity.entity.id}}/*" { capabilities = ["read"] }`), [
      { path: "a/{{identity.entity.id}}/*", capabilities: ["read"], policy: "p", templated: true },
    ]);
  });

  it("refuses, on purpose, what HCL 1 (the server's) and this parser would read differently", async () => {
    await assert.rejects(parsePolicyDocument("p", `{"path": {"a": {}, "a": {}}}`), /the key "a" is given twice/);
    await assert.rejects(
      parsePolicyDocument("p", `path "a" {\n  capabilities = ["read"]\n  capabilities = ["list"]\n}`),
      /Attribute redefined/,
    );
    await assert.rejects(parsePolicyDocument("p", `path "a/$\${x}" {}`), /HCL 1 .* and HCL 2 read them differently/);
    await assert.rejects(parsePolicyDocument("p", `path { capabilities = ["read"] }`), /as a block/);
    await assert.rejects(
      parsePolicyDocument("p", `path "a" {\n  control_group = { ttl = "1h" }\n}`),
      /control groups are not modelled/,
    );
    await assert.rejects(parsePolicyDocument("p", `{"path": {}} x`), /not a JSON document/);
  });

  it("makes acl-least-privilege report a policy document Vault would refuse", async () => {
    await assertHasViolation(
      aclLeastPrivilege,
      createResourceValidationArgs(RESOURCE_TYPES.vaultPolicy, {
        name: "consumer.break-glass.break-glass-reader",
        policy: JSON.stringify({ path: { "kv/data/platform/vault-break-glass-admin": { capabilities: ["raed"] } } }),
      }),
      /Vault refuses it: path "kv\/data\/platform\/vault-break-glass-admin": invalid capability "raed"/,
    );
  });
});
