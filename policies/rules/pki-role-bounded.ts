import { RESOURCE_TYPES } from "../resource-types.js";
import { parseDuration } from "../../registry/duration.js";
import { purposeById } from "../resources.js";
import type { PlatformRule } from "../rule.js";

const MIN_BITS: Record<string, number> = { ec: 256, rsa: 2048, ed25519: 0 };

export const pkiRoleBounded: PlatformRule = {
  name: "pki-role-bounded",
  description:
    "PKI roles issue only their contract's names, never any name, subdomains, IP or localhost SANs, wildcards only for a contract's wildcard, a common name only as a hostname, with strong keys and a max_ttl within the rotation period.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "derive the role from the purpose (vault/layout.ts): allowed_domains = certificate.dnsNames, allow_any_name/subdomains/ip_sans/localhost false, cn_validations hostname, max_ttl = rotation.period",
  validateResource(r, ctx, report) {
    if (r.type !== RESOURCE_TYPES.vaultPkiRole) return;
    const id = String(r.props.name);
    const p = purposeById(ctx, id);
    for (const flag of ["allowAnyName", "allowSubdomains", "allowIpSans", "allowLocalhost"] as const)
      if (r.props[flag] === true) report(`${id}: PKI role ${r.name} sets ${flag}`);
    // Vault's default cn_validations also admit an email address as the common name, at any allowed domain.
    const cn = (r.props.cnValidations ?? []) as string[];
    if (cn.length !== 1 || cn[0] !== "hostname")
      report(
        `${id}: PKI role ${r.name} validates the common name as ${cn.join(", ") || "Vault's default (email, hostname)"}, not as a hostname only`,
      );
    const bits = Number(r.props.keyBits ?? 0);
    if (bits < (MIN_BITS[String(r.props.keyType)] ?? Number.POSITIVE_INFINITY))
      report(`${id}: PKI role ${r.name}: ${r.props.keyType} keys of ${bits} bits are too weak`);
    if (!p?.certificate) return;
    const names = new Set(p.certificate.dnsNames);
    const extra = ((r.props.allowedDomains ?? []) as string[]).filter((d) => !names.has(d));
    if (extra.length > 0)
      report(`${id}: PKI role ${r.name} allows ${extra.join(", ")}, which the contract does not name`);
    const wildcards = p.certificate.dnsNames.some((n) => n.startsWith("*."));
    if (r.props.allowGlobDomains === true && !wildcards)
      report(`${id}: PKI role ${r.name} allows globs, but the contract names no wildcard`);
    // The provider's default is true: unset, the role issues wildcard certificates.
    if (r.props.allowWildcardCertificates !== false && !wildcards)
      report(`${id}: PKI role ${r.name} issues wildcard certificates, but the contract names no wildcard`);
    const maxTtl = Number(r.props.maxTtl ?? 0);
    if (!(maxTtl > 0) || maxTtl > parseDuration(p.rotation.period)!)
      report(
        `${id}: PKI role ${r.name}: max_ttl ${r.props.maxTtl ?? "unset"} exceeds the rotation period ${p.rotation.period}`,
      );
  },
};
