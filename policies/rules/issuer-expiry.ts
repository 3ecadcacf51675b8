import { RESOURCE_TYPES } from "../resource-types.js";
import { x509 } from "../../pki/x509.js";
import { issuerCoverageSeconds } from "../../delivery/timing.js";
import type { PlatformRule } from "../rule.js";

export const issuerExpiry: PlatformRule = {
  name: "issuer-expiry",
  description:
    "Fail closed: an issuing CA that expires within a certificate purpose's rotation period plus grace cannot issue or renew it for its whole lifetime.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    'run the signing ceremony for a new intermediate (docs/phases/0-root-trust.md, "The signing ceremony") before the old one enters the window',
  validateStack(s, ctx, report) {
    const certs = ctx.registry.purposes.filter((p) => p.kind === "certificate");
    for (const r of s.resources.filter((x) => x.type === RESOURCE_TYPES.vaultPkiIntermediateSetSigned)) {
      const pem = String(r.props.certificate ?? "");
      if (!pem.includes("BEGIN CERTIFICATE")) continue;
      const issuer = new x509.X509Certificate(x509.PemConverter.decode(pem)[0]!);
      for (const p of certs) {
        const needed = issuerCoverageSeconds(p.rotation) * 1000;
        if (issuer.notAfter.getTime() - ctx.now.getTime() < needed)
          report(
            `${p.id}: the issuing CA of ${r.name} expires ${issuer.notAfter.toISOString()}, within the purpose's period + grace (${p.rotation.period} + ${p.rotation.grace})`,
            r.urn,
          );
      }
    }
  },
};
