import { RESOURCE_TYPES } from "../policies/resource-types.js";
import type { PlanDocument, PlanStack } from "../plan/report/plan-json.js";
import { x509 } from "../pki/x509.js";
import type { Registry } from "../registry/load.js";
import { mechanismOf } from "../delivery/mechanisms/index.js";
import type { DeliveryRecord } from "../delivery/types.js";
import { parseDuration } from "../registry/duration.js";
import { postureContract, type Observation, type PostureEntry } from "./model.js";

/**
 * Observations an offline plan can make: everything it plans comes into use at the plan's time. Values Vault holds
 * (KV, transit) were written or created then, bootstrap values were handed over when the handover Job completed,
 * certificates are issued then for their planned lifetime, and their issuer is the PKI intermediate the plan signed.
 * Evaluating them at a later `--now` shows how posture moves as time passes without a rotation.
 */
export function planObservations(doc: PlanDocument, registry: Registry): Observation[] {
  const at = doc.generatedAt;
  const stack = (phase: string): PlanStack | undefined => doc.stacks.find((s) => s.phaseId === phase);
  const ra = stack("runtime-authority");
  const steady = stack("steady-state");
  const handovers = (ra?.outputs.handover ?? {}) as Record<string, { at?: string; status?: string }>;
  const transitKeys = (ra?.outputs.transitKeys ?? {}) as Record<string, { latestVersion?: number }>;
  const deliveries = (steady?.outputs.deliveries ?? {}) as Record<string, DeliveryRecord>;
  const issuerExpiresAt = pkiIssuerNotAfter(ra);

  const out: Observation[] = [];
  for (const p of registry.purposes) {
    const contract = postureContract(p);
    const o = (fact: Omit<Observation, "purpose" | "source">) =>
      out.push({ purpose: p.id, source: "plan", contract, ...fact });
    const storage = mechanismOf(p).vault;
    // KV v2 deletes every version `delete_version_after` its creation (Vault sets its deletion_time then): past it,
    // consumers cannot read the value, as the live source reads it from the version's deletion_time.
    const deletedAfter = (written: string) =>
      storage.engine === "kv" && p.kv?.deleteVersionAfter
        ? { expiresAt: new Date(Date.parse(written) + parseDuration(p.kv.deleteVersionAfter)! * 1000).toISOString() }
        : {};
    if (storage.engine === "kv" && storage.writtenBy === "handover") {
      const h = handovers[p.id];
      if (h?.at)
        o({ lastRotatedAt: h.at, ...deletedAfter(h.at), detail: `handed over to Vault (${h.status ?? "recorded"})` });
    } else if (storage.engine === "transit") {
      const key = transitKeys[p.id];
      if (key) o({ lastRotatedAt: at, detail: `transit key version ${key.latestVersion ?? 1} created` });
    } else if (storage.engine === "pki") {
      const cert = deliveries[p.id]?.certificate;
      if (cert)
        o({
          lastRotatedAt: at,
          expiresAt: new Date(Date.parse(at) + cert.durationSeconds * 1000).toISOString(),
          ...(issuerExpiresAt ? { issuerExpiresAt } : {}),
          detail: `issued by ${cert.issuer}`,
        });
      else if (issuerExpiresAt) o({ issuerExpiresAt });
    } else {
      const delivery = deliveries[p.id];
      if (delivery) o({ lastRotatedAt: at, ...deletedAfter(at), detail: `materialized by ${delivery.mechanism}` });
    }
  }
  return [...out, ...retiredObservations(doc, registry)];
}

/**
 * What a plan shows of the purposes it deployed that the registry no longer lists: their contract and last facts,
 * from the plan's own posture. Posture reports each `retired` (its values and trust material are still there,
 * protected), instead of dropping it because the registry forgot it. For an earlier plan given to posture.
 */
export function retiredObservations(doc: PlanDocument, registry: Registry): Observation[] {
  const known = new Set(registry.purposes.map((p) => p.id));
  return (doc.posture ?? [])
    .filter((e) => !known.has(e.purpose))
    .map((e: PostureEntry) => ({
      purpose: e.purpose,
      source: "plan",
      contract: {
        owner: e.owner,
        tier: e.tier,
        delivery: e.delivery,
        evidence: e.evidence,
        rotationPeriod: e.rotationPeriod,
        rotationGrace: e.rotationGrace,
      },
      ...(e.lastRotatedAt ? { lastRotatedAt: e.lastRotatedAt } : {}),
      ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}),
      detail: `in the plan of cluster ${doc.cluster} made ${doc.generatedAt}`,
    }));
}

/** The notAfter of the PKI intermediate set on Vault's pki mount, if the plan set one. */
function pkiIssuerNotAfter(ra: PlanStack | undefined): string | undefined {
  const signed = ra?.resources.find((r) => r.type === RESOURCE_TYPES.vaultPkiIntermediateSetSigned);
  const pem = signed?.inputs.certificate;
  if (typeof pem !== "string" || !pem.includes("BEGIN CERTIFICATE")) return undefined;
  return new x509.X509Certificate(x509.PemConverter.decode(pem)[0]!).notAfter.toISOString();
}
