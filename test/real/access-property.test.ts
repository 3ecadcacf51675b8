import assert from "node:assert/strict";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { evaluate, type PolicyRule } from "../../vault/acl-eval.js";
import { parsePolicyDocument } from "../../vault/policy-parse.js";
import { openBaoSkipReason, startDevServer, type OpenBao } from "./openbao.js";
import { asServerAnswer, serverCapabilities, tokenWith, writePolicy } from "./support/acl-oracle.js";

const skip = openBaoSkipReason();
if (skip) console.info(`the ACL evaluator against OpenBao, on generated policies: skipped: ${skip}`);

/**
 * Generated policy sets and request paths, written to a real server and compared: `sys/capabilities` of a token
 * holding exactly those policies against the evaluator, on every path; and the server's parse-time verdict on each
 * document against the parser's. The alphabet is small on purpose, so that rules and paths collide: names with a
 * literal `+` or `*`, the empty segment, a name beyond ASCII (the server orders in bytes), leading and trailing
 * slashes, trailing `*`, `+` segments, `deny`, the legacy `policy` field, a few capabilities the server refuses.
 */

const RUNS = 2000;
/** Policy names are reused: each run overwrites them, and the tokens made once carry the first 1, 2 or 3 of them. */
const NAMES = ["prop-0", "prop-1", "prop-2"];

const segment = fc.constantFrom("a", "b", "ab", "", "é", "a+b", "+b", "a*b", "x+", "*", "+");
const literal = fc.constantFrom("a", "b", "ab", "", "é", "a+b", "+b", "a*b", "x+", "*", "+", "abc", "aé");

/** A rule path: segments (some `+`), then maybe a trailing `*` or `/`, and maybe a leading `/`. */
const rulePath = fc
  .record({
    lead: fc.constantFrom("", "", "", "/", "//"),
    segments: fc.array(segment, { minLength: 1, maxLength: 4 }),
    tail: fc.constantFrom("", "", "*", "*", "/", "/*"),
  })
  .map(({ lead, segments, tail }) => `${lead}${segments.join("/")}${tail}`);

