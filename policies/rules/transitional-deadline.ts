import type { PlatformRule } from "../rule.js";

export const transitionalDeadline: PlatformRule = {
  name: "transitional-deadline",
  description:
    "Stale posture is visible: a Kubernetes-held (transitional) purpose whose transitionalUntil date is near or past is reported.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediation:
    "finish the handover to Vault and move the purpose to a vault tier, or extend transitionalUntil in a reviewed change",
  configSchema: {
    properties: {
      warnDays: {
        type: "integer",
        default: 30,
        description: "how many days before transitionalUntil to start reporting",
      },
    },
  },
  validateStack(s, ctx, report) {
    if (s.phase !== "bootstrap") return;
    const horizon = new Date(ctx.now.getTime() + ctx.config.warnDays * 86_400_000).toISOString().slice(0, 10);
    const today = ctx.now.toISOString().slice(0, 10);
    for (const p of ctx.registry.purposes)
      if (p.transitionalUntil && p.transitionalUntil <= horizon)
        report(
          `${p.id}: tier ${p.tier} is transitional until ${p.transitionalUntil}${p.transitionalUntil < today ? " (past)" : ""}`,
        );
  },
};
