import assert from "node:assert/strict";
import { describe, it } from "vitest";
import type { ResourceView, StackView } from "../policies/rule.js";
import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { loadRegistry, type Registry } from "../registry/load.js";
import { changeCount, reviewOf, type Review } from "../review/diff.js";
import { reviewMarkdown } from "../review/markdown.js";
import { inBrief, resourceSummary, valueInBrief } from "../review/targets.js";
import { purpose, registryDir, registryFile } from "./support/registry-factory.js";

/** The review of a change, on small stacks built from a few resources. */

function registryOf(...purposes: Record<string, unknown>[]): Registry {
  const result = loadRegistry(registryDir({ "payments.yaml": registryFile("payments", purposes) }));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.registry;
}
const registry = registryOf(
  purpose("external-secret", { id: "payments-db-password" }),
  purpose("external-secret", { id: "payments-stripe-key" }),
);
const both = { base: registry, head: registry };

const STACK = "demo-runtime-authority";
function resource(type: string, name: string, props: Record<string, any>, protect = false): ResourceView {
  return {
    type,
    name,
    urn: `urn:pulumi:${STACK}::p::${type}::${name}`,
    props,
    protect,
    stack: STACK,
    phase: undefined,
    secretsMarked: true,
  };
}
const stacks = (...resources: ResourceView[]): StackView[] => [{ stack: STACK, phase: undefined, resources }];

const policy = (name: string, paths: Record<string, string[]>) =>
  resource(RESOURCE_TYPES.vaultPolicy, `${name}-policy`, {
    name,
    policy: JSON.stringify({
      path: Object.fromEntries(Object.entries(paths).map(([p, c]) => [p, { capabilities: c }])),
    }),
  });
const role = (ns: string, sa: string, policies = [`consumer.${ns}.${sa}`]) =>
  resource(RESOURCE_TYPES.vaultKubernetesAuthRole, `consumer.${ns}.${sa}-role`, {
    roleName: `consumer.${ns}.${sa}`,
    boundServiceAccountNames: [sa],
    boundServiceAccountNamespaces: [ns],
    tokenPolicies: policies,
  });
const consumer = (ns: string, sa: string, paths: Record<string, string[]>) => [
  policy(`consumer.${ns}.${sa}`, paths),
  role(ns, sa),
];
const pkiRole = (name: string, grant: Record<string, unknown>) =>
  resource(RESOURCE_TYPES.vaultPkiRole, `pki-role-${name}`, { backend: "pki_int", name, ...grant });
/** A Kubernetes object; its type token the provider's (a SecretPatch is `kind: Secret` too: the token tells them apart). */
const k8s = (kind: string, urnName: string, metadata: Record<string, unknown>, rest: Record<string, unknown>) =>
  resource(`kubernetes:${kind === "Secret" ? "core" : "test"}/v1:${kind}`, urnName, { kind, metadata, ...rest });
const certificate = (ns: string, dnsNames: string[]) =>
  k8s(
    "Certificate",
    "cert",
    { name: "api-tls", namespace: ns, labels: { "secrets-platform/purpose": "payments-api-tls" } },
    { spec: { secretName: "api-tls", dnsNames, issuerRef: { kind: "ClusterIssuer", name: "vault" } } },
  );
const externalSecret = (ns: string, urnName = `es-${ns}`) =>
  k8s(
    "ExternalSecret",
    urnName,
    { name: "payments-db-password", namespace: ns, labels: { "secrets-platform/purpose": "payments-db-password" } },
    {
      spec: {
        dataFrom: [{ extract: { key: "payments/payments-db-password" } }],
        secretStoreRef: { kind: "ClusterSecretStore", name: "vault.payments.payments-api" },
        target: { name: "db" },
      },
    },
  );

const DB = "kv/data/payments/payments-db-password";
const STRIPE = "kv/data/payments/payments-stripe-key";
const apiReadsDb = consumer("payments", "payments-api", { [DB]: ["read"] });

/** Every list of the review but the ones named, empty: the review says what changed and nothing else. */
function onlyThese(review: Review, ...lists: (keyof Review)[]) {
  for (const [key, list] of Object.entries(review))
    if (!lists.includes(key as keyof Review)) assert.deepEqual(list, [], `${key} should list nothing`);
}

