import { LABEL } from "../../registry/labels.js";
import { describe, kubernetesObject, labelledPurpose, secretWritten } from "../resources.js";
import type { PlatformRule } from "../rule.js";

export const singleAuthority: PlatformRule = {
  name: "single-authority",
  description:
    "One authority per secret at a time: no Secret written by two objects of a stack, and a bootstrap Secret is kept current from Vault only by merging into it after the handover, never by taking it over from Flux.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation: "keep exactly one writer per Secret; for a handed-over bootstrap Secret use creationPolicy Merge",
  validateStack(s, ctx, report) {
    const writers = new Map<string, string[]>();
    const add = (key: string, what: string) => writers.set(key, [...(writers.get(key) ?? []), what]);
    for (const r of s.resources) {
      const k = kubernetesObject(r);
      if (!k?.namespace || r.type.endsWith("Patch")) continue;
      const spec = r.props.spec ?? {};
      const written = secretWritten(r);
      if (written) add(written, describe(r));
      const p = labelledPurpose(r, ctx)?.purpose;
      if (k.kind === "ExternalSecret" && p?.delivery === "bootstrap" && spec.target?.creationPolicy !== "Merge")
        report(
          `${p.id}: ${describe(r)} would own the bootstrap Secret Flux created (creationPolicy ${spec.target?.creationPolicy ?? "Owner"})`,
          r.urn,
        );
      if (k.kind === "Secret" && k.labels[LABEL.authority] === "vault" && r.props.stringData !== undefined)
        report(
          `${k.labels[LABEL.purpose] ?? k.name}: ${describe(r)} claims authority vault but Pulumi writes its data`,
          r.urn,
        );
    }
    for (const [secret, list] of writers)
      if (list.length > 1) report(`Secret ${secret} is written by ${list.join(" and ")}`);
  },
};
