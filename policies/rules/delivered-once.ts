import { MECHANISM_OF } from "../../delivery/layout.js";
import { kubernetesObject, labelledPurpose } from "../resources.js";
import type { PlatformRule } from "../rule.js";

/** The object that delivers a purpose into a namespace, per mechanism (generator objects are not deliveries). */
const DELIVERING_KIND: Record<string, string> = {
  "external-secret": "ExternalSecret",
  "reveal-once": "ExternalSecret",
  "push-secret": "ExternalSecret",
  "bootstrap-takeover": "ExternalSecret",
  "cert-manager": "Certificate",
};

export const deliveredOnce: PlatformRule = {
  name: "delivered-once",
  description: "In the steady state every purpose is delivered exactly once into each namespace that consumes it, by the mechanism its delivery mode names.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation: "let delivery/layout.ts derive the delivering objects from the registry; remove hand-written duplicates",
  validateStack(s, ctx, report) {
    if (s.phase !== "steady-state") return;
    const count = new Map<string, number>();
    for (const r of s.resources) {
      const k = kubernetesObject(r);
      const p = labelledPurpose(r, ctx)?.purpose;
      if (!k?.namespace || !p || k.kind !== DELIVERING_KIND[MECHANISM_OF[p.delivery]] || k.name?.endsWith("-generator")) continue;
      const key = `${p.id} ${k.namespace}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    for (const p of ctx.registry.purposes) {
      const kind = DELIVERING_KIND[MECHANISM_OF[p.delivery]];
      if (!kind) continue;
      const namespaces = p.delivery === "bootstrap" ? [p.bootstrap!.namespace] : [...new Set(p.consumers.map((c) => c.namespace))];
      for (const ns of namespaces) {
        const n = count.get(`${p.id} ${ns}`) ?? 0;
        if (n !== 1) report(`${p.id}: delivered ${n} times into namespace ${ns} by a ${kind}; exactly once is required`);
      }
    }
  },
};