describe("the review of a change to access and trust", () => {
  it("finds nothing between a plan and itself", () => {
    const s = stacks(...apiReadsDb, pkiRole("api", { allowedDomains: ["api.svc"] }), certificate("payments", ["a"]));
    assert.equal(changeCount(reviewOf(s, structuredClone(s), both)), 0);
  });

  it("names a new reader of a purpose, from the policy its new auth role carries", () => {
    const review = reviewOf(
      stacks(...apiReadsDb),
      stacks(...apiReadsDb, ...consumer("payments", "reporting", { [DB]: ["read"] })),
      both,
    );
    assert.deepEqual(review.access, [
      {
        purpose: "payments-db-password",
        identity: "payments/reporting",
        role: "consumer.payments.reporting",
        path: DB,
        before: [],
        after: ["read"],
      },
    ]);
    assert.deepEqual(review.policies, [
      {
        name: "consumer.payments.reporting",
        change: "added",
        granted: [{ path: DB, capabilities: ["read"] }],
        revoked: [],
      },
    ]);
    assert.deepEqual(review.authRoles, [
      {
        name: "consumer.payments.reporting",
        change: "added",
        identities: { added: ["payments/reporting"], removed: [] },
        policies: { added: ["consumer.payments.reporting"], removed: [] },
      },
    ]);
    onlyThese(review, "access", "policies", "authRoles");
    const md = reviewMarkdown(review, { base: "base.json", head: "plan.json" });
    assert.match(
      md,
      /new reader `payments\/reporting` \(role `consumer.payments.reporting`\): `kv\/data\/payments\/payments-db-password` \[read\]/,
    );
  });

  it("evaluates grants as Vault does: a widened glob makes readers of every purpose path it matches", () => {
    const review = reviewOf(
      stacks(...apiReadsDb),
      stacks(...consumer("payments", "payments-api", { "kv/data/payments/*": ["read", "update"] })),
      both,
    );
    assert.deepEqual(
      review.access.map((a) => [a.purpose, a.path, a.before, a.after]),
      [
        ["payments-db-password", DB, ["read"], ["read", "update"]],
        ["payments-stripe-key", STRIPE, [], ["read", "update"]],
      ],
    );
    assert.match(reviewMarkdown(review, { base: "b", head: "h" }), /new writer `payments\/payments-api`/);
    assert.deepEqual(review.policies[0]!.granted, [{ path: "kv/data/payments/*", capabilities: ["read", "update"] }]);
    assert.deepEqual(review.policies[0]!.revoked, [{ path: DB, capabilities: ["read"] }]);
  });

  it("grants nobody through a policy no auth role carries, but still lists the policy", () => {
    const review = reviewOf(stacks(), stacks(policy("orphan", { [DB]: ["read"] })), both);
    assert.deepEqual(review.access, []);
    assert.equal(review.policies[0]!.name, "orphan");
  });

  it("attributes the base's access with the base's registry: a removed purpose loses its readers", () => {
    const review = reviewOf(stacks(...apiReadsDb), stacks(...consumer("payments", "payments-api", {})), {
      base: registry,
      head: registryOf(purpose("external-secret", { id: "payments-stripe-key" })),
    });
    assert.deepEqual(
      review.access.map((a) => [a.purpose, a.identity, a.before, a.after]),
      [["payments-db-password", "payments/payments-api", ["read"], []]],
    );
  });

  it("shows every field a PKI role changes, such as glob matching turned on", () => {
    const review = reviewOf(
      stacks(pkiRole("api", { allowedDomains: ["api.svc"], allowGlobDomains: false })),
      stacks(pkiRole("api", { allowedDomains: ["*.svc"], allowGlobDomains: true })),
      both,
    );
    assert.deepEqual(review.pkiRoles, [
      {
        role: "pki_int/api",
        change: "changed",
        fields: [
          { field: "allowGlobDomains", before: false, after: true },
          { field: "allowedDomains", before: ["api.svc"], after: ["*.svc"] },
        ],
      },
    ]);
    onlyThese(review, "pkiRoles");
  });

  it("lists the DNS names a Certificate gains and loses", () => {
    const review = reviewOf(
      stacks(certificate("payments", ["a.svc", "b.svc"])),
      stacks(certificate("payments", ["b.svc", "c.svc"])),
      both,
    );
    assert.deepEqual(review.dnsNames, [
      { resource: "Certificate payments/api-tls", purpose: "payments-api-tls", added: ["c.svc"], removed: ["a.svc"] },
    ]);
    onlyThese(review, "dnsNames");
  });

  it("sees a purpose's Secret moved to another namespace, and a Secret created and one removed", () => {
    const plain = (name: string) =>
      k8s("Secret", `secret-${name}`, { name, namespace: "ops" }, { stringData: "[secret]" });
    const review = reviewOf(
      stacks(externalSecret("payments"), plain("old")),
      stacks(externalSecret("billing"), plain("new")),
      both,
    );
    assert.deepEqual(
      review.secrets.map((s) => [s.change, s.secret, s.from]),
      [
        ["moved", "billing/db", "payments/db"],
        ["created", "ops/new", undefined],
        ["removed", "ops/old", undefined],
      ],
    );
  });

  it("flags protection lifted, a protected resource deleted, and a replacement under the same URN", () => {
    const kms = (protect: boolean) =>
      resource(RESOURCE_TYPES.vaultTransitKey, "key", { backend: "transit", name: "k" }, protect);
    const es = externalSecret("payments");
    const renamed = { ...es, props: { ...es.props, metadata: { ...es.props.metadata, name: "db-v2" } } };
    const gone = resource(RESOURCE_TYPES.vaultGenericEndpoint, "meta", { path: "kv/metadata/x" }, true);
    const review = reviewOf(stacks(kms(true), es, gone), stacks(kms(false), renamed), both);
    assert.deepEqual(
      review.resources.map((r) => [r.change, r.resource, r.protected]),
      [
        ["replaced", "ExternalSecret payments/payments-db-password", false],
        ["deleted", "Endpoint meta", true],
        ["protection removed", "SecretBackendKey key", true],
      ],
    );
    assert.match(reviewMarkdown(review, { base: "b", head: "h" }), /deleted `Endpoint meta` .*\*\*protected\*\*/);
  });

  it("never shows a Secret's value, even one a document failed to mark secret", () => {
    const leaky = k8s(
      "Secret",
      "leaky",
      { name: "leaky", namespace: "ops" },
      { stringData: { password: "canary-7f3a" } },
    );
    const review = reviewOf(stacks(), stacks(leaky), both);
    const md = reviewMarkdown(review, { base: "b", head: "h" });
    assert.match(md, /created `ops\/leaky`/);
    assert.ok(!md.includes("canary-7f3a") && !JSON.stringify(review).includes("canary-7f3a"));
  });
});

