import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { declaredPlatformNamespaces } from "../../config/platform-namespaces.js";
import { cliPassphrase } from "../../plan/passphrase-source.js";
import { planCluster } from "../../plan/run.js";
import { formatProblem, validateRegistry } from "../../registry/index.js";
import { platformReservation } from "../../registry/tenancy.js";
import { projectWith } from "../support/project-copy.js";
import { purpose, registryFile } from "../support/registry-factory.js";
import { assertRefused, type RedTeamCase } from "./harness.js";

/**
 * Tenancy (issue 19, items 1 and 2): a team's contract cannot reach what is not theirs. The platform's namespaces
 * and Secrets are reserved; a certificate names only the team's services or the domains the platform grants it.
 */

/** A platform file (it declares the domain grants), with one harmless purpose of its own. */
const platformFile = (domains: Record<string, string[]> = {}, purposes = [purpose("transit", {}, "platform")]) =>
  registryFile("platform", purposes, undefined, Object.keys(domains).length ? { domains } : {});

const certificate = (dnsNames: string[], more: Record<string, unknown> = {}, team = "storefront") =>
  purpose("cert-manager", { id: `${team}-tls`, certificate: { dnsNames, ...more } }, team);

const RESERVED: RedTeamCase[] = [
  {
    name: "a team's purpose moves the platform's value into its own path (movedFrom: { owner: platform })",
    files: {
      "payments.yaml": registryFile("payments", [
        purpose("external-secret", { id: "payments-unseal", movedFrom: { owner: "platform", id: "vault-unseal" } }),
      ]),
    },
    refused: [
      {
        file: "payments.yaml",
        subject: "payments-unseal",
        field: "movedFrom.owner",
        message: /moves a value out of the platform's paths/,
      },
    ],
  },
  {
    name: "an ExternalSecret of a team owns the SOPS age key (kv.secretName sops-age, a consumer in flux-system)",
    files: {
      "payments.yaml": registryFile("payments", [
        purpose("external-secret", {
          id: "payments-steal-age",
          consumers: [{ namespace: "flux-system", serviceAccount: "payments-api" }],
          kv: { secretName: "sops-age" },
        }),
      ]),
    },
    refused: [
      {
        file: "payments.yaml",
        subject: "payments-steal-age",
        field: "consumers[0].namespace",
        message: /flux-system is a namespace of the platform \(Flux and the SOPS age key, fluxNamespace\)/,
      },
      {
        file: "payments.yaml",
        subject: "payments-steal-age",
        field: "kv.secretName",
        message: /writes Secret flux-system\/sops-age, the platform's own \(the SOPS age key/,
      },
    ],
  },
  {
    name: "an ExternalSecret of a team owns Vault's listener certificate (vault-tls, a consumer in vault)",
    files: {
      "data.yaml": registryFile("data", [
        purpose(
          "external-secret",
          {
            id: "data-listener",
            consumers: [{ namespace: "vault", serviceAccount: "etl" }],
            kv: { secretName: "vault-tls" },
          },
          "data",
        ),
      ]),
    },
    refused: [
      {
        file: "data.yaml",
        subject: "data-listener",
        field: "consumers[0].namespace",
        message: /vault is a namespace of the platform/,
      },
      {
        file: "data.yaml",
        subject: "data-listener",
        field: "kv.secretName",
        message: /vault\/vault-tls, the platform's own \(Vault's listener certificate/,
      },
    ],
  },
  {
    name: "a certificate purpose of a team targets vault/vault-tls",
    files: {
      "storefront.yaml": registryFile("storefront", [
        purpose(
          "cert-manager",
          {
            id: "storefront-listener",
            consumers: [{ namespace: "vault", serviceAccount: "web" }],
            certificate: { dnsNames: ["web.vault.svc"], secretName: "vault-tls" },
          },
          "storefront",
        ),
      ]),
    },
    refused: [
      {
        file: "storefront.yaml",
        subject: "storefront-listener",
        field: "consumers[0].namespace",
        message: /vault is a namespace of the platform/,
      },
      {
        file: "storefront.yaml",
        subject: "storefront-listener",
        field: "certificate.secretName",
        message: /vault\/vault-tls/,
      },
    ],
  },
  {
    name: "the platform's own purpose writes the platform's Secret (a purpose id that is the Secret's name)",
    files: {
      "platform.yaml": registryFile("platform", [
        purpose(
          "external-secret",
          { id: "vault-tls", consumers: [{ namespace: "vault", serviceAccount: "vault" }] },
          "platform",
        ),
      ]),
    },
    refused: [
      {
        file: "platform.yaml",
        subject: "vault-tls",
        field: "id",
        message: /writes Secret vault\/vault-tls, the platform's own/,
      },
    ],
  },
  {
    name: "a team's bootstrap material lands in kube-system",
    files: {
      "payments.yaml": registryFile("payments", [
        purpose("bootstrap", {
          id: "payments-kube",
          consumers: [{ namespace: "kube-system", serviceAccount: "payments-api" }],
          bootstrap: { source: "bootstrap/kube-system/x.sops.yaml", namespace: "kube-system", secretName: "x" },
        }),
      ]),
    },
    refused: [
      {
        file: "payments.yaml",
        subject: "payments-kube",
        field: "bootstrap.namespace",
        message: /kube-system is a namespace of the platform \(Kubernetes' own\)/,
      },
      { file: "payments.yaml", subject: "payments-kube", field: "consumers[0].namespace", message: /kube-system/ },
    ],
  },
  {
    name: "a team's consumer in default gets a certificate for the API server's name (kubernetes.default.svc)",
    files: {
      "payments.yaml": registryFile("payments", [
        purpose("csi", {
          id: "payments-apiserver",
          consumers: [{ namespace: "default", serviceAccount: "kubernetes" }],
          certificate: { dnsNames: ["kubernetes.default.svc"] },
        }),
      ]),
    },
    refused: [
      {
        file: "payments.yaml",
        subject: "payments-apiserver",
        field: "consumers[0].namespace",
        message: /default is a namespace of the platform \(Kubernetes' own\)/,
      },
    ],
  },
  {
    name: "a team's PushSecret writer sits in cert-manager's namespace (the second consumer too)",
    files: {
      "payments.yaml": registryFile("payments", [
        purpose("push-secret", {
          id: "payments-push",
          consumers: [
            { namespace: "payments", serviceAccount: "payments-api" },
            { namespace: "cert-manager", serviceAccount: "cert-manager" },
          ],
          push: { writer: { namespace: "cert-manager", serviceAccount: "cert-manager" } },
        }),
      ]),
    },
    refused: [
      {
        file: "payments.yaml",
        subject: "payments-push",
        field: "consumers[1].namespace",
        message: /cert-manager is a namespace of the platform \(cert-manager, approver-policy/,
      },
    ],
  },
];

const NAMES: RedTeamCase[] = [
  {
    name: "a team's certificate names another team's service (payments-api.payments.svc)",
    files: { "storefront.yaml": registryFile("storefront", [certificate(["payments-api.payments.svc"])]) },
    refused: [
      {
        file: "storefront.yaml",
        subject: "storefront-tls",
        field: "certificate.dnsNames[0]",
        message:
          /payments-api\.payments\.svc is a service of namespace payments, where this purpose has no consumer \(its consumers' namespaces: storefront\)/,
      },
    ],
  },
  {
    name: "a team's certificate names Vault itself (vault-active.vault.svc.cluster.local), the address every store trusts",
    files: {
      "storefront.yaml": registryFile("storefront", [
        certificate(["web.storefront.svc", "vault-active.vault.svc.cluster.local"]),
      ]),
    },
    refused: [
      {
        file: "storefront.yaml",
        subject: "storefront-tls",
        field: "certificate.dnsNames[1]",
        message: /service of namespace vault/,
      },
    ],
  },
  {
    name: "a wildcard over every service of the cluster (*.svc)",
    files: { "storefront.yaml": registryFile("storefront", [certificate(["*.svc"])]) },
    refused: [
      {
        file: "storefront.yaml",
        field: "certificate.dnsNames[0]",
        message: /\*\.svc is not team storefront's: .*a wildcard needs a grant of \*\.<domain>/,
      },
    ],
  },
  {
    name: "a wildcard over the team's own namespace (*.storefront.svc): services are named one by one",
    files: { "storefront.yaml": registryFile("storefront", [certificate(["*.storefront.svc"])]) },
    refused: [{ file: "storefront.yaml", field: "certificate.dnsNames[0]", message: /wildcard inside the cluster/ }],
  },
  {
    name: "a wildcard over a top-level domain (*.com), beside a granted name",
    files: {
      "platform.yaml": platformFile({ storefront: ["shop.example.com"] }),
      "storefront.yaml": registryFile("storefront", [certificate(["shop.example.com", "*.com"])]),
    },
    refused: [
      {
        file: "storefront.yaml",
        field: "certificate.dnsNames[1]",
        message: /\*\.com is not team storefront's: .*granted: shop\.example\.com; a wildcard needs a grant/,
      },
    ],
  },
  {
    name: "a wildcard in a domain granted without wildcards",
    files: {
      "platform.yaml": platformFile({ storefront: ["shop.example.com"] }),
      "storefront.yaml": registryFile("storefront", [certificate(["*.shop.example.com"])]),
    },
    refused: [
      {
        file: "storefront.yaml",
        field: "certificate.dnsNames[0]",
        message: /a wildcard needs a grant of \*\.<domain>/,
      },
    ],
  },
  {
    name: "a public name no one granted",
    files: { "payments.yaml": registryFile("payments", [certificate(["pay.example.net"], {}, "payments")]) },
    refused: [
      {
        file: "payments.yaml",
        subject: "payments-tls",
        field: "certificate.dnsNames[0]",
        message: /pay\.example\.net is not team payments's: .*granted: none/,
      },
    ],
  },
  {
    name: "another team's granted domain",
    files: {
      "platform.yaml": platformFile({ storefront: ["shop.example.com"] }),
      "payments.yaml": registryFile("payments", [certificate(["checkout.shop.example.com"], {}, "payments")]),
    },
    refused: [{ file: "payments.yaml", field: "certificate.dnsNames[0]", message: /is not team payments's/ }],
  },
  {
    name: "a team grants itself a domain in its own file",
    files: {
      "storefront.yaml": registryFile("storefront", [certificate(["shop.example.com"])], undefined, {
        domains: { storefront: ["shop.example.com"] },
      }),
    },
    refused: [
      {
        file: "storefront.yaml",
        field: "domains",
        message: /only the platform's file \(platform\.yaml\) grants domains/,
      },
      { file: "storefront.yaml", field: "certificate.dnsNames[0]", message: /granted: none/ },
    ],
  },
  {
    name: "the platform grants a public suffix (*.com, co.uk, github.io) and a cluster name",
    files: {
      "platform.yaml": platformFile({
        storefront: ["*.com", "co.uk", "payments.svc", "*.github.io"],
      }),
      "storefront.yaml": registryFile("storefront", [certificate(["web.storefront.svc"])]),
    },
    refused: [
      { file: "platform.yaml", field: "domains.storefront[0]", message: /\*\.com is a public suffix/ },
      { file: "platform.yaml", field: "domains.storefront[1]", message: /co\.uk is a public suffix/ },
      { file: "platform.yaml", field: "domains.storefront[2]", message: /a name inside the cluster/ },
      { file: "platform.yaml", field: "domains.storefront[3]", message: /\*\.github\.io is a public suffix/ },
    ],
  },
  {
    name: "the platform grants one domain to two teams (one within the other)",
    files: {
      "platform.yaml": platformFile({ storefront: ["example.com"], payments: ["pay.example.com"] }),
      "storefront.yaml": registryFile("storefront", [certificate(["web.storefront.svc"])]),
      "payments.yaml": registryFile("payments", [certificate(["api.payments.svc"], {}, "payments")]),
    },
    refused: [
      {
        file: "platform.yaml",
        field: "domains.payments[0]",
        message: /pay\.example\.com overlaps example\.com, granted to team storefront: a name has one owner/,
      },
    ],
  },
  {
    name: "a commonName that is none of the dnsNames",
    files: {
      "storefront.yaml": registryFile("storefront", [
        certificate(["web.storefront.svc"], { commonName: "web.payments.svc" }),
      ]),
    },
    refused: [
      {
        file: "storefront.yaml",
        field: "certificate.commonName",
        message: /"web\.payments\.svc" must be one of dnsNames \(web\.storefront\.svc\)/,
      },
    ],
  },
  {
    name: "a commonName with a newline, passed on to the Certificate and the approval policy",
    files: {
      "storefront.yaml": registryFile("storefront", [
        certificate(["web.storefront.svc"], { commonName: "web.storefront.svc\nO=Platform" }),
      ]),
    },
    refused: [{ file: "storefront.yaml", field: "certificate.commonName", message: /must be a lowercase DNS name/ }],
  },
  {
    name: "names that are no DNS names: a 64-character label, an IPv4 address",
    files: {
      "storefront.yaml": registryFile("storefront", [certificate([`${"a".repeat(64)}.storefront.svc`, "10.0.0.1"])]),
    },
    refused: [
      { file: "storefront.yaml", field: "certificate.dnsNames[0]", message: /labels of at most 63 characters/ },
      { file: "storefront.yaml", field: "certificate.dnsNames[1]", message: /must be a lowercase DNS name/ },
    ],
  },
];

describe("red team: the platform's names are reserved (issue 19, item 1)", () => {
  for (const c of RESERVED) it(`refuses ${c.name}`, () => void assertRefused(c));

  it("reserves the namespaces the stack config names, not fixed ones", () => {
    const reservation = platformReservation([{ ...declaredPlatformNamespaces(), vault: "openbao" }]);
    const validate: typeof validateRegistry = (sources) => validateRegistry(sources, "purposes", reservation);
    const team = (namespace: string) => ({
      "payments.yaml": registryFile("payments", [
        purpose("external-secret", { consumers: [{ namespace, serviceAccount: "payments-api" }] }),
      ]),
    });
    assertRefused(
      {
        name: "a consumer in the configured Vault namespace",
        files: team("openbao"),
        refused: [
          {
            file: "payments.yaml",
            field: "consumers[0].namespace",
            message: /openbao is a namespace of the platform \(Vault, .*vaultNamespace\)/,
          },
        ],
      },
      validate,
    );
    const elsewhere = validate(Object.entries(team("vault")).map(([f, text]) => ({ file: `purposes/${f}`, text })));
    assert.ok(elsewhere.ok, "vault is a team's namespace where Vault runs in another");
  });

  it("refuses in the plan, before any stack runs, a namespace that one stack's config gives the platform", async () => {
    const root = projectWith({
      "stacks/Pulumi.demo-steady-state.yaml": (t) =>
        `${t.trimEnd()}\n  secrets-platform:reloaderNamespace: platform-reloader\n`,
      "purposes/payments.yaml": (t) =>
        t.replace(
          "      - { namespace: payments, serviceAccount: payments-worker }\n    rotation: { period: 30d",
          "      - { namespace: platform-reloader, serviceAccount: payments-worker }\n    rotation: { period: 30d",
        ),
    });
    assert.match(readFileSync(`${root}/purposes/payments.yaml`, "utf8"), /platform-reloader/);
    const result = await planCluster({ cluster: "demo", root, passphrase: cliPassphrase("demo") });
    assert.ok(!result.ok, "the plan refused");
    assert.equal(result.kind, "invalid-input");
    const lines = result.problems.map(formatProblem);
    assert.ok(
      lines.some((l) =>
        /purposes\/payments\.yaml:\d+: payments-db-password: consumers\[1\]\.namespace: platform-reloader is a namespace of the platform \(Reloader, reloaderNamespace\)/.test(
          l,
        ),
      ),
      lines.join("\n"),
    );
  });
});

describe("red team: a certificate names only what is the team's (issue 19, item 2)", () => {
  for (const c of NAMES) it(`refuses ${c.name}`, () => void assertRefused(c));

  it("accepts the team's own services, in both spellings and under a headless service, and its granted domains", () => {
    const r = validateRegistry([
      { file: "purposes/platform.yaml", text: platformFile({ storefront: ["shop.example.com", "*.cdn.example.org"] }) },
      {
        file: "purposes/storefront.yaml",
        text: registryFile("storefront", [
          certificate(
            [
              "web.storefront.svc",
              "web.storefront.svc.cluster.local",
              "broker-0.kafka.storefront.svc",
              "shop.example.com",
              "www.shop.example.com",
              "*.cdn.example.org",
              "*.eu.cdn.example.org",
            ],
            { commonName: "shop.example.com" },
          ),
        ]),
      },
    ]);
    assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
  });
});
