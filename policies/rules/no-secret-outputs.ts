import type { PlatformRule } from "../rule.js";
import { secretMaterialIn } from "../secret-material.js";

export const noSecretOutputs: PlatformRule = {
  name: "no-secret-outputs",
  description:
    "Stack outputs, which other stacks and people read, carry metadata and public material only: no private key or identity in plain text.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediation:
    "publish a fingerprint, expiry or reference instead; if another stack truly needs the value, export it with pulumi.secret",
  validateStack(s, _ctx, report) {
    for (const [key, value] of Object.entries(s.outputs ?? {}))
      for (const found of secretMaterialIn(value))
        report(`stack ${s.stack}: output ${key} holds ${found} in plain text`);
  },
};