describe("what a resource targets or grants, in one line", () => {
  it("a policy: its paths and capabilities; an auth role: the identities it binds and its policies", () => {
    assert.equal(
      resourceSummary(policy("p", { [DB]: ["read"], "transit/encrypt/k": ["update"] })),
      `policy p: ${DB} [read]; transit/encrypt/k [update]`,
    );
    assert.equal(
      resourceSummary(role("payments", "api")),
      "role consumer.payments.api: payments/api → policies consumer.payments.api",
    );
  });

  it("an ExternalSecret: the Secret it writes and the Vault key; a Certificate: its Secret and DNS names", () => {
    assert.equal(
      resourceSummary(externalSecret("payments")),
      "Secret payments/db ← Vault payments/payments-db-password via ClusterSecretStore vault.payments.payments-api",
    );
    assert.equal(
      resourceSummary(certificate("payments", ["a.svc"])),
      "Secret payments/api-tls: DNS a.svc; issuer ClusterIssuer vault",
    );
  });

  it("any other resource: its inputs, each whole or described by its shape, never cut in the middle", () => {
    const long = "x".repeat(500);
    const line = inBrief({
      short: "abc",
      long,
      nested: { a: long, b: 1 },
      list: Array.from({ length: 40 }, (_, i) => `item-${i}`),
    });
    assert.equal(line, "short=abc, long=(500 characters), nested={a, b}, list=[40 items]");
    assert.equal(valueInBrief("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), "(PEM CERTIFICATE)");
  });
});
