import { getDomain } from "tldts";
import {
  declaredPlatformNamespaces,
  PLATFORM_NAMESPACE_KEYS,
  type PlatformNamespaces,
} from "../config/platform-namespaces.js";
import { DECRYPTION_SECRET } from "../gitops/flux.js";
import { VAULT_TLS_SECRET } from "../vault/server.js";
import { fieldPath } from "./problems.js";
import { secretTargets } from "./rules.js";
import type { DomainGrants, Purpose } from "./schema.js";

/**
 * Tenancy: a team's contract reaches only what is the team's. The platform's namespaces and Secrets are reserved,
 * and a certificate names only services in its own consumers' namespaces or domains the platform grants the team
 * (docs/registry.md, "Reserved names" and "Who may have which certificate name"). Pure: the registry's loader calls
 * {@link tenancyViolations} once, with the files' purposes and grants.
 *
 * Vault paths need no list here: every path of a purpose derives from its owner and id (vault/paths.ts), the owner
 * is the file's team, ids are unique, and the team `platform` is the platform's own file.
 */

/** The team whose file (purposes/platform.yaml) holds the platform's own purposes and the domain grants. */
export const PLATFORM_TEAM = "platform";

/**
 * Kubernetes' own namespaces. `default` too: it holds `kubernetes.default.svc`, the API server's name, and every
 * object created without a namespace.
 */
export const KUBERNETES_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"] as const;

/** The service domain of the cluster: `<service>.<namespace>.svc`, also spelt with `.cluster.local`. */
const CLUSTER_SUFFIXES = ["svc", "svc.cluster.local"] as const;

/** What no team may reach: the platform's namespaces and the Secrets the platform's programs write. */
export interface PlatformReservation {
  /** Namespace → what runs there. */
  namespaces: ReadonlyMap<string, string>;
  /** `namespace/name` → what the Secret holds and who writes it. */
  secrets: ReadonlyMap<string, string>;
}

/**
 * The reservation of a cluster whose stacks name `stacks` (each stack's config may name its own; all count, so a
 * plan over every stack refuses what any one stack's `pulumi up` would).
 */
export function platformReservation(stacks: readonly PlatformNamespaces[]): PlatformReservation {
  const namespaces = new Map<string, string>(KUBERNETES_NAMESPACES.map((n) => [n, "Kubernetes' own"]));
  const secrets = new Map<string, string>();
  for (const ns of stacks) {
    for (const [role, { key, runs }] of Object.entries(PLATFORM_NAMESPACE_KEYS))
      if (!namespaces.has(ns[role as keyof PlatformNamespaces]))
        namespaces.set(ns[role as keyof PlatformNamespaces], `${runs}, ${key}`);
    secrets.set(`${ns.flux}/${DECRYPTION_SECRET}`, "the SOPS age key Flux decrypts bootstrap material with");
    secrets.set(`${ns.vault}/${VAULT_TLS_SECRET}`, "Vault's listener certificate and key");
  }
  return { namespaces, secrets };
}

let byDefault: PlatformReservation | undefined;
/** The reservation with the namespaces `Pulumi.yaml` declares by default: for a registry checked without config. */
export function defaultPlatformReservation(): PlatformReservation {
  return (byDefault ??= platformReservation([declaredPlatformNamespaces()]));
}

/** One file's domain grants, as declared. */
export interface DeclaredGrants {
  file: string;
  /** The team whose file it is. */
  team: string;
  grants: DomainGrants;
}

/** A tenancy rule broken: where (a path inside the file, for its line), and what is wrong. */
export interface TenancyViolation {
  file: string;
  path: (string | number)[];
  subject?: string;
  field: string;
  message: string;
}

/** Every tenancy rule over the registry's purposes (each with its index in its file) and its grants. */
export function tenancyViolations(args: {
  purposes: readonly { purpose: Purpose & { file: string }; index: number }[];
  grants: readonly DeclaredGrants[];
  reservation: PlatformReservation;
}): TenancyViolation[] {
  const out: TenancyViolation[] = [];
  const granted = grantsByTeam(args.grants, out);
  for (const { purpose, index } of args.purposes) {
    const at = (path: (string | number)[], message: string) =>
      out.push({
        file: purpose.file,
        path: ["purposes", index, ...path],
        subject: purpose.id,
        field: fieldPath(path),
        message,
      });
    reservedNameViolations(purpose, args.reservation, at);
    if (purpose.certificate) certificateNameViolations(purpose, granted.get(purpose.owner) ?? [], at);
  }
  return out;
}

type At = (path: (string | number)[], message: string) => void;

/** A team's purposes stay out of the platform's namespaces; no purpose writes a Secret the platform's programs write. */
function reservedNameViolations(p: Purpose, reservation: PlatformReservation, at: At): void {
  if (p.owner !== PLATFORM_TEAM) {
    const refuse = (path: (string | number)[], namespace: string) => {
      const why = reservation.namespaces.get(namespace);
      if (why) at(path, `${namespace} is a namespace of the platform (${why}): a team's purposes cannot reach it`);
    };
    p.consumers.forEach((c, i) => refuse(["consumers", i, "namespace"], c.namespace));
    if (p.bootstrap) refuse(["bootstrap", "namespace"], p.bootstrap.namespace);
    // A move copies every version at the old path into the team's: from the platform's paths, that is a takeover.
    if (p.movedFrom?.owner === PLATFORM_TEAM)
      at(
        ["movedFrom", "owner"],
        `moves a value out of the platform's paths (kv/${PLATFORM_TEAM}/...): a team's purpose cannot take the platform's values`,
      );
  }
  for (const target of secretTargets(p)) {
    const what = reservation.secrets.get(target);
    if (what) at(secretNameField(p), `writes Secret ${target}, the platform's own (${what}): no purpose may write it`);
  }
}

