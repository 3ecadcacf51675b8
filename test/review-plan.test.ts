import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, it } from "vitest";
import { main } from "../plan/cli.js";
import type { PlanDocument } from "../plan/report/plan-json.js";
import type { Review } from "../review/diff.js";
import { DEMO_NOW, demoPlanCommand } from "./support/demo-plan.js";
import { scratchDir } from "./support/scratch.js";

/**
 * `npm run plan -- --base <plan.json of main>` end to end: the demo registry planned as the base (the shared demo
 * plan), then a copy of it with three changes planned against that base, from its plan.json and from a
 * `pulumi preview --json` document of the same resources.
 */

async function plan(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** The demo registry with a new consumer on one purpose, a new DNS name on another, and a third purpose removed. */
function changedRegistry(): string {
  const dir = join(scratchDir("review-registry-"), "purposes");
  cpSync("purposes", dir, { recursive: true });
  const edit = (file: string, from: string | RegExp, to: string) => {
    const text = readFileSync(join(dir, file), "utf8");
    const edited = text.replace(from, to);
    assert.notEqual(edited, text, `${file}: the edit applies`);
    writeFileSync(join(dir, file), edited);
  };
  edit(
    "payments.yaml",
    "      - { namespace: payments, serviceAccount: payments-worker }\n",
    "      - { namespace: payments, serviceAccount: payments-worker }\n      - { namespace: payments, serviceAccount: payments-reporting }\n",
  );
  edit(
    "storefront.yaml",
    "dnsNames: [shop.example.com, www.shop.example.com]",
    "dnsNames: [shop.example.com, www.shop.example.com, m.shop.example.com]",
  );
  edit("storefront.yaml", / {2}- id: storefront-search-api-token\n[\s\S]*?\n\n(?= {2}- id: )/, "");
  return dir;
}

/** A `pulumi preview --json` document of a plan's resources: one `same` step each, as stacksOfPreview reads it. */
function previewOf(doc: PlanDocument) {
  return {
    steps: doc.stacks.flatMap((s) =>
      s.resources
        .filter((r) => !r.read)
        .map((r) => ({
          op: "same",
          urn: r.urn,
          newState: { type: r.type, urn: r.urn, custom: r.custom, inputs: r.inputs, protect: r.options.protect },
        })),
    ),
  };
}

describe("npm run plan -- --base: the review of a registry change", () => {
  const basePlan = join(demoPlanCommand().dir, "plan.json");
  const registry = changedRegistry();
  const fromPlan = scratchDir("review-head-");
  const fromPreview = scratchDir("review-head-preview-");
  let runs: { plan: Awaited<ReturnType<typeof plan>>; preview: Awaited<ReturnType<typeof plan>> };
  const review = (dir: string) => JSON.parse(readFileSync(join(dir, "review.json"), "utf8")) as Review;

  beforeAll(async () => {
    const now = ["--now", DEMO_NOW.toISOString()];
    const previewFile = join(fromPreview, "base-preview.json");
    const baseDoc = JSON.parse(readFileSync(basePlan, "utf8")) as PlanDocument;
    writeFileSync(previewFile, JSON.stringify(previewOf(baseDoc)));
    const head = (out: string, base: string) =>
      plan("--registry", registry, "--out", out, ...now, "--base", base, "--base-registry", "purposes");
    runs = { plan: await head(fromPlan, basePlan), preview: await head(fromPreview, previewFile) };
  }, 180_000);

  it("writes review.md and review.json next to plan.json, and says where", () => {
    assert.equal(runs.plan.code, 0, runs.plan.err);
    for (const f of ["plan.json", "plan.md", "review.md", "review.json"]) assert.ok(existsSync(join(fromPlan, f)), f);
    assert.match(runs.plan.out, /Wrote .*review\.md and review\.json: 11 changes to access and trust against /);
  });

  it("names exactly the three changes, and nothing else", () => {
    const r = review(fromPlan);
    assert.deepEqual(
      r.access.map((a) => [a.purpose, a.identity, a.path, a.before, a.after]),
      [
        ["payments-db-password", "payments/payments-reporting", "kv/data/payments/payments-db-password", [], ["read"]],
        [
          "storefront-search-api-token",
          "storefront/storefront-web",
          "kv/data/storefront/storefront-search-api-token",
          ["read"],
          [],
        ],
      ],
    );
    assert.deepEqual(
      r.policies.map((p) => [p.name, p.change, p.granted.map((g) => g.path), p.revoked.map((g) => g.path)]),
      [
        ["consumer.payments.payments-reporting", "added", ["kv/data/payments/payments-db-password"], []],
        ["consumer.storefront.storefront-web", "changed", [], ["kv/data/storefront/storefront-search-api-token"]],
      ],
    );
    assert.deepEqual(
      r.authRoles.map((a) => [a.name, a.change, a.identities.added]),
      [["consumer.payments.payments-reporting", "added", ["payments/payments-reporting"]]],
    );
    assert.deepEqual(
      r.pkiRoles.map((p) => [p.role, p.fields.map((f) => [f.field, f.after])]),
      [
        [
          "pki_int/storefront-ingress-tls",
          [["allowedDomains", ["m.shop.example.com", "shop.example.com", "www.shop.example.com"]]],
        ],
      ],
    );
    assert.deepEqual(
      r.dnsNames.map((d) => [d.resource, d.added, d.removed]),
      [
        ["Certificate storefront/storefront-ingress-tls", ["m.shop.example.com"], []],
        ["CertificateRequestPolicy vault-storefront-ingress-tls", ["m.shop.example.com"], []],
      ],
    );
    assert.deepEqual(
      r.secrets.map((s) => [s.change, s.secret, s.purpose]),
      [["removed", "storefront/storefront-search-api-token", "storefront-search-api-token"]],
    );
    assert.deepEqual(
      r.resources.map((x) => [x.change, x.resource, x.protected]),
      [
        ["deleted", "Endpoint kv-storefront-search-api-token-metadata", true],
        ["deleted", "ExternalSecret storefront/storefront-search-api-token", false],
      ],
    );
  });

  it("says it in review.md, a section per kind of change, with no secret value", () => {
    const md = readFileSync(join(fromPlan, "review.md"), "utf8");
    assert.match(
      md,
      /## Readers and writers per purpose\n\n- `payments-db-password`\n {2}- new reader `payments\/payments-reporting`/,
    );
    assert.match(md, /- `storefront-search-api-token`\n {2}- removed reader `storefront\/storefront-web`/);
    assert.match(
      md,
      /- added policy `consumer.payments.payments-reporting`\n {2}- grants `kv\/data\/payments\/payments-db-password` \[read\]/,
    );
    assert.match(
      md,
      /- `Certificate storefront\/storefront-ingress-tls` \(storefront-ingress-tls\): adds `m.shop.example.com`/,
    );
    assert.match(md, /- removed `storefront\/storefront-search-api-token`/);
    assert.match(md, /deleted `Endpoint kv-storefront-search-api-token-metadata` .*\*\*protected\*\*/);
    assert.ok(!md.includes("-----BEGIN"), "no key or certificate material");
  });

  it("reviews the same change from a `pulumi preview --json` base", () => {
    assert.equal(runs.preview.code, 0, runs.preview.err);
    assert.deepEqual(review(fromPreview), review(fromPlan));
  });
});

describe("npm run plan -- --base: bad input", () => {
  it("refuses a missing, unreadable or foreign --base file with one line, exit 2, before planning", async () => {
    const dir = scratchDir("review-bad-");
    const foreign = join(dir, "foreign.json");
    writeFileSync(foreign, JSON.stringify({ hello: "world" }));
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    for (const [file, message] of [
      [join(dir, "missing.json"), /ENOENT/],
      [foreign, /neither an offline plan .* nor `pulumi preview --json` output/],
      [broken, /JSON/],
    ] as const) {
      const out = join(dir, "out");
      const run = await plan("--base", file, "--out", out);
      assert.equal(run.code, 2, run.out);
      assert.equal(run.err.split("\n").length, 1, run.err);
      assert.ok(run.err.startsWith(`plan: --base: ${file}: `), run.err);
      assert.match(run.err, message);
      assert.ok(!/\n\s+at /.test(run.err), "no stack trace");
      assert.ok(!existsSync(out), "nothing was planned");
    }
  });

  it("refuses --base-registry without --base, and an invalid base registry, exit 2", async () => {
    assert.equal((await plan("--base-registry", "purposes")).code, 2);
    const run = await plan("--base", join(demoPlanCommand().dir, "plan.json"), "--base-registry", "no-such-dir");
    assert.equal(run.code, 2);
    assert.match(run.err, /plan: --base-registry: invalid purpose registry:\n {2}no-such-dir: /);
  });
});
