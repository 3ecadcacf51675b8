import { describe, kubernetesObject } from "../resources.js";
import { SECRET_PLACEHOLDER, type PlatformRule } from "../rule.js";
import { secretMaterialIn } from "../secret-material.js";

/** Inputs that carry secret material by design (kept secret by the provider or the program). */
const SECRET_BY_DESIGN = new Set(["data", "stringData"]);

export const noPlaintextSecrets: PlatformRule = {
  name: "no-plaintext-secrets",
  description:
    "Raw material only at the delivery boundary: no private key or identity in a plain input, label, annotation or stack output, and a Secret's data is a secret value.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediation:
    "pass the value as a Pulumi secret (pulumi.secret / --secret config), and publish metadata (fingerprint, expiry) instead of material",
  validateResource(r, _ctx, report) {
    const k = kubernetesObject(r);
    const isSecret = k?.kind === "Secret";
    for (const [key, value] of Object.entries(r.props)) {
      if (isSecret && SECRET_BY_DESIGN.has(key)) {
        // The offline plan shows secret values as a placeholder; anything else there was registered in plain text.
        if (r.secretsMarked && value !== undefined && value !== SECRET_PLACEHOLDER)
          report(`${describe(r)}: ${key} is not a secret value`);
        continue;
      }
      for (const found of secretMaterialIn(value)) report(`${describe(r)}: ${key} holds ${found} in plain text`);
    }
  },
};
