/**
 * The two servers of the Vault API the runtime authority can run: OpenBao (MPL-2.0, the Linux Foundation fork) and
 * HashiCorp Vault (BUSL-1.1 from 1.15 on). Same HTTP API, policy language and providers; they differ in the chart,
 * the image, the paths the chart mounts, the CLI's name, and where audit devices come from. Every fact that differs
 * is here, once: the server configuration, the chart values, the init ceremony, the handover Job, the config check,
 * the policy pack and the generated docs table read it from this module.
 */

export const DISTRIBUTIONS = ["openbao", "vault"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** Where a distribution's audit devices come from. */
export type AuditDeclaration =
  /** `audit "<type>" "<path>" {...}` stanzas of the server configuration (OpenBao ≥ 2.4 refuses the API). */
  | "server-configuration"
  /** `sys/audit/<path>` through the API (`vault.Audit`), once the server is initialized. */
  | "api";

export interface DistributionSpec {
  id: Distribution;
  /** The product, as its operators name it. */
  product: string;
  license: string;
  /** The chart a stack installs when `vaultChartRepository` / `vaultChartVersion` are left empty. */
  chart: { name: string; repository: string; version: string };
  /** The server image (also the handover Jobs' CLI image); the tag is `vaultVersion`. */
  image: { registry?: string; repository: string };
  /** The release a stack runs when `vaultVersion` is left empty. */
  version: string;
  /** The CLI in the image (`bao operator init`, `vault operator init`). */
  cli: "bao" | "vault";
  /** Where the chart mounts the data and audit volumes and, under `userconfig/<name>`, extra volumes. */
  home: "/openbao" | "/vault";
  /** The variable the CLI in the pod reads its CA file from. */
  caCertEnv: "BAO_CACERT" | "VAULT_CACERT";
  audit: AuditDeclaration;
  /** `null` when the version is acceptable, otherwise why not (for the config check). */
  checkVersion(version: string): string | null;
  /** Seal types the pinned releases no longer build in (they need a KMS plugin this program does not declare). */
  sealsRemovedIn?: { version: string; seals: readonly string[] };
}

const semver = (v: string): [number, number, number] => {
  const [major = 0, minor = 0, patch = 0] = v.split(".").map(Number);
  return [major, minor, patch];
};

/** a ≥ b, both `x.y.z`. */
export function versionAtLeast(a: string, b: string): boolean {
  const [x, y] = [semver(a), semver(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return true;
}

export const DISTRIBUTION: Record<Distribution, DistributionSpec> = {
  openbao: {
    id: "openbao",
    product: "OpenBao",
    license: "MPL-2.0",
    // openbao/openbao-helm tag openbao-0.29.2 (appVersion v2.6.2); the server image is pinned separately below.
    chart: { name: "openbao", repository: "https://openbao.github.io/openbao-helm", version: "0.29.2" },
    image: { registry: "quay.io", repository: "openbao/openbao" },
    // The release the real tier runs (`bao version`, tools/catalog.ts).
    version: "2.7.2",
    cli: "bao",
    home: "/openbao",
    caCertEnv: "BAO_CACERT",
    audit: "server-configuration",
    checkVersion: (v) =>
      versionAtLeast(v, "2.4.0")
        ? null
        : `${v} is older than OpenBao 2.4.0, the first release that reads audit devices from the server configuration (this stack declares them there)${semver(v)[0] === 1 ? `; ${v} looks like a HashiCorp Vault version: set vaultDistribution: vault` : ""}`,
    // "unknown wrapper: awskms" from `bao server` 2.7.2: the vendor KMS seals became plugins (openbao-plugins).
    sealsRemovedIn: { version: "2.7.0", seals: ["awskms", "gcpckms", "azurekeyvault"] },
  },
  vault: {
    id: "vault",
    product: "HashiCorp Vault",
    license: "BUSL-1.1",
    chart: { name: "vault", repository: "https://helm.releases.hashicorp.com", version: "0.29.1" },
    image: { repository: "hashicorp/vault" },
    version: "1.18.1",
    cli: "vault",
    home: "/vault",
    caCertEnv: "VAULT_CACERT",
    audit: "api",
    checkVersion: (v) =>
      semver(v)[0] === 1
        ? null
        : `${v} is not a HashiCorp Vault release (1.x)${semver(v)[0] === 2 ? `; OpenBao releases are 2.x: set vaultDistribution: openbao` : ""}`,
  },
};

/** The image reference, registry included when the chart names one: `quay.io/openbao/openbao:2.7.2`. */
export function imageReference(d: Distribution, version: string): string {
  const { registry, repository } = DISTRIBUTION[d].image;
  return `${registry ? `${registry}/` : ""}${repository}:${version}`;
}

/** The distribution whose chart a Helm chart name is, if any (what the policy pack recognises as the server). */
export function distributionOfChart(chart: unknown): Distribution | undefined {
  return DISTRIBUTIONS.find((d) => DISTRIBUTION[d].chart.name === chart);
}
