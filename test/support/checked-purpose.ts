import type { Registry } from "../../registry/load.js";
import { validateRegistry } from "../../registry/load.js";
import type { PurposeOf } from "../../registry/purpose.js";
import type { Delivery } from "../../registry/schema.js";
import { purpose, registryFile } from "./registry-factory.js";

type Raw = Record<string, unknown>;

/**
 * A purpose of `delivery` as the registry checks it (through the real validation, so the factory's purposes are
 * contracts the registry accepts), typed for its delivery mode; override fields as with the factory.
 */
export function checkedPurpose<D extends Delivery>(delivery: D, overrides: Raw = {}, team = "payments"): PurposeOf<D> {
  const [only] = checkedRegistry({ [team]: [purpose(delivery, overrides, team)] }).purposes;
  if (only?.delivery !== delivery) throw new Error(`the factory's ${delivery} purpose did not come back as one`);
  return only as PurposeOf<D>;
}

/** A registry of the given purposes by team, through the real validation; every problem is thrown. */
export function checkedRegistry(byTeam: Record<string, Raw[]>): Registry {
  const sources = Object.entries(byTeam).map(([team, purposes]) => ({
    file: `purposes/${team}.yaml`,
    text: registryFile(team, purposes),
  }));
  const result = validateRegistry(sources);
  if (!result.ok)
    throw new Error(
      `the test registry is invalid:\n${result.problems.map((p) => `  ${p.subject ?? p.file}: ${p.field ?? ""}: ${p.message}`).join("\n")}`,
    );
  return result.registry;
}

/** A delivery context that records every store a mechanism reads or writes through. */
export function recordingStores(): {
  store: (c: { namespace: string; serviceAccount: string }) => string;
  used: string[];
} {
  const used: string[] = [];
  return {
    used,
    store: (c) => (used.push(`${c.namespace}/${c.serviceAccount}`), `store:${c.namespace}/${c.serviceAccount}`),
  };
}