const CAPS = ["create", "read", "update", "patch", "delete", "list", "sudo", "scan", "deny"];
const capabilities = fc.oneof(
  { weight: 20, arbitrary: fc.subarray(CAPS, { minLength: 0, maxLength: 4 }) },
  // Capabilities the server refuses (HashiCorp Vault's, a typo), placed anywhere: after a deny it goes unchecked.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.subarray(CAPS, { maxLength: 2 }), fc.constantFrom("subscribe", "recover", "raed"), fc.nat(2))
      .map(([caps, bad, at]) => [...caps.slice(0, at), bad, ...caps.slice(at)]),
  },
);
/** A path's body: capabilities, the legacy field (`list` is no value of it), both, or neither. */
const body: fc.Arbitrary<{ capabilities?: string[]; policy?: string }> = fc.oneof(
  { weight: 16, arbitrary: capabilities.map((c) => ({ capabilities: c })) },
  { weight: 2, arbitrary: fc.constantFrom("read", "write", "sudo", "deny").map((policy) => ({ policy })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(capabilities, fc.constantFrom("read", "write", "sudo", "deny", "list"))
      .map(([c, policy]) => ({ capabilities: c, policy })),
  },
  { weight: 1, arbitrary: fc.constant({}) },
);
type Rule = [path: string, body: { capabilities?: string[]; policy?: string }];
interface Doc {
  rules: Rule[];
  json: boolean;
}

const lead = fc.constantFrom("", "", "", "/", "//");
const doc = (rule: fc.Arbitrary<Rule>): fc.Arbitrary<Doc> =>
  fc.record({ rules: fc.array(rule, { minLength: 1, maxLength: 4 }), json: fc.boolean() });

/** Free rules: any paths of the alphabet. */
const freeSet = fc
  .array(doc(fc.tuple(rulePath, body)), { minLength: 1, maxLength: NAMES.length })
  .map((docs) => ({ docs, base: undefined }));

/**
 * Colliding rules: every rule of the set made from one path of names, some segments turned into `+`, maybe a
 * trailing `*` or a shorter prefix, so that several rules match the same request and the priority order decides.
 */
const colliding = fc.constantFrom("é", "ab", "aé", "abc", "a+b", "x+", "", "a");
const collidingSet = fc.array(colliding, { minLength: 2, maxLength: 4 }).chain((base) =>
  fc
    .array(
      doc(
        fc.tuple(
          fc
            .record({
              lead,
              plus: fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
              keep: fc.oneof(
                { weight: 3, arbitrary: fc.constant(base.length) },
                fc.integer({ min: 1, max: base.length }),
              ),
              cut: fc.nat(3),
              tail: fc.constantFrom("", "", "", "*", "/", "/*"),
            })
            .map(({ lead, plus, keep, cut, tail }) => {
              const segments: string[] = base.slice(0, keep).map((s, i) => (plus[i] ? "+" : s));
              const last = segments.length - 1;
              if (tail === "*" && segments[last] !== "+") segments[last] = segments[last]!.slice(0, cut);
              // `+*` is refused: a `+` segment takes a `/*` after it.
              return `${lead}${segments.join("/")}${tail === "*" && segments[last] === "+" ? "/*" : tail}`;
            }),
          body,
        ),
      ),
      { minLength: 1, maxLength: NAMES.length },
    )
    .map((docs) => ({ docs, base: base.join("/") })),
);

const render = ({ rules, json }: Doc): string => {
  if (json) {
    // One JSON object cannot hold a key twice (the parser refuses it): a repeated path keeps its first body.
    const path: Record<string, unknown> = {};
    for (const [p, b] of rules) path[p] ??= b;
    return JSON.stringify({ path });
  }
  // HCL: one block per rule; a path twice is two blocks, which the server merges.
  return rules
    .map(([p, b]) => {
      const lines = [
        ...(b.capabilities ? [`  capabilities = ${JSON.stringify(b.capabilities)}`] : []),
        ...(b.policy ? [`  policy = ${JSON.stringify(b.policy)}`] : []),
      ];
      return `path ${JSON.stringify(p)} {\n${lines.join("\n")}\n}`;
    })
    .join("\n");
};

/** Request paths: rule paths filled in (`+` by a name or nothing, `*` by a suffix, slashes added), and free ones. */
const requestPaths = ({ docs, base }: { docs: Doc[]; base: string | undefined }) => {
  const rulePaths = docs.flatMap((d) => d.rules.map(([p]) => p));
  return fc.array(
    fc.oneof(
      // The path every colliding rule was made from: all of them match it.
      ...(base === undefined ? [] : [fc.tuple(lead, fc.constantFrom("", "/")).map(([l, t]) => `${l}${base}${t}`)]),
      fc
        .record({
          lead,
          segments: fc.array(literal, { minLength: 1, maxLength: 5 }),
          tail: fc.constantFrom("", "", "/", "//"),
        })
        .map(({ lead, segments, tail }) => `${lead}${segments.join("/")}${tail}`),
      {
        weight: 3,
        arbitrary: fc
          .record({
            path: fc.constantFrom(...rulePaths),
            fill: fc.array(literal, { minLength: 4, maxLength: 4 }),
            suffix: fc.constantFrom("", "", "b", "/", "//", "/x", "/x/"),
            lead,
          })
          .map(({ path, fill, suffix, lead }) => {
            let k = 0;
            const filled = path
              .replace(/^\/+/, "")
              .split("/")
              .map((s) => (s === "+" ? fill[k++]! : s))
              .join("/")
              .replace(/\*$/, "");
            return `${lead}${filled}${suffix}`;
          }),
      },
    ),
    { minLength: 4, maxLength: 16 },
  );
};

describe.skipIf(skip !== false)("the ACL evaluator against a real OpenBao server, on generated policies", () => {
  let server: OpenBao;
  /** What the server holds under each reused name (a refused write leaves the previous text). */
  const stored = new Map<string, { text: string; rules: PolicyRule[] }>();
  const tokens: string[] = [];
  beforeAll(async () => {
    server = await startDevServer();
    for (const name of NAMES) {
      const text = `path "unused/${name}" { capabilities = ["read"] }`;
      assert.deepEqual(await writePolicy(server, name, text), { accepted: true });
      stored.set(name, { text, rules: await parsePolicyDocument(name, text) });
    }
    for (let n = 1; n <= NAMES.length; n++) tokens.push(await tokenWith(server, NAMES.slice(0, n)));
  });
  afterAll(() => server?.stop());

  it(`answers sys/capabilities as the evaluator does, and refuses what the parser refuses (${RUNS} policy sets)`, async ({
    annotate,
  }) => {
    const started = Date.now();
    let [runs, compared, refused] = [0, 0, 0];
    const sets = fc
      .oneof(freeSet, collidingSet)
      .chain((set) => fc.tuple(fc.constant(set.docs.map(render)), requestPaths(set)));
    await fc.assert(
      fc.asyncProperty(sets, async ([texts, paths]) => {
        runs++;
        const names = NAMES.slice(0, texts.length);
        // Written and parsed at once: the names are distinct, and the parse does not depend on the server.
        const verdicts = await Promise.all(
          texts.map(async (text, i) => {
            const [outcome, ours] = await Promise.all([
              writePolicy(server, names[i]!, text),
              parsePolicyDocument(names[i]!, text).then(
                (rules) => ({ rules, error: undefined }),
                (e: Error) => ({ rules: undefined, error: e.message }),
              ),
            ]);
            return { name: names[i]!, text, outcome, ours };
          }),
        );
        for (const { name, text, outcome, ours } of verdicts) {
          assert.equal(
            ours.rules !== undefined,
            outcome.accepted,
            `${JSON.stringify(text)}: the server ${outcome.accepted ? "accepts" : `refuses (${outcome.error})`}, the parser ${ours.rules ? "accepts" : `refuses (${ours.error})`}`,
          );
          if (ours.rules && outcome.accepted) stored.set(name, { text, rules: ours.rules });
          else refused++;
        }
        const rules = names.flatMap((name) => stored.get(name)!.rules);
        const asked = paths.filter((p) => p !== "");
        const answers = await serverCapabilities(server, tokens[names.length - 1]!, asked);
        for (const [path, answer] of answers) {
          compared++;
          assert.deepEqual(
            asServerAnswer(evaluate(rules, path).capabilities),
            answer,
            `${path} under ${JSON.stringify(names.map((n) => stored.get(n)!.text))}`,
          );
        }
      }),
      { numRuns: RUNS },
    );
    await annotate(
      `${runs} policy sets (${refused} documents refused by both), ${compared} paths compared, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
