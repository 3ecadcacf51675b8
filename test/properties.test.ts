import assert from "node:assert/strict";
import { describe, it } from "vitest";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { accessMatrix, entitled } from "../access/matrix.js";
import { readProjectFile } from "../config/project.js";
import { loadStackConfig } from "../config/stack-file.js";
import { parsePlatformConfig } from "../config/platform.js";
import { steadyStateLayout } from "../delivery/layout.js";
import { customResourceName } from "../delivery/objects.js";
import { crdSchemaProblem } from "../plan/engine/models/crd-schemas.js";
import { main as planMain } from "../plan/cli.js";
import { DELIVERIES, type Delivery } from "../registry/schema.js";
import { validateRegistry, type Registry } from "../registry/load.js";
import { aclViolations, renderAclPolicy } from "../vault/acl.js";
import { runtimeAuthorityLayout } from "../vault/layout.js";
import { LOGIN_TOKEN_TTL_SECONDS } from "../vault/paths.js";
import { purpose, registryDir, registryFile } from "./support/registry-factory.js";
import { projectWith } from "./support/project-copy.js";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Property-based tests (fast-check): registries and stack configs generated at random, valid and invalid. Valid ones
 * always derive a layout whose Vault access is exactly the contracts' and whose custom resources the CRD schemas
 * accept; invalid ones are always refused with every problem naming file, purpose and field, never with a crash.
 * The number of cases each property tried is reported as a test annotation (shown by the verbose reporter).
 */

const TEAMS = ["alpha", "beta", "gamma"] as const;
const NAMESPACES = ["alpha", "beta", "gamma", "shared", "edge"] as const;
const ACCOUNTS = ["api", "worker", "web"] as const;

type Raw = Record<string, unknown>;

/** One valid purpose of `delivery` for `team`, with generated consumers and rotation. */
const validPurpose = (team: string, delivery: Delivery, index: number) =>
  fc
    .record({
      consumers: fc.uniqueArray(
        fc.record({ namespace: fc.constantFrom(...NAMESPACES), serviceAccount: fc.constantFrom(...ACCOUNTS) }),
        { minLength: 1, maxLength: 3, selector: (c) => `${c.namespace}/${c.serviceAccount}` },
      ),
      periodDays: fc.integer({ min: 2, max: 365 }),
      graceShare: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    })
    .map(({ consumers, periodDays, graceShare }) => {
      const id = `${team}-${delivery}-${index}`;
      // Contract rules the generator honours: a cert-manager key and a reveal-once value stay in one namespace, a
      // bootstrap Secret has a consumer where it lives, the push writer is a consumer.
      const cs =
        delivery === "cert-manager" || delivery === "reveal-once"
          ? consumers
              .map((c) => ({ ...c, namespace: consumers[0]!.namespace }))
              .filter((c, i, a) => a.findIndex((x) => x.serviceAccount === c.serviceAccount) === i)
          : consumers;
      const withHome =
        delivery === "bootstrap" && !cs.some((c) => c.namespace === team)
          ? [...cs, { namespace: team, serviceAccount: "bootstrap-reader" }]
          : cs;
      const grace = Math.max(1, Math.min(periodDays - 1, Math.round(periodDays * graceShare)));
      const base = purpose(delivery, {}, team);
      const overrides: Raw = {
        id,
        consumers: withHome,
        rotation: { ...(base.rotation as Raw), period: `${periodDays}d`, grace: `${grace}d` },
      };
      if (delivery === "push-secret") overrides.push = { writer: withHome[0] };
      if (delivery === "bootstrap")
        overrides.bootstrap = { source: `bootstrap/${team}/${id}.sops.yaml`, namespace: team, secretName: id };
      if (delivery === "cert-manager" || delivery === "csi")
        overrides.certificate = { dnsNames: [`${id}.${withHome[0]!.namespace}.svc`] };
      return purpose(delivery, overrides, team);
    });

/** A valid registry: per team, one purpose for some of the delivery modes. */
const validRegistry = fc
  .tuple(
    ...TEAMS.map((team) =>
      fc
        .subarray([...DELIVERIES], { minLength: 1 })
        .chain((ds) => fc.tuple(...ds.map((d, i) => validPurpose(team, d, i)))),
    ),
  )
  .map((perTeam) =>
    Object.fromEntries(TEAMS.map((team, i) => [`purposes/${team}.yaml`, registryFile(team, perTeam[i]!)])),
  );

