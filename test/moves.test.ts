import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { parseDocument } from "yaml";
import { main as planMain } from "../plan/cli.js";
import type { PlanDocument } from "../plan/report/plan-json.js";
import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { demoPlanCommand } from "./support/demo-plan.js";
import { projectWith } from "./support/project-copy.js";

/**
 * Moves of stored values, end to end through `npm run plan`: the demo as deployed (its own plan.json, `--previous`),
 * then a registry that gives one KV purpose to another team. The value lives at kv/data/<owner>/<id>, so the new
 * owner points the purpose at an empty path; the plan must refuse that, or carry the move the contract states.
 */

const PREVIOUS = join(demoPlanCommand().dir, "plan.json");
const MOVED = "payments-stripe-api-key";

/** The demo's registry with MOVED handed from payments to a new team, finance, with `movedFrom` when given. */
function handedToFinance(movedFrom?: Record<string, string>) {
  const payments = parseDocument(readFileSync("purposes/payments.yaml", "utf8"));
  const purposes = payments.get("purposes") as { items: { get(k: string): unknown }[] };
  const index = purposes.items.findIndex((p) => p.get("id") === MOVED);
  const moved = payments.getIn(["purposes", index]) as { toJSON(): Record<string, unknown> };
  const contract = { ...moved.toJSON(), owner: "finance", ...(movedFrom ? { movedFrom } : {}) };
  payments.deleteIn(["purposes", index]);
  return projectWith({
    "purposes/payments.yaml": () => payments.toString(),
    "purposes/finance.yaml": () => parseDocument(JSON.stringify({ purposes: [contract] })).toString(),
  });
}

async function plan(root: string, ...flags: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const before = process.cwd();
  process.chdir(root);
  try {
    const code = await planMain(["--out", "plan-out", "--now", "2026-11-22T09:00:00Z", ...flags], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out, err, planFile: join(root, "plan-out", "plan.json") };
  } finally {
    process.chdir(before);
  }
}

describe("a change of owner that moves a stored value", () => {
  it("is refused against the deployed cluster when the contract does not say where the value moved from", async () => {
    const root = handedToFinance();
    const r = await plan(root, "--previous", PREVIOUS);
    assert.equal(r.code, 2, [...r.out, ...r.err].join("\n"));
    assert.match(
      r.err.join("\n"),
      new RegExp(
        `purposes/finance\\.yaml: ${MOVED}: owner: moves the value from kv/data/payments/${MOVED} \\(published by the demo-runtime-authority stack\\) to kv/data/finance/${MOVED}, where nothing is stored: add movedFrom: \\{ owner: payments \\}`,
      ),
    );
    assert.ok(!existsSync(r.planFile), "nothing was planned or written");
  });

  it("is planned as one move when the contract says it: a Job that copies the versions, allowed exactly that", async () => {
    const root = handedToFinance({ owner: "payments" });
    const r = await plan(root, "--previous", PREVIOUS);
    assert.equal(r.code, 0, [...r.out, ...r.err].join("\n"));
    const doc = JSON.parse(readFileSync(r.planFile, "utf8")) as PlanDocument;
    assert.deepEqual(doc.violations, []);
    const ra = doc.stacks.find((s) => s.phaseId === "runtime-authority")!;
    const job = ra.resources.find((x) => x.type === "kubernetes:batch/v1:Job" && x.name === `move-${MOVED}-job`);
    assert.ok(job, "the move Job is planned");
    const spec = job.inputs as any;
    assert.equal(spec.metadata.namespace, "vault", "it runs in Vault's namespace, not a tenant's");
    const env = Object.fromEntries(
      (spec.spec.template.spec.containers[0].env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    assert.equal(env.FROM_PATH, `payments/${MOVED}`);
    assert.equal(env.TO_PATH, `finance/${MOVED}`);
    assert.equal(env.ROLE, `move.${MOVED}`);
    assert.equal(env.MOVE_VAULT_TOKEN_FILE, undefined, "the Job always logs in as its own service account");

    const policy = ra.resources.find((x) => x.type === RESOURCE_TYPES.vaultPolicy && x.inputs.name === `move.${MOVED}`);
    assert.deepEqual(JSON.parse(String(policy!.inputs.policy)).path, {
      [`kv/data/finance/${MOVED}`]: { capabilities: ["create", "read", "update"] },
      [`kv/data/payments/${MOVED}`]: { capabilities: ["read"] },
      [`kv/metadata/finance/${MOVED}`]: { capabilities: ["read"] },
      [`kv/metadata/payments/${MOVED}`]: { capabilities: ["read"] },
    });
    const role = ra.resources.find(
      (x) => x.type === RESOURCE_TYPES.vaultKubernetesAuthRole && x.inputs.roleName === `move.${MOVED}`,
    );
    assert.deepEqual(role!.inputs.boundServiceAccountNamespaces, ["vault"]);
    assert.deepEqual(role!.inputs.boundServiceAccountNames, [`move-${MOVED}`]);

    const outputs = ra.outputs as any;
    assert.equal(outputs.kvSecrets[MOVED].path, `kv/data/finance/${MOVED}`);
    assert.equal(outputs.kvSecrets[MOVED].movedFrom, `kv/data/payments/${MOVED}`);
    assert.equal(outputs.moves[MOVED].from, `kv/data/payments/${MOVED}`);
    assert.equal(outputs.moves[MOVED].to, `kv/data/finance/${MOVED}`);
    // No consumer policy reaches the old path any more: only the move reads it, and only while movedFrom is there.
    const readers = ra.resources
      .filter((x) => x.type === RESOURCE_TYPES.vaultPolicy)
      .filter((x) => String(x.inputs.policy).includes(`kv/data/payments/${MOVED}`))
      .map((x) => x.inputs.name);
    assert.deepEqual(readers, [`move.${MOVED}`]);
  });

  it("needs no movedFrom on a new cluster, where nothing is stored yet", async () => {
    const r = await plan(handedToFinance());
    assert.equal(r.code, 0, [...r.out, ...r.err].join("\n"));
  });
});
