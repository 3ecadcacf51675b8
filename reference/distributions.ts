import { auditDevices } from "../vault/audit.js";
import { DISTRIBUTION, DISTRIBUTIONS, imageReference, type Distribution } from "../vault/distribution.js";
import {
  GENERATE_ROOT_POLICY,
  initCeremony,
  VAULT_TLS_SECRET,
  vaultServerConfig,
  type VaultServerSettings,
} from "../vault/server.js";
import { table } from "./markdown.js";

/**
 * OpenBao and HashiCorp Vault side by side (docs/phases/3-runtime-authority.md, section `distributions`), rendered
 * from vault/distribution.ts and from what the pure functions produce for each: the reference cannot drift from the
 * configuration, values and ceremony the stack registers.
 */

const settings = (d: Distribution): VaultServerSettings => ({
  distribution: d,
  namespace: "vault",
  releaseName: "vault",
  vaultVersion: DISTRIBUTION[d].version,
  replicas: 3,
  seal: { type: "shamir", options: {} },
  injector: false,
  tlsSecret: VAULT_TLS_SECRET,
});

const ceremony = (d: Distribution) =>
  initCeremony({
    distribution: d,
    seal: "shamir",
    keyShares: 3,
    keyThreshold: 2,
    operatorPgpKeys: ["a.asc", "b.asc", "c.asc"],
    namespace: "vault",
    releaseName: "vault",
  });

export function distributionsTable(): string {
  const column = (d: Distribution): string[] => {
    const spec = DISTRIBUTION[d];
    const config = vaultServerConfig(settings(d));
    const [volume] = auditDevices(d);
    const init = ceremony(d);
    const authenticatedRoot = init.steps.some((s) => s.includes(JSON.stringify(GENERATE_ROOT_POLICY.document)));
    return [
      `${spec.product}, ${spec.license}`,
      `\`${spec.chart.name}\` ${spec.chart.version} from ${spec.chart.repository}`,
      `\`${imageReference(d, spec.version)}\``,
      `\`${spec.home}/data\`, \`${spec.home}/audit\`, \`${spec.home}/userconfig/<Secret>\``,
      `\`${spec.cli}\`; the pod's CA variable \`${spec.caCertEnv}\``,
      spec.audit === "server-configuration"
        ? `declared in the server configuration (\`audit "file" "<path>" { options { file_path = ... } }\`): created when the server unseals, re-read on SIGHUP; the API refuses them`
        : "enabled through the API (`vault.Audit`, protected) before every other Vault resource",
      `\`${volume!.options.file_path}\` and \`stdout\``,
      config.disable_mlock === true ? "`disable_mlock = true`" : "no `disable_mlock` (mlock removed)",
      `\`${init.command.replace(/^kubectl -n \S+ exec \S+ -- /, "").replace(/ -key-shares.*$/, " ...")}\``,
      authenticatedRoot
        ? `a login holding policy \`${GENERATE_ROOT_POLICY.name}\` (the ceremony writes it before revoking the root token), and a quorum of shares`
        : "a quorum of shares",
      spec.sealsRemovedIn
        ? `from ${spec.sealsRemovedIn.version} no built-in ${spec.sealsRemovedIn.seals.join(", ")} (KMS plugins, not declared here): the config check refuses them`
        : "all of `vaultSealType`",
      spec.id === "openbao" ? "2.4.0 or later" : "1.x",
    ];
  };
  const rows = [
    "product, license",
    "chart (default pin)",
    "image (default pin; also the handover Jobs')",
    "chart mounts",
    "CLI (ceremony, handover Job)",
    "audit devices",
    "audit logs",
    "mlock",
    "init command",
    "a root token later takes",
    "seals",
    "`vaultVersion` accepted",
  ];
  const columns = DISTRIBUTIONS.map(column);
  return table(
    ["", ...DISTRIBUTIONS.map((d) => `\`vaultDistribution: ${d}\`${d === "openbao" ? " (default)" : ""}`)],
    rows.map((r, i) => [r, ...columns.map((c) => c[i]!)]),
  );
}