const parse = (files: Record<string, string>) =>
  validateRegistry(Object.entries(files).map(([file, text]) => ({ file, text })));

describe("property: valid registries", () => {
  it("validate, and derive Vault access that reaches each purpose only through its consumers and controllers", async ({
    annotate,
  }) => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(validRegistry, async (files) => {
        runs++;
        const r = parse(files);
        assert.ok(
          r.ok,
          r.ok ? "" : r.problems.map((p) => `${p.file}: ${p.subject}: ${p.field}: ${p.message}`).join("\n"),
        );
        const registry: Registry = r.registry;
        const layout = runtimeAuthorityLayout(registry, { certManager: "cert-manager" });
        const identities = [
          ...layout.consumers.map((g) => ({
            policy: g.policy,
            ns: g.consumer.namespace,
            sa: g.consumer.serviceAccount,
          })),
          ...layout.issuers.map((i) => ({ policy: i.policy, ns: i.namespace, sa: i.serviceAccount })),
          ...layout.handovers.map((h) => ({ policy: h.policy, ns: h.namespace, sa: h.jobName })),
        ];
        for (const id of identities) assert.deepEqual(aclViolations(id.policy), []);
        // The resources phase 3 would register, as the matrix reads them.
        const resources = identities.flatMap((id) => [
          { type: "vault:index/policy:Policy", props: { name: id.policy.name, policy: renderAclPolicy(id.policy) } },
          {
            type: "vault:kubernetes/authBackendRole:AuthBackendRole",
            props: {
              roleName: id.policy.name,
              boundServiceAccountNames: [id.sa],
              boundServiceAccountNamespaces: [id.ns],
              tokenPolicies: [id.policy.name],
              tokenTtl: LOGIN_TOKEN_TTL_SECONDS,
            },
          },
        ]);
        for (const row of accessMatrix(resources, registry))
          assert.ok(
            entitled(
              registry.purposes.find((p) => p.id === row.purpose)!,
              "cert-manager",
            ).has(row.identity),
            `${row.identity} on ${row.path}`,
          );
        // Every custom resource of the steady state is one the CRD schemas accept.
        const steady = steadyStateLayout(registry, {
          vaultServer: "https://vault-active.vault.svc:8200",
          rootCertificatePem: "-----BEGIN CERTIFICATE-----\n",
        });
        for (const spec of [
          ...steady.stores.map((s) => s.resource),
          ...steady.issuers.flatMap((i) => [i.resource, i.approval]),
          ...steady.deliveries.flatMap((d) => d.resources),
          steady.trustBundle,
        ])
          assert.equal(await crdSchemaProblem(spec), undefined, `${spec.kind} ${spec.metadata.name}`);
      }),
      { numRuns: 80 },
    );
    await annotate(`valid registries tried: ${runs}`);
  });
});

describe("property: valid registries, planned", () => {
  it("plan end to end through every phase with zero mandatory policy violations", async ({ annotate }) => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(validRegistry, async (files) => {
        runs++;
        // The demo's stacks, with the generated registry instead of the demo's (bootstrap namespaces allowed).
        const root = projectWith(Object.fromEntries(Object.entries(files).map(([f, text]) => [f, () => text])));
        rmSync(join(root, "purposes", "payments.yaml"), { force: true });
        for (const f of ["data", "identity", "platform", "storefront"])
          rmSync(join(root, "purposes", `${f}.yaml`), { force: true });
        const stack = join(root, "stacks", "Pulumi.demo-bootstrap.yaml");
        writeFileSync(
          stack,
          readFileSync(stack, "utf8").replace(
            /allowedNamespaces:[\s\S]*?(\n {2}\S|$)/,
            (_m, next: string) => `allowedNamespaces: [${TEAMS.join(", ")}, flux-system, vault]${next}`,
          ),
        );
        // Flux's deploy key and Vault's seal credentials are demo purposes the other stacks' config names.
        writeFileSync(join(root, "purposes", "platform.yaml"), readFileSync("purposes/platform.yaml", "utf8"));
        const out: string[] = [];
        const err: string[] = [];
        const before = process.cwd();
        process.chdir(root);
        let code: number;
        try {
          code = await planMain(["--out", "plan-out"], { out: (l) => out.push(l), err: (l) => err.push(l) });
        } finally {
          process.chdir(before);
        }
        assert.equal(code, 0, [...err, ...out].join("\n"));
        assert.ok(
          out.includes("  policy violations: 0 mandatory, 0 advisory") ||
            out.some((l) => /policy violations: 0 mandatory/.test(l)),
        );
      }),
      { numRuns: 2 },
    );
    await annotate(`valid registries planned: ${runs}`);
  });
});

