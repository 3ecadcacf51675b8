import { declaredAuditDevices } from "../../vault/audit.js";
import { DISTRIBUTION, distributionOfChart } from "../../vault/distribution.js";
import { serverConfigurationOfValues } from "../../vault/server.js";
import { RESOURCE_TYPES } from "../resource-types.js";
import type { PlatformRule, ResourceView } from "../rule.js";

export const auditDevices: PlatformRule = {
  name: "audit-devices",
  description:
    "Vault records every request in at least two audit devices, so one failing device does not stop Vault: declared in OpenBao's server configuration (its API refuses them), registered through Vault's API.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "keep both devices of vault/audit.ts: for OpenBao in the server configuration (vault/server.ts renders them into the chart's values), for Vault as AuditDevices (components/runtime-authority/audit-devices.ts) registered before every other Vault resource",
  validateStack(s, _ctx, report) {
    const api = s.resources.filter((r) => r.type === RESOURCE_TYPES.vaultAudit);
    const servers = s.resources
      .filter((r) => r.type === RESOURCE_TYPES.helmRelease)
      .flatMap((r) => {
        const d = distributionOfChart(r.props.chart);
        return d && DISTRIBUTION[d].audit === "server-configuration" ? [{ release: r, distribution: d }] : [];
      });
    const declared: string[] = [];
    for (const { release, distribution } of servers) {
      const read = declaredAuditDevices(serverConfigurationOfValues(release.props.values));
      if ("error" in read)
        report(
          `${DISTRIBUTION[distribution].product} release ${release.name}: ${read.error}, so its audit devices cannot be read (render it with vaultServerConfig)`,
          release.urn,
        );
      else declared.push(...read.devices.map((d) => d.path));
      // OpenBao 2.4+ refuses `sys/audit` through the API (CVE-2025-54997): a vault.Audit fails the run.
      for (const a of api)
        report(
          `${auditName(a)} enables an audit device through the API, which ${DISTRIBUTION[distribution].product} refuses: declare it in the server configuration of release ${release.name}`,
          a.urn,
        );
    }
    const configured = s.resources.some((r) => r.type.startsWith("vault:") && r.type !== RESOURCE_TYPES.vaultAudit);
    // A server that declares its devices records from its first request; a server configured through the API must
    // have them once anything is configured.
    if (!configured && servers.length === 0) return;
    const devices = new Set([...declared, ...api.map(auditName)]).size;
    if (devices < 2)
      report(
        `stack ${s.stack} ${servers.length > 0 ? `runs ${DISTRIBUTION[servers[0]!.distribution].product} with ${devices} audit device${devices === 1 ? "" : "s"} in its server configuration` : `configures Vault with ${devices} audit device${devices === 1 ? "" : "s"}`}; at least 2 are required`,
      );
  },
};

const auditName = (a: ResourceView): string => String(a.props.path ?? a.name);
