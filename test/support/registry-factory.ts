import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Delivery } from "../../registry/schema.js";
import { scratchDir } from "./scratch.js";

type Raw = Record<string, unknown>;

/** A valid purpose of `delivery`, owned by `team`; override any field (or set it to undefined to drop it). */
export function purpose(delivery: Delivery, overrides: Raw = {}, team = "payments"): Raw {
  const base: Raw = {
    id: `${team}-${delivery}`,
    description: `A ${delivery} purpose`,
    owner: team,
    consumers: [{ namespace: team, serviceAccount: `${team}-api` }],
    evidence: `${team}-evidence`,
  };
  const byDelivery: Record<Delivery, Raw> = {
    "external-secret": {
      kind: "secret",
      tier: "vault_kv",
      rotation: { period: "30d", grace: "7d", method: "generated" },
    },
    "push-secret": {
      kind: "secret",
      tier: "vault_kv",
      rotation: { period: "7d", grace: "1d", method: "generated" },
      push: { writer: { namespace: team, serviceAccount: `${team}-api` } },
    },
    "reveal-once": { kind: "secret", tier: "vault_kv", rotation: { period: "90d", grace: "7d", method: "manual" } },
    transit: {
      kind: "key",
      tier: "vault_transit",
      rotation: { period: "30d", grace: "7d", method: "transit-auto" },
      transit: { type: "aes256-gcm96", usage: "encrypt" },
    },
    bootstrap: {
      kind: "secret",
      tier: "kubernetes_secret",
      rotation: { period: "90d", grace: "14d", method: "external" },
      transitionalUntil: "2027-06-30",
      bootstrap: { source: `bootstrap/${team}/secret.sops.yaml`, namespace: team, secretName: `${team}-bootstrap` },
    },
    "cert-manager": {
      kind: "certificate",
      tier: "kubernetes_secret",
      rotation: { period: "30d", grace: "10d", method: "issued" },
      transitionalUntil: "2027-12-31",
      certificate: { dnsNames: [`api.${team}.svc`] },
    },
    csi: {
      kind: "certificate",
      tier: "ephemeral",
      rotation: { period: "24h", grace: "8h", method: "issued" },
      certificate: { dnsNames: [`api.${team}.svc`] },
    },
  };
  const merged: Raw = { ...base, delivery, ...byDelivery[delivery], ...overrides };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return merged;
}

/**
 * The text of one team's registry file, declaring the evidence component the factory's purposes cite, and any other
 * top-level sections (`domains`) given in `sections`.
 */
export function registryFile(
  team: string,
  purposes: Raw[],
  evidence: Raw[] = [{ id: `${team}-evidence`, description: "Evidence" }],
  sections: Raw = {},
): string {
  return stringify({ ...sections, evidence, purposes });
}

/** Writes registry files into a fresh directory and returns it. */
export function registryDir(files: Record<string, string>): string {
  const dir = scratchDir("registry-");
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
