import { describe, it } from "vitest";
import { purpose, registryFile } from "../support/registry-factory.js";
import { assertRefused, type RedTeamCase } from "./harness.js";

/**
 * Reveal-once to several namespaces: each namespace's ExternalSecret fetches the value on its own and keeps its own
 * immutable, orphaned Secret. One contract may name one delivery boundary (docs/registry.md, "Reveal-once").
 */
const CASES: RedTeamCase[] = [
  {
    name: "a break-glass credential revealed into two namespaces, one retained copy each",
    files: {
      "platform.yaml": registryFile("platform", [
        purpose(
          "reveal-once",
          {
            id: "vault-break-glass-admin",
            consumers: [
              { namespace: "break-glass", serviceAccount: "break-glass-reader" },
              { namespace: "security", serviceAccount: "incident-lead" },
            ],
          },
          "platform",
        ),
      ]),
    },
    refused: [
      {
        file: "platform.yaml",
        subject: "vault-break-glass-admin",
        field: "consumers",
        message: /revealed at one boundary, one namespace; consumers span break-glass, security/,
      },
    ],
  },
  {
    name: "three namespaces, listed with the same service account name in each",
    files: {
      "payments.yaml": registryFile("payments", [
        purpose("reveal-once", {
          id: "payments-recovery-codes",
          consumers: ["payments", "payments-batch", "payments-ops"].map((namespace) => ({
            namespace,
            serviceAccount: "recovery",
          })),
        }),
      ]),
    },
    refused: [
      {
        file: "payments.yaml",
        subject: "payments-recovery-codes",
        field: "consumers",
        message: /consumers span payments, payments-batch, payments-ops \(each would retain its own copy/,
      },
    ],
  },
];

describe("red team: reveal-once has one delivery boundary", () => {
  for (const c of CASES) it(`refuses ${c.name}`, () => void assertRefused(c));
});
