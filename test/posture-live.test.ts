import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { x509 } from "../pki/x509.js";
import { posture, type Observation, type Status } from "../posture/model.js";
import { readLiveObservations } from "../posture/live/index.js";
import {
  kubernetesApiFromEnv,
  kubernetesApiFromKubeConfig,
  readCertificateObservations,
} from "../posture/live/kubernetes.js";
import { readVaultObservations, vaultReader, vaultReaderFromEnv, type VaultReader } from "../posture/live/vault.js";
import { loadRegistry } from "../registry/load.js";
import { InvalidInputError } from "../registry/problems.js";
import { kubernetesNotFound, startKubernetesStandIn, type KubernetesStandIn } from "./support/kubernetes-stand-in.js";
import type { RecordedAnswers, StandIn, StandInTls } from "./support/stand-in-server.js";
import { startVaultStandIn, vaultResponse } from "./support/vault-stand-in.js";
import { scratchDir } from "./support/scratch.js";

const loaded = loadRegistry("purposes");
assert.ok(loaded.ok);
const registry = loaded.registry;

const DAY = 86_400_000;
const T = Date.parse("2026-11-22T09:00:00Z");
const at = (days: number) => new Date(T + days * DAY).toISOString();
const unix = (days: number) => (T + days * DAY) / 1000;
const TOKEN = "hvs.CAESIJlWh0VYrBQ2-live-posture-canary";
const dir = scratchDir("posture-live-");

// ---- the demo registry as Vault holds it: every path spelt here as the Vault API documents it ----

/** Every KV v2 secret (`<owner>/<purpose>`) of the demo: vault_kv purposes and handed-over bootstrap values. */
const KV_SECRETS = [
  "data/data-s3-export-credentials",
  "data/data-warehouse-credentials",
  "platform/flux-git-deploy-key",
  "identity/identity-admin-recovery-codes",
  "identity/identity-db-password",
  "identity/identity-smtp-credentials",
  "payments/payments-db-password",
  "payments/payments-stripe-api-key",
  "payments/payments-webhook-hmac",
  "storefront/storefront-search-api-token",
  "storefront/storefront-session-secret",
  "platform/vault-break-glass-admin",
  "platform/vault-kms-unseal-credentials",
  "platform/vault-snapshot-storage-credentials",
];
/** Every transit key of the demo, with its type (symmetric keys report unix seconds, asymmetric ones RFC 3339). */
const TRANSIT_KEYS: Record<string, string> = {
  "audit-export-signing": "ed25519",
  "data-pii-tokenization-key": "aes256-gcm96",
  "identity-oidc-signing-key": "ecdsa-p256",
  "identity-session-encryption": "aes256-gcm96",
  "payments-card-data-key": "aes256-gcm96",
  "payments-receipt-signing": "ecdsa-p256",
  "storefront-cdn-signing-key": "ed25519",
};
const CERTIFICATE_PURPOSES = [
  "data-kafka-client-mtls",
  "identity-workload-mtls",
  "payments-api-mtls",
  "storefront-checkout-mtls",
  "storefront-ingress-tls",
];
const ISSUER_PATH = "/v1/pki_int/issuer/default";

// ---- recorded responses, in the shapes of Vault's API docs (KV v2 read metadata, transit read key, PKI read issuer) ----

/** `GET kv/metadata/<path>`: one entry per version; `deleteAfterDays` as `delete_version_after` sets deletion times. */
function kvMetadata(createdDays: readonly number[], options: { deleteAfterDays?: number; destroyed?: number[] } = {}) {
  const versions = Object.fromEntries(
    createdDays.map((d, i) => [
      String(i + 1),
      {
        created_time: at(d).replace(".000Z", ".945319214Z"),
        custom_metadata: null,
        deletion_time: options.deleteAfterDays ? at(d + options.deleteAfterDays) : "",
        destroyed: options.destroyed?.includes(i + 1) ?? false,
      },
    ]),
  );
  const created = createdDays[0] ?? -400;
  return vaultResponse(
    {
      cas_required: true,
      created_time: at(created),
      current_version: createdDays.length,
      custom_metadata: { purpose: "recorded", owner: "recorded", evidence: "recorded" },
      delete_version_after: options.deleteAfterDays ? `${options.deleteAfterDays * 24}h0m0s` : "0s",
      max_versions: 5,
      oldest_version: createdDays.length > 0 ? 1 : 0,
      updated_time: at(createdDays.at(-1) ?? created),
      versions,
    },
    "kv",
  );
}

