import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, it } from "vitest";
import { accessMatrix, authRoles, planPolicies, type VaultResource } from "../../access/matrix.js";
import { purposePaths } from "../../delivery/mechanisms/index.js";
import { RESOURCE_TYPES } from "../../policies/resource-types.js";
import { evaluate, mergeRules } from "../../vault/acl-eval.js";
import { parsePolicyDocument } from "../../vault/policy-parse.js";
import { demoPlan, inputs, outputsOf, runOf } from "../support/demo-plan.js";
import { openBaoSkipReason, startDevServer, type OpenBao } from "./openbao.js";
import { ACL_CASES, PARSE_CASES } from "./support/acl-cases.js";
import { asServerAnswer, readPolicy, serverCapabilities, tokenWith, writePolicy } from "./support/acl-oracle.js";

const skip = openBaoSkipReason();
if (skip) console.info(`the access model against OpenBao: skipped: ${skip}`);

describe.skipIf(skip !== false)("the access model against a real OpenBao server", () => {
  let server: OpenBao;
  beforeAll(async () => {
    server = await startDevServer();
  });
  afterAll(() => server?.stop());

  const ra = runOf("runtime-authority");
  const resources: VaultResource[] = ra.resources
    .filter((r) => !r.read)
    .map((r) => ({ type: r.type, props: inputs(r) }));
  const planned = resources.filter((r) => r.type === RESOURCE_TYPES.vaultPolicy);

  it("accepts every policy the plan writes, stores it unchanged, and the SHA-256 the stack publishes is the server's", async () => {
    const published = outputsOf(ra).policies as Record<string, string>;
    assert.ok(planned.length > 0);
    assert.deepEqual(Object.keys(published).sort(), planned.map((p) => String(p.props.name)).sort());
    for (const p of planned) {
      const [name, text] = [String(p.props.name), String(p.props.policy)];
      // The call the vault provider makes for a Policy: PUT sys/policies/acl/<name> with the text as `policy`.
      assert.deepEqual(await writePolicy(server, name, text), { accepted: true }, name);
      const stored = await readPolicy(server, name);
      assert.equal(stored, text, `${name}: the server stores the text as written`);
      assert.equal(published[name], `sha256:${createHash("sha256").update(stored, "utf8").digest("hex")}`, name);
    }
  });

  it("gives every identity of the access matrix exactly the capabilities the evaluator computes, on every purpose path", async ({
    annotate,
  }) => {
    for (const p of planned) await writePolicy(server, String(p.props.name), String(p.props.policy));
    const { registry } = demoPlan();
    const paths = [...new Set(registry.purposes.flatMap(purposePaths))].sort();
    const rules = planPolicies(resources);
    const matrix = accessMatrix(resources, registry);
    const roles = authRoles(resources);
    assert.ok(roles.length > 0);
    // A login token carries the role's token_policies and nothing else: the tokens below are made the same way.
    for (const r of resources.filter((x) => x.type === RESOURCE_TYPES.vaultKubernetesAuthRole))
      assert.equal(r.props.tokenNoDefaultPolicy, true, String(r.props.roleName));
    // Every identity the matrix lists logs in through one of these roles.
    for (const row of matrix)
      assert.ok(
        roles.some((r) => r.name === row.role && r.identities.includes(row.identity)),
        row.identity,
      );
    let compared = 0;
    for (const role of roles) {
      const token = await tokenWith(server, role.policies);
      const answers = await serverCapabilities(server, token, paths);
      const merged = mergeRules(role.policies.flatMap((name) => rules.get(name) ?? []));
      for (const path of paths) {
        assert.deepEqual(
          answers.get(path),
          asServerAnswer(evaluate(merged, path).capabilities),
          `role ${role.name} (${role.identities.join(", ")}) on ${path}`,
        );
        compared++;
      }
      // And the matrix shows exactly the paths the server grants something on, for every identity of the role.
      for (const identity of role.identities)
        assert.deepEqual(
          matrix
            .filter((r) => r.identity === identity && r.role === role.name)
            .map((r) => [r.path, [...r.capabilities].sort()])
            .sort(),
          paths
            .filter((p) => answers.get(p)![0] !== "deny")
            .map((p) => [p, answers.get(p)])
            .sort(),
          `the matrix rows of ${identity}`,
        );
    }
    await annotate(`${roles.length} roles × ${paths.length} purpose paths = ${compared} answers compared`);
  });

  it("agrees with the evaluator on OpenBao's own ACL test policies and the day-one cases", async ({ annotate }) => {
    const disagreements: string[] = [];
    let compared = 0;
    for (const [i, c] of ACL_CASES.entries()) {
      const names = c.policies.map((_, k) => `case-${i}-${k}`);
      for (const [k, text] of c.policies.entries())
        assert.deepEqual(await writePolicy(server, names[k]!, text), { accepted: true }, `${c.name}: policy ${k}`);
      const rules = (await Promise.all(c.policies.map((text, k) => parsePolicyDocument(names[k]!, text)))).flat();
      const answers = await serverCapabilities(server, await tokenWith(server, names), c.paths);
      for (const [path, answer] of answers) {
        const ours = asServerAnswer(evaluate(rules, path).capabilities);
        compared++;
        if (JSON.stringify(ours) !== JSON.stringify(answer))
          disagreements.push(
            `${c.name} (${c.source}): ${path}: server ${answer.join(",")}, evaluator ${ours.join(",")}`,
          );
      }
    }
    await annotate(`${ACL_CASES.length} cases, ${compared} paths compared`);
    assert.deepEqual(disagreements, []);
  });

  it("refuses at parse time exactly what the server refuses, and accepts what it accepts (but for the stated exceptions)", async ({
    annotate,
  }) => {
    const disagreements: string[] = [];
    for (const [i, c] of PARSE_CASES.entries()) {
      const server_ = await writePolicy(server, `parse-${i}`, c.text);
      if (server_.accepted === c.refused)
        disagreements.push(
          `${c.name}: the server ${server_.accepted ? "accepts" : "refuses"} it, the case says otherwise`,
        );
      const ours = await parsePolicyDocument(`parse-${i}`, c.text).then(
        () => "accepted",
        (e: Error) => `refused: ${e.message}`,
      );
      const expected = c.refused || c.stricter !== undefined;
      if ((ours !== "accepted") !== expected)
        disagreements.push(
          `${c.name}: server ${server_.accepted ? "accepts" : `refuses (${server_.error})`}, parser ${ours}`,
        );
    }
    await annotate(`${PARSE_CASES.length} documents written`);
    assert.deepEqual(disagreements, []);
  });
});
