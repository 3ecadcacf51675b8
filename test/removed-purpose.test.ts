import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { parse, stringify } from "yaml";
import { main as evidenceMain } from "../evidence/cli.js";
import { main as planMain } from "../plan/cli.js";
import type { PlanDocument } from "../plan/report/plan-json.js";
import { main as postureMain } from "../posture/cli.js";
import type { PostureEntry } from "../posture/model.js";
import { DEMO_NOW, demoPlanCommand } from "./support/demo-plan.js";
import { scratchDir } from "./support/scratch.js";

/**
 * A purpose and its evidence component removed from the demo registry, after the demo was planned: posture of the
 * earlier plan reports the purpose `retired` (docs/posture-and-evidence.md), and evidence written again into the same
 * folder leaves no packet of the removed component behind, nor mixes a plan with a registry it was not made from.
 */

const removed = "payments-api-mtls";
const removedEvidence = "payments-transport";
const dir = scratchDir("removed-purpose-");
const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};

/** plan.json of the demo (registry purposes/), made once for the test run. */
const planA = join(demoPlanCommand().dir, "plan.json");
const docA = JSON.parse(readFileSync(planA, "utf8")) as PlanDocument;

/** The demo registry without the purpose and its evidence component, planned at the same time. */
const registryB = join(dir, "purposes");
cpSync("purposes", registryB, { recursive: true });
const payments = parse(readFileSync(join(registryB, "payments.yaml"), "utf8")) as {
  purposes: { id: string }[];
  evidence: { id: string }[];
};
payments.purposes = payments.purposes.filter((p) => p.id !== removed);
payments.evidence = payments.evidence.filter((e) => e.id !== removedEvidence);
writeFileSync(join(registryB, "payments.yaml"), stringify(payments));
const planned = io();
const planCode = await planMain(
  ["--registry", registryB, "--out", join(dir, "plan-b"), "--now", DEMO_NOW.toISOString()],
  planned.io,
);
assert.ok(planCode === 0, planned.err.join("\n"));
const planB = join(dir, "plan-b", "plan.json");

/** `npm run posture -- ARGS --json`, at the plans' time unless ARGS give another `--now`. */
async function postureOf(args: string[]): Promise<{ code: number; entries: PostureEntry[] }> {
  const r = io();
  const at = args.includes("--now") ? [] : ["--now", DEMO_NOW.toISOString()];
  const code = await postureMain([...args, ...at, "--json"], r.io);
  assert.deepEqual(r.err, []);
  return { code, entries: JSON.parse(r.out.join("\n")) as PostureEntry[] };
}

describe("posture of a removed purpose", () => {
  it("is retired when the earlier plan is read with the registry it was removed from, and fails no gate", async () => {
    const { code, entries } = await postureOf(["--plan", planA, "--registry", registryB]);
    const entry = entries.find((e) => e.purpose === removed);
    assert.ok(entry, `${removed} is not reported at all`);
    assert.equal(entry.status, "retired");
    assert.deepEqual(entry.sources, ["plan"]);
    assert.match(
      entry.reason,
      new RegExp(`no longer in the registry \\(last seen: in the plan of cluster demo made ${docA.generatedAt}\\)`),
    );
    // Its contract as the earlier plan knew it: owner, delivery, evidence.
    const before = docA.posture.find((e) => e.purpose === removed)!;
    assert.deepEqual([entry.owner, entry.delivery, entry.evidence], [before.owner, before.delivery, before.evidence]);
    assert.equal(entry.expiresAt, before.expiresAt);
    assert.equal(code, 0);
    assert.equal(entries.filter((e) => e.status === "retired").length, 1);
    assert.equal(entries.length, docA.posture.length);
  });

  it("is retired from --previous, the earlier plan, beside the current plan's posture", async () => {
    const current = await postureOf(["--plan", planB]);
    assert.ok(!current.entries.some((e) => e.purpose === removed), "the current plan alone no longer knows it");
    const { code, entries } = await postureOf(["--plan", planB, "--previous", planA]);
    assert.equal(code, 0);
    assert.deepEqual(
      entries.filter((e) => e.status === "retired").map((e) => e.purpose),
      [removed],
    );
    // Every purpose still in the registry is reported from the current plan, as without --previous.
    assert.deepEqual(
      entries.filter((e) => e.purpose !== removed),
      current.entries,
    );
  });

  it("is still retired, not failing, when the earlier plan's certificate has expired since", async () => {
    const later = new Date(DEMO_NOW.getTime() + 400 * 86_400_000).toISOString();
    const { entries } = await postureOf(["--plan", planB, "--previous", planA, "--now", later]);
    assert.equal(entries.find((e) => e.purpose === removed)!.status, "retired");
  });
});