/** `GET transit/keys/<name>`, as `formatKeyPolicy` in Vault's transit backend answers it. */
function transitKey(name: string, type: string, createdDays: readonly number[]) {
  const symmetric = type.startsWith("aes") || type.startsWith("chacha");
  const keys = Object.fromEntries(
    createdDays.map((d, i) => [
      String(i + 1),
      symmetric
        ? unix(d)
        : {
            certificate_chain: "",
            creation_time: at(d).replace(".000Z", ".123456789Z"),
            hybrid_public_key: "",
            name: type === "ed25519" ? "ed25519" : "P-256",
            public_key: "recorded",
          },
    ]),
  );
  return vaultResponse(
    {
      allow_plaintext_backup: false,
      auto_rotate_period: 2_592_000,
      deletion_allowed: false,
      derived: false,
      exportable: false,
      imported_key: false,
      keys,
      latest_version: createdDays.length,
      min_available_version: 0,
      min_decryption_version: 1,
      min_encryption_version: 0,
      name,
      supports_decryption: symmetric,
      supports_derivation: symmetric,
      supports_encryption: symmetric,
      supports_signing: !symmetric,
      type,
    },
    "transit",
  );
}

/** `GET pki_int/issuer/default`. */
const pkiIssuer = (pem: string) =>
  vaultResponse(
    {
      ca_chain: [pem],
      certificate: pem,
      crl_distribution_points: [],
      issuer_id: "2f958ec5-1838-336e-331b-07032379b958",
      issuer_name: "",
      issuing_certificates: [],
      key_id: "a8f0e1e0-4b4d-1d0e-7b59-4b6c7e3c9a11",
      leaf_not_after_behavior: "err",
      manual_chain: null,
      ocsp_servers: [],
      revocation_signature_algorithm: "ECDSAWithSHA256",
      revoked: false,
      usage: "crl-signing,issuing-certificates,ocsp-signing,read-only",
    },
    "pki",
  );