/**
 * Registries whose ids and namespaces are drawn from a few pieces that join alike (`a` + `b-c`, `a-b` + `c`, `x` +
 * `-generator`): their derived names collide often.
 */
const IDS = ["b", "c", "b-c", "x", "x-generator", "x-generated", "generator"] as const;
const NAMESPACES_JOINING = ["a", "a-b", "a-generator"] as const;
const crowdedRegistry = fc
  .uniqueArray(
    fc.record({
      id: fc.constantFrom(...IDS),
      delivery: fc.constantFrom("external-secret", "push-secret", "reveal-once", "cert-manager" as const),
      namespaces: fc.uniqueArray(fc.constantFrom(...NAMESPACES_JOINING), { minLength: 1, maxLength: 2 }),
      secretName: fc.option(fc.constantFrom(...IDS), { freq: 4, nil: undefined }),
    }),
    { minLength: 2, maxLength: 5, selector: (p) => p.id },
  )
  .map((ps) => ({
    "purposes/payments.yaml": registryFile(
      "payments",
      ps.map(({ id, delivery, namespaces, secretName }) => {
        const consumers = (delivery === "cert-manager" ? namespaces.slice(0, 1) : namespaces).map((namespace) => ({
          namespace,
          serviceAccount: "app",
        }));
        return purpose(delivery, {
          id,
          consumers,
          ...(delivery === "push-secret" ? { push: { writer: consumers[0] } } : {}),
          ...(delivery === "cert-manager"
            ? { certificate: { dnsNames: [`${id}.svc`], ...(secretName ? { secretName } : {}) } }
            : secretName
              ? { kv: { secretName } }
              : {}),
        });
      }),
    ),
  }));

