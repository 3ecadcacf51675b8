import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { validateRegistry, type RegistryResult, type RegistrySource } from "../../registry/load.js";
import { moveProblems, type PublishedKvSecrets } from "../../vault/moves.js";
import { purpose, registryFile } from "../support/registry-factory.js";
import { assertRefused, type RedTeamCase } from "./harness.js";

/**
 * Moves of stored values: a KV value lives at kv/<owner>/<id>, so a new owner or id points its purpose at an empty
 * path. Each registry is checked as the runtime-authority stack checks it: validated, then its paths compared with
 * those the stack published last (`PUBLISHED`: billing's ledger key and invoice token, as deployed).
 */
const PUBLISHED: PublishedKvSecrets = {
  "billing-ledger-key": { path: "kv/data/billing/billing-ledger-key" },
  "billing-invoice-token": { path: "kv/data/billing/billing-invoice-token" },
};

/** The registry validation, then the move check against PUBLISHED: every problem of both. */
function againstPublished(sources: readonly RegistrySource[]): RegistryResult {
  const r = validateRegistry(sources);
  if (!r.ok) return r;
  const problems = moveProblems(r.registry, PUBLISHED, "demo-runtime-authority");
  return problems.length > 0 ? { ok: false, problems } : r;
}

const finance = (...purposes: Record<string, unknown>[]) => ({ "finance.yaml": registryFile("finance", purposes) });
const secret = (id: string, more: Record<string, unknown> = {}) =>
  purpose("external-secret", { id, rotation: { period: "30d", grace: "7d", method: "external" }, ...more }, "finance");

const CASES: RedTeamCase[] = [
  {
    name: "an owner change that leaves the value at billing's path, with no word of where it moved from",
    files: finance(secret("billing-ledger-key")),
    refused: [
      {
        file: "finance.yaml",
        subject: "billing-ledger-key",
        field: "owner",
        message:
          /moves the value from kv\/data\/billing\/billing-ledger-key .* to kv\/data\/finance\/billing-ledger-key, where nothing is stored: add movedFrom: \{ owner: billing \}/,
      },
    ],
  },
  {
    name: "two purposes handed over at once, both silently: each is reported",
    files: finance(secret("billing-ledger-key"), secret("billing-invoice-token")),
    refused: [
      { file: "finance.yaml", subject: "billing-ledger-key", field: "owner", message: /where nothing is stored/ },
      { file: "finance.yaml", subject: "billing-invoice-token", field: "owner", message: /where nothing is stored/ },
    ],
  },
  {
    name: "a movedFrom with a misspelt old owner, naming a path where nothing was published",
    files: finance(secret("billing-ledger-key", { movedFrom: { owner: "biling" } })),
    refused: [
      {
        file: "finance.yaml",
        subject: "billing-ledger-key",
        field: "movedFrom",
        message:
          /names kv\/data\/biling\/billing-ledger-key, where the demo-runtime-authority stack published no value/,
      },
    ],
  },
  {
    name: "an id rename whose movedFrom names an id that was never deployed",
    files: finance(secret("finance-ledger-key", { movedFrom: { owner: "billing", id: "ledger-key" } })),
    refused: [
      { file: "finance.yaml", subject: "finance-ledger-key", field: "movedFrom", message: /published no value/ },
    ],
  },
  {
    name: "a transit key that claims to move: it cannot leave Vault, and is named by its id alone",
    files: finance(purpose("transit", { id: "finance-signing", movedFrom: { owner: "billing" } }, "finance")),
    refused: [
      {
        file: "finance.yaml",
        subject: "finance-signing",
        field: "movedFrom",
        message: /keeps nothing in Vault KV to move/,
      },
    ],
  },
  {
    name: "a movedFrom naming the place the value is now",
    files: finance(secret("finance-ledger-key", { movedFrom: { owner: "finance" } })),
    refused: [
      { file: "finance.yaml", subject: "finance-ledger-key", field: "movedFrom", message: /where the value lives now/ },
    ],
  },
  {
    name: "an empty movedFrom",
    files: finance(secret("finance-ledger-key", { movedFrom: {} })),
    refused: [
      {
        file: "finance.yaml",
        subject: "finance-ledger-key",
        field: "movedFrom",
        message: /name the owner, the id, or both/,
      },
    ],
  },
  {
    name: "one old value moved into two purposes (two copies of one credential)",
    files: finance(
      secret("finance-ledger-key", { movedFrom: { owner: "billing", id: "billing-ledger-key" } }),
      secret("finance-ledger-copy", { movedFrom: { owner: "billing", id: "billing-ledger-key" } }),
    ),
    refused: [
      {
        file: "finance.yaml",
        subject: "finance-ledger-copy",
        field: "movedFrom",
        message: /which purpose finance-ledger-key moves from too/,
      },
    ],
  },
  {
    name: "a movedFrom naming another live purpose's secret",
    files: {
      ...finance(secret("finance-ledger-key", { movedFrom: { owner: "billing", id: "billing-ledger-key" } })),
      "billing.yaml": registryFile("billing", [purpose("external-secret", { id: "billing-ledger-key" }, "billing")]),
    },
    refused: [
      {
        file: "finance.yaml",
        subject: "finance-ledger-key",
        field: "movedFrom",
        message: /the live secret of purpose billing-ledger-key/,
      },
    ],
  },
];

describe("red team: a change that moves a stored value", () => {
  for (const c of CASES) it(`refuses ${c.name}`, () => void assertRefused(c, againstPublished));

  it("accepts the same changes when the contracts say where the values moved from", () => {
    const r = againstPublished(
      Object.entries(
        finance(
          secret("billing-ledger-key", { movedFrom: { owner: "billing" } }),
          secret("finance-invoice-token", { movedFrom: { owner: "billing", id: "billing-invoice-token" } }),
        ),
      ).map(([file, text]) => ({ file: `purposes/${file}`, text })),
    );
    assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.problems));
  });
});
