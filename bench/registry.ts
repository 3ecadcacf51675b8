import { stringify } from "yaml";
import type { Delivery } from "../registry/schema.js";

/**
 * A generated purpose registry for the bench: `size` purposes with the mix of a large platform (see
 * {@link DELIVERY_MIX}), spread over teams of about 20 purposes, each team with four workload identities in two
 * namespaces (`api`, `worker` and `web` in its own, `batch` in `<team>-jobs`), each purpose read by one to three of
 * them, and one purpose in ten also by a workload of another team. Deterministic for a given size.
 */
export interface GeneratedRegistry {
  /** File name -> YAML text, one file per team (purposes/<team>.yaml). */
  files: Record<string, string>;
  /** Namespaces bootstrap Secrets land in (the bootstrap stack's allowedNamespaces must list them). */
  bootstrapNamespaces: string[];
}

/**
 * Share of each delivery mode among generated purposes; sums to 1. Application secrets read through ExternalSecrets
 * are most of a large platform's purposes; then certificates and transit keys; generated-in-cluster and break-glass
 * secrets are rarer, and bootstrap material (what must exist before Vault runs) is a handful per platform.
 */
export const DELIVERY_MIX: Readonly<Record<Delivery, number>> = {
  "external-secret": 0.55,
  transit: 0.12,
  "cert-manager": 0.12,
  csi: 0.07,
  "push-secret": 0.07,
  "reveal-once": 0.05,
  bootstrap: 0.02,
};

const PURPOSES_PER_TEAM = 20;
const PLATFORM_NAMESPACES = 4;

type Raw = Record<string, unknown>;
interface Identity {
  namespace: string;
  serviceAccount: string;
}

export function generateRegistry(size: number): GeneratedRegistry {
  const random = seeded(size);
  const teamCount = Math.max(1, Math.ceil(size / PURPOSES_PER_TEAM));
  const teams = Array.from({ length: teamCount }, (_, i) => `team-${String(i).padStart(4, "0")}`);
  const identities = (team: string): Identity[] => [
    ...["api", "worker", "web"].map((serviceAccount) => ({ namespace: team, serviceAccount })),
    { namespace: `${team}-jobs`, serviceAccount: "batch" },
  ];
  const deliveries = deliverySequence(size);
  const byTeam = new Map<string, Raw[]>(teams.map((t) => [t, []]));
  const bootstrapNamespaces = new Set<string>();

  deliveries.forEach((delivery, index) => {
    const team = teams[index % teamCount]!;
    const own = identities(team);
    const id = `${team}-${delivery}-${index}`;
    const pick = (): Identity => own[Math.floor(random() * own.length)]!;
    let consumers = unique([pick(), ...(random() < 0.5 ? [pick()] : []), ...(random() < 0.2 ? [pick()] : [])]);
    if (random() < 0.1 && teamCount > 1) consumers.push(identities(teams[(index + 1) % teamCount]!)[0]!);
    // Contract rules: a cert-manager key stays in one namespace, a reveal-once value is revealed in one; a bootstrap
    // Secret has a consumer where it lives.
    if (delivery === "cert-manager" || delivery === "reveal-once")
      consumers = unique(consumers.map((c) => ({ ...c, namespace: consumers[0]!.namespace })));
    // Bootstrap material is what platform components need before Vault runs: it lands in a few platform namespaces.
    if (delivery === "bootstrap")
      consumers = [
        { namespace: `platform-${index % PLATFORM_NAMESPACES}`, serviceAccount: "controller" },
        ...consumers,
      ];
    const base: Raw = {
      id,
      description: `Generated ${delivery} purpose ${index}`,
      owner: team,
      delivery,
      consumers,
      evidence: `${team}-evidence-${index % 2}`,
    };
    byTeam.get(team)!.push({ ...base, ...byDelivery(delivery, id, consumers) });
    if (delivery === "bootstrap") bootstrapNamespaces.add(consumers[0]!.namespace);
  });

  const files: Record<string, string> = {};
  for (const [team, purposes] of byTeam) {
    if (purposes.length === 0) continue;
    const evidence = [0, 1].map((i) => ({
      id: `${team}-evidence-${i}`,
      description: `Evidence component ${i} of ${team}`,
    }));
    files[`${team}.yaml`] = stringify({ evidence, purposes });
  }
  return { files, bootstrapNamespaces: [...bootstrapNamespaces].sort() };
}

/** The contract fields of one delivery mode. */
function byDelivery(delivery: Delivery, id: string, consumers: Identity[]): Raw {
  const home = consumers[0]!;
  switch (delivery) {
    case "external-secret":
      return {
        kind: "secret",
        tier: "vault_kv",
        rotation: { period: "30d", grace: "7d", method: "generated" },
        kv: { maxVersions: 5, deleteVersionAfter: "90d" },
      };
    case "push-secret":
      return {
        kind: "secret",
        tier: "vault_kv",
        rotation: { period: "7d", grace: "1d", method: "generated" },
        push: { writer: home },
      };
    case "reveal-once":
      return { kind: "secret", tier: "vault_kv", rotation: { period: "90d", grace: "7d", method: "manual" } };
    case "transit":
      return {
        kind: "key",
        tier: "vault_transit",
        rotation: { period: "30d", grace: "7d", method: "transit-auto" },
        transit: { type: "aes256-gcm96", usage: "encrypt" },
      };
    case "bootstrap":
      return {
        kind: "secret",
        tier: "kubernetes_secret",
        rotation: { period: "90d", grace: "14d", method: "external" },
        transitionalUntil: "2027-06-30",
        bootstrap: { source: `bootstrap/${home.namespace}/${id}.sops.yaml`, namespace: home.namespace, secretName: id },
      };
    case "cert-manager":
      return {
        kind: "certificate",
        tier: "kubernetes_secret",
        rotation: { period: "30d", grace: "10d", method: "issued" },
        transitionalUntil: "2027-12-31",
        certificate: { dnsNames: [`${id}.${home.namespace}.svc`] },
      };
    case "csi":
      return {
        kind: "certificate",
        tier: "ephemeral",
        rotation: { period: "24h", grace: "8h", method: "issued" },
        certificate: { dnsNames: [`${id}.${home.namespace}.svc`] },
      };
  }
}

/** Exactly round(share x size) purposes of each mode (the rest to external-secret), interleaved. */
function deliverySequence(size: number): Delivery[] {
  const counts = Object.entries(DELIVERY_MIX).map(([d, share]) => [d as Delivery, Math.floor(share * size)] as const);
  const sequence: Delivery[] = [];
  for (let i = 0; sequence.length < size; i++) {
    let added = false;
    for (const [d, n] of counts)
      if (i < n && sequence.length < size) {
        sequence.push(d);
        added = true;
      }
    if (!added) sequence.push("external-secret");
  }
  return sequence;
}

function unique(identities: Identity[]): Identity[] {
  return identities.filter(
    (c, i, all) => all.findIndex((o) => o.namespace === c.namespace && o.serviceAccount === c.serviceAccount) === i,
  );
}

/** mulberry32: a small deterministic PRNG, so the same size always gives the same registry. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