/** The field that names the Secret a purpose writes: its own, or the id it defaults to. */
function secretNameField(p: Purpose): (string | number)[] {
  if (p.bootstrap) return ["bootstrap", "secretName"];
  if (p.certificate?.secretName) return ["certificate", "secretName"];
  if (p.kv?.secretName) return ["kv", "secretName"];
  return ["id"];
}

/** A granted domain: the name and every name under it; wildcards in it only when granted as `*.<domain>`. */
interface Grant {
  domain: string;
  wildcards: boolean;
  text: string;
}

function parseGrant(text: string): Grant {
  return text.startsWith("*.")
    ? { domain: text.slice(2), wildcards: true, text }
    : { domain: text, wildcards: false, text };
}

const within = (name: string, domain: string) => name === domain || name.endsWith(`.${domain}`);

/**
 * The grants each team holds, from the platform's file only. A grant names a registrable domain outside the
 * cluster, and no two teams' grants overlap: a name has one owner. (A grant may name a team whose file is still to
 * come: it reaches nothing until then.)
 */
function grantsByTeam(declared: readonly DeclaredGrants[], out: TenancyViolation[]): Map<string, Grant[]> {
  const byTeam = new Map<string, Grant[]>();
  const seen: { team: string; grant: Grant }[] = [];
  for (const { file, team: fileTeam, grants } of declared) {
    if (fileTeam !== PLATFORM_TEAM) {
      out.push({
        file,
        path: ["domains"],
        field: "domains",
        message: `only the platform's file (${PLATFORM_TEAM}.yaml) grants domains: ask the platform team to grant ${Object.keys(grants).join(", ")} theirs`,
      });
      continue;
    }
    for (const [team, names] of Object.entries(grants)) {
      const refuse = (path: (string | number)[], message: string) =>
        out.push({ file, path: ["domains", team, ...path], field: fieldPath(["domains", team, ...path]), message });
      names.forEach((text, i) => {
        const grant = parseGrant(text);
        if (CLUSTER_SUFFIXES.some((s) => within(grant.domain, s)) || within(grant.domain, "cluster.local"))
          return refuse(
            [i],
            `${text} is a name inside the cluster: those belong to the namespaces of a purpose's consumers and are not granted`,
          );
        if (getDomain(grant.domain, { allowPrivateDomains: true }) === null)
          return refuse([i], `${text} is a public suffix, which no one owns: grant a registrable domain under it`);
        const other = seen.find(
          (s) => s.team !== team && (within(grant.domain, s.grant.domain) || within(s.grant.domain, grant.domain)),
        );
        if (other)
          return refuse(
            [i],
            `${text} overlaps ${other.grant.text}, granted to team ${other.team}: a name has one owner`,
          );
        seen.push({ team, grant });
        byTeam.set(team, [...(byTeam.get(team) ?? []), grant]);
      });
    }
  }
  return byTeam;
}

/**
 * Each certificate name is the team's: a service in a namespace of the purpose's consumers (`<service>.<ns>.svc`,
 * or `.svc.cluster.local`), or within a domain the platform grants the team; a wildcard only within a domain granted
 * as `*.<domain>`. The PKI role and the approval policy issue exactly these names (vault/layout.ts,
 * delivery/certificates.ts), so a hand-made CertificateRequest cannot name another.
 */
function certificateNameViolations(p: Purpose, grants: readonly Grant[], at: At): void {
  const namespaces = new Set(p.consumers.map((c) => c.namespace));
  p.certificate!.dnsNames.forEach((name, i) => {
    const wildcard = name.startsWith("*.");
    const base = wildcard ? name.slice(2) : name;
    if (grants.some((g) => within(base, g.domain) && (g.wildcards || !wildcard))) return;
    const service = clusterNamespaceOf(name);
    if (service !== undefined && !wildcard && namespaces.has(service)) return;
    const field = ["certificate", "dnsNames", i];
    const own = `${[...namespaces].sort().join(", ")}`;
    const granted = grants.length ? grants.map((g) => g.text).join(", ") : "none";
    if (service !== undefined)
      return at(
        field,
        wildcard
          ? `${name} is a wildcard inside the cluster: a certificate names its services one by one`
          : `${name} is a service of namespace ${service}, where this purpose has no consumer (its consumers' namespaces: ${own})`,
      );
    at(
      field,
      `${name} is not team ${p.owner}'s: name a service in the consumers' namespaces (<service>.<namespace>.svc: ${own}) or a name within a domain the platform grants ${p.owner} (domains: in ${PLATFORM_TEAM}.yaml; granted: ${granted}${wildcard ? "; a wildcard needs a grant of *.<domain>" : ""})`,
    );
  });
}

/** The namespace a cluster service name is in (`<labels>.<ns>.svc[.cluster.local]`), or undefined if it is none. */
function clusterNamespaceOf(name: string): string | undefined {
  for (const suffix of [...CLUSTER_SUFFIXES].reverse())
    if (name.endsWith(`.${suffix}`)) {
      const labels = name.slice(0, -suffix.length - 1).split(".");
      return labels.length >= 2 ? labels.at(-1) : undefined;
    }
  return undefined;
}
