import { mechanismOf } from "../../delivery/mechanisms/index.js";
import { kubernetesObject, labelledPurpose } from "../resources.js";
import type { PlatformRule } from "../rule.js";

export const deliveredOnce: PlatformRule = {
  name: "delivered-once",
  description:
    "In the steady state every purpose is delivered exactly once into each namespace that consumes it, by the mechanism its delivery mode names.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "let the purpose's delivery mechanism (delivery/mechanisms/) derive the delivering objects from the registry; remove hand-written duplicates",
  validateStack(s, ctx, report) {
    if (s.phase !== "steady-state") return;
    const count = new Map<string, number>();
    for (const r of s.resources) {
      const k = kubernetesObject(r);
      const p = labelledPurpose(r, ctx)?.purpose;
      if (!k?.namespace || !p) continue;
      const mechanism = mechanismOf(p);
      // An object of the delivering kind that makes the value (a push-secret's generator) does not deliver it.
      if (k.kind !== mechanism.deliveringKind || !(mechanism.delivers?.({ spec: r.props.spec ?? {} }) ?? true))
        continue;
      const key = `${p.id} ${k.namespace}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    for (const p of ctx.registry.purposes) {
      const mechanism = mechanismOf(p);
      if (!mechanism.deliveringKind) continue;
      for (const ns of mechanism.namespaces(p)) {
        const n = count.get(`${p.id} ${ns}`) ?? 0;
        if (n !== 1)
          report(
            `${p.id}: delivered ${n} times into namespace ${ns} by a ${mechanism.deliveringKind}; exactly once is required`,
          );
      }
    }
  },
};
