import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { parse, stringify } from "yaml";
import type { RecordedResource } from "../plan/engine/monitor.js";
import { unwire } from "../plan/engine/wire.js";
import { cliPassphrase } from "../plan/passphrase-source.js";
import { planCluster, type StackRun } from "../plan/run.js";
import { TRUST_HOLDING_TYPES } from "../policies/rules/trust-protected.js";
import { planDocument } from "../plan/report/plan-json.js";
import { posture } from "../posture/model.js";
import { planObservations } from "../posture/plan-source.js";
import { projectWith } from "./support/project-copy.js";

/**
 * Determinism, stability under registry change, and no data loss on removal, on whole plans of the demo. Values
 * providers generate (keys, and the certificates and CSRs that carry them) differ between two plans by nature; they
 * are masked before comparing.
 */

const now = new Date("2026-11-22T09:00:00Z");
const passphrase = cliPassphrase("demo", process.cwd());

/** Inputs with provider-generated material masked: PEM blocks, and base64 of PEM blocks. */
function masked(v: unknown): unknown {
  if (typeof v === "string") {
    if (v.includes("-----BEGIN")) return "<pem>";
    if (/^[A-Za-z0-9+/=]{40,}$/.test(v) && Buffer.from(v, "base64").toString().startsWith("-----BEGIN"))
      return "<pem base64>";
    return v;
  }
  if (Array.isArray(v)) return v.map(masked);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, masked(x)]));
  return v;
}

const managed = (s: StackRun) => s.resources.filter((r) => !r.read);
const byUrn = (runs: readonly StackRun[]) => new Map(runs.flatMap((s) => managed(s).map((r) => [r.urn, r] as const)));
const inputs = (r: RecordedResource) => masked(unwire(r.inputs));

async function plan(edits: Record<string, (text: string) => string> = {}) {
  const root = projectWith(edits);
  const result = await planCluster({ cluster: "demo", root, passphrase, now });
  assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.problems));
  return result;
}

// A: the demo. B: the same inputs again. C: payments' file reordered, one purpose removed, one added.
const removed = "payments-stripe-api-key";
const added = "payments-fraud-api-key";
const a = await plan();
const b = await plan();
const c = await plan({
  "purposes/payments.yaml": (text) => {
    const doc = parse(text) as { purposes: Record<string, unknown>[] };
    const stripe = doc.purposes.find((p) => p.id === removed)!;
    doc.purposes = [
      ...doc.purposes.filter((p) => p.id !== removed).reverse(),
      { ...stripe, id: added, description: "Fraud-scoring API key." },
    ];
    return stringify(doc);
  },
});
const A = byUrn(a.stacks);
const B = byUrn(b.stacks);
const C = byUrn(c.stacks);

describe("determinism", () => {
  it("two plans of the same inputs register the same resources with the same inputs (generated material aside)", () => {
    assert.deepEqual([...B.keys()].sort(), [...A.keys()].sort());
    const differing = [...A.values()]
      .filter((r) => JSON.stringify(inputs(r)) !== JSON.stringify(inputs(B.get(r.urn)!)))
      .map((r) => r.urn);
    assert.deepEqual(differing, []);
    assert.deepEqual(
      a.stacks.map((s) => s.runs),
      b.stacks.map((s) => s.runs),
      "the ceremony takes the same runs",
    );
  });
});

/** Whether a resource belongs to one purpose: named after it (vault/paths.ts, delivery/names.ts name everything by id). */
const of = (r: RecordedResource, id: string) => new RegExp(`(^|[-.:$])${id}($|[-.])`).test(r.name);

describe("stability under registry change", () => {
  const others = a.registry.purposes.map((p) => p.id).filter((id) => id !== removed);

  it("changes no URN and no input of any other purpose's resources when purposes are reordered, removed or added", () => {
    let compared = 0;
    for (const id of others) {
      const before = [...A.values()].filter((r) => of(r, id));
      const after = [...C.values()].filter((r) => of(r, id));
      assert.ok(before.length > 0, `${id} has resources named after it`);
      assert.deepEqual(after.map((r) => r.urn).sort(), before.map((r) => r.urn).sort(), `${id}: URNs`);
      for (const r of before) {
        assert.deepEqual(inputs(C.get(r.urn)!), inputs(r), `${id}: ${r.urn}`);
        compared++;
      }
    }
    assert.ok(compared >= 2 * others.length, `${compared} resources of ${others.length} purposes compared`);
  });

  it("registers the added purpose's resources and no longer the removed one's", () => {
    assert.ok([...C.values()].some((r) => of(r, added)));
    assert.ok(![...C.values()].some((r) => of(r, removed)));
  });
});

describe("no data loss when a purpose is removed", () => {
  const gone = [...A.values()].filter((r) => !C.has(r.urn));

  it("every resource that would go and holds data or trust is protected: pulumi up refuses until a deliberate unprotect", () => {
    assert.ok(
      gone.some((r) => of(r, removed)),
      "the removed purpose's resources would go",
    );
    const holding = gone.filter(
      (r) =>
        TRUST_HOLDING_TYPES.includes(r.type) ||
        (r.type === "vault:generic/endpoint:Endpoint" &&
          String((unwire(r.inputs) as { path: string }).path).startsWith("kv/metadata/")),
    );
    assert.ok(holding.length > 0, "the KV secret of the removed purpose is among them");
    for (const r of holding) assert.ok(r.options.protect || r.options.retainOnDelete, `${r.urn} would be deleted`);
  });

  it("deletes no stored value: the Vault secret's metadata endpoint never deletes versions, and Kubernetes copies are retained", () => {
    const metadata = gone.find((r) => r.type === "vault:generic/endpoint:Endpoint")!;
    assert.equal((unwire(metadata.inputs) as { disableDelete: boolean }).disableDelete, true);
    for (const es of gone.filter((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret"))
      assert.equal(
        (unwire(es.inputs) as { spec: { target: { deletionPolicy: string } } }).spec.target.deletionPolicy,
        "Retain",
      );
  });

  it("reports the removed purpose as retired in posture, where its last observations are shown", () => {
    const before = planDocument({ cluster: "demo", now, registry: a.registry, stacks: a.stacks });
    const entries = posture(c.registry, planObservations(before, a.registry), now);
    const retired = entries.find((e) => e.purpose === removed)!;
    assert.equal(retired.status, "retired");
    assert.match(retired.reason, /no longer in the registry/);
    assert.equal(entries.filter((e) => e.status === "retired").length, 1);
  });
});