describe("property: derived names", () => {
  it("of every registry that validates are unique per Kubernetes kind and namespace and per Pulumi name; the rest are refused by purpose and field", ({
    annotate,
  }) => {
    let runs = 0;
    let valid = 0;
    fc.assert(
      fc.property(crowdedRegistry, (files) => {
        runs++;
        const r = parse(files);
        if (!r.ok) {
          for (const p of r.problems) assert.ok(p.file && p.subject && p.field && p.message, JSON.stringify(p));
          return;
        }
        valid++;
        // Read from the layout the steady state registers, not from the validation's own list of names.
        const steady = steadyStateLayout(r.registry, { vaultServer: "", rootCertificatePem: "" });
        const objects = [
          ...steady.stores.map((s) => s.resource),
          ...steady.issuers.flatMap((i) => [i.resource, i.approval]),
          ...steady.deliveries.flatMap((d) => d.resources),
        ];
        const unique = (keys: string[]) => assert.equal(new Set(keys).size, keys.length, keys.join("\n"));
        unique(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ""} ${o.metadata.name}`));
        unique(objects.map((o) => `${o.kind} ${customResourceName(o)}`));
        for (const o of objects) assert.ok(o.metadata.name.length <= 253, o.metadata.name);
      }),
      { numRuns: 200 },
    );
    void annotate(`crowded registries tried: ${runs}, valid: ${valid}`);
  });
});

/** Corruptions of one purpose, each with the field its problem must name. */
const CORRUPTIONS: readonly { field: string; apply: (p: Raw) => Raw }[] = [
  { field: "rotation.period", apply: (p) => ({ ...p, rotation: { ...(p.rotation as Raw), period: "30x" } }) },
  {
    field: "rotation.grace",
    apply: (p) => ({ ...p, rotation: { ...(p.rotation as Raw), grace: (p.rotation as Raw).period } }),
  },
  { field: "delivery", apply: (p) => ({ ...p, delivery: "carrier-pigeon" }) },
  { field: "tier", apply: (p) => ({ ...p, tier: p.tier === "vault_transit" ? "vault_kv" : "vault_transit" }) },
  {
    field: "consumers[0].namespace",
    apply: (p) => ({ ...p, consumers: [{ namespace: "Not_A_Namespace", serviceAccount: "x" }] }),
  },
  { field: "evidence", apply: (p) => ({ ...p, evidence: "undeclared-evidence" }) },
  { field: "owner", apply: (p) => ({ ...p, owner: "someone-else" }) },
  { field: "rotaton", apply: (p) => ({ ...p, rotaton: p.rotation }) },
  { field: "description", apply: (p) => ({ ...p, description: undefined }) },
];

describe("property: invalid registries", () => {
  it("are refused with every problem naming file, purpose and field, never with a crash", async ({ annotate }) => {
    let runs = 0;
    fc.assert(
      fc.property(validRegistry, fc.nat(), fc.constantFrom(...CORRUPTIONS), (files, pick, corruption) => {
        runs++;
        const names = Object.keys(files);
        const file = names[pick % names.length]!;
        const team = file.slice("purposes/".length, -".yaml".length);
        const doc = parseYaml(files[file]!) as { purposes: Raw[]; evidence: Raw[] };
        const target = doc.purposes[pick % doc.purposes.length]!;
        doc.purposes[pick % doc.purposes.length] = corruption.apply(target);
        const r = parse({ ...files, [file]: registryFile(team, doc.purposes, doc.evidence) });
        assert.ok(!r.ok, `${corruption.field} was accepted`);
        const mine = r.problems.filter((p) => p.file === file && p.subject === target.id);
        assert.ok(
          mine.some((p) => p.field === corruption.field),
          `no problem names ${file}: ${String(target.id)}: ${corruption.field}: ${JSON.stringify(r.problems)}`,
        );
        for (const p of r.problems) assert.ok(p.file && p.message, "every problem has a file and a message");
      }),
      { numRuns: 150 },
    );
    await annotate(`invalid registries tried: ${runs}`);
  });

  it("make the plan exit 2 before anything is planned, with no stack trace", async ({ annotate }) => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(validRegistry, fc.constantFrom(...CORRUPTIONS), async (files, corruption) => {
        runs++;
        const [file, text] = Object.entries(files)[0]!;
        const doc = parseYaml(text) as { purposes: Raw[]; evidence: Raw[] };
        doc.purposes[0] = corruption.apply(doc.purposes[0]!);
        const dir = registryDir({
          [file.slice("purposes/".length)]: registryFile(
            file.slice("purposes/".length, -".yaml".length),
            doc.purposes,
            doc.evidence,
          ),
        });
        const out: string[] = [];
        const err: string[] = [];
        const code = await planMain(["--registry", dir, "--out", `${dir}/out`], {
          out: (l) => out.push(l),
          err: (l) => err.push(l),
        });
        assert.equal(code, 2, err.join("\n"));
        assert.match(err[0]!, /^plan: invalid input, \d+ problems? \(nothing was planned\):$/);
        assert.ok(!err.join("\n").includes("    at "), "no stack trace");
        assert.deepEqual(out, [], "nothing planned");
      }),
      { numRuns: 15 },
    );
    await annotate(`invalid registries planned: ${runs}`);
  });
});

describe("property: stack configs", () => {
  const project = readProjectFile();
  const declared = Object.keys(project.config);
  const demo = loadStackConfig(project, "demo-steady-state", () => undefined);
  assert.ok(demo.ok);
  const base = demo.config.values;
  const keys = declared.filter((k) => !["cluster", "phase"].includes(k));

  it("refuse any garbage in a typed key by file and key, never crash, and never echo a secret-looking value", async ({
    annotate,
  }) => {
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.string({ minLength: 1, maxLength: 40 }), (key, junk) => {
        runs++;
        const value = `AGE-SECRET-KEY-1${junk}`;
        const r = parsePlatformConfig({
          project: "secrets-platform",
          stack: "demo-steady-state",
          file: "stacks/x.yaml",
          values: { ...base, [`secrets-platform:${key}`]: value },
          secretKeys: [],
          declared,
        });
        if (r.ok) return; // free-text keys (descriptions, names) may accept it
        for (const p of r.problems) {
          assert.equal(p.file, "stacks/x.yaml");
          assert.match(p.subject ?? "", /^(secrets-platform|vault):/);
          assert.ok(!p.message.includes(value), `${key}: the value is echoed`);
        }
      }),
      { numRuns: 300 },
    );
    await annotate(`configs tried: ${runs}`);
  });
});