describe("evidence after a component was removed", () => {
  const { privateKey } = generateKeyPairSync("ed25519");
  const keyFile = join(dir, "signing.pem");
  writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
  const evidence = (args: string[]) => {
    const r = io();
    return { code: evidenceMain(args, r.io, {}), ...r };
  };
  const listing = (folder: string) => readdirSync(folder).sort();

  it("removes the packet and signature of the removed component when written again into the same folder", () => {
    const out = join(dir, "evidence-again");
    assert.equal(evidence(["--plan", planA, "--out", out, "--sign-key", keyFile]).code, 0);
    assert.ok(listing(out).includes(`${removedEvidence}.json.sig`));
    const again = evidence(["--plan", planB, "--out", out, "--sign-key", keyFile]);
    assert.equal(again.code, 0, again.err.join("\n"));
    assert.ok(!existsSync(join(out, `${removedEvidence}.json`)), "the stale packet is still there");
    assert.ok(!existsSync(join(out, `${removedEvidence}.json.sig`)), "the stale signature is still there");
    const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8")) as { packets: { file: string }[] };
    assert.deepEqual(listing(out), ["index.json", ...index.packets.flatMap((p) => [p.file, `${p.file}.sig`])].sort());
    assert.match(
      again.out.join("\n"),
      new RegExp(`removed ${removedEvidence}\\.json, ${removedEvidence}\\.json\\.sig`),
    );
  });

  it("removes signatures an unsigned run no longer writes", () => {
    const out = join(dir, "evidence-unsigned");
    assert.equal(evidence(["--plan", planA, "--out", out, "--sign-key", keyFile]).code, 0);
    assert.equal(evidence(["--plan", planA, "--out", out]).code, 0);
    assert.deepEqual(
      listing(out).filter((f) => f.endsWith(".sig")),
      [],
    );
  });

  it("refuses a plan and a registry that do not belong together, writing nothing", () => {
    const out = join(dir, "evidence-mixed");
    const r = evidence(["--plan", planA, "--registry", registryB, "--out", out]);
    assert.equal(r.code, 2);
    assert.equal(r.err.length, 1, r.err.join("\n"));
    assert.match(r.err[0]!, /plan\.json was not planned from the registry in .*purposes/);
    assert.ok(!existsSync(out));
  });

  it("refuses a plan that records no registry digest", () => {
    const old = join(dir, "plan-without-digest.json");
    const doc = JSON.parse(readFileSync(planA, "utf8")) as { registry: Record<string, unknown> };
    delete doc.registry.digest;
    writeFileSync(old, JSON.stringify(doc));
    const r = evidence(["--plan", old, "--registry", "purposes", "--out", join(dir, "evidence-old")]);
    assert.equal(r.code, 2);
    assert.match(r.err.join("\n"), /records no registry digest/);
  });

  it("refuses a folder holding files no evidence index lists, and leaves them as they were", () => {
    const out = join(dir, "plan-b");
    const before = listing(out);
    const r = evidence(["--plan", planB, "--out", out]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.err, [
      `evidence: ${out}: holds plan.json, plan.md, which no evidence index there lists: write evidence into an empty folder or the one it was written to before`,
    ]);
    assert.deepEqual(listing(out), before);
  });
});