/** A self-signed CA certificate; `notAfter` in whole seconds (X.509 times have no fractions). */
async function caCertificate(commonName: string, notAfter: number, notBefore = T - 30 * DAY) {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${commonName}`,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, keys, pem: cert.toString("pem") };
}

const issuer = await caCertificate("Demo Platform Vault PKI Intermediate", T + 365 * DAY);

/**
 * The demo's Vault at T: every value and key created a day ago, except the ones a test is about. Answers not listed
 * are 404s (`{"errors":[]}`), as Vault gives them for a path with nothing behind it.
 */
function demoVault(): RecordedAnswers {
  const answers: RecordedAnswers = new Map();
  for (const secret of KV_SECRETS) answers.set(`/v1/kv/metadata/${secret}`, [200, kvMetadata([-1])]);
  for (const [name, type] of Object.entries(TRANSIT_KEYS))
    answers.set(`/v1/transit/keys/${name}`, [200, transitKey(name, type, [-1])]);
  answers.set(ISSUER_PATH, [200, pkiIssuer(issuer.pem)]);
  // payments-db-password (30d, grace 7d; delete_version_after 90d): three versions, the current one 31 days old.
  answers.set("/v1/kv/metadata/payments/payments-db-password", [
    200,
    kvMetadata([-70, -40, -31], { deleteAfterDays: 90 }),
  ]);
  // Phase 3 wrote the metadata of the recovery codes, and nobody has written a value yet.
  answers.set("/v1/kv/metadata/identity/identity-admin-recovery-codes", [200, kvMetadata([])]);
  // The search token was never written at all.
  answers.delete("/v1/kv/metadata/storefront/storefront-search-api-token");
  // payments-card-data-key (30d, grace 7d): auto-rotation stopped 40 days ago.
  answers.set("/v1/transit/keys/payments-card-data-key", [
    200,
    transitKey("payments-card-data-key", "aes256-gcm96", [-40]),
  ]);
  // identity-oidc-signing-key (asymmetric): rotated 10 days ago.
  answers.set("/v1/transit/keys/identity-oidc-signing-key", [
    200,
    transitKey("identity-oidc-signing-key", "ecdsa-p256", [-100, -10]),
  ]);
  answers.delete("/v1/transit/keys/audit-export-signing");
  return answers;
}

// ---- cert-manager Certificates as the API server returns them ----

function certificateObject(
  namespace: string,
  name: string,
  status:
    | { notBefore: number; notAfter: number; ready: true }
    | { notBefore: number; notAfter: number; ready: false; reason: string },
) {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: {
      name,
      namespace,
      uid: "5b0c6a7e-9d1f-4f0e-8c47-0d9c3f0b1a2e",
      resourceVersion: "48211",
      generation: 1,
      creationTimestamp: at(-60).replace(".000", ""),
    },
    spec: {
      secretName: name,
      duration: "720h",
      renewBeforePercentage: 33,
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: `vault-${name}` },
    },
    status: {
      conditions: [
        status.ready
          ? {
              lastTransitionTime: at(status.notBefore).replace(".000", ""),
              message: "Certificate is up to date and has not expired",
              observedGeneration: 1,
              reason: "Ready",
              status: "True",
              type: "Ready",
            }
          : {
              lastTransitionTime: at(status.notAfter).replace(".000", ""),
              message: "Certificate expired on recorded date",
              observedGeneration: 1,
              reason: status.reason,
              status: "False",
              type: "Ready",
            },
      ],
      notAfter: at(status.notAfter).replace(".000", ""),
      notBefore: at(status.notBefore).replace(".000", ""),
      renewalTime: at(status.notAfter - 5).replace(".000", ""),
      revision: 3,
    },
  };
}

const k8sNotFound = (name: string) => kubernetesNotFound({ group: "cert-manager.io", resource: "certificates" }, name);

function demoCluster(): RecordedAnswers {
  const path = (ns: string, name: string) => `/apis/cert-manager.io/v1/namespaces/${ns}/certificates/${name}`;
  return new Map<string, [number, object]>([
    // payments-api-mtls (30d, renewed 10d before expiry): issued 5 days ago.
    [
      path("payments", "payments-api-mtls"),
      [200, certificateObject("payments", "payments-api-mtls", { notBefore: -5, notAfter: 25, ready: true })],
    ],
    // data-kafka-client-mtls (14d): renewal failed, expired 6 days ago.
    [
      path("data", "data-kafka-client-mtls"),
      [
        200,
        certificateObject("data", "data-kafka-client-mtls", {
          notBefore: -20,
          notAfter: -6,
          ready: false,
          reason: "Expired",
        }),
      ],
    ],
    [path("storefront", "storefront-ingress-tls"), [404, k8sNotFound("storefront-ingress-tls")]],
  ]);
}

// ---- local stand-ins (test/support), every one stopped after this file's tests, whether they passed or failed ----

const started: StandIn[] = [];
afterAll(() => Promise.all(started.map((s) => s.stop())));
const kept = <T extends StandIn>(standIn: T) => (started.push(standIn), standIn);
const vaultStandIn = async (answers: RecordedAnswers, tls?: StandInTls) => kept(await startVaultStandIn(answers, tls));
const clusterStandIn = async (answers: RecordedAnswers) => kept(await startKubernetesStandIn(answers));

const testVault = (url: string, token = TOKEN): VaultReader =>
  vaultReaderFromEnv({ VAULT_ADDR: url, VAULT_TOKEN: token }, { allowPlainHttpForTests: true });

/** The posture reader's kubeconfig for a cluster stand-in. */
const kubeConfigFor = (cluster: KubernetesStandIn): KubeConfig =>
  cluster.kubeConfig({ name: "posture-reader", token: "k8s-reader-token" });

const byPurpose = (observations: readonly Observation[]) => new Map(observations.map((o) => [o.purpose, o]));

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected an error");
}

// ---- the tests ----

describe("live posture: Vault", () => {
  it("reads KV metadata, transit keys and the PKI issuer of every demo purpose, as X-Vault-Token, by the documented paths", async () => {
    const vault = await vaultStandIn(demoVault());
    await readVaultObservations(registry, testVault(vault.url));
    const expected = [
      ...KV_SECRETS.map((s) => `/v1/kv/metadata/${s}`),
      ...Object.keys(TRANSIT_KEYS).map((k) => `/v1/transit/keys/${k}`),
      ISSUER_PATH,
    ].sort();
    assert.deepEqual(vault.requests.map((r) => r.path).sort(), expected);
    for (const r of vault.requests) {
      assert.equal(r.method, "GET");
      assert.equal(r.headers["x-vault-token"], TOKEN);
    }
  });

  it("observes the current KV version's creation, the latest transit key version's creation and the issuer's notAfter", async () => {
    const vault = await vaultStandIn(demoVault());
    const observations = await readVaultObservations(registry, testVault(vault.url));
    assert.ok(observations.every((o) => o.source === "vault"));
    const kv = byPurpose(observations.filter((o) => o.issuerExpiresAt === undefined));
    assert.deepEqual(kv.get("payments-db-password"), {
      purpose: "payments-db-password",
      source: "vault",
      lastRotatedAt: at(-31).replace(".000Z", ".945Z"),
      // delete_version_after (90d) gives the current version a deletion time: consumers lose it then.
      expiresAt: at(59),
      detail: `KV version 3 (deleted from ${at(59)})`,
    });
    assert.deepEqual(kv.get("identity-admin-recovery-codes"), {
      purpose: "identity-admin-recovery-codes",
      source: "vault",
      detail: "KV metadata only: no version written yet",
    });
    assert.deepEqual(kv.get("flux-git-deploy-key"), {
      purpose: "flux-git-deploy-key",
      source: "vault",
      lastRotatedAt: at(-1).replace(".000Z", ".945Z"),
      detail: "KV version 1",
    });
    // Symmetric: unix seconds; asymmetric: the latest version's creation_time.
    assert.deepEqual(kv.get("payments-card-data-key"), {
      purpose: "payments-card-data-key",
      source: "vault",
      lastRotatedAt: at(-40),
      detail: "key version 1",
    });
    assert.deepEqual(kv.get("identity-oidc-signing-key"), {
      purpose: "identity-oidc-signing-key",
      source: "vault",
      lastRotatedAt: at(-10).replace(".000Z", ".123Z"),
      detail: "key version 2",
    });

    const issuerFacts = observations.filter((o) => o.issuerExpiresAt !== undefined);
    assert.deepEqual(issuerFacts.map((o) => o.purpose).sort(), CERTIFICATE_PURPOSES);
    for (const o of issuerFacts)
      assert.deepEqual(o, {
        purpose: o.purpose,
        source: "vault",
        issuerExpiresAt: at(365),
        detail: "PKI issuer pki_int/issuer/default",
      });
  });

  it("gives no observation for a path Vault answers 404", async () => {
    const vault = await vaultStandIn(demoVault());
    const purposes = new Set((await readVaultObservations(registry, testVault(vault.url))).map((o) => o.purpose));
    assert.ok(!purposes.has("storefront-search-api-token"));
    assert.ok(!purposes.has("audit-export-signing"));
    const empty = await vaultStandIn(new Map());
    assert.deepEqual(await readVaultObservations(registry, testVault(empty.url)), []);
  });

  it("reports every refused or malformed read at once, naming the purpose and path, never the token", async () => {
    const answers = demoVault();
    answers.set("/v1/kv/metadata/payments/payments-stripe-api-key", [
      403,
      { errors: ["1 error occurred:\n\t* permission denied\n\n"] },
    ]);
    answers.set("/v1/transit/keys/payments-receipt-signing", [500, { errors: [`internal error for token ${TOKEN}`] }]);
    answers.set(ISSUER_PATH, [200, vaultResponse({ certificate: "not a certificate" }, "pki")]);
    const vault = await vaultStandIn(answers);
    const e = await rejection(readVaultObservations(registry, testVault(vault.url)));
    assert.ok(e instanceof InvalidInputError);
    assert.equal(e.problems.length, 3, e.message);
    assert.match(
      e.message,
      /payments-stripe-api-key: kv\/metadata\/payments\/payments-stripe-api-key: HTTP 403: 1 error occurred:\n\t\* permission denied/,
    );
    assert.match(
      e.message,
      /payments-receipt-signing: transit\/keys\/payments-receipt-signing: HTTP 500: internal error for token \[token\]/,
    );
    assert.match(e.message, /pki_int\/issuer\/default: data\.certificate is not a PEM certificate/);
    assert.ok(!e.message.includes(TOKEN));
  });

  it("names an unreachable Vault once, not once per read, without printing the token", async () => {
    const gone = await vaultStandIn(new Map());
    await gone.stop();
    const e = await rejection(readVaultObservations(registry, testVault(gone.url)));
    assert.ok(e instanceof InvalidInputError);
    assert.equal(e.problems.length, 1, e.message);
    assert.match(e.message, new RegExp(`vault: ${gone.url}: connect ECONNREFUSED .* \\(22 of 22 reads\\)`));
    assert.ok(!e.message.includes(TOKEN));
  });

  it("names a sealed or uninitialized Vault once, with what to do, not once per path", async () => {
    for (const [status, error, said] of [
      [
        503,
        "Vault is sealed",
        /is sealed \(HTTP 503: Vault is sealed\): unseal it, then read posture again \(\d+ of 22 reads\)/,
      ],
      [
        501,
        "Vault is not initialized",
        /is not initialized \(HTTP 501: Vault is not initialized\): run the init ceremony first \(\d+ of 22 reads\)/,
      ],
    ] as const) {
      // Every recorded path answers the server's state (those the recording lacks answer 404, as before).
      const answers = demoVault();
      for (const path of answers.keys()) answers.set(path, [status, { errors: [error] }]);
      const vault = await vaultStandIn(answers);
      const e = await rejection(readVaultObservations(registry, testVault(vault.url)));
      assert.ok(e instanceof InvalidInputError);
      assert.equal(e.problems.length, 1, e.message);
      assert.match(e.message, new RegExp(`vault: ${vault.url.replace(/[/.]/g, "\\$&")} `));
      assert.match(e.message, said);
    }
  });

  it("verifies Vault's TLS certificate against VAULT_CACERT, and refuses another CA", async () => {
    // TLS checks validity against the real clock, not T.
    const ca = await caCertificate("Demo Platform Root CA", Date.now() + DAY, Date.now() - DAY);
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const leafKeys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: "02",
      subject: "CN=vault-active.vault.svc",
      issuer: ca.cert.subject,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
      publicKey: leafKeys.publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: alg,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }])],
    });
    const key = x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", leafKeys.privateKey), "PRIVATE KEY");
    const vault = await vaultStandIn(demoVault(), { key, cert: leaf.toString("pem") });
    const caFile = join(dir, "vault-ca.pem");
    writeFileSync(caFile, ca.pem);
    const observations = await readVaultObservations(
      registry,
      vaultReaderFromEnv({ VAULT_ADDR: vault.url, VAULT_TOKEN: TOKEN, VAULT_CACERT: caFile }),
    );
    assert.equal(observations.length, 24);

    const otherFile = join(dir, "other-ca.pem");
    writeFileSync(otherFile, issuer.pem);
    const e = await rejection(
      readVaultObservations(
        registry,
        vaultReaderFromEnv({ VAULT_ADDR: vault.url, VAULT_TOKEN: TOKEN, VAULT_CACERT: otherFile }),
      ),
    );
    assert.ok(e instanceof InvalidInputError);
    assert.equal(e.problems.length, 1, e.message);
    assert.match(
      e.message,
      /certificate .*\(is VAULT_CACERT the CA that signed Vault's listener certificate\?\) \(22 of 22 reads\)/,
    );
    assert.ok(!e.message.includes(TOKEN));
  });
});

describe("live posture: Vault settings", () => {
  it("names every missing variable at once, and what each is for", () => {
    const e = rejectionSync(() => vaultReaderFromEnv({}));
    assert.ok(e instanceof InvalidInputError);
    assert.equal(e.problems.length, 3);
    assert.match(e.message, /VAULT_ADDR: is not set: the Vault address, https:/);
    assert.match(e.message, /VAULT_TOKEN, VAULT_TOKEN_FILE: neither is set: a Vault token that may read/);
    assert.match(
      e.message,
      /VAULT_CACERT: is not set: a PEM file with the CA that signed Vault's listener certificate/,
    );
  });

  it("refuses plain http outside tests, and says so without printing the token", () => {
    const e = rejectionSync(() =>
      vaultReaderFromEnv({
        VAULT_ADDR: "http://127.0.0.1:8200",
        VAULT_TOKEN: TOKEN,
        VAULT_CACERT: join(dir, "missing.pem"),
      }),
    );
    assert.match(e.message, /VAULT_ADDR: must be an https:\/\/ URL/);
    assert.match(e.message, /VAULT_CACERT: cannot read .*missing\.pem \(ENOENT\)/);
    assert.ok(!e.message.includes(TOKEN));
    assert.throws(() => vaultReader({ address: "http://127.0.0.1:8200", token: TOKEN }), /must be https/);
  });

  it("reads the token from VAULT_TOKEN_FILE, and refuses an empty file or both variables, never echoing a token", async () => {
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const vault = await vaultStandIn(demoVault());
    await readVaultObservations(
      registry,
      vaultReaderFromEnv({ VAULT_ADDR: vault.url, VAULT_TOKEN_FILE: tokenFile }, { allowPlainHttpForTests: true }),
    );
    assert.equal(vault.requests[0]!.headers["x-vault-token"], TOKEN);

    const both = rejectionSync(() =>
      vaultReaderFromEnv(
        { VAULT_ADDR: vault.url, VAULT_TOKEN: TOKEN, VAULT_TOKEN_FILE: tokenFile },
        { allowPlainHttpForTests: true },
      ),
    );
    assert.match(both.message, /VAULT_TOKEN, VAULT_TOKEN_FILE: both are set/);
    const emptyFile = join(dir, "empty-token");
    writeFileSync(emptyFile, "\n");
    assert.throws(
      () =>
        vaultReaderFromEnv({ VAULT_ADDR: vault.url, VAULT_TOKEN_FILE: emptyFile }, { allowPlainHttpForTests: true }),
      /VAULT_TOKEN_FILE: .*empty-token is empty/,
    );
    const spaced = rejectionSync(() =>
      vaultReaderFromEnv({ VAULT_ADDR: vault.url, VAULT_TOKEN: "hvs.two words" }, { allowPlainHttpForTests: true }),
    );
    assert.match(spaced.message, /VAULT_TOKEN: holds characters a Vault token never has/);
    for (const e of [both, spaced]) assert.ok(!e.message.includes(TOKEN) && !e.message.includes("two words"));
  });
});

function rejectionSync(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected an error");
}

describe("live posture: Kubernetes", () => {
  it("gets each cert-manager purpose's Certificate by name in its consumers' namespace, as the kubeconfig user", async () => {
    const cluster = await clusterStandIn(demoCluster());
    await readCertificateObservations(registry, kubernetesApiFromKubeConfig(kubeConfigFor(cluster)));
    assert.deepEqual(cluster.requests.map((r) => r.path).sort(), [
      "/apis/cert-manager.io/v1/namespaces/data/certificates/data-kafka-client-mtls",
      "/apis/cert-manager.io/v1/namespaces/payments/certificates/payments-api-mtls",
      "/apis/cert-manager.io/v1/namespaces/storefront/certificates/storefront-ingress-tls",
    ]);
    for (const r of cluster.requests) {
      assert.equal(r.method, "GET");
      assert.equal(r.headers.authorization, "Bearer k8s-reader-token");
    }
  });

  it("observes notBefore as the last rotation, notAfter as expiry and the Ready condition; a 404 gives nothing", async () => {
    const cluster = await clusterStandIn(demoCluster());
    const observations = await readCertificateObservations(
      registry,
      kubernetesApiFromKubeConfig(kubeConfigFor(cluster)),
    );
    assert.deepEqual(
      [...observations].sort((a, b) => a.purpose.localeCompare(b.purpose)),
      [
        {
          purpose: "data-kafka-client-mtls",
          source: "kubernetes",
          lastRotatedAt: at(-20),
          expiresAt: at(-6),
          detail: "Certificate not Ready: Expired",
        },
        {
          purpose: "payments-api-mtls",
          source: "kubernetes",
          lastRotatedAt: at(-5),
          expiresAt: at(25),
          detail: "Certificate Ready",
        },
      ],
    );
  });

  it("reports every refused read at once with the API server's reason", async () => {
    const answers = demoCluster();
    const forbidden = (ns: string, name: string) => ({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `certificates.cert-manager.io "${name}" is forbidden: User "posture-reader" cannot get resource "certificates" in API group "cert-manager.io" in the namespace "${ns}"`,
      reason: "Forbidden",
      details: { name, group: "cert-manager.io", kind: "certificates" },
      code: 403,
    });
    answers.set("/apis/cert-manager.io/v1/namespaces/payments/certificates/payments-api-mtls", [
      403,
      forbidden("payments", "payments-api-mtls"),
    ]);
    answers.set("/apis/cert-manager.io/v1/namespaces/data/certificates/data-kafka-client-mtls", [
      403,
      forbidden("data", "data-kafka-client-mtls"),
    ]);
    const cluster = await clusterStandIn(answers);
    const e = await rejection(
      readCertificateObservations(registry, kubernetesApiFromKubeConfig(kubeConfigFor(cluster))),
    );
    assert.ok(e instanceof InvalidInputError);
    assert.equal(e.problems.length, 2);
    assert.match(
      e.message,
      /payments-api-mtls: certificates\.cert-manager\.io\/payments-api-mtls in payments: HTTP 403: .* cannot get resource "certificates"/,
    );
    assert.match(e.message, /data-kafka-client-mtls: .*HTTP 403/);
  });

  it("names an unreachable API server once, not once per Certificate", async () => {
    const gone = await clusterStandIn(new Map());
    await gone.stop();
    const e = await rejection(readCertificateObservations(registry, kubernetesApiFromKubeConfig(kubeConfigFor(gone))));
    assert.ok(e instanceof InvalidInputError);
    assert.equal(e.problems.length, 1, e.message);
    assert.match(e.message, /kubernetes: the API server: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(3 of 3 reads\)/);
  });

  it("refuses a kubeconfig with no current cluster, naming the context", () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: "prod-eu" });
    assert.throws(
      () => kubernetesApiFromKubeConfig(kc),
      /kubeconfig: no current cluster: its current context "prod-eu" names no cluster/,
    );
  });

  it("refuses, from the environment, a KUBECONFIG without a current context and a machine with no kubeconfig at all", () => {
    const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
    try {
      const file = join(dir, "kubeconfig");
      writeFileSync(
        file,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: a\n  cluster: { server: https://127.0.0.1:6443 }\ncontexts: []\nusers: []\n",
      );
      process.env.KUBECONFIG = file;
      assert.throws(() => kubernetesApiFromEnv(), /kubeconfig: no current cluster: it has no current context/);
      delete process.env.KUBECONFIG;
      process.env.HOME = scratchDir("home-");
      assert.throws(() => kubernetesApiFromEnv(), /kubeconfig: none found: set KUBECONFIG/);
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });
});

describe("live posture: both sources", () => {
  it("concatenates Vault's observations and then Kubernetes'", async () => {
    const vault = await vaultStandIn(demoVault());
    const cluster = await clusterStandIn(demoCluster());
    const observations = await readLiveObservations(registry, {
      vault: testVault(vault.url),
      kubernetes: kubernetesApiFromKubeConfig(kubeConfigFor(cluster)),
    });
    const sources = observations.map((o) => o.source);
    assert.deepEqual(sources, [...Array<string>(24).fill("vault"), "kubernetes", "kubernetes"]);
  });

  it("reports the problems of both sources together", async () => {
    const vault = await vaultStandIn(new Map([[ISSUER_PATH, [403, { errors: ["permission denied"] }]]]));
    const cluster = await clusterStandIn(
      new Map([
        [
          "/apis/cert-manager.io/v1/namespaces/payments/certificates/payments-api-mtls",
          [500, { kind: "Status", message: "etcdserver: request timed out", code: 500 }],
        ],
      ]),
    );
    const e = await rejection(
      readLiveObservations(registry, {
        vault: testVault(vault.url),
        kubernetes: kubernetesApiFromKubeConfig(kubeConfigFor(cluster)),
      }),
    );
    assert.ok(e instanceof InvalidInputError);
    assert.deepEqual(
      e.problems.map((p) => p.file),
      ["kubernetes", "vault"],
    );
    assert.match(e.message, /HTTP 500: etcdserver: request timed out/);
    assert.match(e.message, /HTTP 403: permission denied/);
  });

  it("feeds posture: statuses as computed by hand at T", async () => {
    const vault = await vaultStandIn(demoVault());
    const cluster = await clusterStandIn(demoCluster());
    const observations = await readLiveObservations(registry, {
      vault: testVault(vault.url),
      kubernetes: kubernetesApiFromKubeConfig(kubeConfigFor(cluster)),
    });
    const entries = new Map(posture(registry, observations, new Date(T)).map((e) => [e.purpose, e]));
    const expected: Record<string, Status> = {
      // Transit key rotated 40 days ago, period 30d + grace 7d = 37d: past the grace window.
      "payments-card-data-key": "stale",
      // KV version 31 days old, period 30d, grace 7d: due, still inside the grace window.
      "payments-db-password": "rotation-due",
      // Asymmetric key rotated 10 days ago, period 90d.
      "identity-oidc-signing-key": "healthy",
      // 404s and a metadata-only secret: nothing shows a rotation.
      "audit-export-signing": "stale",
      "storefront-search-api-token": "stale",
      "identity-admin-recovery-codes": "stale",
      // Issued 5 days ago; renewal due at 30d - 10d = 20d; the issuer (365d) covers 30d + 10d.
      "payments-api-mtls": "healthy",
      // notAfter 6 days ago.
      "data-kafka-client-mtls": "expired",
      // No Certificate (404): only the issuer's expiry is known.
      "storefront-ingress-tls": "stale",
      // Created a day ago, period 180d.
      "flux-git-deploy-key": "healthy",
    };
    for (const [purpose, status] of Object.entries(expected))
      assert.equal(entries.get(purpose)!.status, status, `${purpose}: ${entries.get(purpose)!.reason}`);
    assert.equal(entries.get("payments-card-data-key")!.graceEndsAt, at(-3));
    assert.equal(entries.get("payments-db-password")!.expiresAt, at(59));
    assert.deepEqual(entries.get("payments-api-mtls")!.sources, ["kubernetes", "vault"]);
    assert.equal(entries.get("payments-api-mtls")!.issuerExpiresAt, at(365));
    assert.deepEqual(entries.get("identity-admin-recovery-codes")!.sources, ["vault"]);
    assert.deepEqual(entries.get("audit-export-signing")!.sources, []);
  });

  it("fails closed when the live issuer cannot cover one more period and grace", async () => {
    const shortIssuer = await caCertificate("Demo Platform Vault PKI Intermediate", T + 30 * DAY);
    const answers = demoVault();
    answers.set(ISSUER_PATH, [200, pkiIssuer(shortIssuer.pem)]);
    const vault = await vaultStandIn(answers);
    const cluster = await clusterStandIn(demoCluster());
    const observations = await readLiveObservations(registry, {
      vault: testVault(vault.url),
      kubernetes: kubernetesApiFromKubeConfig(kubeConfigFor(cluster)),
    });
    const status = (purpose: string) =>
      posture(registry, observations, new Date(T)).find((e) => e.purpose === purpose)!.status;
    // Issuer left: 30d. payments-api-mtls needs 30d + 10d, storefront-ingress-tls 90d + 30d; an expired one stays expired.
    assert.equal(status("payments-api-mtls"), "fail-closed");
    assert.equal(status("storefront-ingress-tls"), "fail-closed");
    assert.equal(status("data-kafka-client-mtls"), "expired");
    // identity-workload-mtls (24h + 8h) is still covered: nothing shows its rotation (csi certificates live in pods).
    assert.equal(status("identity-workload-mtls"), "stale");
  });
});
