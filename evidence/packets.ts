import { RESOURCE_TYPES } from "../policies/resource-types.js";
import { kubernetesObject } from "../policies/resources.js";
import type { Violation } from "../policies/evaluate.js";
import { RULES } from "../policies/rules/index.js";
import type { PlanDocument, PlanResource } from "../plan/report/plan-json.js";
import type { PostureEntry } from "../posture/model.js";
import type { Registry } from "../registry/load.js";
import type { RegisteredPurpose } from "../registry/purpose.js";
import { accessMatrix, type AccessRow } from "../access/matrix.js";
import { kvMetadataPath } from "../vault/paths.js";
import { canonicalJson, sha256 } from "./canonical.js";

/**
 * Evidence packets: one per evidence component, for auditors. Everything in one comes from the registry and a plan
 * document, whose secret values are already "[secret]"; PEM blocks are cut to their header and a SHA-256 so a packet
 * identifies material without carrying it.
 */

export interface EvidencePacket {
  schemaVersion: 1;
  evidence: { id: string; description: string; controls: string[]; declaredIn: string };
  cluster: string;
  generatedAt: string;
  contracts: RegisteredPurpose[];
  resources: { purpose: string; stack: string; urn: string; type: string; protect: boolean; settings: unknown }[];
  policy: { rules: string[]; violations: Violation[]; passed: boolean };
  /** The access matrix rows of its purposes: who can do what, evaluated from the planned policies and roles. */
  access: AccessRow[];
  handover: Record<string, unknown>;
  posture: PostureEntry[];
  /** SHA-256 of the canonical JSON of every other field. */
  digest: string;
}

export function evidencePackets(doc: PlanDocument, registry: Registry): EvidencePacket[] {
  const handovers = (doc.stacks.find((s) => s.phaseId === "runtime-authority")?.outputs.handover ?? {}) as Record<
    string,
    unknown
  >;
  const matrix = accessMatrix(
    doc.stacks.flatMap((s) => s.resources.map((r) => ({ type: r.type, props: r.inputs }))),
    registry,
  );
  return registry.evidence.map((e) => {
    const contracts = registry.purposes.filter((p) => p.evidence === e.id);
    const ids = new Set(contracts.map((p) => p.id));
    const resources = doc.stacks.flatMap((s) =>
      s.resources
        .filter((r) => r.custom && !r.read)
        .flatMap((r) =>
          purposesOf(r, contracts).map((purpose) => ({
            purpose,
            stack: s.stack,
            urn: r.urn,
            type: r.type,
            protect: r.options.protect,
            settings: withoutMaterial(r.inputs),
          })),
        ),
    );
    const urns = new Set(resources.map((r) => r.urn));
    const violations = doc.violations.filter(
      (v) => (v.urn && urns.has(v.urn)) || [...ids].some((id) => v.message.startsWith(`${id}:`)),
    );
    const body: Omit<EvidencePacket, "digest"> = {
      schemaVersion: 1,
      evidence: { id: e.id, description: e.description, controls: e.controls, declaredIn: e.file },
      cluster: doc.cluster,
      generatedAt: doc.generatedAt,
      contracts,
      resources,
      policy: { rules: RULES.map((r) => r.name), violations, passed: violations.length === 0 },
      access: matrix.filter((row) => ids.has(row.purpose)),
      handover: Object.fromEntries(Object.entries(handovers).filter(([id]) => ids.has(id))),
      posture: doc.posture.filter((p) => ids.has(p.purpose)),
    };
    return { ...body, digest: sha256(canonicalJson(body)) };
  });
}

/** Which of `contracts` a resource implements: by its purpose label, or by the Vault object named after the purpose. */
function purposesOf(r: PlanResource, contracts: readonly RegisteredPurpose[]): string[] {
  const label = kubernetesObject({ type: r.type, props: r.inputs })?.labels["secrets-platform/purpose"];
  return contracts
    .filter(
      (p) =>
        label === p.id ||
        (r.type === RESOURCE_TYPES.vaultTransitKey && r.inputs.name === p.id) ||
        (r.type === RESOURCE_TYPES.vaultPkiRole && r.inputs.name === p.id) ||
        (r.type === RESOURCE_TYPES.vaultGenericEndpoint && r.inputs.path === kvMetadataPath(p)),
    )
    .map((p) => p.id);
}

/** Inputs with every PEM block reduced to its header line and SHA-256. */
function withoutMaterial(v: unknown): unknown {
  if (typeof v === "string" && v.startsWith("-----BEGIN")) return { pem: v.split("\n")[0], sha256: sha256(v) };
  if (Array.isArray(v)) return v.map(withoutMaterial);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutMaterial(x)]));
  return v;
}
