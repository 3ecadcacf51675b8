import { parseDuration } from "../../registry/duration.js";
import { describe, kubernetesObject, labelledPurpose } from "../resources.js";
import type { PlatformRule } from "../rule.js";

/** A Go duration (as cert-manager writes them: 720h, 1h30m) in seconds. */
const seconds = (d: unknown) => (typeof d === "string" ? parseDuration(d) : undefined);

export const certificateLifetime: PlatformRule = {
  name: "certificate-lifetime",
  description:
    "Certificates live no longer than their PKI role's max_ttl (the rotation period), renew by percentage before it cuts them, and get a new key each time.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediation:
    "duration = rotation.period, renewBeforePercentage (not a fixed renewBefore), privateKey.rotationPolicy Always",
  validateResource(r, ctx, report) {
    const k = kubernetesObject(r);
    const p = labelledPurpose(r, ctx)?.purpose;
    if (k?.kind !== "Certificate" || !p) return;
    const spec = r.props.spec ?? {};
    const duration = seconds(spec.duration);
    const maxTtl = parseDuration(p.rotation.period)!;
    if (duration === undefined || duration > maxTtl)
      report(
        `${p.id}: ${describe(r)}: duration ${spec.duration ?? "unset (90 days)"} exceeds the PKI role's max_ttl ${p.rotation.period}: Vault caps it and renewal loops`,
      );
    if (spec.renewBeforePercentage === undefined) {
      const before = seconds(spec.renewBefore);
      if (before === undefined || before >= Math.min(duration ?? maxTtl, maxTtl))
        report(
          `${p.id}: ${describe(r)}: set renewBeforePercentage; a fixed renewBefore loops when Vault caps the lifetime`,
        );
    }
    if (spec.privateKey?.rotationPolicy !== "Always")
      report(`${p.id}: ${describe(r)} keeps its private key across renewals`);
  },
};
